//! SG004 unused-allow: a `shipgate:allow` comment that suppresses nothing
//! (emitted by the analysis when it applies allows).

use super::*;

pub static RULE: Rule = Rule {
    id: "SG004",
    name: "unused-allow",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "A shipgate:allow comment matches no finding",
    what: "Reports `-- shipgate:allow RULE reason` comments whose rule does not fire on the statement they precede.",
    why: "A stale allow hides nothing today but will silently hide a real hazard when the statement changes; a misspelt rule name suppresses nothing at all.",
    example: "-- shipgate:allow drop-column unused since v3\nCREATE TABLE t (id int);",
    instead: "Remove the comment, or name the rule that fires on the statement.",
    check: emitted_by_analysis,
    fires: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "-- shipgate:allow SG999 no such rule\nCREATE TABLE t (id int PRIMARY KEY);",
    }],
    quiet: &[Example {
        engine: Engine::Postgres,
        version: None,
        before: "",
        sql: "-- shipgate:allow statement-not-understood reviewed by the DBA team\nDO $$ BEGIN PERFORM 1; END $$;",
    }],
};
