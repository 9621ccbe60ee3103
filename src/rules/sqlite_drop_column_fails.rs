//! SG303 sqlite-drop-column-fails: a `DROP COLUMN` SQLite refuses — before
//! 3.35, or on a column that keys, indexes or constraints use.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG303",
    name: "sqlite-drop-column-fails",
    engines: SQLITE,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "SQLite refuses this DROP COLUMN: the migration fails",
    what: "Reports `ALTER TABLE … DROP COLUMN` on SQLite before 3.35 (no DROP COLUMN at all), and on any version for a column that is part of the PRIMARY KEY, has a UNIQUE constraint, is indexed (also by a partial index's WHERE), is named in a foreign key or appears in a CHECK constraint.",
    why: "SQLite raises `cannot drop PRIMARY KEY column`, `cannot drop UNIQUE column` or `error in index … after drop column` (or a syntax error before 3.35): the migration stops and the release cannot apply.",
    example: "CREATE INDEX users_email ON users (email);\nALTER TABLE users DROP COLUMN email;",
    instead: "Drop the index (or constraint) first in the same migration, then the column; a PRIMARY KEY, UNIQUE or CHECK column, or any DROP COLUMN before 3.35, needs the 12-step table rebuild.",
    check,
    fires: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text);\nCREATE INDEX users_email ON users (email);",
            sql: "ALTER TABLE users DROP COLUMN email;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text UNIQUE);",
            sql: "ALTER TABLE users DROP COLUMN email;",
        },
        Example {
            engine: Engine::Sqlite,
            version: Some("3.34"),
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text);",
            sql: "ALTER TABLE users DROP COLUMN email;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Sqlite,
            version: Some("3.35"),
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text);",
            sql: "ALTER TABLE users DROP COLUMN email;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text);\nCREATE INDEX users_email ON users (email);",
            sql: "DROP INDEX users_email;\nALTER TABLE users DROP COLUMN email;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::DropColumn { table, column, .. } = ctx.op else {
        return;
    };
    if ctx.assessment.fact.is_some_and(|f| f.unsupported) {
        out.push(ctx.finding(
            &RULE,
            format!(
                "SQLite {} has no DROP COLUMN (it came in 3.35): dropping {table}.{column} fails",
                ctx.version
            ),
            "use the 12-step table rebuild, or target SQLite 3.35 or later".into(),
        ));
        return;
    }
    let Some(t) = ctx.before.table(table) else {
        return;
    };
    if t.column(column).is_none() {
        return;
    }
    let is = |c: &String| c.eq_ignore_ascii_case(column);
    let mentions = |text: &str| {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w.eq_ignore_ascii_case(column))
    };
    let mut why: Option<String> = None;
    for c in &t.constraints {
        let reason = match &c.kind {
            ConstraintKind::PrimaryKey { columns } if columns.iter().any(is) => {
                Some("it is part of the PRIMARY KEY".to_string())
            }
            ConstraintKind::Unique { columns } if columns.iter().any(is) => {
                Some("it has a UNIQUE constraint".to_string())
            }
            ConstraintKind::ForeignKey { columns, .. } if columns.iter().any(is) => {
                Some(format!("the foreign key {} uses it", c.name))
            }
            ConstraintKind::Check { expr } if mentions(expr) => {
                Some(format!("the CHECK ({expr}) uses it"))
            }
            _ => None,
        };
        if reason.is_some() {
            why = reason;
            break;
        }
    }
    if why.is_none() {
        why = t
            .indexes
            .iter()
            .find(|i| {
                i.columns.iter().any(|c| is(c) || mentions(c))
                    || i.predicate.as_deref().is_some_and(mentions)
            })
            .map(|i| format!("index {} uses it", i.name));
    }
    if why.is_none() {
        // A foreign key of another table that references this column.
        why = ctx.before.referencing(table).iter().find_map(|other| {
            other.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey {
                    ref_table,
                    ref_columns,
                    ..
                } if ref_table == table && ref_columns.iter().any(is) => Some(format!(
                    "the foreign key {} of {} references it",
                    c.name, other.name
                )),
                _ => None,
            })
        });
    }
    if let Some(why) = why {
        out.push(ctx.finding(
            &RULE,
            format!("SQLite refuses to drop {table}.{column}: {why}"),
            RULE.instead.to_string(),
        ));
    }
}
