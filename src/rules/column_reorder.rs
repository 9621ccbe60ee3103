//! SG205 column-reorder: `FIRST`/`AFTER` in ADD, MODIFY or CHANGE COLUMN on
//! a MySQL/MariaDB table that holds data.

use super::*;
use crate::facts::Work;
use crate::sql::ir::{Op, Position};

pub static RULE: Rule = Rule {
    id: "SG205",
    name: "column-reorder",
    engines: MYSQL_FAMILY,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "FIRST/AFTER moves columns: a table rebuild, and positional SQL sees shifted columns",
    what: "Reports `ADD COLUMN … FIRST|AFTER col` where the engine cannot do it instantly (MySQL before 8.0.29, MariaDB before 10.4: a full in-place rebuild), and `MODIFY|CHANGE COLUMN … FIRST|AFTER col`, which moves an existing column on every version, on a table that exists before the release.",
    why: "A positioned column is not instant before MySQL 8.0.29 / MariaDB 10.4: InnoDB rebuilds the whole table, hours of I/O on a large one. Moving an existing column also shifts the position of others under running code: `INSERT … VALUES` without a column list writes values into the wrong columns when the types are compatible, and code reading `SELECT *` by index reads the wrong field.",
    example: "ALTER TABLE users MODIFY email varchar(255) AFTER id;",
    instead: "Leave column order alone: add columns at the end (instant from MySQL 8.0.12, MariaDB 10.3.2) and name columns in INSERT and SELECT. Order columns in views or queries, not in the table.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.11"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users ADD COLUMN email varchar(100) AFTER id;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), email varchar(100));",
            sql: "ALTER TABLE users MODIFY email varchar(100) AFTER id;",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.3.2"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users ADD COLUMN email varchar(100) FIRST;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.30"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users ADD COLUMN email varchar(100) AFTER id;",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.11"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users ADD COLUMN email varchar(100);",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));\nALTER TABLE users ADD COLUMN email varchar(100) FIRST;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (table, column, position, moved) = match ctx.op {
        Op::AddColumn {
            table,
            column,
            position: Some(p),
            ..
        } => (table, &column.name, p, false),
        Op::RedefineColumn {
            table,
            from,
            position: Some(p),
            ..
        } => (table, from, p, true),
        _ => return,
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    let rebuilds = ctx
        .assessment
        .fact
        .is_some_and(|f| f.work != Work::Metadata);
    if !moved && !rebuilds {
        return;
    }
    let place = match position {
        Position::First => "first".to_string(),
        Position::After(c) => format!("after {c}"),
    };
    let message = match (moved, rebuilds) {
        (true, true) => format!(
            "moving {column} {place} rebuilds {table} ({}) and shifts the position of its columns under running code",
            ctx.lock()
        ),
        (true, false) => format!(
            "moving {column} {place} shifts the position of the columns of {table}: INSERT … VALUES without a column list and SELECT * read by index see different columns"
        ),
        _ => format!(
            "adding {column} {place} is not instant on {} {}: it rebuilds {table} ({})",
            ctx.engine,
            ctx.version,
            ctx.lock()
        ),
    };
    let mut f = ctx.cost_finding(&RULE, message);
    if matches!(ctx.technique, crate::analysis::cost::Technique::AsWritten) {
        f.help = ctx
            .assessment
            .fact
            .and_then(|f| f.rewrite_hint.clone())
            .unwrap_or_else(|| RULE.instead.to_string());
    }
    out.push(f);
}
