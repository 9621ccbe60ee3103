//! SG204 alter-algorithm-unsupported: an explicit `ALGORITHM=INSTANT`,
//! `NOCOPY` or `INPLACE`, or `LOCK=NONE`, that the operation cannot honour
//! on the target version: the ALTER fails.

use super::mysql_alter::{clause, requested_rank, supported_rank};
use super::*;
use crate::facts::Blocks;

pub static RULE: Rule = Rule {
    id: "SG204",
    name: "alter-algorithm-unsupported",
    engines: MYSQL_FAMILY,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "The ALTER asks for an ALGORITHM or LOCK the operation cannot use on this version: it fails",
    what: "Compares an explicit `ALGORITHM=INSTANT|NOCOPY|INPLACE` and `LOCK=NONE` with the cheapest algorithm and the lowest lock the engine facts give the operation on the target version (INSTANT ADD COLUMN only from MySQL 8.0.12, at any position and DROP COLUMN only from 8.0.29; MariaDB INSTANT ADD COLUMN from 10.3.2; a type change only by COPY; `NOCOPY` is MariaDB-only), and, on MySQL, `ALGORITHM=INSTANT` combined with any LOCK other than DEFAULT.",
    why: "MySQL and MariaDB refuse such an ALTER with `ALGORITHM=… is not supported for this operation` (ER_ALTER_OPERATION_NOT_SUPPORTED_REASON): the migration stops there and, DDL not being transactional, leaves the statements before it applied.",
    example: "-- MySQL 8.0.11\nALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT;",
    instead: "Ask for the algorithm the operation supports on the version you deploy to (or upgrade the server), or, for a change that can only copy, run it as an online schema change.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.11"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders MODIFY total bigint, ALGORITHM=INPLACE, LOCK=NONE;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD INDEX orders_total (total), ALGORITHM=NOCOPY;",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.35"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN ref varchar(20) UNIQUE, ALGORITHM=INSTANT;",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.35"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT, LOCK=NONE;",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.3.1"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders DROP COLUMN total, ALGORITHM=NOCOPY;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT, LOCK=NONE;",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.30"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD INDEX orders_total (total), ALGORITHM=INPLACE, LOCK=NONE;",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.4"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders DROP COLUMN total, ALGORITHM=NOCOPY;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.op.table().is_none() {
        return;
    }
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if fact.unsupported || fact.ignored {
        return;
    }
    let opts = &ctx.stmt.alter_options;
    let engine = ctx.engine.name();
    let version = ctx.version;
    let lock_given = opts.lock.as_deref().is_some_and(|l| l != "default");
    if opts.algorithm.as_deref() == Some("instant")
        && lock_given
        && ctx.facts.instant_takes_no_lock
        && super::mysql_alter::speaks_for_statement(ctx)
    {
        out.push(ctx.finding(
            &RULE,
            format!(
                "{engine} rejects ALGORITHM=INSTANT together with LOCK={}: the ALTER fails",
                opts.lock.as_deref().unwrap_or_default().to_uppercase()
            ),
            "drop the LOCK clause: an instant change takes no lock beyond a brief metadata lock".into(),
        ));
        return;
    }
    if let Some(requested) = opts.algorithm.as_deref() {
        if requested == "nocopy" && ctx.engine == Engine::Mysql {
            out.push(ctx.finding(
                &RULE,
                "MySQL has no ALGORITHM=NOCOPY (it is MariaDB syntax): the ALTER fails".into(),
                "use `ALGORITHM=INPLACE` on MySQL".into(),
            ));
            return;
        }
        if let (Some(want), Some(can)) = (requested_rank(requested), supported_rank(fact)) {
            if want < can {
                out.push(ctx.finding(
                    &RULE,
                    format!(
                        "{} cannot run with ALGORITHM={} on {engine} {version}: it needs {}; the ALTER fails",
                        clause(ctx.op),
                        requested.to_uppercase(),
                        fact.lock
                    ),
                    help(fact),
                ));
                return;
            }
        }
    }
    if opts.lock.as_deref() == Some("none")
        && fact.blocks != Blocks::None
        && fact.algorithm.is_some()
    {
        out.push(ctx.finding(
            &RULE,
            format!(
                "{} cannot allow concurrent writes on {engine} {version} ({}): LOCK=NONE makes the ALTER fail",
                clause(ctx.op),
                fact.lock
            ),
            help(fact),
        ));
    }
}

fn help(fact: &crate::facts::OpFact) -> String {
    match &fact.rewrite_hint {
        Some(h) => format!("{h}; or ask for what the operation supports: {}", fact.lock),
        None => format!(
            "ask for what the operation supports ({}), or upgrade the server",
            fact.lock
        ),
    }
}
