//! SG003 statement-not-understood: a statement neither the parser nor the
//! fallback recogniser understood, classified conservatively.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG003",
    name: "statement-not-understood",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::MaintenanceWindow,
    summary: "A statement shipgate cannot analyse is assumed to need a maintenance window",
    what: "Reports statements that could not be parsed or whose effect cannot be seen (an anonymous `DO` block, vendor syntax), with the parser's message.",
    why: "What cannot be analysed cannot be called safe. The release is classified as if the statement needed downtime until a person has looked at it.",
    example: "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN x int'; END $$;",
    instead: "Write the change as plain DDL, or, after review, add `-- shipgate:allow statement-not-understood <reason>` above the statement.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "DO $$ BEGIN PERFORM 1; END $$;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE t (id int PRIMARY KEY);",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if let Op::Unknown { reason } = ctx.op {
        out.push(ctx.finding(
            &RULE,
            format!(
                "shipgate cannot analyse this statement ({reason}); it is assumed to need downtime"
            ),
            RULE.instead.to_string(),
        ));
    }
}
