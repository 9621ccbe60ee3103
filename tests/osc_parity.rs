//! `shipgate osc` against the engine's own ALTER: the same table built
//! twice, one migrated by osc, its twin by the engine, and every column
//! and row compared (`common::osc::osc_matches_engine`). One case per
//! class of mapping or copy error, on PostgreSQL and MariaDB where the
//! class exists.

mod common;

use common::db::{fresh, Kind};
use common::osc::*;

async fn case(kind: Kind, tag: &str, setup: &[&str], alter: &str) {
    let Some(db) = fresh(kind, tag).await else {
        return;
    };
    osc_matches_engine(&db, setup, alter).await;
    db.drop_db().await;
}

/// The issue's reproduction: a column named in another case than the
/// catalog's keeps its values (MySQL column names ignore case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_modify_names_the_column_in_another_case() {
    case(
        Kind::My,
        "case",
        &[
            "CREATE TABLE {t} (id int primary key, c2 int)",
            "INSERT INTO {t} VALUES (1,26),(2,27),(3,28),(4,NULL)",
            "UPDATE {t} SET c2 = 0 WHERE c2 IS NULL",
        ],
        "ALTER TABLE {t} MODIFY C2 int not null default 0",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_change_in_another_case_renames_and_keeps_values() {
    case(
        Kind::My,
        "chcase",
        &[
            "CREATE TABLE {t} (ID int primary key, Val varchar(20))",
            "INSERT INTO {t} VALUES (1,'a'),(2,'b'),(3,NULL)",
        ],
        "ALTER TABLE {t} CHANGE val Amount varchar(30), MODIFY id bigint",
    )
    .await;
}

/// PostgreSQL: a quoted mixed-case name is exact, the unquoted one folds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_quoted_names_are_exact() {
    case(
        Kind::Pg,
        "quoted",
        &[
            "CREATE TABLE {t} (id int primary key, \"Val\" int, val int)",
            "INSERT INTO {t} SELECT g, g * 10, g * 100 FROM generate_series(1, 50) g",
        ],
        "ALTER TABLE {t} ALTER COLUMN \"Val\" TYPE bigint, DROP COLUMN val",
    )
    .await;
}

const DROP_ADD: &str = "ALTER TABLE {t} DROP COLUMN c1, ADD COLUMN c1 int NOT NULL DEFAULT 47";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_drop_and_add_of_the_same_name_gives_the_new_default() {
    case(
        Kind::Pg,
        "dropadd",
        &[
            "CREATE TABLE {t} (id int primary key, c1 int, c2 text)",
            "INSERT INTO {t} SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE g END, 'x' || g FROM generate_series(1, 100) g",
        ],
        DROP_ADD,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_drop_and_add_of_the_same_name_gives_the_new_default() {
    case(
        Kind::My,
        "dropadd",
        &[
            "CREATE TABLE {t} (id int primary key, c1 int, c2 varchar(10))",
            "INSERT INTO {t} SELECT seq, IF(seq % 3 = 0, NULL, seq), CONCAT('x', seq) FROM seq_1_to_100",
        ],
        DROP_ADD,
    )
    .await;
}

/// A rename still carries the values, also when the old name is taken
/// again by a new column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_change_carries_values_and_a_new_column_takes_the_old_name() {
    case(
        Kind::My,
        "rename",
        &[
            "CREATE TABLE {t} (id int primary key, a int, b int)",
            "INSERT INTO {t} SELECT seq, seq, seq * 2 FROM seq_1_to_100",
        ],
        "ALTER TABLE {t} CHANGE a a2 bigint, ADD COLUMN a int DEFAULT 5, RENAME COLUMN b TO b2",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_rename_column_carries_values() {
    case(
        Kind::Pg,
        "rename",
        &[
            "CREATE TABLE {t} (id int primary key, a int, b int)",
            "INSERT INTO {t} SELECT g, g, g * 2 FROM generate_series(1, 100) g",
        ],
        "ALTER TABLE {t} RENAME COLUMN a TO a2",
    )
    .await;
}

/// A row whose AUTO_INCREMENT key is 0 keeps it (the copy session has
/// NO_AUTO_VALUE_ON_ZERO; without it the row is renumbered).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_auto_increment_zero_stays_zero() {
    let Some(db) = fresh(Kind::My, "aizero").await else {
        return;
    };
    osc_matches_engine(
        &db,
        &[
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')",
            "CREATE TABLE {t} (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, s varchar(20))",
            "INSERT INTO {t} VALUES (0, 'zero'), (1, 'one'), (7, 'seven')",
        ],
        "ALTER TABLE {t} MODIFY s varchar(40) NOT NULL DEFAULT ''",
    )
    .await;
    let mut c = db.conn().await;
    assert_eq!(
        c.scalar("SELECT s FROM t WHERE id = 0").await.unwrap(),
        Some("zero".into())
    );
    db.drop_db().await;
}

/// Zero dates (and zero parts in dates) the table holds are copied as
/// they are; TIMESTAMP values keep their instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_zero_dates_and_timestamps_are_copied_as_they_are() {
    case(
        Kind::My,
        "zerodate",
        &[
            "CREATE TABLE {t} (id int primary key, d date, dt datetime, ts timestamp NULL, ts3 timestamp(3) NULL)",
            "INSERT INTO {t} VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', NULL), \
             (2, '2020-00-15', '2020-03-00 10:00:00', '2021-03-28 01:30:00', '2021-10-31 02:30:00.123'), \
             (3, '1999-12-31', '2038-01-19 03:14:07', '2038-01-19 03:14:07', '1970-01-01 00:00:01.5')",
        ],
        "ALTER TABLE {t} MODIFY ts3 timestamp(6) NULL, MODIFY dt datetime(3), ADD COLUMN z int",
    )
    .await;
}

/// DATETIME into TIMESTAMP reads the session's zone: osc's copy must use
/// the server's, as the engine's own ALTER does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_datetime_to_timestamp_uses_the_server_zone() {
    case(
        Kind::My,
        "dt2ts",
        &[
            "CREATE TABLE {t} (id int primary key, dt datetime)",
            "INSERT INTO {t} VALUES (1, '2021-03-28 02:30:00'), (2, '2020-06-01 12:00:00'), (3, NULL)",
        ],
        "ALTER TABLE {t} MODIFY dt timestamp NULL",
    )
    .await;
}

/// A binary key whose bytes are no valid UTF-8, over several chunks: chunk
/// bounds travel as hex, not as (lossy) text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_binary_key_survives_chunking() {
    case(
        Kind::My,
        "binkey",
        &[
            "CREATE TABLE {t} (k varbinary(20) primary key, v int)",
            "INSERT INTO {t} SELECT UNHEX(SHA1(seq)), seq FROM seq_1_to_12000",
        ],
        "ALTER TABLE {t} ADD COLUMN z int DEFAULT 1, MODIFY v bigint",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_bytea_key_survives_chunking() {
    case(
        Kind::Pg,
        "binkey",
        &[
            "CREATE TABLE {t} (k bytea primary key, v int)",
            "INSERT INTO {t} SELECT decode(md5(g::text), 'hex'), g FROM generate_series(1, 12000) g",
        ],
        "ALTER TABLE {t} ADD COLUMN z int DEFAULT 1, ALTER COLUMN v TYPE bigint",
    )
    .await;
}

/// Types whose text form is missing (spatial) or lossy (bytes, bits,
/// floats), and conversions verification must see through (DECIMAL
/// scale, float to double, ENUM/SET members, BINARY padding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_every_type_copies_and_verifies() {
    case(
        Kind::My,
        "types",
        &[
            "CREATE TABLE {t} (id int primary key, g geometry, p point NOT NULL, j json, b blob, vb varbinary(10), \
             bt bit(8), e enum('a','b','c'), st set('x','y','z'), d decimal(10,4), f float, db double, bn binary(4), c varchar(10))",
            "INSERT INTO {t} VALUES \
             (1, ST_GeomFromText('LINESTRING(0 0,1 1,2 5)'), POINT(1.5, -2), '{\"a\": [1, 2.50, null]}', X'00FF10', X'C328', b'10100101', 'b', 'x,z', 12.3456, 1.1, 0.1, X'6162', 'ab '), \
             (2, NULL, POINT(0, 0), NULL, NULL, NULL, NULL, NULL, '', -0.0001, -3.4e38, 1e308, NULL, NULL), \
             (3, ST_GeomFromText('POLYGON((0 0,0 3,3 3,0 0))'), POINT(1e10, 1e-10), '[]', X'', X'', b'0', 'c', 'x,y,z', 99999.9999, 3.14159, -2.5e-300, X'00000000', '')",
        ],
        "ALTER TABLE {t} MODIFY d decimal(12,2), MODIFY f double, MODIFY e enum('c','b','a','d'), \
         MODIFY st set('z','y','x'), MODIFY bt bit(16), MODIFY vb varbinary(20), MODIFY bn binary(6), MODIFY c char(12), \
         MODIFY db double NOT NULL DEFAULT 0, ADD COLUMN z int",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_every_type_copies_and_verifies() {
    case(
        Kind::Pg,
        "types",
        &[
            "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            "CREATE TABLE {t} (id int primary key, p point, j json, jb jsonb, b bytea, bt bit(8), vb varbit(10), \
             e mood, d numeric(10,4), f real, db double precision, ts timestamptz, a int[])",
            "INSERT INTO {t} VALUES \
             (1, point(1.5, -2), '{\"a\": [1, 2.50, null]}', '{\"b\": 1}', '\\x00ff10', B'10100101', B'101', 'ok', 12.3456, 1.1, 0.1, '2021-03-28 02:30:00+02', '{1,2}'), \
             (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -0.0001, -3.4e38, 1e308, NULL, NULL), \
             (3, point(1e10, 1e-10), '[]', '[]', '\\x', B'00000000', B'', 'happy', 99999.9999, 3.14159, -2.5e-300, 'infinity', '{}')",
        ],
        "ALTER TABLE {t} ALTER COLUMN d TYPE numeric(12,2), ALTER COLUMN f TYPE double precision, \
         ALTER COLUMN j TYPE jsonb, ALTER COLUMN bt TYPE bit varying(16), ALTER COLUMN ts TYPE timestamp, ADD COLUMN z int",
    )
    .await;
}

/// Keys: the run tracks rows by a unique key over NOT NULL columns that
/// exists before and after the ALTER, so the primary key or a unique key
/// may change around it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_unique_key_swap_without_primary_key() {
    case(
        Kind::My,
        "ukswap",
        &[
            "CREATE TABLE {t} (a int NOT NULL, b int NOT NULL, c varchar(10), UNIQUE KEY u1 (a, b))",
            "INSERT INTO {t} SELECT seq % 100, seq, CONCAT('c', seq) FROM seq_1_to_12000",
        ],
        "ALTER TABLE {t} DROP INDEX u1, ADD UNIQUE INDEX u2 (b, a), MODIFY c varchar(20)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_primary_key_change_rides_on_a_unique_key() {
    case(
        Kind::My,
        "pkchange",
        &[
            "CREATE TABLE {t} (id int primary key, u int NOT NULL, v int, UNIQUE KEY uu (u))",
            "INSERT INTO {t} SELECT seq, 20000 - seq, seq FROM seq_1_to_12000",
        ],
        "ALTER TABLE {t} DROP PRIMARY KEY, ADD PRIMARY KEY (u, id)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_primary_key_moves_to_a_unique_column() {
    case(
        Kind::Pg,
        "pkchange",
        &[
            "CREATE TABLE {t} (id int primary key, u int NOT NULL, v int, CONSTRAINT {t}_u UNIQUE (u))",
            "INSERT INTO {t} SELECT g, 20000 - g, g FROM generate_series(1, 12000) g",
        ],
        "ALTER TABLE {t} DROP CONSTRAINT {t}_pkey, ADD PRIMARY KEY (u), ADD CONSTRAINT {t}_id UNIQUE (id)",
    )
    .await;
}

/// Without a key common to both shapes the run is refused before
/// anything is created, naming the keys on each side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_without_a_common_unique_key_are_refused() {
    for (kind, alter) in [
        (
            Kind::My,
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (v)",
        ),
        (
            Kind::Pg,
            "ALTER TABLE t DROP CONSTRAINT t_pkey, ADD PRIMARY KEY (v)",
        ),
    ] {
        let Some(db) = fresh(kind, "nokey").await else {
            continue;
        };
        let mut c = db.conn().await;
        c.exec("CREATE TABLE t (id int primary key, v int NOT NULL)")
            .await
            .unwrap();
        c.exec("INSERT INTO t VALUES (1, 10), (2, 20)")
            .await
            .unwrap();
        let out = osc(&db.url, &["--yes", alter]);
        let msg = text(&out);
        assert_eq!(out.status.code(), Some(2), "{msg}");
        assert!(
            msg.contains("no unique key over NOT NULL columns exists both before and after")
                && msg.contains("before: (id)")
                && msg.contains("after: (v)"),
            "{msg}"
        );
        assert!(
            leftovers(&db).await.is_empty(),
            "{:?}",
            leftovers(&db).await
        );
        assert!(triggers_on_t(&db).await.is_empty());
        db.drop_db().await;
    }
}

/// The primary key changes under four writers; rows are tracked by the
/// unique key on `id` that both shapes have, and the result must equal
/// the writers' truth table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_key_change_under_writers() {
    for (kind, alter) in [
        (
            Kind::My,
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, k), ADD UNIQUE KEY t_uid (id)",
        ),
        (
            Kind::Pg,
            "ALTER TABLE t DROP CONSTRAINT t_pkey, ADD PRIMARY KEY (id, k), ADD CONSTRAINT t_uid UNIQUE (id)",
        ),
    ] {
        let Some(db) = fresh(kind, "pkwrite").await else {
            continue;
        };
        alter_under_writers(&db, alter, &["id", "n", "s", "k"]).await;
        db.drop_db().await;
    }
}

/// The AUTO_INCREMENT column's only index becomes a unique key: it must
/// stay on the shadow during the copy (MariaDB error 1075 otherwise), and
/// rows are tracked by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_mysql_primary_key_to_unique_on_the_auto_increment_column() {
    case(
        Kind::My,
        "pk2uk",
        &[
            "CREATE TABLE {t} (id int auto_increment, i int not null, s varchar(10), primary key (id), key (i))",
            "INSERT INTO {t} (i, s) SELECT seq % 7, CONCAT('s', seq) FROM seq_1_to_9000",
        ],
        "ALTER TABLE {t} DROP PRIMARY KEY, ADD UNIQUE KEY (id)",
    )
    .await;
}

/// PostgreSQL: a constraint named by the table's name is found on the
/// shadow (whose copy of it LIKE named after the shadow).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_drop_constraint_by_the_tables_name() {
    case(
        Kind::Pg,
        "dropcon",
        &[
            "CREATE TABLE {t} (id int primary key, u int NOT NULL UNIQUE, c int CONSTRAINT {t}_c_pos CHECK (c > 0))",
            "INSERT INTO {t} SELECT g, g, g FROM generate_series(1, 100) g",
        ],
        "ALTER TABLE {t} DROP CONSTRAINT {t}_u_key, DROP CONSTRAINT {t}_c_pos, ADD COLUMN z int",
    )
    .await;
}

/// PostgreSQL: dropping a foreign key is refused up front with the
/// cheaper way to do it, and nothing is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_drop_foreign_key_is_refused_with_the_alternative() {
    let Some(db) = fresh(Kind::Pg, "dropfk").await else {
        return;
    };
    let mut c = db.conn().await;
    for s in [
        "CREATE TABLE p (id int PRIMARY KEY)",
        "INSERT INTO p SELECT generate_series(1, 10)",
        "CREATE TABLE t (id int PRIMARY KEY, p_id int CONSTRAINT t_p_fk REFERENCES p (id))",
        "INSERT INTO t SELECT g, g FROM generate_series(1, 10) g",
    ] {
        c.exec(s).await.unwrap();
    }
    let out = osc(&db.url, &["--yes", "ALTER TABLE t DROP CONSTRAINT t_p_fk"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains("drops a foreign key") && msg.contains("t_p_fk"),
        "{msg}"
    );
    assert!(
        leftovers(&db).await.is_empty(),
        "{:?}",
        leftovers(&db).await
    );
    assert!(triggers_on_t(&db).await.is_empty());
    db.drop_db().await;
}

/// Storage parameters survive the copy (`LIKE … INCLUDING ALL` copies
/// none): the shadow gets the table's, the TOAST table's too, before the
/// ALTER, so an ALTER that changes one still wins. The engine's table is
/// the reference (the twin definition compares reloptions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parity_pg_storage_parameters_survive() {
    let Some(db) = fresh(Kind::Pg, "relopt").await else {
        return;
    };
    let setup: &[&str] = &[
        "CREATE TABLE {t} (id int primary key, a text) WITH (fillfactor=80, autovacuum_enabled=false, toast.autovacuum_enabled=false)",
        "INSERT INTO {t} SELECT g, repeat('x', g) FROM generate_series(1, 100) g",
    ];
    for (name, alter) in [
        ("k", "ALTER TABLE {t} ADD COLUMN b int"),
        (
            "r",
            "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL, RESET (fillfactor)",
        ),
    ] {
        common::twin::osc_vs_engine(&db, name, setup, alter)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let toast = |t: &str| {
            format!(
                "SELECT coalesce(array_to_string(x.reloptions, ','), '') FROM pg_class c \
                 JOIN pg_class x ON x.oid = c.reltoastrelid WHERE c.oid = '{t}'::regclass"
            )
        };
        let mut c = db.conn().await;
        let o = c.rows(&toast(&format!("{name}_osc"))).await.unwrap();
        let e = c.rows(&toast(&format!("{name}_eng"))).await.unwrap();
        assert_eq!(o, e, "{alter}: the TOAST table's parameters");
        assert!(
            format!("{o:?}").contains("autovacuum_enabled=false"),
            "{o:?}"
        );
    }
    db.drop_db().await;
}
