//! SG112 stored-generated-column-rewrites-table: a `GENERATED … STORED`
//! column added to a table that existed before the release.

use super::*;
use crate::sql::ir::{Generated, Op};

pub static RULE: Rule = Rule {
    id: "SG112",
    name: "stored-generated-column-rewrites-table",
    engines: &[Engine::Postgres, Engine::Mysql, Engine::Mariadb],
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "Adding a stored generated column computes it for every row while the table is locked",
    what: "Reports `ADD COLUMN … GENERATED ALWAYS AS (…) STORED` on a large or unknown-size table that exists before the release, when the engine facts say it rewrites the table.",
    why: "A stored generated column is materialised: the engine computes it for every existing row and rewrites the table (PostgreSQL under ACCESS EXCLUSIVE; MySQL with ALGORITHM=COPY, blocking writes). The table is unavailable for the length of the copy.",
    example: "ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;",
    instead: "Add a plain nullable column, keep it current with a trigger (or in application code), backfill it in batches; on MySQL/MariaDB a VIRTUAL generated column is added instantly.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
        sql: "ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE orders (id int PRIMARY KEY, total int);\nALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    if column.generated != Some(Generated::Stored) || !ctx.assessment.blocks_for_long() {
        return;
    }
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "the stored generated column {} is computed for every row of {table} under {}: {} wait until the table is rewritten",
            column.name,
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
