//! SG116 rename-table-breaks-running-code: a table that existed before the
//! release renamed while old and new code both run.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG116",
    name: "rename-table-breaks-running-code",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "Renaming a table breaks whichever code version uses the other name",
    what: "Reports `ALTER TABLE … RENAME TO` and `RENAME TABLE` on a table that exists before the release when running code uses the old name.",
    why: "Old code queries the old name, new code the new one. Before the deploy the rename breaks every old instance, after it every new one: no order keeps both working.",
    example: "ALTER TABLE customers RENAME TO clients;",
    instead: "Expand: rename the table and, in the same transaction, create a view with the old name over it (a view over one table is updatable), or create the new table and sync it with triggers; deploy code that uses the new name; contract: drop the view (or the old table).",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "ALTER TABLE customers RENAME TO clients;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "RENAME TABLE customers TO clients;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE customers (id int PRIMARY KEY);\nALTER TABLE customers RENAME TO clients;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::RenameTable { from, to } = ctx.op else {
        return;
    };
    if !ctx.table_exists_before_release(from) {
        return;
    }
    rename_finding(ctx, &RULE, &format!("renaming {from} to {to}"), out);
}
