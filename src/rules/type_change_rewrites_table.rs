//! SG114 type-change-rewrites-table: `ALTER COLUMN … TYPE` that is not
//! binary-coercible, on a table that existed before the release.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG114",
    name: "type-change-rewrites-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "Changing a column's type rewrites the table and its indexes under an exclusive lock",
    what: "Reports `ALTER TABLE … ALTER COLUMN … TYPE` on a large or unknown-size existing table unless the engine facts list the change as binary-coercible (varchar widening, varchar → text, numeric precision growth, …), which only updates the catalog.",
    why: "Any other type change rewrites every row and rebuilds every index of the table while ACCESS EXCLUSIVE is held: no query can read or write the table until it is done.",
    example: "ALTER TABLE orders ALTER COLUMN id TYPE bigint;",
    instead: "A shadow-table copy with change capture and a short cut-over (shipgate osc), or expand/contract: add a column of the new type, keep it in sync with a trigger, backfill it in batches, switch the code, drop the old column.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY, note varchar(20));",
        sql: "ALTER TABLE orders ALTER COLUMN id TYPE bigint;",
    }],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, note varchar(20));",
            sql: "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, note varchar(20));",
            sql: "ALTER TABLE orders ALTER COLUMN note TYPE text;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY);\nALTER TABLE orders ALTER COLUMN id TYPE bigint;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AlterColumnType {
        table, column, ty, ..
    } = ctx.op
    else {
        return;
    };
    if !ctx.assessment.variants.iter().any(|v| v == "rewrite") || !ctx.assessment.blocks_for_long()
    {
        return;
    }
    let from = ctx
        .before
        .column(table, column)
        .map(|c| c.ty.text.clone())
        .unwrap_or_else(|| "its type".into());
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "changing {table}.{column} from {from} to {} rewrites {table} and rebuilds its indexes under {}: {} wait until the copy ends",
            ty.text,
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
