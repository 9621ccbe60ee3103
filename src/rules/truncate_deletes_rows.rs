//! SG119 truncate-deletes-rows: `TRUNCATE` of a table that existed before
//! the release.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG119",
    name: "truncate-deletes-rows",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "TRUNCATE deletes every row of a table running code uses",
    what: "Reports `TRUNCATE` of a table that exists before the release.",
    why: "Every row goes at once, under an exclusive lock that waits for and then blocks every query on the table. Running code that reads the table sees it empty; on MySQL TRUNCATE commits implicitly and cannot be rolled back.",
    example: "TRUNCATE sessions;",
    instead: "If the rows are obsolete, delete them in batches (`DELETE … WHERE id IN (SELECT … LIMIT 10000)`) after the code that needs them is gone; take a backup first.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE sessions (id int PRIMARY KEY);",
        sql: "TRUNCATE sessions;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE staging (id int PRIMARY KEY);\nTRUNCATE staging;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::Truncate { tables, .. } = ctx.op else {
        return;
    };
    let existing: Vec<String> = tables
        .iter()
        .filter(|t| ctx.table_exists_before_release(t))
        .map(|t| t.to_string())
        .collect();
    if existing.is_empty() {
        return;
    }
    let when = match ctx.phase {
        PhaseNeed::Post { why } => format!("; {why}, so it runs after the deploy"),
        _ => String::new(),
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "TRUNCATE deletes every row of {} under {}{when}",
            existing.join(", "),
            ctx.lock()
        ),
        RULE.instead.to_string(),
    ));
}
