//! SG207 constraint-silently-ignored: a constraint MySQL/MariaDB parse and
//! then drop without a word — a `REFERENCES` clause in a column definition
//! (MySQL; MariaDB before 10.5), a CHECK before MySQL 8.0.16.

use super::*;
use crate::sql::ir::{ColumnSpec, ConstraintKind, ConstraintSpec, Op};

pub static RULE: Rule = Rule {
    id: "SG207",
    name: "constraint-silently-ignored",
    engines: MYSQL_FAMILY,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "The engine accepts this constraint and creates nothing: no foreign key, no check",
    what: "Reports column definitions with an inline `REFERENCES other(col)` (in CREATE TABLE, ADD COLUMN, MODIFY/CHANGE) where the engine facts say the clause is ignored (MySQL up to 8.4, MariaDB before 10.5), and CHECK constraints on MySQL before 8.0.16, which parses and discards them.",
    why: "The migration succeeds and the schema looks right in review, but no foreign key (or check) exists: orphaned or invalid rows are accepted from day one, ON DELETE CASCADE never fires, and code relying on the database for integrity silently corrupts data.",
    example: "ALTER TABLE orders ADD COLUMN customer_id int REFERENCES customers(id);",
    instead: "Declare the foreign key as a table constraint: `ALTER TABLE orders ADD COLUMN customer_id int, ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id);` (on a new column of an existing table this is a COPY unless foreign_key_checks=0; every existing row holds NULL, so nothing is left unchecked). For CHECK on MySQL before 8.0.16, enforce the rule in code or a trigger, or upgrade.",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY);",
            sql: "ALTER TABLE orders ADD COLUMN customer_id int REFERENCES customers(id);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id));",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.4"),
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id));",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("5.7"),
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, total int CHECK (total >= 0));",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers(id));",
        },
        Example {
            engine: Engine::Mariadb,
            version: Some("10.11"),
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id));",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("8.0.16"),
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, total int CHECK (total >= 0));",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let ignored = |kind: &str, variant: &str| {
        ctx.facts
            .op(kind, variant, ctx.version)
            .is_some_and(|f| f.ignored)
    };
    let refs_ignored = ignored("inline-references", "plain");
    let checks_ignored = ignored("add-constraint", "check");
    if !refs_ignored && !checks_ignored {
        return;
    }
    let (table, columns, table_constraints): (_, Vec<&ColumnSpec>, &[ConstraintSpec]) = match ctx.op
    {
        Op::CreateTable {
            table,
            columns,
            constraints,
            ..
        } => (table, columns.iter().collect(), constraints),
        Op::AddColumn { table, column, .. } | Op::RedefineColumn { table, column, .. } => {
            (table, vec![column], &[])
        }
        Op::AddConstraint {
            table, constraint, ..
        } => (table, Vec::new(), std::slice::from_ref(constraint)),
        _ => return,
    };
    let mut lost = Vec::new();
    for c in &columns {
        for k in &c.constraints {
            match &k.kind {
                ConstraintKind::ForeignKey { ref_table, .. } if refs_ignored => lost.push(format!(
                    "the REFERENCES {ref_table} clause on {table}.{} creates no foreign key",
                    c.name
                )),
                ConstraintKind::Check { expr } if checks_ignored => lost.push(format!(
                    "the CHECK ({expr}) on {table}.{} is not enforced",
                    c.name
                )),
                _ => {}
            }
        }
    }
    if checks_ignored {
        for k in table_constraints {
            if let ConstraintKind::Check { expr } = &k.kind {
                lost.push(format!("the CHECK ({expr}) on {table} is not enforced"));
            }
        }
    }
    if lost.is_empty() {
        return;
    }
    let help = if lost.iter().any(|l| l.contains("REFERENCES")) {
        "declare it as a table constraint: `FOREIGN KEY (col) REFERENCES other(col)` (`ADD CONSTRAINT … FOREIGN KEY` in an ALTER)".to_string()
    } else {
        "MySQL enforces CHECK from 8.0.16: upgrade, or enforce the rule in code or a trigger"
            .to_string()
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "{}: {} {} parses it and ignores it silently",
            lost.join("; "),
            ctx.engine,
            ctx.version
        ),
        help,
    ));
}
