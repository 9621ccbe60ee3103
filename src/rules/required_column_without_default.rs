//! SG110 required-column-without-default: `ADD COLUMN … NOT NULL` without a
//! default on a table that existed before the release.

use super::*;
use crate::analysis::compat::PhaseNeed;
use crate::analysis::cost::Size;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG110",
    name: "required-column-without-default",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "A NOT NULL column without a default cannot be added to a table that has rows, and old code cannot insert without it",
    what: "Reports `ALTER TABLE … ADD COLUMN … NOT NULL` without a `DEFAULT` (and not generated or auto-filled) on a table that exists before the release.",
    why: "PostgreSQL fills existing rows with NULL and the statement fails with `column … contains null values` as soon as the table has a row; SQLite refuses the statement outright. The migration errors, the release cannot apply. MySQL and MariaDB fill rows with the type's implicit default, but old code that inserts without the column then fails in strict mode while new code needs it.",
    example: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
    instead: "Expand: add the column nullable (or with a constant DEFAULT); deploy code that writes it; backfill existing rows in batches; contract: set NOT NULL (PostgreSQL 12+: through a validated CHECK (col IS NOT NULL) NOT VALID) and drop the default.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN tenant_id integer NOT NULL;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddColumn { table, column, .. } = ctx.op else {
        return;
    };
    let required = column.not_null
        && column.default.is_none()
        && column.generated.is_none()
        && column.auto.is_none();
    if !required || !ctx.before.tables.contains_key(table) {
        return;
    }
    let col = &column.name;
    match ctx.engine {
        Engine::Sqlite => out.push(ctx.finding(
            &RULE,
            format!("SQLite refuses to add the NOT NULL column {col} without a non-NULL default: the migration fails"),
            RULE.instead.to_string(),
        )),
        Engine::Postgres => {
            let may_have_rows = match ctx.assessment.size {
                Size::New => false,
                Size::Small { rows, .. } => rows > 0,
                Size::Large { .. } => true,
            };
            if may_have_rows {
                out.push(ctx.finding(
                    &RULE,
                    format!("existing rows of {table} get NULL in the NOT NULL column {col}: the statement fails as soon as {table} has a row"),
                    RULE.instead.to_string(),
                ));
            }
        }
        Engine::Mysql | Engine::Mariadb => {
            if let PhaseNeed::Neither { why } = ctx.phase {
                out.push(ctx.finding_with(
                    &RULE,
                    Severity::Warning,
                    Verdict::ExpandContract,
                    format!("{why}: neither order of deploy and migration keeps both versions working"),
                    RULE.instead.to_string(),
                ));
            }
        }
    }
}
