//! SG104 reindex-blocks-writes: `REINDEX` without `CONCURRENTLY` on an
//! index or table that existed before the release.

use super::*;
use crate::sql::ir::{Name, Op};

pub static RULE: Rule = Rule {
    id: "SG104",
    name: "reindex-blocks-writes",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "REINDEX without CONCURRENTLY blocks writes to the table while every index is rebuilt",
    what: "Reports `REINDEX INDEX|TABLE|SCHEMA|DATABASE` without `CONCURRENTLY`, unless the target is a table (or an index of a table) created in the same release.",
    why: "A plain REINDEX takes a SHARE lock on the table, so INSERT, UPDATE and DELETE wait for the whole rebuild, and an ACCESS EXCLUSIVE lock on the index, so queries that would use it wait too.",
    example: "REINDEX INDEX users_email_idx;",
    instead: "`REINDEX INDEX CONCURRENTLY users_email_idx;` (PostgreSQL 12+) outside a transaction block; before 12, build a copy with CREATE INDEX CONCURRENTLY, drop the old index concurrently and rename the copy.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);",
            sql: "REINDEX INDEX users_email_idx;",
        },
        Example {
            engine: Engine::Postgres,
            version: Some("11"),
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "REINDEX TABLE users;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);",
            sql: "REINDEX INDEX CONCURRENTLY users_email_idx;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nREINDEX TABLE users;",
        },
    ],
};

/// The table a REINDEX target (`index i`, `table t`) rebuilds indexes of.
fn target_table(ctx: &Ctx, target: &str) -> Option<Name> {
    let (kind, name) = target.split_once(' ')?;
    let name = Name::new(name.trim());
    match kind {
        "table" => Some(name),
        "index" => ctx.before.index_owner(&name).map(|t| t.name.clone()),
        _ => None,
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::Reindex {
        target,
        concurrently: false,
    } = ctx.op
    else {
        return;
    };
    if target_table(ctx, target).is_some_and(|t| ctx.new_tables.contains(&t)) {
        return;
    }
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "REINDEX {target} takes {}: writes wait until every index is rebuilt",
            ctx.lock()
        ),
    ));
}
