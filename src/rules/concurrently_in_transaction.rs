//! SG103 concurrently-in-transaction: `CONCURRENTLY` (index builds and
//! drops, `REINDEX`) inside a transaction block, which PostgreSQL rejects.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG103",
    name: "concurrently-in-transaction",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "CONCURRENTLY cannot run inside a transaction block: the migration fails",
    what: "Reports `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY` (and any other operation the facts mark as not allowed in a transaction) in a file that runs in a transaction: an explicit `BEGIN`, or a migration tool that wraps each file (sqlx without `-- no-transaction`, Flyway, goose and dbmate by default).",
    why: "PostgreSQL raises `CREATE INDEX CONCURRENTLY cannot run inside a transaction block`; the migration fails and the release cannot apply.",
    example: "BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;",
    instead: "Put the statement in a migration of its own that runs outside a transaction (sqlx: first line `-- no-transaction`; goose: `-- +goose NO TRANSACTION`; dbmate: `-- migrate:up transaction:false`).",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if !ctx.tx.in_transaction {
        return;
    }
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if !fact.no_transaction {
        return;
    }
    let how = if ctx.tx.explicit_begin || !ctx.tx.wrapped {
        "an explicit BEGIN opened a transaction"
    } else {
        "the migration tool runs this file in a transaction"
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "{} cannot run inside a transaction block and {how}: the migration fails",
            describe(ctx.op)
        ),
        RULE.instead.to_string(),
    ));
}

fn describe(op: &Op) -> String {
    match op {
        Op::CreateIndex { .. } => "CREATE INDEX CONCURRENTLY".into(),
        Op::DropIndex { .. } => "DROP INDEX CONCURRENTLY".into(),
        Op::Reindex { .. } => "REINDEX CONCURRENTLY".into(),
        other => other.kind().to_string(),
    }
}
