//! SG002 released-migration-edited: a migration that the old revision
//! already had changed its text (emitted by `check` when comparing revisions).

use super::*;

pub static RULE: Rule = Rule {
    id: "SG002",
    name: "released-migration-edited",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "A migration that was already released has been edited",
    what: "Compares the migrations both revisions have and reports those whose text changed.",
    why: "Databases that already ran the old text will never run the new one: environments drift apart silently, and the migration tool may refuse to start on a checksum mismatch.",
    example: "-- 0001_users.sql in the released revision:\nCREATE TABLE users (id int);\n-- the same file in the new revision:\nCREATE TABLE users (id bigint);",
    instead: "Leave released migrations as they are and add a new migration that changes the schema.",
    check: emitted_by_analysis,
    // Exercised by the fixture tests, which compare two revisions.
    fires: &[],
    quiet: &[],
};
