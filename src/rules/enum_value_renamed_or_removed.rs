//! SG123 enum-value-renamed-or-removed: an enum label renamed, or a column
//! moved to an enum type that lacks labels of its old type.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::sql::ir::{Name, Op};

pub static RULE: Rule = Rule {
    id: "SG123",
    name: "enum-value-renamed-or-removed",
    engines: POSTGRES,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "Renaming or removing an enum label breaks code that reads or writes the old label",
    what: "Reports `ALTER TYPE … RENAME VALUE` and a column changed to an enum type that lacks some labels of its current enum type (the usual way to remove a label in PostgreSQL, which has no DROP VALUE).",
    why: "Old code writes and compares the old label; after the rename its writes fail with `invalid input value for enum` and its comparisons never match. New code, run before the change, fails the same way on the new label. A removed label also fails every existing row that still holds it.",
    example: "ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';",
    instead: "Expand: add the new label (`ADD VALUE 'dispatched'`), make new code accept both and write the new one, backfill rows from the old label in batches; contract: once no old code runs, stop accepting the old label (and only then move the column to a type without it).",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TYPE order_status AS ENUM ('new', 'shipped');",
            sql: "ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TYPE order_status AS ENUM ('new', 'shipped', 'lost');\nCREATE TYPE order_status_v2 AS ENUM ('new', 'shipped');\nCREATE TABLE orders (id int PRIMARY KEY, status order_status);",
            sql: "ALTER TABLE orders ALTER COLUMN status TYPE order_status_v2 USING status::text::order_status_v2;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TYPE order_status AS ENUM ('new', 'shipped');",
        sql: "ALTER TYPE order_status ADD VALUE 'dispatched';",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match ctx.op {
        Op::RenameEnumValue { name, from, to } => {
            if !ctx.before.enums.contains_key(name) {
                return;
            }
            let why = match ctx.phase {
                PhaseNeed::Neither { why } | PhaseNeed::Post { why } => format!("{why}: "),
                _ => String::new(),
            };
            out.push(ctx.finding(
                &RULE,
                format!("{why}renaming '{from}' to '{to}' breaks whichever version uses the other label"),
                RULE.instead.to_string(),
            ));
        }
        Op::AlterColumnType {
            table, column, ty, ..
        } => {
            let Some(old) = ctx.before.column(table, column) else {
                return;
            };
            let (Some(old_labels), Some(new_labels)) = (
                ctx.before.enums.get(&Name::new(old.ty.base.clone())),
                ctx.before.enums.get(&Name::new(ty.base.clone())),
            ) else {
                return;
            };
            let removed: Vec<&str> = old_labels
                .iter()
                .filter(|l| !new_labels.contains(l))
                .map(|l| l.as_str())
                .collect();
            if removed.is_empty() || !ctx.table_exists_before_release(table) {
                return;
            }
            out.push(ctx.finding_with(
                &RULE,
                RULE.severity,
                Verdict::ZeroDowntime,
                format!(
                    "{} lacks the label(s) '{}' of {}: rows of {table} holding them fail the conversion, and old code that writes them fails afterwards",
                    ty.base,
                    removed.join("', '"),
                    old.ty.base
                ),
                RULE.instead.to_string(),
            ));
        }
        _ => {}
    }
}
