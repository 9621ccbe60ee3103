//! SG126 domain-check-locks-using-tables: `CREATE DOMAIN … CHECK`, whose
//! constraint later changes validate every column of the domain at once, and
//! `ALTER DOMAIN … ADD CONSTRAINT` without `NOT VALID` on a domain in use.

use super::*;
use crate::sql::ir::Op;

pub static RULE: Rule = Rule {
    id: "SG126",
    name: "domain-check-locks-using-tables",
    engines: POSTGRES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "A CHECK on a domain ties every column of that type to one constraint that is costly to change",
    what: "Reports `CREATE DOMAIN … CHECK (…)`, and `ALTER DOMAIN … ADD CONSTRAINT` without `NOT VALID` when columns of tables that exist before the release use the domain.",
    why: "Creating the domain is harmless, but its CHECK belongs to every column declared with it. Tightening it later (`ALTER DOMAIN … ADD CONSTRAINT`) checks every stored value of every such column while writes to all those tables wait, and it cannot be relaxed for one table alone.",
    example: "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');",
    instead: "Use a plain type and a CHECK constraint per table column: it can be added `NOT VALID` and validated without blocking writes, and changed per table.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE DOMAIN email AS text;\nCREATE TABLE users (id int PRIMARY KEY, address email);",
            sql: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%');",
        },
    ],
    quiet: &[
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "",
            sql: "CREATE DOMAIN email AS text;",
        },
        Example {
            engine: Engine::Postgres,
            version: None,
            before: "CREATE DOMAIN email AS text;\nCREATE TABLE users (id int PRIMARY KEY, address email);",
            sql: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%') NOT VALID;",
        },
    ],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    match ctx.op {
        Op::CreateDomain {
            name,
            has_check: true,
        } => out.push(ctx.finding(
            &RULE,
            format!("the CHECK of domain {name} applies to every column of that type: changing it later checks them all while their tables' writes wait"),
            RULE.instead.to_string(),
        )),
        Op::AddDomainConstraint {
            name,
            not_valid: false,
        } => {
            let users: Vec<String> = ctx
                .before
                .tables
                .values()
                .filter(|t| ctx.table_exists_before_release(&t.name))
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .filter(|c| c.ty.base == name.as_str())
                        .map(move |c| format!("{}.{}", t.name, c.name))
                })
                .collect();
            if users.is_empty() {
                return;
            }
            out.push(ctx.cost_finding(
                &RULE,
                format!(
                    "the new constraint of domain {name} is checked against every value of {} under {}: writes to those tables wait until the scan ends",
                    users.join(", "),
                    ctx.lock()
                ),
            ));
        }
        _ => {}
    }
}
