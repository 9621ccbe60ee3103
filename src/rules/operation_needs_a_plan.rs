//! SG005 operation-needs-a-plan: an op that the analysis found needs an
//! online technique or an intermediate schema, where no specific rule said so.

use super::*;

pub static RULE: Rule = Rule {
    id: "SG005",
    name: "operation-needs-a-plan",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ExpandContract,
    summary: "An operation blocks a large table or breaks running code, and no specific rule covers it",
    what: "Backs every class the analysis computes with a finding: when an op's cost (a scan or rewrite under a blocking lock on an existing table) or its deploy phase (old and new code cannot both live with it) needs more than running it as written, and no more specific rule reported that.",
    why: "A verdict must say why. This rule carries the reason for operations the specific rules do not describe.",
    example: "-- SQLite rewrites the table to drop a column, holding the write lock:\nALTER TABLE notes DROP COLUMN legacy;",
    instead: "Follow the plan the finding names: a shadow-table copy, an expand/contract with sync, or a maintenance window.",
    check: emitted_by_analysis,
    fires: &[Example {
        engine: Engine::Sqlite,
        version: None,
        before: "CREATE TABLE notes (id integer PRIMARY KEY, body text, legacy text);",
        sql: "ALTER TABLE notes DROP COLUMN legacy;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY);",
        sql: "CREATE TABLE audit (id int PRIMARY KEY);\nINSERT INTO audit (id) VALUES (1);",
    }],
};
