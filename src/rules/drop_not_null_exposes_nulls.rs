//! SG122 drop-not-null-exposes-nulls: `DROP NOT NULL` on a column of an
//! existing table that old code reads.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG122",
    name: "drop-not-null-exposes-nulls",
    engines: ALL_ENGINES,
    severity: Severity::Info,
    class: Verdict::ZeroDowntime,
    summary: "After DROP NOT NULL, old code may read NULLs it never expected",
    what: "Reports `ALTER COLUMN … DROP NOT NULL` (and MySQL `MODIFY … NULL` of a NOT NULL column) on a column of a table that exists before the release.",
    why: "The change itself is instant, but once new code writes NULLs, old code still running during the deploy (and after a rollback) reads them: a NULL in a field the old code treats as always present is a crash or a wrong result.",
    example: "ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;",
    instead: "Make sure the old release tolerates NULL in the column (or ship that first), and let the new code start writing NULLs only once no old instance is left.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, phone text NOT NULL);",
            sql: "ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, phone varchar(20) NOT NULL);",
            sql: "ALTER TABLE users MODIFY phone varchar(20) NULL;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE users (id int PRIMARY KEY, phone text NOT NULL);\nALTER TABLE users ALTER COLUMN phone DROP NOT NULL;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (table, column) = match ctx.op {
        Op::DropNotNull { table, column } => (table, column),
        // MySQL/MariaDB: `MODIFY c … NULL` on a NOT NULL column.
        Op::RedefineColumn {
            table,
            from,
            column,
            ..
        } if !column.not_null && ctx.before.column(table, from).is_some_and(|c| c.not_null) => {
            (table, from)
        }
        _ => return,
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!("{table}.{column} may hold NULL from now on: old code that reads it may not expect that"),
        RULE.instead.to_string(),
    ));
}
