//! SG002 released-migration-edited: a migration that the old revision
//! already had changed its text (emitted by `check` when comparing revisions, through `finding`).

use super::*;
use crate::span::Span;

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

/// The finding for a released migration (`old_path` in the old revision)
/// whose text in the new revision (`new_path`, migration `id`) changed;
/// `span` marks the start of its up part.
pub fn finding(span: Span, id: &str, old_path: &str, new_path: &str) -> Finding {
    let was = if old_path == new_path {
        String::new()
    } else {
        format!(" (released as {old_path})")
    };
    Finding {
        rule: RULE.id,
        name: RULE.name,
        severity: RULE.severity,
        class: RULE.class,
        span,
        message: format!(
            "migration {id} was already released{was} and its text changed: databases that ran it will never run the new text"
        ),
        help: RULE.instead.to_string(),
    }
}
