//! SG105 check-constraint-scan-locks-table: `ADD CONSTRAINT … CHECK`
//! validated inline on a table that existed before the release.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG105",
    name: "check-constraint-scan-locks-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "Adding a CHECK constraint without NOT VALID locks the table while every row is checked",
    what: "Reports `ALTER TABLE … ADD CONSTRAINT … CHECK (…)` without `NOT VALID`, and `ADD COLUMN … CHECK (…)`, on a large or unknown-size table that exists before the release.",
    why: "The constraint is validated against every existing row while ALTER TABLE holds ACCESS EXCLUSIVE: reads and writes of the table wait for the whole scan.",
    example: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
    instead: "`ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;` (new rows are checked at once), then in a later transaction `ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;`, which scans without blocking reads or writes.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN discount int DEFAULT 0 CHECK (discount >= 0);",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, total int);\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match ctx.op {
        Op::AddConstraint {
            table,
            constraint,
            not_valid: false,
        } => {
            if !matches!(constraint.kind, ConstraintKind::Check { .. }) || !ctx.table_is_large() {
                return;
            }
            out.push(ctx.cost_finding(
                &RULE,
                format!(
                    "validating this CHECK constraint reads every row of {table} under {}: {} wait until the scan ends",
                    ctx.lock(),
                    blocked_traffic(ctx)
                ),
            ));
        }
        Op::AddColumn { table, column, .. } => {
            let inline_check = column
                .constraints
                .iter()
                .any(|c| matches!(c.kind, ConstraintKind::Check { .. }));
            if !inline_check || !ctx.table_is_large() {
                return;
            }
            out.push(ctx.finding(
                &RULE,
                format!(
                    "the inline CHECK of the new column {} is validated against every row of {table} under {}: reads and writes wait until the scan ends",
                    column.name,
                    ctx.lock()
                ),
                format!(
                    "add {} without the CHECK, then ADD CONSTRAINT … CHECK (…) NOT VALID and VALIDATE CONSTRAINT in another transaction",
                    column.name
                ),
            ));
        }
        _ => {}
    }
}
