//! SG124 exclusion-constraint-locks-table: `ADD CONSTRAINT … EXCLUDE` on a
//! table that existed before the release.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG124",
    name: "exclusion-constraint-locks-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "Adding an exclusion constraint builds its index while the table is locked, with no concurrent form",
    what: "Reports `ALTER TABLE … ADD CONSTRAINT … EXCLUDE USING …` on a large or unknown-size table that exists before the release.",
    why: "The constraint's index is built under ACCESS EXCLUSIVE: nothing reads or writes the table until every row is indexed and checked. Unlike UNIQUE, an exclusion constraint cannot be built CONCURRENTLY, added NOT VALID, or adopt an existing index.",
    example: "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
    instead: "Create a new table with the constraint and move the data into it with change capture (shipgate osc), or add it in a maintenance window.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE bookings (id int PRIMARY KEY, room int, during tsrange);",
        sql: "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE bookings (id int PRIMARY KEY, room int, during tsrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddConstraint {
        table, constraint, ..
    } = ctx.op
    else {
        return;
    };
    if constraint.kind != ConstraintKind::Exclusion || !ctx.table_is_large() {
        return;
    }
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "this exclusion constraint builds its index under {} on {table}: {} wait until every row is indexed, and there is no concurrent form",
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
