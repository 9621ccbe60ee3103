//! SG113 auto-increment-column-rewrites-table: a serial, identity or
//! auto-increment column added to a table that existed before the release.

use super::*;
use crate::sql::ir::{AutoKind, Op};

pub static RULE: Rule = Rule {
    id: "SG113",
    name: "auto-increment-column-rewrites-table",
    engines: &[Engine::Postgres, Engine::Mysql, Engine::Mariadb],
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "Adding a serial, identity or auto-increment column numbers every row while the table is locked",
    what: "Reports `ADD COLUMN` of a `serial`/`bigserial`, `GENERATED … AS IDENTITY` or `AUTO_INCREMENT` column on a large or unknown-size table that exists before the release, when the engine facts say it rewrites the table.",
    why: "Every existing row must get its own value from the sequence, so the whole table is rewritten: PostgreSQL holds ACCESS EXCLUSIVE for the copy, MySQL uses ALGORITHM=COPY and blocks writes.",
    example: "ALTER TABLE events ADD COLUMN id bigserial;",
    instead: "Add a nullable bigint column; create the sequence; set the column's default to nextval (new rows); backfill existing rows in batches; then add NOT NULL (through a validated CHECK) and the key (CREATE UNIQUE INDEX CONCURRENTLY + USING INDEX). On MySQL, an online schema change (shipgate osc, gh-ost).",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE events (body text);",
            sql: "ALTER TABLE events ADD COLUMN id bigserial;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE events (body text);",
            sql: "ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "CREATE TABLE events (body text);\nALTER TABLE events ADD COLUMN id bigserial;",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    let Some(auto) = column.auto else {
        return;
    };
    if !ctx.assessment.blocks_for_long() {
        return;
    }
    let what = match auto {
        AutoKind::Serial => "serial",
        AutoKind::Identity => "identity",
        AutoKind::AutoIncrement => "auto-increment",
    };
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "the {what} column {} gives every existing row of {table} a value, rewriting the table under {}: {} wait until the copy ends",
            column.name,
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
