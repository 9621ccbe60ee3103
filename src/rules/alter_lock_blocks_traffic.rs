//! SG202 alter-lock-blocks-traffic: an explicit `LOCK=SHARED` or
//! `LOCK=EXCLUSIVE` on a MySQL/MariaDB ALTER that does real work.

use super::mysql_alter::{speaks_for_statement, statement_does_work};
use super::*;

pub static RULE: Rule = Rule {
    id: "SG202",
    name: "alter-lock-blocks-traffic",
    engines: MYSQL_FAMILY,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "LOCK=SHARED blocks writes, LOCK=EXCLUSIVE blocks reads and writes, for the whole ALTER",
    what: "Reports `ALTER TABLE … LOCK=SHARED` and `LOCK=EXCLUSIVE` on a table that exists before the release when the ALTER rebuilds the table, builds an index or copies it (a metadata-only change holds the lock only for a moment).",
    why: "The LOCK clause asks the server to hold that lock for the whole operation, even when the engine could let reads and writes continue (`LOCK=NONE`): with SHARED every INSERT, UPDATE and DELETE waits until the rebuild or index build ends; with EXCLUSIVE every SELECT waits too.",
    example: "ALTER TABLE orders ADD INDEX orders_customer (customer_id), LOCK=SHARED;",
    instead: "`LOCK=NONE` (the ALTER then fails instead of blocking if the engine cannot allow concurrent DML), or no LOCK clause. For a change that cannot run with LOCK=NONE, use an online schema change.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ADD INDEX orders_customer (customer_id), LOCK=SHARED;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ADD INDEX orders_customer (customer_id), ALGORITHM=INPLACE, LOCK=EXCLUSIVE;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ENGINE=InnoDB, LOCK=SHARED;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ADD INDEX orders_customer (customer_id), LOCK=NONE;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ALTER COLUMN customer_id SET DEFAULT 0, LOCK=EXCLUSIVE;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let what = match ctx.stmt.alter_options.lock.as_deref() {
        Some("shared") => "LOCK=SHARED blocks every write",
        Some("exclusive") => "LOCK=EXCLUSIVE blocks every read and write",
        _ => return,
    };
    if !speaks_for_statement(ctx) {
        return;
    }
    let Some(table) = ctx.op.table() else {
        return;
    };
    if !ctx.table_exists_before_release(table) || !statement_does_work(ctx) {
        return;
    }
    let mut f = ctx.cost_finding(
        &RULE,
        format!("{what} on {table} until this ALTER finishes rebuilding or indexing it"),
    );
    if let Some(fact) = ctx.assessment.fact {
        if fact.blocks == crate::facts::Blocks::None {
            f.help = format!(
                "use `LOCK=NONE` or drop the clause: this change runs as {} with reads and writes continuing",
                fact.lock
            );
        }
    }
    out.push(f);
}
