//! SG120 drop-column: a column dropped while code may still use it.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG120",
    name: "drop-column-breaks-running-code",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "Dropping a column that running code uses must wait until that code is gone",
    what: "Reports `DROP COLUMN` on a column of an existing table, and says when it can run: after the deploy (post-deploy phase) when only the old code uses it.",
    why: "Old code still running during a rolling or blue/green deploy selects or inserts the column and fails the moment it is gone. Run before the deploy, the drop breaks every old instance.",
    example: "ALTER TABLE users DROP COLUMN nickname;",
    instead: "Ship code that no longer uses the column first; drop it in the post-deploy phase (for blue/green, after the blue group is terminated). shipgate places the statement there.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, nickname text);",
        sql: "ALTER TABLE users DROP COLUMN nickname;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE users (id int PRIMARY KEY, nickname text);\nALTER TABLE users DROP COLUMN nickname;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::DropColumn { table, column, .. } = ctx.op else {
        return;
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    if let PhaseNeed::Post { why } = ctx.phase {
        out.push(ctx.finding(
            &RULE,
            format!(
                "{why}; dropping {table}.{column} runs after the deploy, once no old code is left"
            ),
            RULE.instead.to_string(),
        ));
    }
}
