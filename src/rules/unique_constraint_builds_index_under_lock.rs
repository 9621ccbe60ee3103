//! SG108 unique-constraint-builds-index-under-lock: a UNIQUE or PRIMARY KEY
//! constraint added inline (not `USING INDEX`) to an existing table.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG108",
    name: "unique-constraint-builds-index-under-lock",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "Adding a UNIQUE or PRIMARY KEY constraint builds its index while the table is locked",
    what: "Reports `ALTER TABLE … ADD CONSTRAINT … UNIQUE (…)` and `… PRIMARY KEY (…)` without `USING INDEX`, and `ADD COLUMN … UNIQUE` / `… PRIMARY KEY`, on a large or unknown-size table that exists before the release.",
    why: "The constraint's unique index is built inside ALTER TABLE under ACCESS EXCLUSIVE: every read and write of the table waits until the index has been built from every row.",
    example: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    instead: "`CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);` outside a transaction, then `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;` (the same for PRIMARY KEY), which only takes a brief lock.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE events (id int NOT NULL, body text);",
            sql: "ALTER TABLE events ADD PRIMARY KEY (id);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN handle text UNIQUE;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE UNIQUE INDEX users_email_key ON users (email);",
            sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match ctx.op {
        Op::AddConstraint {
            table, constraint, ..
        } => {
            let Some(what) = key_kind(&constraint.kind) else {
                return;
            };
            if constraint.using_index.is_some() || !ctx.table_is_large() {
                return;
            }
            out.push(ctx.cost_finding(
                &RULE,
                format!(
                    "this {what} constraint builds its index under {} on {table}: {} wait until every row is indexed",
                    ctx.lock(),
                    blocked_traffic(ctx)
                ),
            ));
        }
        Op::AddColumn { table, column, .. } => {
            // The column is cheap to add, but its inline key is built by
            // reading every row while ALTER TABLE holds ACCESS EXCLUSIVE.
            let Some(what) = column.constraints.iter().find_map(|c| key_kind(&c.kind)) else {
                return;
            };
            if !ctx.table_is_large() || column.auto.is_some() {
                return;
            }
            out.push(ctx.finding(
                &RULE,
                format!(
                    "the inline {what} of the new column {} builds an index over every row of {table} under {}: reads and writes wait until it is built",
                    column.name,
                    ctx.lock()
                ),
                format!(
                    "add {} without the key, then CREATE UNIQUE INDEX CONCURRENTLY on it and ADD CONSTRAINT … {what} USING INDEX",
                    column.name
                ),
            ));
        }
        _ => {}
    }
}

fn key_kind(kind: &ConstraintKind) -> Option<&'static str> {
    match kind {
        ConstraintKind::Unique { .. } => Some("UNIQUE"),
        ConstraintKind::PrimaryKey { .. } => Some("PRIMARY KEY"),
        _ => None,
    }
}
