//! SG420 code-usage-unknown: a table the release changes is touched by code
//! shipgate cannot read (SQL built at run time, a query builder or run-time
//! ORM, an unreadable file), so its usage is unknown and the conservative
//! assumption holds for it. Reported once per file and table (once per
//! library for query builders), never once per call.

use super::*;

pub static RULE: Rule = Rule {
    id: "SG420",
    name: "code-usage-unknown",
    engines: ALL_ENGINES,
    severity: Severity::Warning,
    class: Verdict::ZeroDowntime,
    summary: "Code that builds SQL at run time touches a table the release changes: its usage is unknown",
    what: "Reports SQL strings whose text is only known at run time (interpolation, formatting, concatenation with variables) or that do not parse, when they mention a table the release's migrations change (or name no table at all), once per file and table; and query builders or run-time ORMs (squirrel, goqu, GORM, knex, jOOQ, …), once per library with the files that use it, naming the tables their literal calls name (or any table). For such tables shipgate assumes the code uses every column, as if no code were read.",
    why: "A gate that assumed such code unused would let a drop through that breaks it. Assuming it used can only make the plan more careful (a statement waits for the deploy, or needs expand/contract).",
    example: "# app/report.py\ncur.execute(f\"SELECT {cols} FROM users WHERE id = %s\", (uid,))",
    instead: "Write the query as a literal (with bind parameters), name tables with literals in query-builder calls, or pass the SQL the running version sends with `--queries FILE` (a pg_stat_statements or performance_schema digest export).",
    check: emitted_by_analysis,
    fires: &[],
    quiet: &[],
};
