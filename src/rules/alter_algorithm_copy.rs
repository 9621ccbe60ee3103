//! SG201 alter-algorithm-copy-blocks-writes: an explicit `ALGORITHM=COPY`
//! on a MySQL/MariaDB table that holds data.

use super::mysql_alter::{speaks_for_statement, supported_rank};
use super::*;

pub static RULE: Rule = Rule {
    id: "SG201",
    name: "alter-algorithm-copy-blocks-writes",
    engines: MYSQL_FAMILY,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "ALGORITHM=COPY copies the whole table and blocks writes until the copy ends",
    what: "Reports `ALTER TABLE … ALGORITHM=COPY` on a table that exists before the release. The class is that of the change without the clause: zero-downtime when the engine can do it INSTANT or INPLACE with LOCK=NONE, a shadow-table copy when it cannot.",
    why: "With ALGORITHM=COPY the server builds a new table and copies every row into it while writes to the original wait (LOCK=SHARED at best), minutes to hours on a large table, even for changes the engine could make instantly or in place with concurrent DML.",
    example: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=COPY;",
    instead: "Leave the algorithm to the server, or ask for the one you expect (`ALGORITHM=INSTANT` or `ALGORITHM=INPLACE, LOCK=NONE`) so the ALTER fails rather than silently copying. For a change that really needs a copy, use an online schema change (shipgate osc, gh-ost, pt-online-schema-change).",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.35"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=COPY;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD INDEX orders_total (total), ALGORITHM=COPY;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.35"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=INSTANT;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, total int);\nALTER TABLE orders ADD COLUMN note varchar(100), ALGORITHM=COPY;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.stmt.alter_options.algorithm.as_deref() != Some("copy") || !speaks_for_statement(ctx) {
        return;
    }
    let Some(table) = ctx.op.table() else {
        return;
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    let mut f = ctx.cost_finding(
        &RULE,
        format!(
            "ALGORITHM=COPY copies every row of {table} into a new table and blocks writes to it until the copy ends"
        ),
    );
    if let Some(fact) = ctx.assessment.fact {
        if supported_rank(fact).is_some_and(|r| r < 3) {
            f.help = format!(
                "drop `ALGORITHM=COPY`: without it this change runs as {} and writes continue",
                fact.lock
            );
        }
    }
    out.push(f);
}
