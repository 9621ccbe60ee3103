//! SG209 ddl-commits-implicitly: schema changes inside an explicit
//! `BEGIN … COMMIT` on MySQL/MariaDB, where DDL is not transactional.

use super::*;
use crate::sql::ir::is_ddl;

pub static RULE: Rule = Rule {
    id: "SG209",
    name: "ddl-commits-implicitly",
    engines: MYSQL_FAMILY,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "MySQL commits before and after every DDL statement: BEGIN … COMMIT does not make the migration atomic",
    what: "Reports the first schema change after an explicit `BEGIN` / `START TRANSACTION` in a MySQL or MariaDB migration (the engine facts say DDL is not transactional there).",
    why: "CREATE, ALTER, DROP, RENAME and TRUNCATE commit the open transaction implicitly before they run and commit themselves after. The surrounding transaction protects nothing: if a later statement fails, the earlier ones stay applied, the migration tool may not record the version, and a retry fails on the half-applied schema. Data changes before the DDL are committed too, so a ROLLBACK no longer undoes them.",
    example: "BEGIN;\nALTER TABLE orders ADD COLUMN note varchar(100);\nUPDATE orders SET note = '';\nCOMMIT;",
    instead: "Write each migration so that it can be re-run after a partial failure (one DDL statement per migration file, or idempotent statements), and keep data changes that must be atomic in a transaction of their own without DDL.",
    check,
    fires: &[Example {
        engine: Engine::Mysql,
        version: None,
        before: "CREATE TABLE orders (id int PRIMARY KEY);",
        sql: "BEGIN;\nALTER TABLE orders ADD COLUMN note varchar(100);\nCOMMIT;",
    }],
    quiet: &[
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY, note varchar(100));",
            sql: "BEGIN;\nUPDATE orders SET note = '' WHERE id = 1;\nCOMMIT;",
        },
        Example {
            engine: Engine::Mysql,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY);",
            sql: "ALTER TABLE orders ADD COLUMN note varchar(100);",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.facts.transactional_ddl
        || !ctx.tx.in_transaction
        || !ctx.tx.explicit_begin
        || ctx.tx.ddl_in_transaction > 0
        || !is_ddl(ctx.op)
    {
        return;
    }
    out.push(ctx.finding(
        &RULE,
        format!(
            "{} commits the open transaction here: the BEGIN … COMMIT around this migration does not make it atomic, and a failure later leaves it half-applied",
            ctx.engine
        ),
        RULE.instead.to_string(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_once_per_transaction_and_again_after_a_new_begin() {
        let ex = Example {
            engine: Engine::Mysql,
            version: None,
            before: "",
            sql: "BEGIN;\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\nCOMMIT;\nBEGIN;\nCREATE TABLE c (id int PRIMARY KEY);\nCOMMIT;",
        };
        let lines: Vec<u32> = crate::analysis::run_example(&ex)
            .iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| f.span.line)
            .collect();
        assert_eq!(lines, vec![2, 6]);
    }
}
