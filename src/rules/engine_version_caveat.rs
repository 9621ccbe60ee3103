//! SG129 engine-version-caveat: an operation with a known defect at the
//! target engine version (the `caveat` of its engine fact).

use super::*;
use crate::analysis::cost::Technique;

pub static RULE: Rule = Rule {
    id: "SG129",
    name: "engine-version-caveat",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::ZeroDowntime,
    summary: "The operation has a known defect at the target engine version",
    what: "Reports an operation whose engine fact carries a caveat for the target version, e.g. `CREATE INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY` on PostgreSQL 14.0 to 14.3, and an operation whose lock-safe rewrite (the form the plan runs) carries one.",
    why: "Some versions have bugs in exactly the online operations a zero-downtime plan relies on: on PostgreSQL 14.0–14.3 a concurrent index build can miss rows written while it runs and leave a silently corrupt index.",
    example: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email); -- on PostgreSQL 14.2",
    instead: "Upgrade to a fixed minor version first (PostgreSQL 14.4+) and rebuild indexes built concurrently on the affected versions; pass `--engine-version` so shipgate knows which version the release meets.",
    check,
    fires: &[
        Example {
            engine: Engine::Postgres,
            version: Some("14.2"),
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
        },
        Example {
            engine: Engine::Postgres,
            version: Some("14.0"),
            before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
            sql: "CREATE INDEX users_email_idx ON users (email);",
        },
    ],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: Some("14.4"),
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    }],
};

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    // The op as written, or the lock-safe rewrite the plan would run instead.
    let (caveat, how) = match ctx.assessment.fact.and_then(|f| f.caveat.as_ref()) {
        Some(c) => (c, ""),
        None => {
            let Technique::SafeRewrite { variant, .. } = ctx.technique else {
                return;
            };
            match ctx
                .facts
                .op(ctx.op.kind(), variant, ctx.version)
                .and_then(|f| f.caveat.as_ref())
            {
                Some(c) => (c, " (the lock-safe rewrite)"),
                None => return,
            }
        }
    };
    out.push(ctx.finding(
        &RULE,
        format!(
            "{}{how} on {} {}: {caveat}",
            ctx.op.kind(),
            ctx.engine.name(),
            ctx.version
        ),
        RULE.instead.to_string(),
    ));
}
