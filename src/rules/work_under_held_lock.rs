//! SG127 work-under-held-lock: a statement that scans, rewrites or changes
//! rows of a table an earlier statement of the same transaction locked.

use super::*;
use crate::facts::Work;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG127",
    name: "work-under-held-lock",
    engines: POSTGRES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "After one statement locks a table, later work in the same transaction runs while the table stays locked",
    what: "Reports a statement inside a transaction that scans, rewrites, indexes or updates rows of an existing table when an earlier statement of the same transaction already took a lock on it that blocks reads or writes.",
    why: "Locks are held until COMMIT. A quick `ADD COLUMN` takes ACCESS EXCLUSIVE; a backfill `UPDATE`, index build or validation after it in the same transaction then runs with the table still locked, so a change that would take milliseconds blocks the table for the length of the slowest statement.",
    example: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';\nCOMMIT;",
    instead: "Commit right after the statement that takes the lock: put each lock-taking DDL in its own transaction (or migration), and run backfills in batches in separate transactions afterwards.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';\nCOMMIT;",
    }],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCOMMIT;\nUPDATE users SET plan = 'free' WHERE id < 1000;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ADD COLUMN tier text;\nCOMMIT;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if !ctx.tx.in_transaction || ctx.tx.locked_tables.is_empty() {
        return;
    }
    let (table, doing) = match ctx.op {
        Op::Dml {
            target: Some(t), ..
        } => (t, "changes its rows"),
        _ => match (&ctx.assessment.table, ctx.assessment.fact) {
            (Some(t), Some(f)) if f.work != Work::Metadata => (
                t,
                match f.work {
                    Work::Scan => "reads every row",
                    Work::IndexBuild => "builds an index",
                    _ => "rewrites it",
                },
            ),
            _ => return,
        },
    };
    if !ctx.tx.locked_tables.contains(table) {
        return;
    }
    // Actions of one ALTER TABLE share its lock: only a later statement counts.
    let earlier_in_statement = ctx
        .stmt
        .ops
        .iter()
        .take_while(|o| !std::ptr::eq(*o, ctx.op))
        .any(|o| o.table() == Some(table));
    if earlier_in_statement {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!("an earlier statement of this transaction locked {table} until COMMIT: this statement {doing} while every query on {table} waits"),
        RULE.instead.to_string(),
    ));
}
