//! SG101 index-build-blocks-writes: `CREATE INDEX` without `CONCURRENTLY`
//! on a table that existed before the release.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG101",
    name: "index-build-blocks-writes",
    engines: &[Engine::Postgres, Engine::Sqlite],
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "Building an index without CONCURRENTLY blocks writes to the table for the whole build",
    what: "Reports `CREATE INDEX` (and `CREATE UNIQUE INDEX`) without `CONCURRENTLY` on a table that exists before the release. Tables created in the same release are empty and exempt.",
    why: "A plain index build takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the index has been built from every row, minutes on a large table. On SQLite the build holds the database's write lock.",
    example: "CREATE INDEX users_email_idx ON users (email);",
    instead: "`CREATE INDEX CONCURRENTLY users_email_idx ON users (email);` outside a transaction block (PostgreSQL). The plan uses this rewrite, so the finding alone does not change the verdict.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "CREATE INDEX users_email_idx ON users (email);",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE users (id integer PRIMARY KEY, email text);",
            sql: "CREATE INDEX users_email_idx ON users (email);",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::CreateIndex {
        index,
        concurrently: false,
        ..
    } = ctx.op
    else {
        return;
    };
    if !ctx.table_is_large() {
        return;
    }
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "building this index on {} holds {}: writes to the table wait until every row is indexed",
            index.table,
            ctx.lock()
        ),
    ));
}
