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

/// The reproduction: a column named in another case than the
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
