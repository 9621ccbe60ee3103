//! SG128 lock-wait-without-timeout: the first lock-taking DDL on an
//! existing table in a migration file, with no lock timeout set before it.

use super::*;
use crate::facts::Blocks;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG128",
    name: "lock-wait-without-timeout",
    engines: &[Engine::Postgres, Engine::Mysql, Engine::Mariadb],
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "DDL waiting for its lock without a timeout queues every query on the table behind it",
    what: "Reports the first statement of a migration file that takes a blocking lock on a table that exists before the release when the engine's lock timeout (`lock_timeout` on PostgreSQL, `lock_wait_timeout` on MySQL and MariaDB) was not set earlier in the file. SQLite has no such setting and is exempt.",
    why: "Even an instant ALTER must first get its lock, and it waits behind any running query or open transaction on the table. While it waits, every new query on the table, reads included, queues behind it: a long report turns a millisecond change into an outage. PostgreSQL waits forever by default, MySQL for a year.",
    example: "ALTER TABLE users ADD COLUMN nickname text;",
    instead: "Start the migration with `SET lock_timeout = '2s';` (MySQL/MariaDB: `SET SESSION lock_wait_timeout = 2;`) and retry the migration when it times out; shipgate's plan does both.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN nickname text;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD CONSTRAINT users_id_positive CHECK (id > 0);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "SET SESSION innodb_lock_wait_timeout = 5;\nALTER TABLE users ADD CONSTRAINT users_id_positive CHECK (id > 0);",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "BEGIN;\nSET LOCAL lock_timeout TO '2s';\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "SELECT set_config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN nickname text;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "SET SESSION lock_wait_timeout = 2;\nALTER TABLE users ADD CONSTRAINT users_id_positive CHECK (id > 0);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(setting) = &ctx.facts.lock_timeout_setting else {
        return;
    };
    if ctx.tx.lock_timeout_set || ctx.tx.lock_taken {
        return;
    }
    if matches!(ctx.op, Op::Dml { .. } | Op::CreateTable { .. }) {
        return;
    }
    let (Some(table), Some(fact)) = (&ctx.assessment.table, ctx.assessment.fact) else {
        return;
    };
    if fact.blocks == Blocks::None || !ctx.table_exists_before_release(table) {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!(
            "{} must first get its lock on {table} ({}) and no {setting} is set: while it waits behind running queries, every new query on {table} queues behind it",
            ctx.op.kind(),
            ctx.lock()
        ),
        RULE.instead.to_string(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_once_per_file() {
        let found = crate::analysis::run_example(&Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY);",
            sql: "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;",
        });
        assert_eq!(found.iter().filter(|f| f.rule == RULE.id).count(), 1);
    }
}
