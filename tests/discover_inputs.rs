//! Schema files, the --migrations override, errors, compare() and engine
//! detection over discovered sets.

mod common;

use common::{dir_tree, write_files};
use shipgate::engine::Engine;
use shipgate::migrations::{
    compare, detect_engine, discover, discover_detecting, DiscoverError, Layout, TxMode,
};
use shipgate::source::DirTree;

#[test]
fn schema_file_when_there_are_no_migrations() {
    let (_t, tree) = dir_tree(&[
        ("db/schema.sql", "CREATE TABLE a (id int);\n"),
        ("src/main.rs", "fn main() {}"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::SchemaFile);
    assert!(set.migrations.is_empty());
    let schema = set.schema_file.as_ref().unwrap();
    assert_eq!(schema.path, "db/schema.sql");
    assert_eq!(schema.up_text(), "CREATE TABLE a (id int);\n");
}

#[test]
fn dumps_are_recognised_by_their_header() {
    let pg = "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.a (id integer);\n";
    let (_t, tree) = dir_tree(&[("backup/prod.sql", pg)]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.schema_file.as_ref().unwrap().path, "backup/prod.sql");
    let (engine, why) = detect_engine(&set).unwrap();
    assert_eq!(engine, Engine::Postgres);
    assert!(why.contains("pg_dump"), "{why}");

    let maria = "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu\n\nCREATE TABLE `a` (`id` int(11) NOT NULL AUTO_INCREMENT) ENGINE=InnoDB;\n";
    let (_t, tree) = dir_tree(&[("dump.sql", maria)]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(detect_engine(&set).unwrap().0, Engine::Mariadb);
}

#[test]
fn nothing_found_says_where_it_looked() {
    let (tmp, tree) = dir_tree(&[
        ("README.md", "hello"),
        ("db/migrate/001_x.rb", "class X; end"),
    ]);
    let err = discover(&tree, None, None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("no migrations found in "), "{msg}");
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(
        msg.contains("db/migrations/") && msg.contains("schema.sql"),
        "{msg}"
    );
    assert!(msg.ends_with("use --migrations PATH"), "{msg}");
}

#[test]
fn override_folder_file_and_missing_path() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        ("migrations/0001_a.sql", "CREATE TABLE ignored (id int);"),
        ("database/changes/0001_b.sql", "CREATE TABLE b (id int);"),
        ("database/full.sql", "CREATE TABLE c (id int);"),
    ]);
    let set = discover(&tree, None, Some("./database/changes/")).unwrap();
    assert_eq!(set.dir, "database/changes");
    assert_eq!(set.migrations[0].path, "database/changes/0001_b.sql");

    let set = discover(&tree, None, Some("database/full.sql")).unwrap();
    assert_eq!(set.layout, Layout::SchemaFile);
    assert_eq!(set.schema_file.unwrap().path, "database/full.sql");

    let err = discover(&tree, None, Some("nope/dir")).unwrap_err();
    assert!(matches!(err, DiscoverError::OverrideMissing { .. }));
    assert!(
        err.to_string().contains("'nope/dir' does not exist"),
        "{err}"
    );
    let err = discover(&tree, None, Some("../outside")).unwrap_err();
    assert!(err.to_string().contains("'../outside'"), "{err}");
}

#[test]
fn override_folder_without_migrations() {
    let (_t, tree) = dir_tree(&[("docs/readme.md", "x")]);
    let err = discover(&tree, None, Some("docs")).unwrap_err();
    assert!(
        err.to_string().contains("no migrations found in 'docs'"),
        "{err}"
    );
}

#[test]
fn non_utf8_migration_is_an_error_naming_it() {
    let tmp = tempfile::TempDir::new().unwrap();
    write_files(
        tmp.path(),
        &[
            ("Cargo.toml", b"[package]\n"),
            ("migrations/0001_a.sql", b"CREATE TABLE a (id int);"),
            (
                "migrations/0002_b.sql",
                b"CREATE TABLE b (name text DEFAULT '\xff\xfe');",
            ),
        ],
    );
    let tree = DirTree::open(tmp.path()).unwrap();
    let err = discover(&tree, None, None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("migrations/0002_b.sql"), "{msg}");
    assert!(msg.contains("not valid UTF-8"), "{msg}");
}

#[test]
fn duplicate_versions_name_both_files() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        ("migrations/0001_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/0001_b.sql", "CREATE TABLE b (id int);"),
    ]);
    let err = discover(&tree, None, None).unwrap_err().to_string();
    assert!(
        err.contains("migrations/0001_a.sql") && err.contains("migrations/0001_b.sql"),
        "{err}"
    );
    assert!(err.contains("'0001'"), "{err}");
}

#[test]
fn compare_finds_added_edited_and_removed() {
    let (_a, old) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        ("migrations/0001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/0002_b.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/0003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (_b, new) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        // unchanged but for a CRLF checkout and a trailing blank line
        ("migrations/0001_a.sql", "CREATE TABLE a (id int);\r\n\r\n"),
        ("migrations/0002_b.sql", "CREATE TABLE b (id bigint);\n"),
        ("migrations/0005_e.sql", "CREATE TABLE e (id int);\n"),
        ("migrations/0004_d.sql", "CREATE TABLE d (id int);\n"),
    ]);
    let old = discover(&old, None, None).unwrap();
    let new = discover(&new, None, None).unwrap();
    let changes = compare(&old, &new);
    let added: Vec<&str> = changes.added.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(added, ["0004", "0005"]);
    assert_eq!(changes.edited.len(), 1);
    assert_eq!(changes.edited[0].0.id, "0002");
    assert!(changes.edited[0].1.text.contains("bigint"));
    let removed: Vec<&str> = changes.removed.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(removed, ["0003"]);
    assert!(compare(&new, &new).is_empty());
}

#[test]
fn compare_ignores_down_sections_and_reruns_changed_repeatables() {
    let up = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n";
    let (_a, old) = dir_tree(&[
        ("db/migrations/1_a.sql", &format!("{up}DROP TABLE a;\n")),
        ("db/migrations/V_unused.txt", ""),
    ]);
    let (_b, new) = dir_tree(&[(
        "db/migrations/1_a.sql",
        &format!("{up}DROP TABLE IF EXISTS a;\n"),
    )]);
    let (old, new) = (
        discover(&old, None, None).unwrap(),
        discover(&new, None, None).unwrap(),
    );
    assert_eq!(old.layout, Layout::Dbmate);
    assert!(compare(&old, &new).is_empty());

    let (_c, old) = dir_tree(&[
        ("sql/V1__a.sql", "CREATE TABLE a (id int);"),
        ("sql/R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"),
    ]);
    let (_d, new) = dir_tree(&[
        ("sql/V1__a.sql", "CREATE TABLE a (id int);"),
        ("sql/R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT 2;"),
    ]);
    let (old, new) = (
        discover(&old, None, None).unwrap(),
        discover(&new, None, None).unwrap(),
    );
    let changes = compare(&old, &new);
    assert!(changes.edited.is_empty());
    assert_eq!(changes.added.len(), 1);
    assert_eq!(changes.added[0].id, "R__v");
}

#[test]
fn engine_from_dialect_suffixes_and_from_sql() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        ("migrations/0001_a.sqlite.sql", "CREATE TABLE a (id int);"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    // Only SQLite files: used even without an engine, and they name it.
    assert_eq!(set.migrations.len(), 1);
    let (engine, why) = detect_engine(&set).unwrap();
    assert_eq!(engine, Engine::Sqlite);
    assert!(why.contains("per-dialect"), "{why}");

    let (_t, tree) = dir_tree(&[
        (
            "migrations/1_a.sql",
            "CREATE TABLE `a` (`id` int AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;",
        ),
        ("migrations/2_b.sql", "ALTER TABLE `a` ADD COLUMN `b` int;"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(detect_engine(&set).unwrap().0, Engine::Mysql);

    let (_t, tree) = dir_tree(&[("migrations/1_a.sql", "CREATE TABLE a (id int);")]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(detect_engine(&set), None);
}

#[test]
fn compare_survives_a_change_of_layout() {
    // The old revision has no Cargo.toml (a plain folder, ids are paths);
    // the new one does (sqlx, ids are versions). Same files: nothing changed.
    let files = [
        ("migrations/0001_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/0002_b.sql", "CREATE TABLE b (id int);"),
    ];
    let (_a, old) = dir_tree(&files);
    let mut with_cargo = files.to_vec();
    with_cargo.push(("Cargo.toml", "[package]\n"));
    with_cargo.push(("migrations/0003_c.sql", "CREATE TABLE c (id int);"));
    let (_b, new) = dir_tree(&with_cargo);
    let (old, new) = (
        discover(&old, None, None).unwrap(),
        discover(&new, None, None).unwrap(),
    );
    assert_eq!((old.layout, new.layout), (Layout::Plain, Layout::Sqlx));
    let changes = compare(&old, &new);
    let added: Vec<&str> = changes.added.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(added, ["migrations/0003_c.sql"]);
    assert!(changes.edited.is_empty() && changes.removed.is_empty());
}

#[test]
fn detecting_the_engine_then_discovering_with_it() {
    let (_t, tree) = dir_tree(&[
        ("go.mod", "module app\n"),
        ("migrations/1_a.up.sql", "CREATE TABLE a (id int);"),
        (
            "migrations/1_a.postgres.up.sql",
            "CREATE TABLE a (id serial, doc jsonb);",
        ),
        (
            "migrations/2_b.up.sql",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto; SELECT '1'::int;",
        ),
    ]);
    let (set, found) = discover_detecting(&tree, None, None).unwrap();
    let (engine, why) = found.unwrap();
    assert_eq!(engine, Engine::Postgres);
    assert!(why.contains("per-dialect"), "{why}");
    // The second pass picked the PostgreSQL file and PostgreSQL's
    // implicit transaction for golang-migrate.
    assert_eq!(set.migrations[0].path, "migrations/1_a.postgres.up.sql");
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::Wrapped));

    let (set, found) = discover_detecting(&tree, Some(Engine::Mysql), None).unwrap();
    assert!(found.is_none());
    assert_eq!(set.migrations[0].path, "migrations/1_a.up.sql");
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::NotWrapped));
}
