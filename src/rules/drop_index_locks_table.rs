//! SG102 drop-index-locks-table: `DROP INDEX` without `CONCURRENTLY` on an
//! index of a table that existed before the release.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG102",
    name: "drop-index-locks-table",
    engines: POSTGRES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "DROP INDEX without CONCURRENTLY locks the whole table, and queues every query behind it",
    what: "Reports `DROP INDEX` without `CONCURRENTLY` when the index belongs to a table that exists before the release.",
    why: "A plain DROP INDEX takes ACCESS EXCLUSIVE on the index's table. The drop itself is quick, but the lock must wait for every running query on the table, and while it waits every new query, reads included, queues behind it: one slow report freezes the table.",
    example: "DROP INDEX users_email_idx;",
    instead: "`DROP INDEX CONCURRENTLY users_email_idx;` outside a transaction block: it waits for running queries without blocking new ones.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);",
        sql: "DROP INDEX users_email_idx;",
    }],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);",
            sql: "DROP INDEX CONCURRENTLY users_email_idx;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\nDROP INDEX users_email_idx;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::DropIndex {
        names,
        table,
        concurrently: false,
        ..
    } = ctx.op
    else {
        return;
    };
    let owner = names.iter().find_map(|n| {
        table
            .clone()
            .or_else(|| ctx.before.index_owner(n).map(|t| t.name.clone()))
    });
    let Some(owner) = owner else {
        return;
    };
    if !ctx.table_exists_before_release(&owner) {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!(
            "dropping this index takes {} on {owner}: while it waits for running queries, every new query on {owner} queues behind it",
            ctx.lock()
        ),
        RULE.instead.to_string(),
    ));
}
