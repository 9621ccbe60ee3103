//! SG203 alter-copies-table: a MySQL/MariaDB change the engine can only make
//! by copying the table (or rebuilding it without concurrent DML).

use super::*;
use crate::facts::{Blocks, Work};
use crate::sql::ir::{AutoKind, Generated, Op};

pub static RULE: Rule = Rule {
    id: "SG203",
    name: "alter-copies-table",
    engines: MYSQL_FAMILY,
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "This change falls back to ALGORITHM=COPY: writes wait until every row is copied",
    what: "Reports operations on an existing table that InnoDB cannot do INSTANT or INPLACE with concurrent DML, per the engine facts: a column data-type change through MODIFY/CHANGE (int → bigint, shrinking, a VARCHAR crossing its length-byte class, another character set, or another collation of a column an index covers), DROP PRIMARY KEY without adding one, making an existing column AUTO_INCREMENT, a column added with an expression default (ADD COLUMN of an AUTO_INCREMENT or STORED generated column, ADD FOREIGN KEY/CHECK and ENUM/SET member changes have rules of their own). On a large table the plan runs it as a shadow-table copy (expand-contract); on a small one (by `--stats`) as written.",
    why: "ALGORITHM=COPY builds a new table and copies every row while INSERT, UPDATE and DELETE on the original wait; on a table of millions of rows that is minutes to hours of failed writes. MySQL picks COPY silently when no ALGORITHM clause is given.",
    example: "ALTER TABLE orders MODIFY id bigint NOT NULL;",
    instead: "An online schema change: copy into a shadow table with change capture and cut over (shipgate osc, gh-ost, pt-online-schema-change). Where a cheaper form exists, prefer it: a VIRTUAL generated column, DROP and ADD PRIMARY KEY in one ALTER, a VARCHAR length within the same length-byte class.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders MODIFY total bigint;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, note varchar(50));",
            sql: "ALTER TABLE orders CHANGE note note varchar(100);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, seq int NOT NULL, UNIQUE KEY orders_seq (seq));",
            sql: "ALTER TABLE orders MODIFY seq int NOT NULL AUTO_INCREMENT;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, a int NOT NULL);",
            sql: "ALTER TABLE orders DROP PRIMARY KEY;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, note text);",
            sql: "ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE tuple (store char(26) NOT NULL, object_type varchar(128) NOT NULL, PRIMARY KEY (store, object_type)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;",
            sql: "ALTER TABLE tuple MODIFY COLUMN object_type varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE notes (id int NOT NULL PRIMARY KEY, body varchar(200)) DEFAULT CHARSET=utf8mb4;",
            sql: "ALTER TABLE notes MODIFY body varchar(200) CHARACTER SET latin1;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, note varchar(10));",
            sql: "ALTER TABLE orders MODIFY note varchar(50);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, seq int NOT NULL);",
            sql: "ALTER TABLE orders MODIFY seq int NULL;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, note text);",
            sql: "ALTER TABLE orders ENGINE=InnoDB;\nOPTIMIZE TABLE orders;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int(11) NOT NULL PRIMARY KEY, paid tinyint(1) NOT NULL);",
            sql: "ALTER TABLE orders MODIFY id int NOT NULL, MODIFY paid boolean NOT NULL;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, a int NOT NULL);",
            sql: "ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, a);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, total int);\nALTER TABLE orders MODIFY total bigint;",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE tuple (store char(26) NOT NULL PRIMARY KEY, note varchar(128) NOT NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;",
            sql: "ALTER TABLE tuple MODIFY note varchar(128) COLLATE utf8mb4_bin NOT NULL;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE tuple (store char(26) NOT NULL, object_type varchar(128) NOT NULL, PRIMARY KEY (store, object_type)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;",
            sql: "ALTER TABLE tuple MODIFY COLUMN object_type varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if fact.blocks == Blocks::None || fact.work != Work::Rewrite || fact.unsupported {
        return;
    }
    // Rules of their own carry the cost of: ADD FOREIGN KEY / CHECK (SG208),
    // ENUM/SET member changes (SG206), and the cross-engine ADD COLUMN of an
    // auto-increment or STORED generated column (SG1xx).
    let covered_elsewhere = match ctx.op {
        Op::AddConstraint { .. } => true,
        Op::AddColumn { column, .. } => {
            column.auto.is_some() || column.generated == Some(Generated::Stored)
        }
        _ => super::enum_values_changed::changes(ctx).is_some(),
    };
    if covered_elsewhere {
        return;
    }
    let Some(table) = ctx.op.table() else {
        return;
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    let what = describe(ctx);
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "{what} on {table} runs as {}: writes to {table} wait until every row is copied",
            fact.lock
        ),
    ));
}

fn describe(ctx: &Ctx) -> String {
    match ctx.op {
        Op::RedefineColumn { from, column, .. } => {
            let old = ctx.op.table().and_then(|t| ctx.before.column(t, from));
            match old {
                Some(old) if column.auto == Some(AutoKind::AutoIncrement) && old.auto.is_none() => {
                    format!("making {from} AUTO_INCREMENT")
                }
                Some(old) if crate::analysis::variant::charset_change(old, column).is_some() => {
                    let was = |v: &Option<String>| v.clone().unwrap_or_else(|| "unstated".into());
                    let indexed = ctx.assessment.variants.first().map(String::as_str)
                        == Some("collation-indexed");
                    format!(
                        "changing the character set/collation of {from}{} from {}/{} to {}/{}",
                        if indexed {
                            ", which an index covers,"
                        } else {
                            ""
                        },
                        was(&old.charset),
                        was(&old.collation),
                        was(&column.charset),
                        was(&column.collation),
                    )
                }
                Some(old) => format!("changing {from} from {} to {}", old.ty.text, column.ty.text),
                None => format!("redefining {from}"),
            }
        }
        Op::AddColumn { column, .. } => {
            let kind = match ctx.assessment.variants.last().map(String::as_str) {
                Some("auto") => "the AUTO_INCREMENT column",
                Some("generated-stored") => "the STORED generated column",
                Some("default-volatile") => "with an expression default the column",
                _ => "the column",
            };
            format!("adding {kind} {}", column.name)
        }
        Op::DropPrimaryKey { .. } => "dropping the primary key without adding another".into(),
        Op::RebuildTable { what, .. } => what.clone(),
        other => other.kind().replace('-', " "),
    }
}
