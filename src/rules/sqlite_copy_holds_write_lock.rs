//! SG305 sqlite-copy-holds-write-lock: `INSERT … SELECT` copying an
//! existing table on SQLite — the copy step of a hand-written table rebuild.

use super::*;
use crate::analysis::cost::Size;
use crate::sql::ir::{DmlKind, Op};

pub static RULE: Rule = Rule {
    id: "SG305",
    name: "sqlite-copy-holds-write-lock",
    engines: SQLITE,
    severity: Severity::Error,
    class: Verdict::MaintenanceWindow,
    summary: "Copying a large table on SQLite holds the database write lock until the last row: every writer waits",
    what: "Reports `INSERT INTO … SELECT … FROM t` on SQLite when `t` exists before the release and is large (or of unknown size; `--stats` can show it is small) — typically the copy step of the 12-step table rebuild that ORMs generate for changes ALTER TABLE cannot make (`CREATE TABLE new_t …; INSERT INTO new_t SELECT … FROM t; DROP TABLE t; ALTER TABLE new_t RENAME TO t`).",
    why: "SQLite has one writer per database: the statement holds the write lock while it reads and inserts every row, so every INSERT, UPDATE and DELETE of the application, on any table, waits or fails with SQLITE_BUSY until the copy ends. There is no online copy with change capture to fall back on.",
    example: "CREATE TABLE new_orders (id integer PRIMARY KEY, total bigint NOT NULL);\nINSERT INTO new_orders (id, total) SELECT id, total FROM orders;\nDROP TABLE orders;\nALTER TABLE new_orders RENAME TO orders;",
    instead: "Run the rebuild in a maintenance window (stop writers, copy, swap, restart), or avoid it: add a column instead of changing one, and enforce new rules in code until the next planned downtime.",
    check,
    fires: &[Example {
        engine: Engine::Sqlite,
        version: None,
        before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
        sql: "CREATE TABLE new_orders (id integer PRIMARY KEY, total bigint NOT NULL);\nINSERT INTO new_orders (id, total) SELECT id, total FROM orders;\nDROP TABLE orders;\nALTER TABLE new_orders RENAME TO orders;",
    }],
    quiet: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id integer PRIMARY KEY, total int);\nCREATE TABLE new_orders (id integer PRIMARY KEY, total bigint NOT NULL);\nINSERT INTO new_orders (id, total) SELECT id, total FROM orders;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
            sql: "INSERT INTO orders (id, total) VALUES (1, 2);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::Dml {
        kind: DmlKind::Insert,
        target,
        sources,
        ..
    } = ctx.op
    else {
        return;
    };
    let Some(src) = sources.iter().find(|s| {
        ctx.table_exists_before_release(s) && matches!(ctx.size_of(s), Size::Large { .. })
    }) else {
        return;
    };
    let into = target
        .as_ref()
        .map(|t| format!(" into {t}"))
        .unwrap_or_default();
    out.push(ctx.finding(
        &RULE,
        format!(
            "copying every row of {src}{into} holds SQLite's database write lock until the copy ends: every writer of the database waits, and SQLite has no online copy"
        ),
        RULE.instead.to_string(),
    ));
}
