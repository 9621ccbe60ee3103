//! SG208 constraint-validates-existing-rows: ADD FOREIGN KEY / ADD CHECK on
//! an existing MySQL/MariaDB table, which have no `NOT VALID` form.

use super::*;
use crate::sql::ir::{ConstraintKind, Op};

pub static RULE: Rule = Rule {
    id: "SG208",
    name: "constraint-validates-existing-rows",
    engines: MYSQL_FAMILY,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "ADD FOREIGN KEY / CHECK checks every existing row under a copy, and fails if one violates it",
    what: "Reports `ADD [CONSTRAINT] FOREIGN KEY` and `ADD [CONSTRAINT] CHECK` on a table that exists before the release. MySQL and MariaDB have no `NOT VALID` + `VALIDATE` split: the constraint is checked against every row inside the ALTER, which for a foreign key (with foreign_key_checks=1) and a CHECK is ALGORITHM=COPY. With `SET foreign_key_checks = 0` earlier in the file the key is added in place without looking at the rows, and the rule says that instead.",
    why: "Whether the ALTER succeeds depends on the data in production, not on the migration: one orphaned row or one row outside the CHECK fails the migration after the copy has run. Meanwhile the copy blocks writes to the table for its whole length. With foreign_key_checks=0 nothing is blocked, but existing orphans stay and are never reported.",
    example: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id);",
    instead: "Before the release, query for violating rows and fix them (`SELECT … FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.customer_id IS NOT NULL AND c.id IS NULL`). Then add the constraint with an online schema change (shadow copy), or, for a foreign key, with `SET foreign_key_checks = 0` around the ALTER (in place, metadata only).",
    check,
    fires: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id);",
        },
        Example {
            engine: Engine::Mariadb,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql: "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id);\nSET foreign_key_checks = 1;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);",
            sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id);",
        },
        Example {
            engine: Engine::Mysql,
            version: Some("5.7"),
            before: "CREATE TABLE orders (id int PRIMARY KEY, total int);",
            sql: "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Op::AddConstraint {
        table, constraint, ..
    } = ctx.op
    else {
        return;
    };
    let what = match &constraint.kind {
        ConstraintKind::ForeignKey { ref_table, .. } => format!("the foreign key to {ref_table}"),
        ConstraintKind::Check { expr } => format!("CHECK ({expr})"),
        _ => return,
    };
    if !ctx.table_exists_before_release(table) {
        return;
    }
    let Some(fact) = ctx.assessment.fact else {
        return;
    };
    if fact.ignored {
        return; // SG207: nothing is created, nothing is checked.
    }
    let unchecked = ctx
        .assessment
        .variants
        .first()
        .is_some_and(|v| v == "foreign-key-unchecked");
    let message = if unchecked {
        format!(
            "with foreign_key_checks=0 {what} is added to {table} without looking at its rows ({}): orphaned rows already there stay and are never reported",
            fact.lock
        )
    } else {
        format!(
            "{what} is checked against every existing row of {table} inside the ALTER ({}; {} has no NOT VALID): one violating row in production fails the migration after the copy",
            fact.lock, ctx.engine
        )
    };
    let mut f = ctx.cost_finding(&RULE, message);
    if unchecked {
        f.help = "query for orphaned rows before the release and fix them; the key only guards rows written from now on".into();
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(sql: &'static str) -> Verdict {
        let ex = Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id int);",
            sql,
        };
        crate::analysis::run_example(&ex)
            .iter()
            .find(|f| f.rule == RULE.id)
            .map(|f| f.class)
            .expect("SG208 fires")
    }

    #[test]
    fn copy_needs_a_shadow_table_and_unchecked_add_is_online() {
        let add = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers(id);";
        assert_eq!(class_of(add), Verdict::ExpandContract);
        assert_eq!(
            class_of("SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers(id);"),
            Verdict::ZeroDowntime
        );
        // mysqldump's form.
        assert_eq!(
            class_of("/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers(id);"),
            Verdict::ZeroDowntime
        );
        // Turned back on before the ALTER: the copy again.
        assert_eq!(
            class_of("SET foreign_key_checks = 0;\nSET foreign_key_checks = 1;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers(id);"),
            Verdict::ExpandContract
        );
    }
}
