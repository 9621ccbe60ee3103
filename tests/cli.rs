//! The command-line contract: exit codes, bad input naming what and where,
//! git mode reading revisions straight from a repository, and the
//! schema/diff/rules/explain commands.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn shipgate() -> Command {
    let mut c = Command::cargo_bin("shipgate").unwrap();
    c.env("NO_COLOR", "1");
    // Settings the environment could give (src/settings.rs) come only from
    // the test itself.
    for var in [
        "SHIPGATE_ENGINE",
        "SHIPGATE_ENGINE_VERSION",
        "SHIPGATE_FAIL_ON",
    ] {
        c.env_remove(var);
    }
    c
}

fn shop() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn missing_directory_is_exit_2_naming_it() {
    shipgate()
        .args([
            "check",
            "--old",
            "/nonexistent/a",
            "--new",
            "/nonexistent/b",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/a"));
}

#[test]
fn unknown_engine_is_a_usage_error() {
    let s = shop();
    shipgate()
        .args(["check", "--engine", "oracle", "--old"])
        .arg(s.join("v1"))
        .arg("--new")
        .arg(s.join("v2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown engine 'oracle'"));
}

#[test]
fn unknown_flag_and_missing_revision_are_usage_errors() {
    shipgate().args(["check", "--frobnicate"]).assert().code(2);
    shipgate()
        .args(["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--old DIR --new DIR"));
}

#[test]
fn non_utf8_migration_is_exit_2_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "old/migrations/0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\n",
    );
    write(
        t.path(),
        "new/migrations/0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\n",
    );
    std::fs::write(
        t.path().join("new/migrations/0002_b.sql"),
        b"ALTER TABLE a ADD COLUMN b text DEFAULT '\xff';\n",
    )
    .unwrap();
    shipgate()
        .current_dir(t.path())
        .args([
            "check", "--engine", "postgres", "--old", "old", "--new", "new",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("0002_b.sql").and(predicate::str::contains("UTF-8")));
}

#[test]
fn engine_that_cannot_be_detected_is_exit_2() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "old/migrations/0001_a.sql",
        "CREATE TABLE a (id int);\n",
    );
    write(
        t.path(),
        "new/migrations/0001_a.sql",
        "CREATE TABLE a (id int);\n",
    );
    shipgate()
        .current_dir(t.path())
        .args(["check", "--old", "old", "--new", "new"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--engine"));
}

#[test]
fn bad_config_names_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "old/migrations/0001_a.sql",
        "CREATE TABLE a (id int);\n",
    );
    write(
        t.path(),
        "new/migrations/0001_a.sql",
        "CREATE TABLE a (id int);\n",
    );
    write(
        t.path(),
        "new/shipgate.toml",
        "engine = \"postgres\"\nenigne_version = 3\n",
    );
    shipgate()
        .current_dir(t.path())
        .args(["check", "--old", "old", "--new", "new"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shipgate.toml:2"));
}

#[test]
fn an_unknown_key_in_a_table_of_the_config_names_line_and_table() {
    let t = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        write(
            t.path(),
            &format!("{side}/migrations/0001_a.sql"),
            "CREATE TABLE a (id int);\n",
        );
    }
    write(
        t.path(),
        "new/shipgate.toml",
        "engine = \"postgres\"\n[code]\nexclud = [\"vendor/**\"]\n",
    );
    shipgate()
        .current_dir(t.path())
        .args(["check", "--old", "old", "--new", "new"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "shipgate.toml:3: [code]: unknown field `exclud`",
        ));
}

#[test]
fn the_environment_sits_between_the_flags_and_the_config() {
    let t = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        write(
            t.path(),
            &format!("{side}/migrations/0001_a.sql"),
            "CREATE TABLE a (id int PRIMARY KEY, name text);\n",
        );
    }
    write(
        t.path(),
        "new/migrations/0002_b.sql",
        "ALTER TABLE a RENAME COLUMN name TO full_name;\n",
    );
    // An expand-contract release (exit 10 at the default --fail-on).
    write(
        t.path(),
        "new/shipgate.toml",
        "engine = \"postgres\"\nfail_on = \"maintenance-window\"\n",
    );
    let run = |env: &[(&str, &str)], flags: &[&str]| {
        let mut c = shipgate();
        c.current_dir(t.path())
            .args(["check", "--old", "old", "--new", "new"])
            .args(flags);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let code = |o: std::process::Output| o.status.code();
    assert_eq!(code(run(&[], &[])), Some(0), "the file's fail_on");
    let env = [("SHIPGATE_FAIL_ON", "expand-contract")];
    assert_eq!(
        code(run(&env, &[])),
        Some(10),
        "the environment over the file"
    );
    let flag = ["--fail-on", "maintenance-window"];
    assert_eq!(
        code(run(&env, &flag)),
        Some(0),
        "the flag over the environment"
    );
    let bad = run(&[("SHIPGATE_ENGINE", "oracle")], &[]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("SHIPGATE_ENGINE: unknown engine 'oracle'"),
        "{err}"
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "old/migrations/0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY, name text);\n",
    );
    write(
        t.path(),
        "new/migrations/0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY, name text);\n",
    );
    write(
        t.path(),
        "new/migrations/0002_b.sql",
        "ALTER TABLE a RENAME COLUMN name TO full_name;\n",
    );
    let run = |fail_on: &str| {
        shipgate()
            .current_dir(t.path())
            .args([
                "check",
                "--engine",
                "postgres",
                "--old",
                "old",
                "--new",
                "new",
                "--fail-on",
                fail_on,
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("expand-contract"), Some(10));
    assert_eq!(run("zero-downtime"), Some(10));
    assert_eq!(run("maintenance-window"), Some(0));
}

#[test]
fn git_mode_reads_both_revisions_without_checkout() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "db/migrations/0001_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "v1"]);
    write(
        repo,
        "db/migrations/0002_rename.sql",
        "ALTER TABLE users RENAME COLUMN name TO full_name;\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "v2"]);
    // The work tree changes after the commit must not matter.
    write(
        repo,
        "db/migrations/0003_uncommitted.sql",
        "DROP TABLE users;\n",
    );
    let out = shipgate()
        .args([
            "check", "--engine", "postgres", "--format", "json", "--repo",
        ])
        .arg(repo)
        .args(["--base", "HEAD~1", "--head", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"], "expand-contract");
    let files: Vec<&str> = doc["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["db/migrations/0002_rename.sql"]);

    shipgate()
        .args(["check", "--engine", "postgres", "--repo"])
        .arg(repo)
        .args(["--base", "no-such-rev", "--head", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-rev"));
}

#[test]
fn edited_released_migration_is_blocked() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "old/migrations/0001_a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\n",
    );
    write(
        t.path(),
        "new/migrations/0001_a.sql",
        "CREATE TABLE a (id bigint PRIMARY KEY);\n",
    );
    let out = shipgate()
        .current_dir(t.path())
        .args([
            "check", "--engine", "postgres", "--old", "old", "--new", "new", "--format", "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(30));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule"], "SG002");
    assert_eq!(doc["findings"][0]["file"], "migrations/0001_a.sql");
}

#[test]
fn schema_and_diff_print_canonical_ddl() {
    let s = shop();
    shipgate()
        .args(["schema", "--dir"])
        .arg(s.join("v1"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("CREATE TABLE \"users\"")
                .and(predicate::str::contains("\"legacy_flag\" boolean")),
        );
    shipgate()
        .args(["diff", "--old"])
        .arg(s.join("v1"))
        .arg("--new")
        .arg(s.join("v2"))
        .assert()
        .success()
        .stdout(predicate::str::contains("-  \"legacy_flag\" boolean").and(
            predicate::str::contains("+CREATE INDEX \"orders_status_idx\""),
        ));
}

#[test]
fn rules_and_explain() {
    shipgate()
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::contains("SG101  index-build-blocks-writes"));
    shipgate()
        .args(["explain", "SG101"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Why is this bad?"));
    shipgate().args(["explain", "SG999"]).assert().code(2);
}

/// The catalog for machines: every rule with its doc sections, and one
/// rule's documentation, each a versioned JSON document.
#[test]
fn rules_and_explain_as_json() {
    let out = shipgate()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    let rules = doc["rules"].as_array().unwrap();
    assert_eq!(rules.len(), shipgate::rules::all().len());
    let sg101 = rules.iter().find(|r| r["id"] == "SG101").unwrap();
    assert_eq!(sg101["name"], "index-build-blocks-writes");
    assert!(sg101["engines"]
        .as_array()
        .unwrap()
        .contains(&"postgres".into()));

    let out = shipgate()
        .args(["explain", "index-build-blocks-writes", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["id"], "SG101");
    for section in ["summary", "what", "why", "example", "instead"] {
        assert!(
            !doc[section].as_str().unwrap_or("").is_empty(),
            "{section} is empty"
        );
    }
    shipgate()
        .args(["explain", "SG101", "--format", "xml"])
        .assert()
        .code(2);
}

/// Every scheme that names the MySQL family reaches the MySQL driver, and an
/// unreachable server is a clear exit 2 that never shows the password.
#[test]
fn osc_on_unreachable_mysql_family_server_is_a_clear_error() {
    for scheme in ["mysql", "mariadb", "MySQL"] {
        let url = format!("{scheme}://root:s3cret@127.0.0.1:1/x");
        shipgate()
            .args([
                "osc",
                "--yes",
                "--database-url",
                &url,
                "ALTER TABLE t ADD c int",
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot connect to the database"))
            .stderr(predicate::str::contains("s3cret").not());
    }
}

/// SQLite runs keep no journal or old table: the subcommands that work on
/// them say so with exit 2 instead of failing to connect.
#[test]
fn osc_subcommands_on_sqlite_explain_themselves() {
    for args in [
        vec!["revert", "--table", "t"],
        vec!["cleanup", "--table", "t"],
        vec!["status"],
    ] {
        shipgate()
            .arg("osc")
            .args(&args)
            .args(["--database-url", "sqlite:///nonexistent/x.db"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nothing to work on"));
    }
}
