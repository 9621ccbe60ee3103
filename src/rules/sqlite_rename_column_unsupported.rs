//! SG304 sqlite-rename-column-unsupported: `RENAME COLUMN` on SQLite
//! before 3.25, which does not have it.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG304",
    name: "sqlite-rename-column-unsupported",
    engines: SQLITE,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "SQLite before 3.25 has no RENAME COLUMN: the migration fails",
    what: "Reports `ALTER TABLE … RENAME COLUMN` when the target SQLite version is older than 3.25.0, per the engine facts.",
    why: "Older SQLite libraries (still bundled by some platforms and language runtimes) reject the statement with a syntax error: the migration stops and the release cannot apply.",
    example: "-- SQLite 3.24\nALTER TABLE users RENAME COLUMN name TO full_name;",
    instead: "Target SQLite 3.25 or later (check the library your application links, not the CLI), or rename through the 12-step table rebuild.",
    check,
    fires: &[Example {
        engine: Engine::Sqlite,
        version: Some("3.24"),
        before: "CREATE TABLE users (id integer PRIMARY KEY, name text);",
        sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
    }],
    quiet: &[Example {
        engine: Engine::Sqlite,
        version: Some("3.25"),
        before: "CREATE TABLE users (id integer PRIMARY KEY, name text);",
        sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::RenameColumn { table, from, .. } = ctx.op else {
        return;
    };
    if !ctx.assessment.fact.is_some_and(|f| f.unsupported) {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!(
            "SQLite {} has no RENAME COLUMN (it came in 3.25): renaming {table}.{from} fails",
            ctx.version
        ),
        RULE.instead.to_string(),
    ));
}
