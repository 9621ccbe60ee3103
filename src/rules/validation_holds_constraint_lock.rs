//! SG107 validation-holds-constraint-lock: `VALIDATE CONSTRAINT` in the same
//! transaction that added the constraint `NOT VALID`.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG107",
    name: "validation-holds-constraint-lock",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "NOT VALID followed by VALIDATE in one transaction scans the table under the ADD CONSTRAINT lock",
    what: "Reports `ALTER TABLE … VALIDATE CONSTRAINT c` when `c` was added `NOT VALID` earlier in the same transaction (an explicit `BEGIN`, or a migration tool that wraps the file).",
    why: "Locks are held until the transaction ends. The ACCESS EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE (foreign key) lock taken by `ADD CONSTRAINT … NOT VALID` is still held while VALIDATE reads every row, so the table is blocked exactly as long as without NOT VALID.",
    example: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;",
    instead: "Commit between the two: put `VALIDATE CONSTRAINT` in the next migration (or after a COMMIT), so it runs with its own SHARE UPDATE EXCLUSIVE lock that lets reads and writes continue.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
        sql: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
        sql: "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nCOMMIT;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::ValidateConstraint { table, name } = ctx.op else {
        return;
    };
    if !ctx.tx.in_transaction {
        return;
    }
    // An unnamed NOT VALID constraint is recorded with an empty name.
    let added_here = ctx
        .tx
        .not_valid_added
        .iter()
        .any(|(t, n)| t == table && (n.eq_ignore_ascii_case(name) || n.is_empty()));
    if !added_here {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!(
            "{name} was added NOT VALID in this same transaction, whose lock on {table} is held until COMMIT: the validation scans {table} under it and NOT VALID gains nothing"
        ),
        RULE.instead.to_string(),
    ));
}
