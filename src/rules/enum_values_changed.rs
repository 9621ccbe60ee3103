//! SG206 enum-values-changed: an ENUM/SET column redefined with members
//! removed, reordered or inserted before the end (MySQL/MariaDB).

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG206",
    name: "enum-values-changed",
    engines: MYSQL_FAMILY,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "ENUM/SET members removed or reordered: a table copy, and old code may write the removed values",
    what: "Reports `MODIFY`/`CHANGE COLUMN` of an ENUM or SET column on an existing table whose new member list is not the old one with members appended at the end: a member removed, renamed, reordered or inserted in the middle.",
    why: "Only appending members is a metadata change. Anything else makes InnoDB copy the table (ALGORITHM=COPY, writes blocked), because rows store the member's index. A removed member makes the ALTER fail in strict mode when a row still holds it (or silently turns it into '' without strict mode), and old code still running during the deploy keeps writing it and gets errors. Reordering also changes ORDER BY and comparisons on the column.",
    example: "-- status enum('new','paid','shipped')\nALTER TABLE orders MODIFY status enum('new','shipped','paid');",
    instead: "Append new members at the end only (instant). To retire a member: stop writing it in code, migrate the rows that hold it in batches, and remove it in a later release with an online schema change.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, status enum('new','paid','shipped'));",
            sql: "ALTER TABLE orders MODIFY status enum('new','shipped','paid');",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, status enum('new','paid','shipped'));",
            sql: "ALTER TABLE orders MODIFY status enum('new','paid');",
        },
    ],
    quiet: &[Example {
        engine: Engine::Mysql,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY, status enum('new','paid','shipped'));",
        sql: "ALTER TABLE orders MODIFY status enum('new','paid','shipped','refunded');",
    }],
};

/// What happened to an ENUM/SET member list.
pub struct EnumChange {
    pub column: String,
    pub removed: Vec<String>,
}

/// The op redefines an ENUM/SET column of an existing table with members
/// other than appended ones.
pub fn changes(ctx: &Ctx) -> Option<EnumChange> {
    let Op::RedefineColumn {
        table,
        from,
        column,
        ..
    } = ctx.op
    else {
        return None;
    };
    let old = ctx.before.column(table, from)?;
    if old.ty.values.is_empty() || column.ty.values.starts_with(&old.ty.values) {
        return None;
    }
    let removed = old
        .ty
        .values
        .iter()
        .filter(|v| !column.ty.values.contains(v))
        .cloned()
        .collect();
    Some(EnumChange {
        column: from.clone(),
        removed,
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(table) = ctx.op.table() else {
        return;
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    let Some(change) = changes(ctx) else {
        return;
    };
    let col = &change.column;
    let message = if change.removed.is_empty() {
        format!(
            "the members of {table}.{col} are reordered or inserted before the end: {} copies the table and the stored order changes",
            ctx.lock()
        )
    } else {
        let list = change
            .removed
            .iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{list} removed from {table}.{col}: the ALTER fails (strict mode) if a row still holds it, old code that writes it gets errors, and {} copies the table",
            ctx.lock()
        )
    };
    let severity = if change.removed.is_empty() {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut f = ctx.cost_finding(&RULE, message);
    f.severity = severity;
    out.push(f);
}
