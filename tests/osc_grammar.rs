//! The ALTER TABLE forms people write, through `shipgate osc`, each
//! compared with the engine's own ALTER on an identical table: rows and
//! definition (MariaDB `SHOW CREATE TABLE`) equal modulo the table name.
//! Forms the statement reader cannot carry are refused (exit 2) with the
//! clause named.

mod common;

use common::db::{fresh, Kind};
use common::osc::*;
use common::twin::osc_vs_engine;

/// latin1 text with accents, NULLs, zero and extreme values, 3,000 more
/// rows than the ends the oracle samples, and an id 0 (which a copy
/// session without NO_AUTO_VALUE_ON_ZERO would renumber).
const MY_SETUP: &[&str] = &[
    "CREATE TABLE {t} (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, a varchar(20) CHARACTER SET latin1 NOT NULL, b int NULL, c text CHARACTER SET latin1, UNIQUE KEY ua (a), KEY kb (b)) ENGINE=InnoDB DEFAULT CHARSET=latin1",
    "SET @m = @@SESSION.sql_mode, SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO'); INSERT INTO {t} (id, a, b, c) VALUES (0, 'id0', -1, 'o'); SET SESSION sql_mode = @m",
    "INSERT INTO {t} (id, a, b, c) VALUES (4, 'zero', 0, NULL), (1, 'café', NULL, 'été'), (2, 'b', -2147483648, ''), (3, 'ü', 2147483647, 'x')",
    "INSERT INTO {t} (id, a, b, c) SELECT seq + 10, CONCAT('r', seq), IF(seq % 7 = 0, NULL, seq), REPEAT('z', seq % 50) FROM seq_1_to_3000",
    "ALTER TABLE {t} AUTO_INCREMENT = 1",
];

async fn each_equals_the_engine(kind: Kind, setup: &[&str], forms: &[&str]) {
    let Some(db) = fresh(kind, "gram").await else {
        return;
    };
    let mut failed = vec![];
    for (i, form) in forms.iter().enumerate() {
        if let Err(e) = osc_vs_engine(&db, &format!("g{i}"), setup, form).await {
            failed.push(e);
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_table_options_and_rebuilds_equal_the_engine() {
    each_equals_the_engine(
        Kind::My,
        MY_SETUP,
        &[
            "ALTER TABLE {t} ENGINE=InnoDB",
            "ALTER TABLE {t} FORCE",
            "ALTER TABLE {t} ROW_FORMAT=COMPACT",
            "ALTER TABLE {t} COMMENT='the, table'",
            "ALTER TABLE {t} DEFAULT CHARSET=utf8mb4",
            "ALTER TABLE {t} CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin",
            "ALTER TABLE {t} ROW_FORMAT=REDUNDANT",
            "ALTER TABLE {t} CONVERT TO CHARACTER SET utf8mb4",
            "ALTER TABLE {t} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            "ALTER TABLE {t} AUTO_INCREMENT=100000",
            "ALTER TABLE {t} ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_keys_positions_and_mixed_clauses_equal_the_engine() {
    each_equals_the_engine(
        Kind::My,
        MY_SETUP,
        &[
            "ALTER TABLE {t} DROP KEY kb",
            "ALTER TABLE {t} DROP INDEX ua",
            "ALTER TABLE {t} ADD UNIQUE KEY ub (b)",
            "ALTER TABLE {t} ADD KEY kc (c(10)), ADD INDEX kab (a, b)",
            "ALTER TABLE {t} ADD COLUMN z int NOT NULL DEFAULT 5 FIRST",
            "ALTER TABLE {t} ADD COLUMN z int AFTER id, MODIFY b bigint AFTER c",
            "ALTER TABLE {t} CHANGE a a2 varchar(30) CHARACTER SET latin1 NOT NULL FIRST",
            "ALTER TABLE {t} ADD COLUMN z int, ALGORITHM=INPLACE, LOCK=NONE",
            "ALTER TABLE {t} ALGORITHM=COPY, MODIFY b bigint",
            "ALTER TABLE {t} DROP KEY kb, ADD COLUMN z varchar(5) DEFAULT 'q', ENGINE=InnoDB, COMMENT 'mixed', CONVERT TO CHARACTER SET utf8mb4, FORCE",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_storage_parameters_equal_the_engine() {
    each_equals_the_engine(
        Kind::Pg,
        &[
            "CREATE TABLE {t} (id int PRIMARY KEY, a text, b int)",
            "INSERT INTO {t} SELECT g, 'r' || g, nullif(g % 7, 0) FROM generate_series(0, 3000) g",
        ],
        &[
            "ALTER TABLE {t} SET (fillfactor = 70)",
            "ALTER TABLE {t} SET (fillfactor = 70, autovacuum_enabled = false), ADD COLUMN z int DEFAULT 3",
        ],
    )
    .await;
}

/// What the reader cannot carry is refused before anything is created,
/// exit 2, the clause named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_unreadable_clauses_are_refused_by_name() {
    let Some(db) = fresh(Kind::My, "gramr").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE t (id int PRIMARY KEY, a int) ENGINE=InnoDB")
        .await
        .unwrap();
    c.exec("CREATE TABLE p (id int PRIMARY KEY, t_id int, CONSTRAINT p_t FOREIGN KEY (t_id) REFERENCES t (id)) ENGINE=InnoDB")
        .await
        .unwrap();
    for (sql, named) in [
        ("ALTER TABLE t ENGINE=MyISAM", "ENGINE=MyISAM"),
        (
            "ALTER TABLE t FORCE, ADD COLUMN IF NOT EXISTS z int",
            "`ADD COLUMN IF NOT EXISTS z int`",
        ),
        ("ALTER TABLE t ORDER BY a", "`ORDER BY a`"),
        (
            "ALTER TABLE t STATS_PERSISTENT=0, DROP KEY k",
            "`STATS_PERSISTENT=0`",
        ),
        (
            "ALTER TABLE t ADD COLUMN (z int, y int)",
            "`ADD COLUMN (z int, y int)`",
        ),
        // Read, but a table with foreign keys is refused on MySQL.
        ("ALTER TABLE p DROP FOREIGN KEY p_t", "foreign keys"),
    ] {
        let out = osc(&db.url, &["--yes", sql]);
        assert_eq!(out.status.code(), Some(2), "{sql}: {}", text(&out));
        assert!(text(&out).contains(named), "{sql}: {}", text(&out));
    }
    // Read and carried, but this server's InnoDB refuses compressed
    // tables (MariaDB >= 10.6, innodb_read_only_compressed): the engine's
    // own ALTER fails alike, and the run stops with its message.
    let sql = "ALTER TABLE t ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8";
    if c.exec(sql).await.is_err() {
        let out = osc(&db.url, &["--yes", sql]);
        assert!(!out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("KEY_BLOCK_SIZE"), "{}", text(&out));
    }
    assert!(
        leftovers(&db).await.is_empty(),
        "{:?}",
        leftovers(&db).await
    );
    drop(c);
    db.drop_db().await;
}
