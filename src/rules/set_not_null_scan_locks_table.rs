//! SG109 set-not-null-scan-locks-table: `ALTER COLUMN … SET NOT NULL` on an
//! existing table without a validated `CHECK (col IS NOT NULL)` to rely on.

use super::*;
use crate::facts::Work;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG109",
    name: "set-not-null-scan-locks-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "SET NOT NULL reads every row while the table is locked against reads and writes",
    what: "Reports `ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a large or unknown-size table that exists before the release, unless a valid `CHECK (col IS NOT NULL)` constraint already proves the column has no NULLs (PostgreSQL 12+ then skips the scan).",
    why: "PostgreSQL checks every row for NULLs under ACCESS EXCLUSIVE: nothing can read or write the table until the scan ends. Before PostgreSQL 12 the scan happens even when a CHECK constraint proves it unnecessary, so there is no lock-safe form of the statement.",
    example: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    instead: "PostgreSQL 12+: `ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;` then, in another transaction, `VALIDATE CONSTRAINT users_email_nn;`, then `ALTER COLUMN email SET NOT NULL;` (no scan) and `DROP CONSTRAINT users_email_nn;`. Before 12: a shadow-table copy, or keep the validated CHECK instead of NOT NULL.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        },
        Example {
            engine: Engine::Postgres,
            version: Some("11"),
            before: "CREATE TABLE users (id int PRIMARY KEY, email text, CONSTRAINT users_email_nn CHECK (email IS NOT NULL));",
            sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);\nALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_nn;",
            sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::SetNotNull { table, column } = ctx.op else {
        return;
    };
    let scans = ctx
        .assessment
        .fact
        .is_some_and(|f| f.work != Work::Metadata);
    if !scans || !ctx.table_is_large() {
        return;
    }
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "SET NOT NULL reads every row of {table} looking for a NULL {column} under {}: {} wait until the scan ends",
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}
