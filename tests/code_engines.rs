//! Which code speaks to the checked database, and code shipgate cannot
//! read, through the CLI: files for another engine are skipped and counted
//! in the JSON report; run-time SQL warns once per file and table.

use assert_cmd::Command;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Both revisions get `files`; the new one a migration renaming users.name.
fn release(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        let d = dir.path().join(side);
        write(&d, "shipgate.toml", "engine = \"postgres\"\n");
        write(
            &d,
            "migrations/001_init.sql",
            "CREATE TABLE users (id int PRIMARY KEY, name text, email text);\nCREATE TABLE audit (id int PRIMARY KEY, note text);\n",
        );
        for (p, t) in files {
            write(&d, p, t);
        }
    }
    write(
        &dir.path().join("new"),
        "migrations/002_rename.sql",
        "ALTER TABLE users RENAME COLUMN name TO full_name;\n",
    );
    dir
}

fn check(dir: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--old", "old", "--new", "new", "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn findings<'a>(doc: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn run_time_table_names_warn_once_per_file() {
    let mut many = String::from("package store\n\nimport \"fmt\"\n\n");
    for i in 0..40 {
        many.push_str(&format!(
            "func Q{i}(table string) string {{\n\treturn fmt.Sprintf(\"SELECT id, name FROM %s WHERE id = $1\", table)\n}}\n\n"
        ));
    }
    let mut named = String::from("package store\n\nimport \"fmt\"\n\n");
    for i in 0..10 {
        named.push_str(&format!(
            "func N{i}(col string) string {{\n\treturn fmt.Sprintf(\"SELECT %s FROM users WHERE id = $1\", col)\n}}\n\n"
        ));
    }
    let dir = release(&[("store/many.go", many), ("store/named.go", named)]);
    let doc = check(dir.path());
    let sg420 = findings(&doc, "SG420");
    // One per file, not one per call, and once for both revisions: the
    // files are the same in both.
    assert_eq!(sg420.len(), 2, "{sg420:#?}");
    for file in ["store/many.go", "store/named.go"] {
        let n = sg420
            .iter()
            .filter(|f| {
                f["file"] == file
                    && f["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("old and new code")
            })
            .count();
        assert_eq!(n, 1, "{file}");
    }
    assert!(sg420.iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains("40 such strings in this file")));
    assert_ne!(doc["verdict"], "zero-downtime");
}

#[test]
fn code_for_another_database_is_skipped_and_counted() {
    let cql = "package cassandra\n\nimport \"github.com/gocql/gocql\"\n\nconst q = `SELECT tree_id, branch FROM history_tree WHERE tree_id = ?`\n\nfunc F(s *gocql.Session) { s.Query(q, 1) }\n".to_string();
    let mysql = "package mysql\n\nconst q = \"SELECT id, nickname FROM accounts WHERE id = ?\"\n"
        .to_string();
    let pg =
        "package postgresql\n\nconst q = `SELECT id, email FROM users WHERE id = $1`\n".to_string();
    let dir = release(&[
        ("persistence/cassandra/tree.go", cql),
        ("persistence/sql/sqlplugin/mysql/accounts.go", mysql),
        ("persistence/sql/sqlplugin/postgresql/users.go", pg),
    ]);
    let doc = check(dir.path());
    assert!(findings(&doc, "SG400").is_empty(), "{doc:#}");
    let skipped = doc["code_skipped"].as_array().expect("code_skipped");
    let new: Vec<_> = skipped.iter().filter(|s| s["side"] == "new").collect();
    assert_eq!(new.len(), 2, "{skipped:#?}");
    assert!(new
        .iter()
        .any(|s| s["reason"].as_str().unwrap().contains("gocql") && s["files"] == 1));
    assert!(new
        .iter()
        .any(|s| s["reason"].as_str().unwrap().contains("`mysql`") && s["files"] == 1));
    // The PostgreSQL plugin is read: its query is listed as usage.
    assert!(doc["usage"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["file"] == "persistence/sql/sqlplugin/postgresql/users.go"));
    // Nothing reads users.name, so the rename runs with zero downtime.
    assert_eq!(doc["verdict"], "zero-downtime");
}

/// A file that sends both CQL (gocql) and SQL (`database/sql`): the query
/// this schema explains is usage, the CQL on a table the schema has with
/// other columns is unknown (SG420), never a missing-schema block.
#[test]
fn a_file_with_two_databases_never_blocks_on_the_other_ones_queries() {
    let go = "package store\n\nimport (\n\t\"database/sql\"\n\n\t\"github.com/gocql/gocql\"\n)\n\nconst cql = `SELECT name, shard_token FROM users WHERE bucket = ?`\n\nconst q = `SELECT id, email FROM users WHERE id = $1`\n\nfunc F(db *sql.DB, s *gocql.Session) { db.Query(q, 1); s.Query(cql, 2) }\n".to_string();
    let dir = release(&[("store/both.go", go)]);
    let doc = check(dir.path());
    assert!(findings(&doc, "SG400").is_empty(), "{doc:#}");
    let sg420 = findings(&doc, "SG420");
    assert!(!sg420.is_empty());
    assert!(sg420.iter().all(|f| f["line"] == 9), "{sg420:#?}");
    assert!(doc["usage"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["file"] == "store/both.go" && u["line"] == 11));
    // users is unknown (the CQL may read name): the rename is not zero-downtime.
    assert_ne!(doc["verdict"], "zero-downtime");
}
