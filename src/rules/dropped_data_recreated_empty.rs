//! SG133 dropped-data-recreated-empty: a table or column that held data is
//! dropped and created again under the same name in the same release.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG133",
    name: "dropped-data-recreated-empty",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "A table or column that held data is dropped and re-created empty in the same release",
    what: "Reports `CREATE TABLE t` after `DROP TABLE t`, and `ADD COLUMN c` after `DROP COLUMN c` of the same table, when `t` (or `t.c`) existed before the release and no statement of the release copied its rows elsewhere first (an `INSERT … SELECT`, `CREATE TABLE … AS`, or an `UPDATE` of the table). A table or column renamed into the dropped one's place (a table rebuild) is not reported. The finding carries the class the rest of the analysis gives the re-creating statement.",
    why: "The name survives, so code and reviews see the same schema shape, but every row (or every value of the column) is gone: the re-created object starts empty, or filled with its default. A type change written as drop and add loses the data the type change was meant to convert.",
    example: "ALTER TABLE orders DROP COLUMN amount;\nALTER TABLE orders ADD COLUMN amount numeric(12,2);",
    instead: "Change the column in place (`ALTER COLUMN … TYPE … USING …`), or add the new column under another name, copy the values in batches, and drop the old one in a later release.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, amount text);",
            sql: "ALTER TABLE orders DROP COLUMN amount;\nALTER TABLE orders ADD COLUMN amount numeric(12,2);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE countries (code char(2) PRIMARY KEY, name text);",
            sql: "DROP TABLE IF EXISTS countries;\nCREATE TABLE countries (code char(2) PRIMARY KEY, name varchar(100));",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, amount text);",
            sql: "ALTER TABLE orders ADD COLUMN amount_tmp numeric(12,2);\nUPDATE orders SET amount_tmp = amount::numeric;\nALTER TABLE orders DROP COLUMN amount;\nALTER TABLE orders ADD COLUMN amount numeric(12,2);\nUPDATE orders SET amount = amount_tmp;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE t (id integer PRIMARY KEY, a text);",
            sql: "CREATE TABLE t_new (id integer PRIMARY KEY, a integer);\nINSERT INTO t_new SELECT id, a FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE t (id int PRIMARY KEY, a text);\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t ADD COLUMN a int;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let what = match ctx.op {
        Op::CreateTable { table, .. } if ctx.dropped.tables.contains(table) => format!(
            "table {table} held data before the release and is dropped and created again in it: the new {table} starts empty, every row of the old one is lost"
        ),
        Op::AddColumn { table, column, .. }
            if ctx
                .dropped
                .columns
                .contains(&(table.clone(), column.name.to_lowercase())) =>
        {
            format!(
                "column {table}.{} held data before the release and is dropped and added again in it: every row's value is lost, the new column starts {}",
                column.name,
                if column.default.is_some() {
                    "at its default"
                } else {
                    "NULL"
                }
            )
        }
        _ => return,
    };
    // The class the analysis gives the re-creating statement.
    let class = ctx.technique.class().max(match ctx.phase {
        PhaseNeed::Neither { .. } | PhaseNeed::DataSync { .. } => Verdict::ExpandContract,
        _ => Verdict::ZeroDowntime,
    });
    out.push(ctx.finding_with(&RULE, RULE.severity, class, what, RULE.instead.to_string()));
}
