//! SG400 new-code-uses-missing-schema: the new code sends a query naming a
//! table or column that the new schema does not have.

use super::*;

pub static RULE: Rule = Rule {
    id: "SG400",
    name: "new-code-uses-missing-schema",
    engines: ALL_ENGINES,
    severity: Severity::Error,
    class: Verdict::Blocked,
    summary: "New code reads or writes a table or column that the new schema lacks",
    what: "Resolves every query of the new revision's code against the schema its migrations build (S1) and reports each table or column that S1 does not have, on the code line that sends the query.",
    why: "After the release the new code meets S1, and before it (or on rollback of the migration) S0; a column that exists in neither schema the new code can meet makes the query fail on every call. The release is broken on its own, whatever the deploy order.",
    example: "-- migration: ALTER TABLE users DROP COLUMN nickname;\n-- app/repo.py (new): cur.execute(\"SELECT nickname FROM users WHERE id = %s\", (uid,))",
    instead: "Fix the query, or keep the table or column in the new schema (drop it in a later release, once no code reads it).",
    check: emitted_by_analysis,
    fires: &[],
    quiet: &[],
};
