//! Code usage through the CLI: `--queries` errors, the `[code]` globs of
//! shipgate.toml, the JSON `usage` list, and what an incomplete history
//! excuses.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A release that drops users.name; the old code reads it in `app/repo.py`.
fn drop_name(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        let d = dir.path().join(side);
        write(&d, "shipgate.toml", config);
        write(
            &d,
            "migrations/001_init.sql",
            "CREATE TABLE users (id int PRIMARY KEY, name text, email text);\n",
        );
        write(
            &d,
            "app/other.py",
            "def g(cur):\n    cur.execute(\"SELECT id, email FROM users\")\n",
        );
    }
    write(
        &dir.path().join("old"),
        "app/repo.py",
        "def f(cur):\n    cur.execute(\"SELECT id, name FROM users WHERE id = %s\", (1,))\n",
    );
    write(
        &dir.path().join("new"),
        "migrations/002_drop.sql",
        "ALTER TABLE users DROP COLUMN name;\n",
    );
    dir
}

fn check(dir: &Path, extra: &[&str]) -> (serde_json::Value, i32) {
    let out = Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--old", "old", "--new", "new", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (doc, out.status.code().unwrap_or(-1))
}

fn phases(doc: &serde_json::Value) -> Vec<String> {
    doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["phase"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn old_code_use_puts_the_drop_after_the_deploy_and_is_listed() {
    let dir = drop_name("engine = \"postgres\"\n");
    let (doc, code) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(phases(&doc), vec!["post-deploy"]);
    let usage = doc["usage"].as_array().unwrap();
    let row = usage
        .iter()
        .find(|u| u["file"] == "app/repo.py")
        .expect("old code row");
    assert_eq!(row["side"], "old");
    assert_eq!(row["line"], 2);
    assert!(row["reads"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("users.name")));
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SG410")
        .expect("SG410 on the code line");
    assert_eq!(f["file"], "app/repo.py");
    assert_eq!(f["line"], 2);
}

#[test]
fn excluded_code_is_not_read() {
    let dir = drop_name("engine = \"postgres\"\n[code]\nexclude = [\"app/repo.py\"]\n");
    let (doc, _) = check(dir.path(), &[]);
    assert_eq!(phases(&doc), vec!["pre-deploy"]);
}

#[test]
fn query_log_adds_old_usage() {
    let dir = drop_name("engine = \"postgres\"\n[code]\nexclude = [\"app/repo.py\"]\n");
    write(
        dir.path(),
        "log.json",
        "[{\"query\": \"SELECT name FROM users WHERE id = $1\", \"calls\": 3}]\n",
    );
    let (doc, _) = check(dir.path(), &["--queries", "log.json"]);
    assert_eq!(phases(&doc), vec!["post-deploy"]);
}

#[test]
fn malformed_query_log_is_exit_2_naming_file_and_line() {
    let dir = drop_name("engine = \"postgres\"\n");
    write(dir.path(), "log.json", "[\n{\"query\": 1}\n]\n");
    Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            "--old",
            "old",
            "--new",
            "new",
            "--queries",
            "log.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("log.json:2"));
}

#[test]
fn bad_code_globs_are_exit_2() {
    let dir = drop_name("engine = \"postgres\"\n[code]\nexclud = [\"x\"]\n");
    Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--old", "old", "--new", "new"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[code]"));
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(ok.status.success(), "git {args:?}");
}

#[test]
fn git_mode_reads_the_code_of_both_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write(d, "shipgate.toml", "engine = \"postgres\"\n");
    write(
        d,
        "migrations/001_init.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name text, email text);\n",
    );
    write(
        d,
        "app/repo.go",
        "package app\n\nconst q = `SELECT id, name FROM users WHERE id = $1`\n",
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "v1"]);
    git(d, &["tag", "v1"]);
    write(
        d,
        "app/repo.go",
        "package app\n\nconst q = `SELECT id, email FROM users WHERE id = $1`\n",
    );
    write(
        d,
        "migrations/002_drop.sql",
        "ALTER TABLE users DROP COLUMN name;\n",
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "v2"]);
    let out = Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(d)
        .args([
            "check", "--base", "v1", "--head", "HEAD", "--format", "json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(phases(&doc), vec!["post-deploy"]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SG410")
        .expect("SG410");
    // The old code's file changed: its line is shown from the old text.
    assert_eq!(f["file"], "old:app/repo.go");
    assert_eq!(f["line"], 3);
}

/// The rule and severity of every finding of a JSON report.
fn rule_severities(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A history with a function the replay cannot model, which names `events`;
/// the release then drops `events` (or never had `audit`) while new code
/// reads it.
fn gap_in_history(release: &str, new_query: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        let d = dir.path().join(side);
        write(&d, "shipgate.toml", "engine = \"postgres\"\n");
        write(
            &d,
            "migrations/001_init.sql",
            "CREATE TABLE events (id int PRIMARY KEY, at timestamptz);\n\
             CREATE FUNCTION roll() RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
             EXECUTE 'CREATE TABLE IF NOT EXISTS audit (id int, events int)'; END $$;\n",
        );
        write(
            &d,
            "app/a.py",
            "def f(cur):\n    cur.execute(\"SELECT id FROM events\")\n",
        );
    }
    let new = dir.path().join("new");
    write(&new, "migrations/002_release.sql", release);
    write(
        &new,
        "app/b.py",
        &format!("def g(cur):\n    cur.execute(\"{new_query}\")\n"),
    );
    dir
}

#[test]
fn an_incomplete_history_excuses_only_what_it_may_have_created() {
    // `audit` exists only if the function ran: not this release's break.
    let dir = gap_in_history(
        "CREATE INDEX CONCURRENTLY events_at ON events (at);\n",
        "SELECT id FROM audit",
    );
    let (doc, code) = check(dir.path(), &[]);
    let found = rule_severities(&doc);
    assert!(
        found.contains(&("SG400".into(), "warning".into())),
        "{found:?}"
    );
    assert_eq!(doc["verdict"], "zero-downtime", "{doc}");
    assert_eq!(code, 0, "{doc}");
    // `events` was in S0 and the release drops it: the function's mention of
    // the name does not excuse that.
    let dir = gap_in_history("DROP TABLE events;\n", "SELECT id FROM events WHERE id = 1");
    let (doc, code) = check(dir.path(), &["--fail-on", "zero-downtime"]);
    let found = rule_severities(&doc);
    assert!(
        found.contains(&("SG400".into(), "error".into())),
        "{found:?}"
    );
    assert_eq!(code, 30, "{doc}");
}
