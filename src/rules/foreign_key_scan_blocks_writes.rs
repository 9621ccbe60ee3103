//! SG106 foreign-key-scan-blocks-writes: `ADD FOREIGN KEY` validated inline
//! on a table that existed before the release.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG106",
    name: "foreign-key-scan-blocks-writes",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "Adding a foreign key without NOT VALID blocks writes to both tables while every row is checked",
    what: "Reports `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` without `NOT VALID`, and `ADD COLUMN … REFERENCES`, on a large or unknown-size table that exists before the release.",
    why: "The new key is checked against every existing row while SHARE ROW EXCLUSIVE is held on the table and on the table it references: INSERT, UPDATE and DELETE on both wait for the whole scan.",
    example: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
    instead: "Add it with `NOT VALID` (only new rows are checked, the lock is brief), then in a later transaction `VALIDATE CONSTRAINT orders_user_fk`, which takes SHARE UPDATE EXCLUSIVE and lets writes continue.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY);",
            sql: "ALTER TABLE orders ADD COLUMN user_id int REFERENCES users (id);",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, user_id int);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
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
            let ConstraintKind::ForeignKey { ref_table, .. } = &constraint.kind else {
                return;
            };
            if !ctx.table_is_large() {
                return;
            }
            out.push(ctx.cost_finding(
                &RULE,
                format!(
                    "validating this foreign key reads every row of {table} under {}: writes to {table} and {ref_table} wait until the scan ends",
                    ctx.lock()
                ),
            ));
        }
        Op::AddColumn { table, column, .. } => {
            let Some(ref_table) = column.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey { ref_table, .. } => Some(ref_table),
                _ => None,
            }) else {
                return;
            };
            if !ctx.table_is_large() {
                return;
            }
            out.push(ctx.finding(
                &RULE,
                format!(
                    "the inline REFERENCES of the new column {} is validated by reading every row of {table} while the table is locked: writes to {table} and {ref_table} wait until the scan ends",
                    column.name
                ),
                format!(
                    "add {} without REFERENCES, then ADD CONSTRAINT … FOREIGN KEY … NOT VALID and VALIDATE CONSTRAINT in another transaction",
                    column.name
                ),
            ));
        }
        _ => {}
    }
}
