//! Property: no file names or contents make discovery, engine detection or
//! compare() panic, and whatever discovery returns is self-consistent.

mod common;

use common::MemTree;
use proptest::prelude::*;
use shipgate::engine::Engine;
use shipgate::migrations::{compare, detect_engine, discover};
use shipgate::source::Tree;
use std::collections::HashSet;

fn dir() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "migrations/",
        "db/migrations/",
        "sql/",
        "prisma/migrations/",
        "migrations/v1.9/",
        "migrations/v1.10/",
        "migrations/2020-01-01-000000_x/",
        "migrations/20210101_init/",
        "src/main/resources/db/migration/",
        "a/migrations/",
        "node_modules/migrations/",
        "é/",
        "migrations/.hidden/",
        "db/",
    ])
    .prop_map(str::to_string)
}

fn file_name() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "atlas.sum",
        "migration_lock.toml",
        "metadata.toml",
        "Cargo.toml",
        "up.sql",
        "down.sql",
        "migration.sql",
        "schema.sql",
        "structure.sql",
        ".sql",
        "..sql",
        "V__.sql",
        "R__.sql",
        "V1__x.sql.conf",
        "0.up.sql",
        "_.sql",
        "é.sql",
        "V1..2__x.sql",
        "V1_2__.sql",
    ])
    .prop_map(str::to_string);
    let parts = (
        prop::sample::select(vec![
            "",
            "V",
            "R",
            "U",
            "0001",
            "9",
            "10",
            "V1_2",
            "V1.2",
            "2020-01-01-000000",
            "99999999999999999999999",
        ]),
        prop::sample::select(vec!["", "_", "__", "."]),
        prop::sample::select(vec!["", "init", "up", "down", "x.y", "a b"]),
        prop::sample::select(vec![
            ".sql",
            ".up.sql",
            ".down.sql",
            ".postgres.up.sql",
            ".mysql.sql",
            ".sqlite.sql",
            "",
            ".SQL",
            ".pg.down.sql",
            ".up.mariadb.sql",
        ]),
    )
        .prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"));
    let random = "[a-zA-Z0-9_.é -]{1,20}";
    prop_oneof![fixed, parts, random]
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        30 => prop::sample::select(vec![
            "-- migrate:up", "-- migrate:down", "-- migrate:up transaction:false",
            "-- +goose Up", "-- +goose Down", "-- +goose NO TRANSACTION", "-- +goose StatementBegin",
            "-- no-transaction", "-- atlas:txmode none", "CREATE TABLE a (id int);",
            "provider = \"mysql\"", "provider = 3", "run_in_transaction = false", "executeInTransaction=false",
            "\n", "\r\n", "é", "$$", "::", "`x`", "AUTO_INCREMENT", "PRAGMA x;", "-- PostgreSQL database dump",
            "-- MariaDB dump", "[[[", "CONCURRENTLY",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn tree() -> impl Strategy<Value = MemTree> {
    prop::collection::vec(((dir(), file_name()), content()), 0..14)
        .prop_map(|files| MemTree::new(files.into_iter().map(|((d, f), c)| (format!("{d}{f}"), c))))
}

fn override_path() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            "",
            ".",
            "migrations",
            "sql/",
            "../x",
            "/",
            "db//migrations",
            "é",
        ])
        .prop_map(str::to_string),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn discovery_never_panics_and_is_consistent(tree in tree(), ovr in override_path()) {
        for engine in [None, Some(Engine::Postgres), Some(Engine::Mysql), Some(Engine::Mariadb), Some(Engine::Sqlite)] {
            let Ok(set) = discover(&tree, engine, ovr.as_deref()) else { continue };
            let mut ids = HashSet::new();
            for m in set.migrations.iter().chain(set.schema_file.iter()) {
                prop_assert!(tree.contains(&m.path), "{} is not in the tree", m.path);
                prop_assert!(m.text.get(m.up.clone()).is_some(), "bad up range in {}", m.path);
                prop_assert!(!m.path.ends_with(".down.sql"), "{} is a down migration", m.path);
            }
            for m in &set.migrations {
                prop_assert!(ids.insert(m.id.clone()), "duplicate id {}", m.id);
            }
            let _ = detect_engine(&set);
            prop_assert!(compare(&set, &set).is_empty());
        }
    }

    #[test]
    fn random_paths_never_panic(files in prop::collection::vec(("\\PC{0,30}", prop::collection::vec(any::<u8>(), 0..40)), 0..10)) {
        let tree = MemTree::new(files);
        let _ = discover(&tree, None, None);
        let _ = discover(&tree, Some(Engine::Postgres), Some("migrations"));
    }
}
