//! SG121 cascade-drops-dependent-objects: `CASCADE` on `DROP` or `TRUNCATE`
//! of an object that existed before the release.

use super::*;
use crate::sql::ir::{Name, Op};

pub static RULE: Rule = Rule {
    id: "SG121",
    name: "cascade-drops-dependent-objects",
    engines: POSTGRES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "CASCADE silently drops (or empties) objects the migration does not name",
    what: "Reports `DROP TABLE|COLUMN|TYPE|SCHEMA … CASCADE` and `TRUNCATE … CASCADE` on objects that exist before the release, naming the dependents the schema model knows.",
    why: "CASCADE removes whatever depends on the object: views, foreign keys, columns of a dropped type; `TRUNCATE … CASCADE` empties every table with a foreign key to the truncated one. The migration does not say what goes, and the reviewer cannot see it.",
    example: "DROP TABLE users CASCADE;",
    instead: "Drop the dependents explicitly first (each in the phase where no code uses it), then the object without CASCADE, so the migration fails instead of removing more than intended.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));",
            sql: "TRUNCATE users CASCADE;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);\nCREATE VIEW active_users AS SELECT id FROM users;",
            sql: "DROP TABLE users CASCADE;",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY);",
        sql: "DROP TABLE users;",
    }],
};

fn dependents(ctx: &Ctx, t: &Name) -> Vec<String> {
    let mut out: Vec<String> = ctx
        .before
        .referencing(t)
        .iter()
        .filter(|r| &r.name != t)
        .map(|r| format!("the foreign key of {}", r.name))
        .collect();
    out.extend(
        ctx.before
            .dependent_views(t)
            .iter()
            .map(|v| format!("view {}", v.name)),
    );
    out
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let existing = |ts: &[Name]| -> Vec<Name> {
        ts.iter()
            .filter(|t| ctx.table_exists_before_release(t))
            .cloned()
            .collect()
    };
    let message = match ctx.op {
        Op::Truncate {
            tables,
            cascade: true,
        } => {
            let deps: Vec<String> = existing(tables)
                .iter()
                .flat_map(|t| ctx.before.referencing(t))
                .filter(|r| !tables.contains(&r.name))
                .map(|r| r.name.to_string())
                .collect();
            if existing(tables).is_empty() {
                return;
            }
            if deps.is_empty() {
                "TRUNCATE … CASCADE also empties every table with a foreign key to the truncated ones".to_string()
            } else {
                format!("TRUNCATE … CASCADE also empties {}, which reference the truncated table", deps.join(", "))
            }
        }
        Op::DropTable {
            tables,
            cascade: true,
            ..
        } => {
            let ex = existing(tables);
            if ex.is_empty() {
                return;
            }
            let deps: Vec<String> = ex.iter().flat_map(|t| dependents(ctx, t)).collect();
            if deps.is_empty() {
                "DROP TABLE … CASCADE also drops whatever depends on the table".to_string()
            } else {
                format!(
                    "DROP TABLE … CASCADE also drops what depends on {}: {}",
                    ex.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "),
                    deps.join(", ")
                )
            }
        }
        Op::DropColumn {
            table,
            column,
            cascade: true,
            ..
        } if ctx.table_exists_before_release(table) => format!(
            "DROP COLUMN {column} CASCADE also drops the views, indexes and constraints that use {table}.{column}"
        ),
        Op::DropType {
            names,
            cascade: true,
        } if names.iter().any(|n| ctx.before.enums.contains_key(n) || ctx.before.domains.contains(n)) => {
            "DROP TYPE … CASCADE also drops every column of that type, with its data".to_string()
        }
        Op::DropSchema {
            names,
            cascade: true,
        } if names.iter().any(|n| ctx.before.schemas.contains(n)) => {
            "DROP SCHEMA … CASCADE drops every object in the schema".to_string()
        }
        _ => return,
    };
    out.push(ctx.finding(&RULE, message, RULE.instead.to_string()));
}
