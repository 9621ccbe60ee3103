//! SG301 sqlite-alter-needs-rebuild: a change SQLite's ALTER TABLE cannot
//! make; it takes the 12-step table rebuild.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG301",
    name: "sqlite-alter-needs-rebuild",
    engines: SQLITE,
    severity: Severity::Error,
    class: Verdict::MaintenanceWindow,
    summary: "SQLite cannot ALTER this: the change needs the 12-step table rebuild, which holds the write lock while it copies",
    what: "Reports ALTER COLUMN (type, NOT NULL, default), MODIFY/CHANGE, ADD/DROP CONSTRAINT and DROP PRIMARY KEY on SQLite, whose ALTER TABLE only renames tables and columns, adds columns and drops columns. On a table that exists before the release (large unless `--stats` says otherwise) the rebuild needs a maintenance window: SQLite has no online copy. On a table created in the release, or a small one, the rebuild takes a moment and the finding is informational.",
    why: "SQLite rejects the statement as written (a syntax error), so the intended change has to be made by rebuilding the table: create the new table, copy every row, drop the old one, rename, and recreate indexes, triggers and views. The copy holds the database's write lock from start to end: every writer of the whole database waits, for as long as the copy of a large table takes.",
    example: "ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
    instead: "Write the rebuild (https://www.sqlite.org/lang_altertable.html#otheralter) in one transaction with `PRAGMA foreign_keys = OFF` and a `PRAGMA foreign_key_check` before COMMIT, and run it in a maintenance window when the table is large. For a UNIQUE constraint, `CREATE UNIQUE INDEX` is enough and needs no rebuild.",
    check,
    fires: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
        },
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Sqlite,
            version: None,
            before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD COLUMN note text;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id integer PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let what = match ctx.op {
        Op::AlterColumnType { column, .. } => format!("changing the type of {column}"),
        Op::SetNotNull { column, .. } => format!("making {column} NOT NULL"),
        Op::DropNotNull { column, .. } => format!("dropping NOT NULL from {column}"),
        Op::SetDefault { column, .. } | Op::DropDefault { column, .. } => {
            format!("changing the default of {column}")
        }
        Op::RedefineColumn { from, .. } => format!("redefining {from}"),
        Op::AddConstraint { .. } => "adding a constraint".into(),
        Op::DropConstraint { name, .. } => format!("dropping constraint {name}"),
        Op::DropPrimaryKey { .. } => "dropping the primary key".into(),
        _ => return,
    };
    let Some(table) = ctx.op.table() else {
        return;
    };
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if !fact.unsupported {
        return;
    }
    if ctx.table_is_large() {
        out.push(ctx.cost_finding(
            &RULE,
            format!(
                "SQLite's ALTER TABLE cannot do this ({what}); rebuilding {table} holds the database write lock while every row is copied"
            ),
        ));
    } else {
        let help = fact
            .rewrite_hint
            .clone()
            .unwrap_or_else(|| RULE.instead.to_string());
        out.push(ctx.finding_with(
            &RULE,
            Severity::Info,
            Verdict::ZeroDowntime,
            format!(
                "SQLite's ALTER TABLE cannot do this ({what}) and rejects the statement; {table} is small or new, so the rebuild takes a moment"
            ),
            help,
        ));
    }
}
