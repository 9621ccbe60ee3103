//! SG111 add-column-default-rewrites-table: a column added with a default
//! that the engine writes into every existing row (a volatile default; any
//! default before PostgreSQL 11).

use super::*;
use crate::facts::Work;
use crate::sql::ir::{Op, Volatility};

pub static RULE: Rule = Rule {
    id: "SG111",
    name: "add-column-default-rewrites-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "Adding a column whose default must be computed per row rewrites the whole table under an exclusive lock",
    what: "Reports `ADD COLUMN … DEFAULT expr` on a large or unknown-size existing table when the engine facts say the default is written into every row: a volatile default (`random()`, `gen_random_uuid()`, `clock_timestamp()`), or any default before PostgreSQL 11.",
    why: "PostgreSQL 11+ stores a constant default in the catalog and adds the column instantly. A volatile default has a different value per row, so the table is rewritten under ACCESS EXCLUSIVE; before 11 every default did that. Nothing reads or writes the table until the copy ends.",
    example: "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    instead: "Add the column without a default (or with a constant one), set the volatile default afterwards so new rows get it, and backfill existing rows in batches.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        },
        Example {
            engine: Engine::Postgres,
            version: Some("10"),
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: Some("11"),
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    let Some(default) = &column.default else {
        return;
    };
    if column.generated.is_some() || column.auto.is_some() {
        return;
    }
    let rewrites = ctx.assessment.fact.is_some_and(|f| f.work == Work::Rewrite);
    if !rewrites || !ctx.table_is_large() {
        return;
    }
    let why = match default.volatility {
        Volatility::Volatile => format!(
            "the volatile default {} is computed for every existing row",
            default.text
        ),
        Volatility::Constant => format!(
            "PostgreSQL {} writes the default into every existing row",
            ctx.version
        ),
    };
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "{why}: {table} is rewritten under {}, and {} wait until the copy ends",
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
