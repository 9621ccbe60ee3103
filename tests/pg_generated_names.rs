//! The names PostgreSQL gives unnamed constraints and indexes, and the
//! 63-byte cut of long names, compared with the names shipgate's replay
//! gives the same DDL. Later migrations drop and rename objects by these
//! names (`ALTER TABLE … DROP CONSTRAINT hydra_oauth2_trusted_jwt_bearer_issue_…`),
//! so a difference makes a good release look broken. Runs on a fresh
//! database of the PostgreSQL test server; skipped without one.

mod common;

use common::db::{fresh, Kind};
use shipgate::analysis::replay_history;
use shipgate::engine::Engine;
use shipgate::sql::lower::Lowering;
use shipgate::sql::parse::parse_script;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Long table, column and explicit names; unnamed keys, foreign keys,
/// checks on one and on several columns, indexes on columns and on an
/// expression; names taken twice (numbered), multi-byte names cut on a
/// character boundary.
const DDL: &str = r#"
CREATE TABLE hydra_oauth2_trusted_jwt_bearer_issuer (id int PRIMARY KEY, issuer text, subject text, key_id text, UNIQUE (issuer, subject, key_id));
CREATE TABLE a_table_name_that_is_quite_long_to_force_cutting_its_names (
    id int PRIMARY KEY,
    some_rather_long_column_name_number_one int CHECK (some_rather_long_column_name_number_one > 0),
    b int,
    c int,
    email text,
    CHECK (b > c),
    CHECK (b > 0),
    UNIQUE (some_rather_long_column_name_number_one, b, c)
);
CREATE INDEX ON a_table_name_that_is_quite_long_to_force_cutting_its_names (b);
CREATE INDEX ON a_table_name_that_is_quite_long_to_force_cutting_its_names (b);
CREATE INDEX ON a_table_name_that_is_quite_long_to_force_cutting_its_names (b, c, some_rather_long_column_name_number_one);
CREATE INDEX ON a_table_name_that_is_quite_long_to_force_cutting_its_names (lower(email));
CREATE UNIQUE INDEX ON a_table_name_that_is_quite_long_to_force_cutting_its_names (email);
ALTER TABLE a_table_name_that_is_quite_long_to_force_cutting_its_names ADD FOREIGN KEY (c) REFERENCES hydra_oauth2_trusted_jwt_bearer_issuer (id);
ALTER TABLE a_table_name_that_is_quite_long_to_force_cutting_its_names ADD CHECK (c > 0);
ALTER TABLE a_table_name_that_is_quite_long_to_force_cutting_its_names ADD CHECK (c < 100);
ALTER TABLE a_table_name_that_is_quite_long_to_force_cutting_its_names ADD UNIQUE (email);
CREATE TABLE this_table_name_is_certainly_longer_than_sixty_three_bytes_in_total (id int PRIMARY KEY, v int UNIQUE);
CREATE INDEX an_explicit_index_name_that_is_longer_than_sixty_three_bytes_in_all ON this_table_name_is_certainly_longer_than_sixty_three_bytes_in_total (v);
CREATE TABLE "ééééééééééééééééééééééééééééééééééééé" ("ççççççççççççççççççççççççççççç" int PRIMARY KEY, x int UNIQUE);
CREATE TABLE short (id int PRIMARY KEY, a int REFERENCES short (id), b int, FOREIGN KEY (b) REFERENCES short (id));
"#;

/// Table → names of its constraints and indexes, as PostgreSQL made them.
async fn names_in_postgres(
    conn: &mut shipgate::osc::db::Conn,
) -> BTreeMap<String, BTreeSet<String>> {
    let rows = conn
        .rows(
            "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f', 'c', 'x') \
             UNION ALL \
             SELECT t.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public'",
        )
        .await
        .unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        let (t, n) = (r[0].clone().unwrap(), r[1].clone().unwrap());
        out.entry(t).or_default().insert(n);
    }
    out
}

/// The same from shipgate's replay (a key's index is its constraint there).
fn names_in_shipgate() -> BTreeMap<String, BTreeSet<String>> {
    let low = Lowering {
        engine: Engine::Postgres,
        volatile_functions: &[],
    };
    let file: Arc<str> = Arc::from("names.sql");
    let stmts = parse_script(&file, DDL, 0..DDL.len(), &low);
    let (schema, errors) = replay_history(stmts.iter(), Engine::Postgres);
    assert!(errors.is_empty(), "{errors:?}");
    schema
        .tables
        .values()
        .map(|t| {
            let names = t
                .constraints
                .iter()
                .map(|c| c.name.clone())
                .chain(t.indexes.iter().map(|i| i.name.as_str().to_string()))
                .collect();
            (t.name.as_str().to_string(), names)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_and_cut_names_match_postgresql() {
    let Some(db) = fresh(Kind::Pg, "pgnames").await else {
        return;
    };
    let mut conn = db.conn().await;
    for stmt in DDL.split(";\n").filter(|s| !s.trim().is_empty()) {
        conn.exec(stmt).await.unwrap();
    }
    let pg = names_in_postgres(&mut conn).await;
    drop(conn);
    db.drop_db().await;
    let ours = names_in_shipgate();
    // The cases are there: names PostgreSQL cut and numbered.
    let all: Vec<&String> = pg.values().flatten().collect();
    assert!(all.iter().any(|n| n.len() == 63), "{pg:#?}");
    assert!(all.iter().any(|n| n.ends_with("_idx1")), "{pg:#?}");
    assert!(all.iter().any(|n| n.ends_with("_check1")), "{pg:#?}");
    assert!(all
        .contains(&&"hydra_oauth2_trusted_jwt_bearer_issue_issuer_subject_key_id_key".to_string()));
    assert_eq!(ours, pg);
}
