//! SG210 syntax-unsupported-by-version: a MySQL/MariaDB statement the
//! target server version does not have (RENAME COLUMN before MySQL 8.0.3 or
//! MariaDB 10.5.2).

use super::*;

pub static RULE: Rule = Rule {
    id: "SG210",
    name: "syntax-unsupported-by-version",
    engines: MYSQL_FAMILY,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "The server version deployed to does not support this statement: the migration fails",
    what: "Reports operations the engine facts mark as unsupported on the target version, such as `ALTER TABLE … RENAME COLUMN` on MySQL 5.7 (added in 8.0.3) or MariaDB before 10.5.2.",
    why: "The statement is a syntax error on that server: the migration stops there, with the statements before it already applied (MySQL DDL is not transactional), and the release cannot go out.",
    example: "-- MySQL 5.7\nALTER TABLE users RENAME COLUMN name TO full_name;",
    instead: "Use the form the version supports (for a rename: `CHANGE COLUMN old new <full column definition>`), or set `--engine-version` to the version you really run.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: Some("5.7"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.4"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.35"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("5.7"),
            before: "CREATE TABLE users (id int PRIMARY KEY, name varchar(50));",
            sql: "ALTER TABLE users CHANGE name full_name varchar(50);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if !fact.unsupported {
        return;
    }
    out.push(
        ctx.finding(
            &RULE,
            format!(
                "{} {} does not support {}: the migration fails at this statement",
                ctx.engine,
                ctx.version,
                super::mysql_alter::clause(ctx.op)
            ),
            fact.rewrite_hint
                .clone()
                .unwrap_or_else(|| RULE.instead.to_string()),
        ),
    );
}
