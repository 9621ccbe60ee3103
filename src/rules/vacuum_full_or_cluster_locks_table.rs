//! SG125 vacuum-full-or-cluster-locks-table: `VACUUM FULL` or `CLUSTER` in
//! a migration, on a table that existed before the release.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG125",
    name: "vacuum-full-or-cluster-locks-table",
    engines: POSTGRES,
    severity: Severity::Error,
    class: Verdict::ExpandContract,
    summary: "VACUUM FULL and CLUSTER rewrite the table while it is locked against reads and writes",
    what: "Reports `VACUUM FULL` and `CLUSTER` on a table that exists before the release, or on the whole database.",
    why: "Both copy the table into a new file and rebuild its indexes under ACCESS EXCLUSIVE: no query can read or write it until the copy ends, and the copy needs as much free disk as the table. VACUUM also cannot run inside a transaction block.",
    example: "VACUUM FULL orders;",
    instead: "pg_repack (with --order-by for CLUSTER), or a shadow-table copy with change capture (shipgate osc); both keep the table online. Plain VACUUM does not block.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY);",
            sql: "VACUUM FULL orders;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY);",
            sql: "CLUSTER orders USING orders_pkey;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY);",
            sql: "VACUUM FULL;",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE TABLE orders (id int PRIMARY KEY);",
            sql: "VACUUM orders;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE TABLE orders (id int PRIMARY KEY);\nVACUUM FULL orders;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (what, table) = match ctx.op {
        Op::VacuumFull { table } => ("VACUUM FULL", table),
        Op::Cluster { table } => ("CLUSTER", table),
        _ => return,
    };
    let target = match table {
        Some(t) if ctx.new_tables.contains(t) => return,
        Some(t) => t.to_string(),
        None => "every table".to_string(),
    };
    out.push(ctx.cost_finding(
        &RULE,
        format!(
            "{what} rewrites {target} under {}: {} wait until the copy ends",
            ctx.lock(),
            blocked_traffic(ctx)
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_wide_vacuum_full_is_not_blamed_on_a_missing_key() {
        let found = crate::analysis::run_example(&RULE.fires[2]);
        let f = found.iter().find(|f| f.rule == RULE.id).unwrap();
        assert_eq!(f.class, Verdict::MaintenanceWindow);
        assert!(!f.help.contains("primary key"), "{}", f.help);
    }

    #[test]
    fn a_table_with_a_key_is_copied_online() {
        let found = crate::analysis::run_example(&RULE.fires[0]);
        let f = found.iter().find(|f| f.rule == RULE.id).unwrap();
        assert_eq!(f.class, Verdict::ExpandContract);
    }
}
