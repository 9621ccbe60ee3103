//! SG130 constraint-may-fail-on-existing-rows: a new UNIQUE, PRIMARY KEY,
//! CHECK, FOREIGN KEY or NOT NULL that existing rows may violate.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG130",
    name: "constraint-may-fail-on-existing-rows",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "A new constraint is checked against existing rows, and the migration fails if one violates it",
    what: "Reports a validated `UNIQUE`, `PRIMARY KEY`, `CHECK` or `FOREIGN KEY` constraint, a `CREATE UNIQUE INDEX`, a `VALIDATE CONSTRAINT`, and `SET NOT NULL` (or MySQL `MODIFY … NOT NULL`) on a table that exists before the release.",
    why: "shipgate sees the schema, not the data. Duplicates, NULLs, orphans or out-of-range values already in the table make the statement fail in production even though it passed on an empty development database; a release that stops halfway must then be repaired by hand.",
    example: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    instead: "Query for violating rows before the release (duplicates: `GROUP BY … HAVING count(*) > 1`; NULLs: `WHERE col IS NULL`; orphans: an anti-join) and fix them in an earlier data migration; old code must stop creating such rows first.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email varchar(100));",
            sql: "ALTER TABLE users MODIFY email varchar(100) NOT NULL;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "ALTER TABLE users ADD CONSTRAINT users_email_ck CHECK (email LIKE '%@%') NOT VALID;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (table, what) = match ctx.op {
        Op::AddConstraint {
            table,
            constraint,
            not_valid: false,
        } if constraint.using_index.is_none() => {
            let what = match &constraint.kind {
                ConstraintKind::Unique { columns } => {
                    format!("duplicate ({}) values", columns.join(", "))
                }
                ConstraintKind::PrimaryKey { columns } => {
                    format!("duplicate or NULL ({}) values", columns.join(", "))
                }
                ConstraintKind::ForeignKey { ref_table, .. } => {
                    format!("rows with no match in {ref_table}")
                }
                ConstraintKind::Check { expr } => format!("rows failing CHECK ({expr})"),
                ConstraintKind::Exclusion => "overlapping rows".to_string(),
            };
            (table, what)
        }
        Op::ValidateConstraint { table, name } => (table, format!("rows violating {name}")),
        Op::CreateIndex { index, .. } if index.unique => (
            &index.table,
            format!("duplicate ({}) values", index.columns.join(", ")),
        ),
        Op::SetNotNull { table, column }
            if !ctx
                .assessment
                .variants
                .iter()
                .any(|v| v == "with-valid-check") =>
        {
            (table, format!("NULLs in {column}"))
        }
        Op::RedefineColumn {
            table,
            from,
            column,
            ..
        } if column.not_null && ctx.before.column(table, from).is_some_and(|c| !c.not_null) => {
            (table, format!("NULLs in {from}"))
        }
        _ => return,
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!("{table} may already hold {what}: the statement then fails and the release stops"),
        RULE.instead.to_string(),
    ));
}
