//! SG115 rename-column-breaks-running-code: a column of an existing table
//! renamed while old and new code both run.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG115",
    name: "rename-column-breaks-running-code",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "Renaming a column breaks whichever code version uses the other name",
    what: "Reports `RENAME COLUMN` (and MySQL `CHANGE old new …`) on a table that exists before the release when running code uses the old name.",
    why: "During a rolling or blue/green deploy old code uses the old name and new code the new one. Run before the deploy, the rename breaks every old instance; after it, every new one. No order of migration and deploy keeps both working.",
    example: "ALTER TABLE users RENAME COLUMN name TO full_name;",
    instead: "Expand: add `full_name`, keep it and `name` in sync with a trigger in both directions, backfill it in batches; deploy code that uses `full_name`; contract: drop the trigger and `name` once no old code runs.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, name text);",
            sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(100));",
            sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(100));",
            sql: "ALTER TABLE users CHANGE name full_name varchar(100);",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE users (id int PRIMARY KEY, name text);\nALTER TABLE users RENAME COLUMN name TO full_name;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (table, from, to) = match ctx.op {
        Op::RenameColumn { table, from, to } => (table, from, to),
        Op::RedefineColumn {
            table,
            from,
            column,
            ..
        } if !from.eq_ignore_ascii_case(&column.name) => (table, from, &column.name),
        _ => return,
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    rename_finding(ctx, &RULE, &format!("renaming {from} to {to}"), out);
}
