//! SG411 positional-insert-breaks-on-added-column: old code inserts by
//! position on an engine that requires the value count to match the column
//! count, so adding a column must wait until that code is gone.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG411",
    name: "positional-insert-breaks-on-added-column",
    engines: &[Engine::Mysql, Engine::Mariadb, Engine::Sqlite],
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "Adding a column breaks old code that inserts by position",
    what: "Reports `ADD COLUMN` on a table into which the old code sends `INSERT INTO t VALUES (…)` without a column list, on MySQL, MariaDB and SQLite, where the number of values must equal the number of columns. PostgreSQL fills trailing columns from their defaults and is not affected.",
    why: "The moment the column exists, every positional insert of the old code fails with a column-count error (MySQL 1136, SQLite `table t has N columns but M values were supplied`).",
    example: "-- old code: INSERT INTO users VALUES (?, ?)\nALTER TABLE users ADD COLUMN email varchar(255);",
    instead: "Run the ADD COLUMN after the deploy (shipgate plans it there when the new code does not need the column yet); better, list the columns in the INSERT so the next column added does not matter.",
    check,
    // Fires only with code: the fixtures exercise it.
    fires: &[],
    quiet: &[],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    if !ctx.usage.old_inserts_positionally(table) {
        return;
    }
    let when = match ctx.phase {
        PhaseNeed::Post { .. } => "it runs after the deploy, once no old code is left",
        PhaseNeed::Neither { .. } => "and new code needs the column: expand/contract",
        _ => return,
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "old code inserts into {table} by position; adding {} makes those inserts fail, so {when}",
            column.name
        ),
        RULE.instead.to_string(),
    ));
}
