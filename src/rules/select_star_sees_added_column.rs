//! SG412 select-star-sees-added-column: old code reads a table with
//! `SELECT *` (or `t.*`) and the release adds a column to it.

use super::*;
use crate::analysis::compat::Side;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG412",
    name: "select-star-sees-added-column",
    engines: ALL_ENGINES,
    severity: Severity::Info,
    class: Verdict::ZeroDowntime,
    summary: "Old code reads with SELECT * from a table that gains a column",
    what: "Points at old code that reads every column of a table with `*` when the release adds a column to that table. The query keeps working, but its result has one more column while the old code still runs.",
    why: "Code that maps a `SELECT *` result by position or by a fixed column count (Go `rows.Scan` with a fixed list of targets, JDBC `getString(3)`, a tuple unpacking in Python) breaks or reads the wrong column when a column appears. Code that maps by name is unaffected; shipgate cannot tell which, so it says so.",
    example: "-- old code: SELECT * FROM users WHERE id = $1\nALTER TABLE users ADD COLUMN nickname text;",
    instead: "Name the columns in the query; or check that the code reading the result maps columns by name.",
    check,
    // Fires only with code: the fixtures exercise it.
    fires: &[],
    quiet: &[],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    for s in ctx.usage.star_sites(Side::Old, table) {
        out.push(Finding {
            span: s.span.clone(),
            ..ctx.finding(
                &RULE,
                format!(
                    "old code {}:{} reads {table} with *, and gets {} as an extra column once it is added: it must map the result by name",
                    s.span.file, s.span.line, column.name
                ),
                RULE.instead.to_string(),
            )
        });
    }
}
