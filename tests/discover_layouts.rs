//! Discovery of every supported layout, from small trees on disk.

mod common;

use common::{dir_tree, line_of};
use shipgate::engine::Engine;
use shipgate::migrations::{discover, Layout, Migration, MigrationSet, TxMode};

fn ids(set: &MigrationSet) -> Vec<&str> {
    set.migrations.iter().map(|m| m.id.as_str()).collect()
}

fn paths(set: &MigrationSet) -> Vec<&str> {
    set.migrations.iter().map(|m| m.path.as_str()).collect()
}

fn by_id<'a>(set: &'a MigrationSet, id: &str) -> &'a Migration {
    set.migrations.iter().find(|m| m.id == id).unwrap()
}

/// The line of the first statement of the up part (first non-blank,
/// non-comment line at or after `up.start`).
fn first_up_statement_line(m: &Migration) -> usize {
    let mut offset = m.up.start;
    for line in m.text[m.up.clone()].split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with("--") {
            return line_of(&m.text, offset);
        }
        offset += line.len();
    }
    panic!("no statement in the up part of {}", m.path);
}

#[test]
fn sqlx_numbered_files_in_natural_order() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\nname = \"app\"\n"),
        (
            "migrations/9_add_email.sql",
            "ALTER TABLE users ADD COLUMN email text;\n",
        ),
        (
            "migrations/10_index.sql",
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users (email);\n",
        ),
        ("migrations/0001_init.sql", "CREATE TABLE users (id int);\n"),
        ("migrations/README.md", "not a migration"),
    ]);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Sqlx);
    assert_eq!(set.dir, "migrations");
    assert_eq!(ids(&set), ["0001", "9", "10"]);
    assert_eq!(by_id(&set, "0001").name, "init");
    assert_eq!(by_id(&set, "0001").transaction, TxMode::Wrapped);
    assert_eq!(by_id(&set, "10").transaction, TxMode::NotWrapped);
    assert_eq!(
        by_id(&set, "9").up_text(),
        "ALTER TABLE users ADD COLUMN email text;\n"
    );
}

#[test]
fn sqlx_reversible_files_leave_the_downs_out() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        (
            "migrations/20210101000000_a.up.sql",
            "CREATE TABLE a (id int);",
        ),
        ("migrations/20210101000000_a.down.sql", "DROP TABLE a;"),
        (
            "migrations/20210202000000_b.up.sql",
            "CREATE TABLE b (id int);",
        ),
        ("migrations/20210202000000_b.down.sql", "DROP TABLE b;"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::Sqlx);
    assert_eq!(
        paths(&set),
        [
            "migrations/20210101000000_a.up.sql",
            "migrations/20210202000000_b.up.sql"
        ]
    );
    assert!(set.migrations.iter().all(|m| !m.text.contains("DROP")));
}

#[test]
fn name_versioned_files_share_numbers_and_order_by_name() {
    // maragudk/migrate (harness/gitness): the version is the file name, so
    // numbers repeat; `_up.sql` is an up file too, `_down.sql` a down file.
    let files = [
        ("go.mod", "module app\n"),
        (
            "store/migrate/postgres/0000_create_extension_citext.up.sql",
            "CREATE EXTENSION IF NOT EXISTS citext;",
        ),
        (
            "store/migrate/postgres/0000_create_extension_btree.up.sql",
            "CREATE EXTENSION IF NOT EXISTS btree_gin;",
        ),
        (
            "store/migrate/postgres/0001_create_table_b_spaces.up.sql",
            "CREATE TABLE spaces (id int);",
        ),
        (
            "store/migrate/postgres/0001_create_table_a_principals.up.sql",
            "CREATE TABLE principals (id int);",
        ),
        (
            "store/migrate/postgres/0001_create_table_a_principals.down.sql",
            "DROP TABLE principals;",
        ),
        (
            "store/migrate/postgres/0002_alter_spaces_add_internal_up.sql",
            "ALTER TABLE spaces ADD COLUMN internal boolean;",
        ),
        (
            "store/migrate/postgres/0002_alter_spaces_add_internal_down.sql",
            "ALTER TABLE spaces DROP COLUMN internal;",
        ),
    ];
    let (_t, tree) = dir_tree(&files);
    let set = discover(
        &tree,
        Some(Engine::Postgres),
        Some("store/migrate/postgres"),
    )
    .unwrap();
    assert_eq!(set.layout, Layout::NameVersioned);
    assert_eq!(
        ids(&set),
        [
            "0000_create_extension_btree",
            "0000_create_extension_citext",
            "0001_create_table_a_principals",
            "0001_create_table_b_spaces",
            "0002_alter_spaces_add_internal",
        ]
    );
    assert_eq!(
        by_id(&set, "0002_alter_spaces_add_internal").up_text(),
        "ALTER TABLE spaces ADD COLUMN internal boolean;"
    );
    // The tool runs each file in a transaction of its own.
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::Wrapped));
}

#[test]
fn golang_migrate_versions_and_transactions() {
    let files = [
        ("go.mod", "module app\n"),
        ("db/migrations/1_init.up.sql", "CREATE TABLE a (id int);"),
        ("db/migrations/1_init.down.sql", "DROP TABLE a;"),
        (
            "db/migrations/10_c.up.sql",
            "ALTER TABLE a ADD COLUMN c int;",
        ),
        (
            "db/migrations/2_b.up.sql",
            "ALTER TABLE a ADD COLUMN b int;",
        ),
        ("db/migrations/2_b.down.sql", "ALTER TABLE a DROP COLUMN b;"),
    ];
    let (_t, tree) = dir_tree(&files);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::GolangMigrate);
    assert_eq!(ids(&set), ["1", "2", "10"]);
    // One multi-statement query: PostgreSQL runs it as one transaction.
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::Wrapped));
    let set = discover(&tree, Some(Engine::Mysql), None).unwrap();
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::NotWrapped));
    // The sqlite3 driver wraps each file in a transaction.
    let set = discover(&tree, Some(Engine::Sqlite), None).unwrap();
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::Wrapped));
}

#[test]
fn numbered_files_outside_a_rust_project_are_a_plain_folder() {
    let (_t, tree) = dir_tree(&[
        ("migrations/1_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/2_b.sql", "CREATE TABLE b (id int);"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::Plain);
    assert_eq!(ids(&set), ["1_a.sql", "2_b.sql"]);
    assert!(set
        .migrations
        .iter()
        .all(|m| m.transaction == TxMode::NotWrapped));
}

#[test]
fn flyway_versions_repeatables_and_undo() {
    let d = "src/main/resources/db/migration";
    let f = |n: &str| format!("{d}/{n}");
    let names = [
        (f("V10__d.sql"), "ALTER TABLE a ADD COLUMN d int;"),
        (f("V1__init.sql"), "CREATE TABLE a (id int);"),
        (f("V1_1__a.sql"), "ALTER TABLE a ADD COLUMN x int;"),
        (f("V1.2__b.sql"), "CREATE INDEX CONCURRENTLY i ON a (x);"),
        (f("V2__c.sql"), "ALTER TABLE a ADD COLUMN c int;"),
        (f("V2__c.sql.conf"), "executeInTransaction=false\n"),
        (f("R__views.sql"), "CREATE OR REPLACE VIEW v AS SELECT 1;"),
        (f("U2__c.sql"), "ALTER TABLE a DROP COLUMN c;"),
    ];
    let files: Vec<(&str, &str)> = names.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let (_t, tree) = dir_tree(&files);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Flyway);
    assert_eq!(set.dir, d);
    assert_eq!(ids(&set), ["1", "1.1", "1.2", "2", "10", "R__views"]);
    assert!(set.migrations.last().unwrap().repeatable);
    assert!(!set.migrations.iter().any(|m| m.path.contains("U2__")));
    assert_eq!(by_id(&set, "1").transaction, TxMode::Wrapped);
    // Flyway runs CONCURRENTLY outside a transaction on PostgreSQL …
    assert_eq!(by_id(&set, "1.2").transaction, TxMode::NotWrapped);
    // … and honours a script config file.
    assert_eq!(by_id(&set, "2").transaction, TxMode::NotWrapped);
    assert_eq!(by_id(&set, "10").transaction, TxMode::Wrapped);
}

#[test]
fn dbmate_sections_keep_real_line_numbers() {
    let text = "-- a header comment\n-- migrate:up\nCREATE TABLE a (id int);\nCREATE INDEX i ON a (id);\n\n-- migrate:down\nDROP TABLE a;\n";
    let text2 = "-- migrate:up transaction:false\n\nCREATE INDEX CONCURRENTLY j ON a (id);\n-- migrate:down\nDROP INDEX j;\n";
    let (_t, tree) = dir_tree(&[
        ("db/migrations/20200101000000_create_a.sql", text),
        ("db/migrations/20200202000000_index_a.sql", text2),
    ]);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Dbmate);
    let a = by_id(&set, "20200101000000");
    assert_eq!(a.name, "create_a");
    assert_eq!(first_up_statement_line(a), 3);
    assert_eq!(
        a.up_text(),
        "CREATE TABLE a (id int);\nCREATE INDEX i ON a (id);\n\n"
    );
    assert_eq!(a.transaction, TxMode::Wrapped);
    let b = by_id(&set, "20200202000000");
    assert_eq!(first_up_statement_line(b), 3);
    assert!(!b.up_text().contains("DROP"));
    assert_eq!(b.transaction, TxMode::NotWrapped);
}

#[test]
fn goose_sections_statement_blocks_and_no_transaction() {
    let text = "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n";
    let text2 = "-- +goose NO TRANSACTION\n\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- +goose Down\nDROP INDEX i;\n";
    let (_t, tree) = dir_tree(&[
        ("migrations/00002_index.sql", text2),
        ("migrations/00001_func.sql", text),
        ("migrations/main.go", "package migrations\n"),
    ]);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Goose);
    assert_eq!(ids(&set), ["00001", "00002"]);
    let f = by_id(&set, "00001");
    assert!(f.up_text().starts_with("-- +goose StatementBegin\n"));
    assert!(f.up_text().contains("-- +goose StatementEnd"));
    assert!(!f.up_text().contains("DROP"));
    assert_eq!(first_up_statement_line(f), 3);
    assert_eq!(f.transaction, TxMode::Wrapped);
    let i = by_id(&set, "00002");
    assert_eq!(first_up_statement_line(i), 4);
    assert_eq!(i.transaction, TxMode::NotWrapped);
    // A Go migration is part of goose's history but not replayed: say so.
    assert!(
        set.notes.iter().any(|n| n.contains("migrations/main.go")),
        "{:?}",
        set.notes
    );
}

#[test]
fn diesel_folders() {
    let (_t, tree) = dir_tree(&[
        (
            "migrations/00000000000000_diesel_initial_setup/up.sql",
            "CREATE FUNCTION x() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
        ),
        (
            "migrations/00000000000000_diesel_initial_setup/down.sql",
            "DROP FUNCTION x();",
        ),
        (
            "migrations/2020-02-01-000000_add_index/up.sql",
            "CREATE INDEX CONCURRENTLY i ON users (id);",
        ),
        (
            "migrations/2020-02-01-000000_add_index/metadata.toml",
            "run_in_transaction = false\n",
        ),
        (
            "migrations/2020-01-01-000000_create_users/up.sql",
            "CREATE TABLE users (id int);",
        ),
        (
            "migrations/2020-01-01-000000_create_users/down.sql",
            "DROP TABLE users;",
        ),
    ]);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Diesel);
    assert_eq!(
        ids(&set),
        ["00000000000000", "20200101000000", "20200201000000"]
    );
    assert_eq!(set.migrations[1].name, "create_users");
    assert_eq!(
        set.migrations[1].path,
        "migrations/2020-01-01-000000_create_users/up.sql"
    );
    assert_eq!(set.migrations[1].transaction, TxMode::Wrapped);
    assert_eq!(set.migrations[2].transaction, TxMode::NotWrapped);
    assert!(!set.migrations.iter().any(|m| m.text.contains("DROP")));
}

#[test]
fn prisma_folders_and_provider() {
    let (_t, tree) = dir_tree(&[
        (
            "prisma/schema.prisma",
            "datasource db { provider = \"postgresql\" }",
        ),
        (
            "prisma/migrations/migration_lock.toml",
            "provider = \"postgresql\"\n",
        ),
        (
            "prisma/migrations/20210202000000_add_email/migration.sql",
            "ALTER TABLE \"User\" ADD COLUMN \"email\" TEXT;",
        ),
        (
            "prisma/migrations/20210101000000_init/migration.sql",
            "CREATE TABLE \"User\" (\"id\" SERIAL);",
        ),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::Prisma);
    assert_eq!(
        ids(&set),
        ["20210101000000_init", "20210202000000_add_email"]
    );
    assert_eq!(set.migrations[1].name, "add_email");
    let (engine, why) = set.engine_hint.clone().unwrap();
    assert_eq!(engine, Engine::Postgres);
    assert!(why.contains("migration_lock.toml"), "{why}");
    // The provider decides the transaction mode when --engine is absent.
    assert_eq!(set.migrations[0].transaction, TxMode::Wrapped);
}

#[test]
fn atlas_sum_and_txmode() {
    let (_t, tree) = dir_tree(&[
        (
            "migrations/atlas.sum",
            "h1:abc=\n20220318104614_init.sql h1:x=\n",
        ),
        (
            "migrations/20220318104614_init.sql",
            "CREATE TABLE a (id int);",
        ),
        (
            "migrations/20220401000000_idx.sql",
            "-- atlas:txmode none\nCREATE INDEX CONCURRENTLY i ON a (id);",
        ),
    ]);
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.layout, Layout::Atlas);
    assert_eq!(ids(&set), ["20220318104614", "20220401000000"]);
    assert_eq!(set.migrations[0].transaction, TxMode::Wrapped);
    assert_eq!(set.migrations[1].transaction, TxMode::NotWrapped);
}

#[test]
fn nested_versioned_folders_in_natural_order() {
    let (_t, tree) = dir_tree(&[
        (
            "migrations/v1.10/001_b.sql",
            "ALTER TABLE a ADD COLUMN b int;",
        ),
        (
            "migrations/v1.9/002_d.sql",
            "ALTER TABLE a ADD COLUMN d int;",
        ),
        ("migrations/v1.9/001_a.sql", "CREATE TABLE a (id int);"),
        ("migrations/v1.2/001_c.sql", "CREATE TABLE c (id int);"),
        ("migrations/v1.9/001_a.down.sql", "DROP TABLE a;"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::Nested);
    assert_eq!(
        ids(&set),
        [
            "v1.2/001_c.sql",
            "v1.9/001_a.sql",
            "v1.9/002_d.sql",
            "v1.10/001_b.sql"
        ]
    );
}

#[test]
fn plain_folder_in_natural_order() {
    let (_t, tree) = dir_tree(&[
        ("sql/step10.sql", "ALTER TABLE a ADD COLUMN b int;"),
        ("sql/step9.sql", "CREATE TABLE a (id int);"),
        ("sql/notes.txt", "ignored"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.layout, Layout::Plain);
    assert_eq!(set.dir, "sql");
    assert_eq!(paths(&set), ["sql/step9.sql", "sql/step10.sql"]);
    assert_eq!(ids(&set), ["step9.sql", "step10.sql"]);
}

#[test]
fn per_dialect_files_follow_the_engine() {
    let (_t, tree) = dir_tree(&[
        ("Cargo.toml", "[package]\n"),
        ("migrations/0001_a.up.sql", "CREATE TABLE a (id int);"),
        (
            "migrations/0001_a.postgres.up.sql",
            "CREATE TABLE a (id serial);",
        ),
        (
            "migrations/0001_a.mysql.up.sql",
            "CREATE TABLE a (id int AUTO_INCREMENT);",
        ),
        ("migrations/0001_a.down.sql", "DROP TABLE a;"),
        (
            "migrations/0002_b.sqlite.sql",
            "CREATE TABLE b (id integer primary key autoincrement);",
        ),
    ]);
    let pick = |engine| {
        let set = discover(&tree, engine, None).unwrap();
        (
            paths(&set)
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
            set,
        )
    };
    let (p, set) = pick(Some(Engine::Postgres));
    assert_eq!(p, ["migrations/0001_a.postgres.up.sql"]);
    assert_eq!(set.migrations[0].dialect, Some(Engine::Postgres));
    assert!(
        set.notes.iter().any(|n| n.contains("0002_b.sqlite.sql")),
        "{:?}",
        set.notes
    );
    let (p, _) = pick(Some(Engine::Mysql));
    assert_eq!(p, ["migrations/0001_a.mysql.up.sql"]);
    // MariaDB has no file of its own here: MySQL's is the closest.
    let (p, _) = pick(Some(Engine::Mariadb));
    assert_eq!(p, ["migrations/0001_a.mysql.up.sql"]);
    let (p, _) = pick(Some(Engine::Sqlite));
    assert_eq!(
        p,
        ["migrations/0001_a.up.sql", "migrations/0002_b.sqlite.sql"]
    );
    let (p, set) = pick(None);
    assert_eq!(p, ["migrations/0001_a.up.sql"]);
    assert_eq!(set.dialects.len(), 3);
    // Variants share one id, so switching engines does not look like an edit.
    assert_eq!(set.migrations[0].id, "0001");
}

#[test]
fn migrations_in_a_monorepo_folder() {
    let (_t, tree) = dir_tree(&[
        ("crates/db/Cargo.toml", "[package]\n"),
        ("crates/db/migrations/1_a.sql", "CREATE TABLE a (id int);"),
        ("node_modules/x/migrations/1_evil.sql", "DROP TABLE a;"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.dir, "crates/db/migrations");
    assert_eq!(set.layout, Layout::Sqlx);
    assert!(set.notes.iter().any(|n| n.contains("crates/db/migrations")));
}

#[test]
fn versioned_files_at_the_root() {
    let (_t, tree) = dir_tree(&[
        ("0001_a.sql", "CREATE TABLE a (id int);"),
        ("0002_b.sql", "CREATE TABLE b (id int);"),
        ("docs/x.sql", "SELECT 1;"),
    ]);
    let set = discover(&tree, None, None).unwrap();
    assert_eq!(set.dir, "");
    assert_eq!(paths(&set), ["0001_a.sql", "0002_b.sql"]);
}

#[test]
fn pop_per_dialect_files_keep_only_the_checked_engine() {
    let m = "persistence/sql/migrations";
    let f = |name: &str| format!("{m}/{name}");
    let files = [
        (
            f("20190100000001000000_client.postgres.up.sql"),
            "CREATE TABLE c (pk serial PRIMARY KEY);",
        ),
        (
            f("20190100000001000000_client.cockroach.up.sql"),
            "CREATE TABLE c (pk UUID PRIMARY KEY);",
        ),
        (
            f("20190100000001000000_client.mysql.up.sql"),
            "CREATE TABLE c (pk INT AUTO_INCREMENT PRIMARY KEY);",
        ),
        (
            f("20190100000001000000_client.sqlite3.up.sql"),
            "CREATE TABLE c (pk INTEGER PRIMARY KEY AUTOINCREMENT);",
        ),
        (
            f("20190100000001000000_client.postgres.down.sql"),
            "DROP TABLE c;",
        ),
        // Shared by every database.
        (
            f("20190100000002000000_name.up.sql"),
            "ALTER TABLE c ADD COLUMN name text;",
        ),
        // Only CockroachDB gets this one.
        (
            f("20190100000003000000_family.cockroach.up.sql"),
            "ALTER TABLE c ADD COLUMN f STRING;",
        ),
        (
            f("20190100000004000000_idx.postgres.autocommit.up.sql"),
            "CREATE INDEX CONCURRENTLY i ON c (name);",
        ),
        (
            f("20190100000004000000_idx.up.sql"),
            "CREATE INDEX i ON c (name);",
        ),
        (
            f("20190100000005000000_jwk.up.fizz"),
            "create_table(\"jwk\") {}",
        ),
        (
            f("20190100000005000000_jwk.down.fizz"),
            "drop_table(\"jwk\")",
        ),
        // pop compares versions as strings: "9" sorts after "20…".
        (f("9_late.up.sql"), "ALTER TABLE c ADD COLUMN late text;"),
    ];
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let (_t, tree) = dir_tree(&refs);
    let names = |e| {
        let set = discover(&tree, Some(e), None).unwrap();
        assert_eq!(set.layout, Layout::Pop);
        let p: Vec<String> = paths(&set)
            .iter()
            .map(|p| p.rsplit('/').next().unwrap().to_string())
            .collect();
        (p, set)
    };
    let (p, set) = names(Engine::Postgres);
    assert_eq!(
        p,
        [
            "20190100000001000000_client.postgres.up.sql",
            "20190100000002000000_name.up.sql",
            "20190100000004000000_idx.postgres.autocommit.up.sql",
            "9_late.up.sql",
        ]
    );
    assert_eq!(
        by_id(&set, "20190100000001000000").transaction,
        TxMode::Wrapped
    );
    assert_eq!(
        by_id(&set, "20190100000004000000").transaction,
        TxMode::NotWrapped
    );
    let fizz = set
        .notes
        .iter()
        .find(|n| n.contains("fizz"))
        .expect("a fizz note");
    assert!(
        fizz.contains("_jwk.up.fizz") && !fizz.contains("down.fizz"),
        "{fizz}"
    );
    // Its text is kept, so what it may create is known to be uncertain.
    assert_eq!(set.not_read.len(), 1);
    assert!(set.not_read[0].1.contains("create_table(\"jwk\")"));
    assert!(
        set.notes
            .iter()
            .any(|n| n.contains("_family.cockroach.up.sql")),
        "{:?}",
        set.notes
    );
    let (p, _) = names(Engine::Mysql);
    assert_eq!(p[0], "20190100000001000000_client.mysql.up.sql");
    assert_eq!(p[2], "20190100000004000000_idx.up.sql");
    let (p, _) = names(Engine::Mariadb);
    assert_eq!(p[0], "20190100000001000000_client.mysql.up.sql");
    let (p, _) = names(Engine::Sqlite);
    assert_eq!(p[0], "20190100000001000000_client.sqlite3.up.sql");
    assert_eq!(p.len(), 4);
}

#[test]
fn a_schema_snapshot_beside_version_folders_is_not_a_migration() {
    let (_t, tree) = dir_tree(&[
        (
            "store/migration/postgres/0.26/00__init.sql",
            "CREATE TABLE memo (id int);\n",
        ),
        (
            "store/migration/postgres/0.27/00__add_uid.sql",
            "ALTER TABLE memo ADD COLUMN uid text;\n",
        ),
        (
            "store/migration/postgres/LATEST.sql",
            "CREATE TABLE memo (id int, uid text);\n",
        ),
    ]);
    let set = discover(
        &tree,
        Some(Engine::Postgres),
        Some("store/migration/postgres"),
    )
    .unwrap();
    assert_eq!(set.layout, Layout::Nested);
    assert_eq!(
        paths(&set),
        [
            "store/migration/postgres/0.26/00__init.sql",
            "store/migration/postgres/0.27/00__add_uid.sql"
        ]
    );
    assert!(
        set.notes
            .iter()
            .any(|n| n.contains("LATEST.sql") && n.contains("snapshot")),
        "{:?}",
        set.notes
    );
    let snapshot = set
        .schema_file
        .as_ref()
        .expect("the snapshot completes the schema");
    assert_eq!(snapshot.path, "store/migration/postgres/LATEST.sql");
}
