//! SG401 new-code-insert-rejected: an INSERT of the new code that the new
//! schema rejects (a required column left out, or a positional value count
//! that differs from the column count where the engine requires them equal).

use super::*;

pub static RULE: Rule = Rule {
    id: "SG401",
    name: "new-code-insert-rejected",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "New code inserts rows the new schema rejects",
    what: "Checks every INSERT of the new revision's code against the new schema: it must supply every NOT NULL column without a default, and a positional `INSERT … VALUES` must supply as many values as the table has columns on MySQL, MariaDB and SQLite.",
    why: "The insert fails on every call once the new code runs on the new schema: the release is broken on its own.",
    example: "-- migration: ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT ''; ALTER TABLE users ALTER COLUMN email DROP DEFAULT;\n-- new code: INSERT INTO users (id, name) VALUES ($1, $2)",
    instead: "List every required column in the INSERT, give the column a default, or list the columns instead of relying on their position.",
    check: emitted_by_analysis,
    fires: &[],
    quiet: &[],
};
