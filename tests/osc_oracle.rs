//! The engine as the oracle: before anything touches the live table, the
//! copy's mapping is checked against the engine's own ALTER on a sample of
//! the rows. Real mapping errors (not a test hook) must either stop the
//! run before the table is touched, or — once the mapping is fixed —
//! give exactly what the engine's own ALTER gives; these tests accept
//! either, and nothing in between. The issue's reproductions, whose
//! mapping is fixed, must give the engine's result ([`equals_engine`]).

mod common;

use common::db::{fresh, Kind, TestDb};
use common::osc::*;
use common::twin::{compare, named};
use std::process::Output;

/// Runs `alter` on `<name>_osc`; `<name>_eng` gets the engine's own ALTER
/// and `<name>_orig` nothing. Either the run succeeded and equals the
/// engine's result, or it stopped in setup (the oracle) with the table
/// equal to the original, no trigger on it and nothing of shipgate's left.
async fn stops_before_touching_or_equals_engine(
    db: &TestDb,
    name: &str,
    setup: &[&str],
    alter: &str,
) -> Output {
    let (o, e, orig) = (
        format!("{name}_osc"),
        format!("{name}_eng"),
        format!("{name}_orig"),
    );
    let mut c = db.conn().await;
    for s in setup {
        for t in [&o, &e, &orig] {
            c.exec(&named(s, t)).await.unwrap();
        }
    }
    let out = osc(
        &db.url,
        &[
            "--yes",
            "--drop-old",
            "--log-format",
            "json",
            &named(alter, &o),
        ],
    );
    let t = text(&out);
    if out.status.success() {
        c.exec(&named(alter, &e)).await.unwrap();
        if let Err(d) = compare(&mut c, db.kind, &o, &e).await {
            panic!("{alter}: the run succeeded but differs from the engine's own ALTER: {d}\n{t}");
        }
    } else {
        assert!(
            t.contains("engine's own ALTER"),
            "{alter}: stopped, but not by the oracle: {t}"
        );
        assert!(
            !t.contains("\"event\":\"setup\""),
            "{alter}: stopped after setup: {t}"
        );
        compare(&mut c, db.kind, &o, &orig)
            .await
            .unwrap_or_else(|d| panic!("{alter}: the table changed: {d}"));
        assert_eq!(triggers(db, &mut c, &o).await, 0, "{t}");
        assert!(leftovers(db).await.is_empty(), "{:?}", leftovers(db).await);
    }
    out
}

/// The run succeeds, its oracle passed, and the table equals the engine's
/// own ALTER (compared in [`stops_before_touching_or_equals_engine`]).
async fn equals_engine(db: &TestDb, name: &str, setup: &[&str], alter: &str) {
    let out = stops_before_touching_or_equals_engine(db, name, setup, alter).await;
    assert!(
        out.status.success(),
        "{alter}: stopped, the engine's own ALTER succeeds: {}",
        text(&out)
    );
    assert!(
        oracle_event(&out).contains("\"rows\":3"),
        "{}",
        oracle_event(&out)
    );
}

async fn triggers(db: &TestDb, c: &mut shipgate::osc::db::Conn, table: &str) -> i64 {
    let sql = match db.kind {
        Kind::Pg => format!("SELECT count(*) FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal"),
        Kind::My => format!("SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = DATABASE() AND event_object_table = '{table}'"),
    };
    c.scalar_i64(&sql).await.unwrap()
}

/// The `oracle` event's JSON line.
fn oracle_event(out: &Output) -> String {
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    s.lines()
        .find(|l| l.contains("\"event\":\"oracle\""))
        .unwrap_or_else(|| panic!("no oracle event: {}", text(out)))
        .to_string()
}

/// The issue's first reproduction: MySQL column names are
/// case-insensitive, `MODIFY C2` names `c2`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_oracle_modify_with_the_wrong_case() {
    let Some(db) = fresh(Kind::My, "orcase").await else {
        return;
    };
    equals_engine(
        &db,
        "c",
        &[
            "CREATE TABLE {t} (id int PRIMARY KEY, c2 int) ENGINE=InnoDB",
            "INSERT INTO {t} VALUES (1, 26), (2, 27), (3, 28)",
        ],
        "ALTER TABLE {t} MODIFY C2 int NOT NULL DEFAULT 0",
    )
    .await;
    // The same class through a rename: the old name in the wrong case.
    equals_engine(
        &db,
        "r",
        &[
            "CREATE TABLE {t} (id int PRIMARY KEY, c2 int) ENGINE=InnoDB",
            "INSERT INTO {t} VALUES (1, 26), (2, NULL), (3, 28)",
        ],
        "ALTER TABLE {t} CHANGE C2 c3 bigint",
    )
    .await;
    db.drop_db().await;
}

/// The issue's second reproduction, on both engines: a column dropped and
/// added again under its name takes the new default, not the old values
/// (and on MariaDB old NULLs made the copy fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_oracle_drop_and_add_of_the_same_name() {
    for kind in [Kind::Pg, Kind::My] {
        let Some(db) = fresh(kind, "ordrop").await else {
            continue;
        };
        let alter = "ALTER TABLE {t} DROP COLUMN c1, ADD COLUMN c1 int NOT NULL DEFAULT 47";
        for (name, rows) in [
            ("v", "(1, 5), (2, 6), (3, 7)"),
            ("n", "(1, 5), (2, NULL), (3, 7)"),
        ] {
            equals_engine(
                &db,
                name,
                &[
                    "CREATE TABLE {t} (id int PRIMARY KEY, c1 int)",
                    &format!("INSERT INTO {{t}} VALUES {rows}"),
                ],
                alter,
            )
            .await;
        }
        db.drop_db().await;
    }
}

/// A zero in an AUTO_INCREMENT key: a copy session without
/// NO_AUTO_VALUE_ON_ZERO renumbered it, which the oracle stopped. The copy
/// session keeps it now, so the run must go through (a false stop by the
/// oracle fails here) and equal the engine's ALTER.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_oracle_zero_in_an_auto_increment_key() {
    let Some(db) = fresh(Kind::My, "orzero").await else {
        return;
    };
    equals_engine(
        &db,
        "z",
        &[
            "CREATE TABLE {t} (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int) ENGINE=InnoDB",
            "SET STATEMENT sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO') FOR INSERT INTO {t} VALUES (0, 1), (1, 2), (2, 3)",
        ],
        "ALTER TABLE {t} ADD COLUMN z int",
    )
    .await;
    db.drop_db().await;
}

/// Values that differ between two runs of the engine's own ALTER are not
/// held against the copy: the run goes through and says which column it
/// could not compare; a clock default, pinned, is compared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_oracle_volatile_defaults_are_not_a_difference() {
    for (kind, alter, volatile) in [
        (
            Kind::Pg,
            "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid(), ADD COLUMN ts timestamptz NOT NULL DEFAULT now()",
            "u",
        ),
        (
            Kind::My,
            "ALTER TABLE t ADD COLUMN u varchar(36) DEFAULT (UUID()), ADD COLUMN ts timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
            "u",
        ),
    ] {
        let Some(db) = fresh(kind, "orvol").await else {
            continue;
        };
        let mut c = db.conn().await;
        c.exec("CREATE TABLE t (id int PRIMARY KEY, n int)")
            .await
            .unwrap();
        c.exec("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
            .await
            .unwrap();
        let out = osc(
            &db.url,
            &["--yes", "--drop-old", "--log-format", "json", alter],
        );
        assert!(out.status.success(), "{kind:?}: {}", text(&out));
        let ev = oracle_event(&out);
        assert!(
            ev.contains(&format!("\"not_compared\":[\"{volatile}\"]")),
            "{kind:?}: {ev}"
        );
        drop(c);
        db.drop_db().await;
    }
}

/// The sample: both ends by key, a zero key, the NULL / smallest / largest
/// of an indexed column, and a NULL of an unindexed column further in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_oracle_samples_the_ends_and_the_odd_rows() {
    for kind in [Kind::Pg, Kind::My] {
        let Some(db) = fresh(kind, "orsam").await else {
            continue;
        };
        let mut c = db.conn().await;
        c.exec("CREATE TABLE t (id int PRIMARY KEY, n int, b int)")
            .await
            .unwrap();
        c.exec("CREATE INDEX t_n ON t (n)").await.unwrap();
        let fill = match kind {
            Kind::Pg => "INSERT INTO t SELECT g, 10, 1 FROM generate_series(0, 5000) g",
            Kind::My => "INSERT INTO t SELECT seq, 10, 1 FROM seq_0_to_5000",
        };
        c.exec(fill).await.unwrap();
        // 0..999 and 4001..5000 are the ends; 0 is also the zero key.
        c.exec("UPDATE t SET b = NULL WHERE id = 2500")
            .await
            .unwrap();
        c.exec("UPDATE t SET n = -5 WHERE id = 3000").await.unwrap();
        c.exec("UPDATE t SET n = 99999 WHERE id = 3001")
            .await
            .unwrap();
        c.exec("UPDATE t SET n = NULL WHERE id = 3002")
            .await
            .unwrap();
        let out = osc(
            &db.url,
            &[
                "--yes",
                "--drop-old",
                "--log-format",
                "json",
                "ALTER TABLE t ADD COLUMN z int",
            ],
        );
        assert!(out.status.success(), "{kind:?}: {}", text(&out));
        let ev = oracle_event(&out);
        assert!(ev.contains("\"rows\":2004"), "{kind:?}: {ev}");
        drop(c);
        db.drop_db().await;
    }
}

/// A composite text-and-number key and a generated column: the sample,
/// the comparison join and the copy all go by both key columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_oracle_composite_key_and_generated_column() {
    for kind in [Kind::Pg, Kind::My] {
        let Some(db) = fresh(kind, "orcomp").await else {
            continue;
        };
        let (table, fill) = match kind {
            Kind::Pg => (
                "CREATE TABLE {t} (a varchar(10), b int, n int, g int GENERATED ALWAYS AS (n * 2) STORED, PRIMARY KEY (a, b))",
                "INSERT INTO {t} (a, b, n) SELECT 'k' || (g % 3), g, nullif(g % 5, 0) FROM generate_series(0, 2999) g",
            ),
            Kind::My => (
                "CREATE TABLE {t} (a varchar(10), b int, n int, g int AS (n * 2) VIRTUAL, PRIMARY KEY (a, b)) ENGINE=InnoDB",
                "INSERT INTO {t} (a, b, n) SELECT CONCAT('k', seq % 3), seq, NULLIF(seq % 5, 0) FROM seq_0_to_2999",
            ),
        };
        let out = stops_before_touching_or_equals_engine(
            &db,
            "k",
            &[table, fill],
            "ALTER TABLE {t} ADD COLUMN z int DEFAULT 9",
        )
        .await;
        assert!(out.status.success(), "{kind:?}: {}", text(&out));
        // Both ends by (a, b); 'k0' starts with b = 0, the zero key.
        assert!(
            oracle_event(&out).contains("\"rows\":2000,"),
            "{kind:?}: {}",
            oracle_event(&out)
        );
        db.drop_db().await;
    }
}
