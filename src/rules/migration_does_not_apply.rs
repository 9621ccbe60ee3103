//! SG001 migration-does-not-apply: a new migration alters something the
//! schema before it does not have (emitted by the analysis during replay).

use super::*;

pub static RULE: Rule = Rule {
    id: "SG001",
    name: "migration-does-not-apply",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "A new migration cannot apply to the schema the release starts from",
    what: "Replays the release's new migrations over the schema built from the released history and reports every statement that cannot apply: a missing table, column, index or constraint, or one that already exists.",
    why: "The migration will fail in production at that statement, leaving the release half-applied (on engines without transactional DDL) and the new code without the schema it needs.",
    example: "-- released: CREATE TABLE users (id int);\nALTER TABLE users DROP COLUMN email;",
    instead: "Write the migration against the released schema: check the table and column names, or add the missing migration first.",
    check: emitted_by_analysis,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY);",
        sql: "ALTER TABLE users DROP COLUMN email;",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "CREATE TABLE users (id int PRIMARY KEY, email text);",
        sql: "ALTER TABLE users DROP COLUMN email;",
    }],
};
