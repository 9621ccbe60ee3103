//! SG132 data-copy-misses-concurrent-writes: data copied or rewritten in a
//! migration from a table that old code keeps writing while both versions run.

use super::*;
use crate::analysis::compat::PhaseNeed;

pub static RULE: Rule = Rule {
    id: "SG132",
    name: "data-copy-misses-concurrent-writes",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "Data copied from a table old code still writes goes stale while both versions run",
    what: "Reports `INSERT … SELECT`, `CREATE TABLE … AS SELECT` and `UPDATE` backfills that read a table which existed before the release and which old code keeps writing during the deploy.",
    why: "The copy is a snapshot: rows the old code inserts or changes after it ran are missing from the copy, and a single large UPDATE holds row locks on the whole table while it runs.",
    example: "INSERT INTO user_emails (user_id, email) SELECT id, email FROM users;",
    instead: "Expand/contract: create the new structure, install a trigger that mirrors the old code's writes, backfill in batches, deploy, verify, then stop the sync and drop the old structure.",
    check,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "CREATE TABLE user_emails (user_id int PRIMARY KEY, email text);\nINSERT INTO user_emails (user_id, email) SELECT id, email FROM users;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "CREATE TABLE countries (code text PRIMARY KEY);\nINSERT INTO countries (code) VALUES ('de'), ('kr');",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    if let PhaseNeed::DataSync { why } = ctx.phase {
        out.push(ctx.finding(
            &RULE,
            format!("{why}: rows it writes after the copy ran are lost to the new structure"),
            RULE.instead.to_string(),
        ));
    }
}
