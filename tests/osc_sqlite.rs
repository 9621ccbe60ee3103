//! `shipgate osc` on SQLite files: the 12-step rebuild keeps data, indexes,
//! triggers, views and the AUTOINCREMENT position, and a foreign-key
//! violation found by foreign_key_check rolls everything back.

mod common;

use common::osc::{bin, text};
use sqlx::{AssertSqlSafe, Connection, Row, SqliteConnection};
use std::process::Command;

async fn q(c: &mut SqliteConnection, sql: &str) -> Vec<String> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.try_get_unchecked::<Option<String>, _>(0)
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

async fn ex(c: &mut SqliteConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .execute(&mut *c)
        .await
        .unwrap();
}

fn osc(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .arg("osc")
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap()
}

async fn setup() -> (tempfile::TempDir, String, SqliteConnection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    std::fs::File::create(&path).unwrap();
    let url = format!("sqlite://{}", path.display());
    let mut c = SqliteConnection::connect(&url).await.unwrap();
    ex(
        &mut c,
        "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, n INT NOT NULL, s TEXT)",
    )
    .await;
    ex(&mut c, "CREATE INDEX p_n ON p (n)").await;
    ex(&mut c, "CREATE TABLE audit (p_id INT)").await;
    ex(
        &mut c,
        "CREATE TRIGGER p_audit AFTER INSERT ON p BEGIN INSERT INTO audit VALUES (NEW.id); END",
    )
    .await;
    ex(&mut c, "CREATE VIEW pv AS SELECT id, n FROM p WHERE n > 5").await;
    ex(
        &mut c,
        "CREATE TABLE child (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id))",
    )
    .await;
    ex(&mut c, "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 2000) INSERT INTO p (n, s) SELECT x % 100, 's' || x FROM g").await;
    ex(&mut c, "DELETE FROM p WHERE id > 1990").await; // the AUTOINCREMENT position is now above max(id)
    ex(&mut c, "INSERT INTO child VALUES (1, 5), (2, 7)").await;
    (dir, url, c)
}

#[tokio::test]
async fn osc_sqlite_rebuild_keeps_data_indexes_triggers_views_and_sequence() {
    let (_dir, url, mut c) = setup().await;
    let before = q(
        &mut c,
        "SELECT group_concat(id || ':' || n || ':' || s, ',') FROM (SELECT * FROM p ORDER BY id)",
    )
    .await;
    let out = osc(
        &url,
        &["--yes", "ALTER TABLE p ADD COLUMN z INT NOT NULL DEFAULT 7"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = osc(
        &url,
        &["--yes", "ALTER TABLE p ALTER COLUMN n SET DATA TYPE BIGINT"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let after = q(
        &mut c,
        "SELECT group_concat(id || ':' || n || ':' || s, ',') FROM (SELECT * FROM p ORDER BY id)",
    )
    .await;
    assert_eq!(before, after);
    assert_eq!(
        q(&mut c, "SELECT count(*) FROM p WHERE z <> 7").await,
        vec!["0"]
    );
    assert_eq!(
        q(
            &mut c,
            "SELECT type FROM pragma_table_info('p') WHERE name = 'n'"
        )
        .await,
        vec!["BIGINT"]
    );
    assert_eq!(q(&mut c, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'p' AND sql IS NOT NULL").await, vec!["p_n"]);
    ex(&mut c, "INSERT INTO p (n, s) VALUES (50, 'new')").await;
    let id: i64 = q(&mut c, "SELECT max(id) FROM p").await[0].parse().unwrap();
    assert_eq!(id, 2001, "AUTOINCREMENT continues after the deleted tail");
    assert_eq!(
        q(
            &mut c,
            &format!("SELECT count(*) FROM audit WHERE p_id = {id}")
        )
        .await,
        vec!["1"],
        "trigger survives"
    );
    assert_eq!(
        q(&mut c, &format!("SELECT count(*) FROM pv WHERE id = {id}")).await,
        vec!["1"],
        "view survives"
    );
    assert!(q(
        &mut c,
        "SELECT name FROM sqlite_schema WHERE name LIKE '\\_sg\\_%' ESCAPE '\\'"
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn osc_sqlite_foreign_key_violation_rolls_back() {
    let (_dir, url, mut c) = setup().await;
    ex(&mut c, "PRAGMA foreign_keys = OFF").await;
    ex(&mut c, "INSERT INTO child VALUES (3, 99999)").await; // a dangling reference
    let out = osc(&url, &["--yes", "ALTER TABLE p ADD COLUMN z INT"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("foreign_key_check"), "{}", text(&out));
    assert_eq!(
        q(
            &mut c,
            "SELECT count(*) FROM pragma_table_info('p') WHERE name = 'z'"
        )
        .await,
        vec!["0"]
    );
    assert_eq!(q(&mut c, "SELECT count(*) FROM p").await, vec!["1990"]);
    let out = osc(&url, &["--yes", "DROP TABLE p"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// As on the servers: a column dropped and added again under its name is
/// new (its default, never the old values), and names compare without
/// case, so a rename spelt in another case still carries the values.
#[tokio::test]
async fn osc_sqlite_drop_and_add_is_new_and_names_ignore_case() {
    let (_dir, url, mut c) = setup().await;
    let before = q(&mut c, "SELECT s FROM p ORDER BY id").await;
    let out = osc(
        &url,
        &[
            "--yes",
            "ALTER TABLE p DROP COLUMN s, ADD COLUMN s TEXT NOT NULL DEFAULT 'fresh'",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let got = q(&mut c, "SELECT DISTINCT s FROM p").await;
    assert_eq!(got, ["fresh"], "old values leaked into the new column");
    ex(&mut c, "UPDATE p SET s = 'v' || id").await;
    let before_rename = q(&mut c, "SELECT s FROM p ORDER BY id").await;
    assert_eq!(before.len(), before_rename.len());
    let out = osc(&url, &["--yes", "ALTER TABLE p RENAME COLUMN S TO s2"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        q(&mut c, "SELECT s2 FROM p ORDER BY id").await,
        before_rename
    );
}
