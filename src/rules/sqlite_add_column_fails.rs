//! SG302 sqlite-add-column-fails: an `ADD COLUMN` outside what SQLite
//! allows; the statement fails.

use super::*;
use crate::sql::ir::{ColumnSpec, ConstraintKind, Generated, Op, Volatility};

pub static RULE: Rule = Rule {
    id: "SG302",
    name: "sqlite-add-column-fails",
    engines: SQLITE,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "SQLite refuses this ADD COLUMN: the migration fails",
    what: "Reports `ALTER TABLE … ADD COLUMN` with what SQLite does not allow there: a PRIMARY KEY or UNIQUE column, a STORED generated column, and, on a table that may hold rows (one that exists before the release), NOT NULL without a non-NULL default or a non-constant default (CURRENT_TIME/DATE/TIMESTAMP, an expression in parentheses). A REFERENCES column with a non-NULL default is reported as a warning: it fails when foreign key enforcement is on.",
    why: "SQLite raises `Cannot add a PRIMARY KEY column`, `Cannot add a UNIQUE column`, `cannot add a STORED column`, `Cannot add a NOT NULL column with default value NULL` or `Cannot add a column with non-constant default`: the migration stops and the release cannot apply.",
    example: "ALTER TABLE users ADD COLUMN email text NOT NULL;",
    instead: "Give a NOT NULL column a constant default (`NOT NULL DEFAULT ''`); add the column without UNIQUE and then `CREATE UNIQUE INDEX`; use a VIRTUAL generated column; fill time stamps in a later UPDATE. What ADD COLUMN cannot express needs the 12-step table rebuild.",
    check,
    fires: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN email text NOT NULL;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN email text UNIQUE;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN created_at text DEFAULT CURRENT_TIMESTAMP;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id integer PRIMARY KEY);\nALTER TABLE users ADD COLUMN email text NOT NULL;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    // From 3.37 the NOT NULL and constant-default checks only run when the
    // table has rows; a table created in this release is empty.
    let may_hold_rows = ctx.table_exists_before_release(table);
    let fails = |why: String| format!("SQLite refuses to add {}.{}: {why}", table, column.name);
    if let Some(why) = always_refused(column) {
        out.push(ctx.finding(&RULE, fails(why), RULE.instead.to_string()));
        return;
    }
    if may_hold_rows {
        if let Some(why) = refused_with_rows(column) {
            out.push(ctx.finding(&RULE, fails(why), RULE.instead.to_string()));
            return;
        }
    }
    let references = column
        .constraints
        .iter()
        .any(|c| matches!(c.kind, ConstraintKind::ForeignKey { .. }));
    let non_null_default = column
        .default
        .as_ref()
        .is_some_and(|d| !d.text.eq_ignore_ascii_case("null"));
    if references && non_null_default {
        out.push(ctx.finding_with(
            &RULE,
            Severity::Warning,
            Verdict::ZeroDowntime,
            format!(
                "with PRAGMA foreign_keys = ON SQLite refuses to add {table}.{}: a REFERENCES column must default to NULL",
                column.name
            ),
            "add the column with DEFAULT NULL and backfill it".into(),
        ));
    }
}

fn always_refused(c: &ColumnSpec) -> Option<String> {
    for k in &c.constraints {
        match k.kind {
            ConstraintKind::PrimaryKey { .. } => {
                return Some("a PRIMARY KEY column cannot be added".into())
            }
            ConstraintKind::Unique { .. } => return Some("a UNIQUE column cannot be added".into()),
            _ => {}
        }
    }
    if c.generated == Some(Generated::Stored) {
        return Some("a STORED generated column cannot be added".into());
    }
    None
}

fn refused_with_rows(c: &ColumnSpec) -> Option<String> {
    match &c.default {
        None if c.not_null && c.generated.is_none() => {
            Some("a NOT NULL column needs a non-NULL default for the existing rows".into())
        }
        Some(d) if d.text.eq_ignore_ascii_case("null") && c.not_null => {
            Some("a NOT NULL column needs a non-NULL default for the existing rows".into())
        }
        Some(d) if !is_constant_default(&d.text, d.volatility) => Some(format!(
            "the default {} is not a constant (ADD COLUMN allows no CURRENT_TIME/DATE/TIMESTAMP and no expression in parentheses)",
            d.text
        )),
        _ => None,
    }
}

fn is_constant_default(text: &str, volatility: Volatility) -> bool {
    let t = text.trim().to_ascii_uppercase();
    volatility == Volatility::Constant
        && !t.starts_with('(')
        && !matches!(
            t.as_str(),
            "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
        )
}
