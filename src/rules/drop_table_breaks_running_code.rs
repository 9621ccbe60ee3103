//! SG117 drop-table-breaks-running-code: a table dropped while old code may
//! still use it.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG117",
    name: "drop-table-breaks-running-code",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "Dropping a table that running code uses must wait until that code is gone",
    what: "Reports `DROP TABLE` of a table that exists before the release and that old code uses, and places the statement after the deploy.",
    why: "Old instances still serving during a rolling or blue/green deploy query the table and fail the moment it is gone; the data is gone too, so rolling back the code does not help.",
    example: "DROP TABLE legacy_sessions;",
    instead: "Ship code that no longer uses the table first; drop it in the post-deploy phase (for blue/green, after the blue group is terminated), ideally after a backup or a rename to a holding name. shipgate places the statement there.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE legacy_sessions (id int PRIMARY KEY);",
            sql: "DROP TABLE legacy_sessions;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE legacy_sessions (id integer PRIMARY KEY);",
            sql: "DROP TABLE legacy_sessions;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE scratch (id int PRIMARY KEY);\nDROP TABLE scratch;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::DropTable { tables, .. } = ctx.op else {
        return;
    };
    if !tables.iter().any(|t| ctx.table_exists_before_release(t)) {
        return;
    }
    if let PhaseNeed::Post { why } = ctx.phase {
        out.push(ctx.finding(
            &RULE,
            format!("{why}: the drop runs after the deploy, once no old code is left"),
            RULE.instead.to_string(),
        ));
    }
}
