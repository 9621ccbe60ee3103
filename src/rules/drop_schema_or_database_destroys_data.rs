//! SG118 drop-schema-or-database-destroys-data: `DROP SCHEMA` or
//! `DROP DATABASE` in a migration.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG118",
    name: "drop-schema-or-database-destroys-data",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "DROP SCHEMA or DROP DATABASE deletes every object in it, irrecoverably",
    what: "Reports `DROP SCHEMA` and `DROP DATABASE` in a release's migrations. When old code uses a table in the schema, the statement runs after the deploy.",
    why: "Every table, view, type and row in the schema or database goes at once, with no way back but a backup. A mistyped name or a schema another service still uses is a data-loss incident, and old instances of the application fail at once.",
    example: "DROP SCHEMA reporting CASCADE;",
    instead: "Drop the objects one by one in the post-deploy phase after the code that used them is gone, or rename the schema to a holding name and drop it in a later release once nobody complained. Take a backup first.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE SCHEMA reporting;\nCREATE TABLE reporting.daily (id int PRIMARY KEY);",
            sql: "DROP SCHEMA reporting CASCADE;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "",
            sql: "DROP DATABASE legacy;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE SCHEMA reporting;",
        sql: "CREATE TABLE reporting.daily (id int PRIMARY KEY);",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (what, names) = match ctx.op {
        Op::DropSchema { names, .. } => ("schema", names.clone()),
        Op::DropDatabase { name } => ("database", vec![name.clone()]),
        _ => return,
    };
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let when = match ctx.phase {
        PhaseNeed::Post { why } => format!("; {why}, so it runs after the deploy"),
        _ => String::new(),
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "dropping the {what} {} deletes every object and row in it, with no way back but a backup{when}",
            names.join(", ")
        ),
        RULE.instead.to_string(),
    ));
}
