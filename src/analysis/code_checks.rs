//! Release-level checks on the code itself: the new code's queries against
//! the new schema (SG400, SG401), and tables the release changes whose usage
//! is unknown (SG420). Findings sit on the code line. The per-statement
//! code findings (SG410, SG411) are rules run by the analysis.

use super::compat::Side;
use super::incomplete::Incomplete;
use super::usage::{table_key, Entry, SideUsage, Source};
use crate::code;
use crate::rules;
use crate::schema::Schema;
use crate::span::Span;
use crate::sql::ir::{DmlKind, Name, Op};
use crate::verdict::{Finding, Severity, Verdict};
use std::collections::BTreeSet;

/// Schemas and name prefixes of system catalogs, never in a replayed schema.
fn is_system(table: &str) -> bool {
    let schema = table.split('.').next().unwrap_or("");
    table.contains('.')
        && matches!(
            schema,
            "information_schema" | "pg_catalog" | "performance_schema" | "mysql" | "sys"
        )
        || table.starts_with("pg_")
        || table.starts_with("sqlite_")
        || table == "dual"
}

fn schema_has_table(s: &Schema, t: &str) -> bool {
    let n = Name::new(t);
    s.tables.contains_key(&n) || s.views.contains_key(&n)
}

/// Tables created by the code itself (temporary tables): not schema objects.
fn created_by_code(side: &SideUsage) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in &side.entries {
        let lower = e.sql.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            if *w == "table" && i > 0 && words[..i].contains(&"create") {
                let mut j = i + 1;
                while j < words.len() && matches!(words[j], "if" | "not" | "exists") {
                    j += 1;
                }
                if let Some(name) = words.get(j) {
                    let name =
                        name.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '.');
                    out.insert(table_key(name));
                }
            }
        }
    }
    out
}

fn at(e: &Entry) -> String {
    format!("{}:{}", e.span.file, e.span.line)
}

fn finding(rule: &rules::Rule, e: &Entry, message: String, help: &str) -> Finding {
    Finding {
        rule: rule.id,
        name: rule.name,
        severity: rule.severity,
        class: rule.class,
        span: e.span.clone(),
        message,
        help: help.to_string(),
    }
}

/// What the new code is held against besides S1: the old code and S0
/// (a break the old release already had is not this release's), tables
/// that live outside the migrations, and what the replay could not model.
pub struct Baseline<'a> {
    pub old: &'a SideUsage,
    pub before: &'a Schema,
    /// `external_tables` of shipgate.toml (schema keys).
    pub external_tables: &'a [String],
    /// Statements of either history the replay could not model.
    pub incomplete: &'a Incomplete,
}

/// Where a missing table or column stands.
enum Missing {
    /// Outside what shipgate sees: listed once in an info finding.
    Outside(String),
    /// The release breaks it: SG400/SG401 as the rule says.
    Broken,
    /// The replay could not model a statement that names it (table,
    /// column): a warning.
    Uncertain(String, Option<String>),
}

impl Baseline<'_> {
    fn table_known_elsewhere(&self, table: &str) -> Option<String> {
        let bare = table.rsplit('.').next().unwrap_or(table);
        if self.external_tables.iter().any(|t| table_key(t) == table) {
            return Some(String::new());
        }
        migration_tool_table(bare).map(|tool| format!("{table} (the version table of {tool})"))
    }

    /// A table the new code uses and S1 lacks.
    fn table(&self, table: &str) -> Missing {
        if let Some(why) = self.table_known_elsewhere(table) {
            return Missing::Outside(why);
        }
        let old_used = self
            .old
            .entries
            .iter()
            .any(|e| e.usage.tables.iter().any(|t| table_key(t) == table));
        if old_used && !schema_has_table(self.before, table) {
            return Missing::Outside(table.to_string());
        }
        if self.incomplete.may_have_made(table, None) {
            return Missing::Uncertain(table.to_string(), None);
        }
        Missing::Broken
    }

    /// Column `column` of `table` (when the query names one table), which
    /// the new code uses and S1 lacks; `shown` as the old code's query
    /// would show it too.
    fn column(&self, table: Option<&str>, column: &str, shown: &str, orm: bool) -> Missing {
        let old_too = self.old.entries.iter().any(|e| {
            if orm {
                e.source == Source::Orm
                    && table.is_some_and(|t| {
                        self.before.tables.get(&Name::new(t)).is_some_and(|s| {
                            s.column(column).is_none()
                                && e.usage.reads.iter().any(|c| {
                                    table_key(&c.table) == t
                                        && c.column.eq_ignore_ascii_case(column)
                                })
                        })
                    })
            } else {
                e.source != Source::Orm
                    && e.usage
                        .tables
                        .iter()
                        .all(|t| self.before.tables.contains_key(&Name::new(table_key(t))))
                    && unresolved_shown(&e.usage).iter().any(|(s, _)| s == shown)
            }
        });
        if old_too {
            return Missing::Outside(shown.to_string());
        }
        let bare = column.rsplit('.').next().unwrap_or(column);
        let (t, c) = match table {
            Some(t) => (t, Some(bare.to_string())),
            None => (bare, None),
        };
        if self.incomplete.may_have_made(t, c.as_deref()) {
            return Missing::Uncertain(t.to_string(), c);
        }
        Missing::Broken
    }
}

/// Tables migration tools create for their own bookkeeping, with the tool:
/// the code (or a health check) may read them, the migrations never create
/// them. Names as each tool's documentation gives its default.
const MIGRATION_TOOL_TABLES: &[(&str, &str)] = &[
    ("goose_db_version", "goose"),
    ("schema_migrations", "golang-migrate, dbmate or Rails"),
    ("schema_migration", "gobuffalo/pop"),
    ("flyway_schema_history", "Flyway"),
    ("schema_version", "Flyway 3/4"),
    ("_sqlx_migrations", "sqlx"),
    ("__diesel_schema_migrations", "diesel"),
    ("_prisma_migrations", "Prisma"),
    ("atlas_schema_revisions", "Atlas"),
    ("ar_internal_metadata", "Rails"),
    ("databasechangelog", "Liquibase"),
    ("databasechangeloglock", "Liquibase"),
    ("knex_migrations", "knex"),
    ("knex_migrations_lock", "knex"),
    ("django_migrations", "Django"),
    ("alembic_version", "Alembic"),
    ("seaql_migrations", "SeaORM"),
    ("refinery_schema_history", "refinery"),
    ("gorp_migrations", "sql-migrate"),
    ("__efmigrationshistory", "Entity Framework"),
];

/// The tool that owns `table`, if a migration tool does.
pub fn migration_tool_table(table: &str) -> Option<&'static str> {
    MIGRATION_TOOL_TABLES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(table))
        .map(|(_, tool)| *tool)
}

/// The unresolved columns of a query as a finding names them (`t.c` when
/// the query reads one table), with the bare column.
fn unresolved_shown(u: &code::Usage) -> Vec<(String, String)> {
    let only_table = (u.tables.len() == 1).then(|| table_key(&u.tables[0]));
    u.unresolved
        .iter()
        .map(|col| {
            let shown = match (&only_table, col.contains('.')) {
                (Some(t), false) => format!("{t}.{col}"),
                _ => col.clone(),
            };
            (shown, col.clone())
        })
        .collect()
}

/// Pushes a finding for something the new code needs and S1 lacks, as the
/// baseline classes it.
fn push_missing(
    out: &mut Vec<Finding>,
    outside: &mut BTreeSet<String>,
    how: Missing,
    finding: Finding,
    incomplete: &Incomplete,
) {
    match how {
        Missing::Outside(name) => {
            if !name.is_empty() {
                outside.insert(name);
            }
        }
        Missing::Broken => out.push(finding),
        Missing::Uncertain(t, c) => out.push(Finding {
            severity: Severity::Warning,
            class: Verdict::ZeroDowntime,
            message: format!("{}{}", finding.message, incomplete.why(&t, c.as_deref())),
            ..finding
        }),
    }
}

/// SG400 and SG401: new code that the new schema rejects, when the release
/// introduces the break; one info finding lists what lies outside the
/// migrations.
pub fn new_code_findings(
    new: &SideUsage,
    base: &Baseline,
    after: &Schema,
    insert_values_must_match: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let before = base.before;
    if before.tables.is_empty() && after.tables.is_empty() {
        // No schema to hold the code to (no migrations read): nothing to say.
        return out;
    }
    let mut outside = BTreeSet::new();
    let mut first_outside: Option<Span> = None;
    let created = created_by_code(new);
    for e in new.entries.iter().filter(|e| e.source == Source::Orm) {
        // An ORM model selects and inserts every field it declares.
        let r = &rules::NEW_CODE_USES_MISSING_SCHEMA;
        let Some(t) = e.usage.tables.first().map(|t| table_key(t)) else {
            continue;
        };
        let n = outside.len();
        match after.tables.get(&Name::new(&t)) {
            None if !schema_has_table(after, &t) && !is_system(&t) => push_missing(
                &mut out,
                &mut outside,
                base.table(&t),
                finding(
                    r,
                    e,
                    format!(
                        "new code {} maps table {t} in an ORM model, which the new schema does not have",
                        at(e)
                    ),
                    r.instead,
                ),
                base.incomplete,
            ),
            Some(table) => {
                for c in &e.usage.reads {
                    if table.column(&c.column).is_none() {
                        let shown = format!("{t}.{}", c.column);
                        push_missing(
                            &mut out,
                            &mut outside,
                            base.column(Some(&t), &c.column, &shown, true),
                            finding(
                                r,
                                e,
                                format!(
                                    "new code {} maps {shown} in an ORM model, which the new schema does not have",
                                    at(e),
                                ),
                                r.instead,
                            ),
                            base.incomplete,
                        );
                    }
                }
            }
            None => {}
        }
        if outside.len() > n && first_outside.is_none() {
            first_outside = Some(e.span.clone());
        }
    }
    for e in new.entries.iter().filter(|e| e.source == Source::Code) {
        let u = &e.usage;
        let n = outside.len();
        let mut all_known = true;
        for t in &u.tables {
            let k = table_key(t);
            if after.tables.contains_key(&Name::new(&k)) {
                continue;
            }
            all_known = false;
            if schema_has_table(after, &k) || is_system(&k) || created.contains(&k) {
                continue;
            }
            let verb = if u.written_tables.iter().any(|w| table_key(w) == k) {
                "writes"
            } else {
                "reads"
            };
            let r = &rules::NEW_CODE_USES_MISSING_SCHEMA;
            push_missing(
                &mut out,
                &mut outside,
                base.table(&k),
                finding(
                    r,
                    e,
                    format!(
                        "new code {} {verb} table {k}, which the new schema does not have",
                        at(e)
                    ),
                    r.instead,
                ),
                base.incomplete,
            );
        }
        if outside.len() > n && first_outside.is_none() {
            first_outside = Some(e.span.clone());
        }
        if !all_known {
            continue;
        }
        let only_table = (u.tables.len() == 1).then(|| table_key(&u.tables[0]));
        for (shown, col) in unresolved_shown(u) {
            let bare = col.rsplit('.').next().unwrap_or(&col);
            let verb = match &u.insert {
                Some(i)
                    if i.columns
                        .as_ref()
                        .is_some_and(|c| c.iter().any(|c| c.eq_ignore_ascii_case(bare))) =>
                {
                    "writes"
                }
                _ => "reads",
            };
            let r = &rules::NEW_CODE_USES_MISSING_SCHEMA;
            push_missing(
                &mut out,
                &mut outside,
                base.column(only_table.as_deref(), &col, &shown, false),
                finding(
                    r,
                    e,
                    format!(
                        "new code {} {verb} {shown}, which the new schema does not have",
                        at(e)
                    ),
                    r.instead,
                ),
                base.incomplete,
            );
        }
        if outside.len() > n && first_outside.is_none() {
            first_outside = Some(e.span.clone());
        }
        let old_problems: BTreeSet<String> = match &u.insert {
            Some(_) => base
                .old
                .entries
                .iter()
                .filter(|o| o.source == Source::Code)
                .flat_map(|o| insert_problems(&o.usage, before, insert_values_must_match))
                .map(|(key, ..)| key)
                .collect(),
            None => BTreeSet::new(),
        };
        let r = &rules::NEW_CODE_INSERT_REJECTED;
        for (key, t, c, problem) in insert_problems(u, after, insert_values_must_match) {
            let how = if old_problems.contains(&key) {
                // The old code's same insert met the same requirement in S0.
                Missing::Outside(format!("{key} (required on insert, already so before)"))
            } else if base.incomplete.may_have_made(&t, c.as_deref()) {
                Missing::Uncertain(t, c)
            } else {
                Missing::Broken
            };
            if matches!(how, Missing::Outside(_)) && first_outside.is_none() {
                first_outside = Some(e.span.clone());
            }
            push_missing(
                &mut out,
                &mut outside,
                how,
                finding(r, e, format!("new code {} {problem}", at(e)), r.instead),
                base.incomplete,
            );
        }
    }
    if let (false, Some(span)) = (outside.is_empty(), first_outside) {
        let r = &rules::CODE_USES_SCHEMA_OUTSIDE_MIGRATIONS;
        out.push(Finding {
            rule: r.id,
            name: r.name,
            severity: r.severity,
            class: r.class,
            span,
            message: format!(
                "created outside the migrations: {}; the code uses them, the migrations never create them, and this release does not change that",
                outside.into_iter().collect::<Vec<_>>().join(", ")
            ),
            help: r.instead.to_string(),
        });
    }
    out
}

/// What the schema rejects in an insert: (a key naming the problem, the
/// table, the column, the message after "new code <at> ").
type InsertProblem = (String, String, Option<String>, String);

fn insert_problems(u: &code::Usage, schema: &Schema, must_match: bool) -> Vec<InsertProblem> {
    let mut out = Vec::new();
    let Some(ins) = &u.insert else {
        return out;
    };
    let k = table_key(&ins.table);
    let Some(table) = schema.tables.get(&Name::new(&k)) else {
        return out;
    };
    // The old code's problems are only compared by key, never shown.
    let which = "the new schema";
    match &ins.columns {
        Some(cols) => {
            for c in table.columns.iter().filter(|c| c.required_on_insert()) {
                if !cols.iter().any(|x| x.eq_ignore_ascii_case(&c.name)) {
                    out.push((
                        format!("{k}.{}", c.name),
                        k.clone(),
                        Some(c.name.clone()),
                        format!(
                            "inserts into {k} without {}, which is NOT NULL without a default in {which}",
                            c.name
                        ),
                    ));
                }
            }
        }
        None => {
            let Some(n) = ins.values_per_row else {
                return out;
            };
            let total = table.columns.len();
            if n > total || (must_match && n != total) {
                out.push((
                    format!("{k} ({n} values by position)"),
                    k.clone(),
                    None,
                    format!(
                        "inserts {n} value(s) per row into {k} by position, but {which} gives it {total} column(s)"
                    ),
                ));
            } else if let Some(c) = table.columns[n.min(total)..]
                .iter()
                .find(|c| c.required_on_insert())
            {
                out.push((
                    format!("{k}.{}", c.name),
                    k.clone(),
                    Some(c.name.clone()),
                    format!(
                        "inserts {n} value(s) per row into {k} by position, leaving out {}, which is NOT NULL without a default in {which}",
                        c.name
                    ),
                ));
            }
        }
    }
    out
}

/// The existing tables the release's ops change or read.
pub fn touched_tables<'a>(ops: impl Iterator<Item = &'a Op>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for op in ops {
        if let Some(t) = op.table() {
            out.insert(table_key(t.as_str()));
        }
        match op {
            Op::DropTable { tables, .. } | Op::Truncate { tables, .. } => {
                out.extend(tables.iter().map(|t| table_key(t.as_str())));
            }
            Op::DropView { names, .. } => out.extend(names.iter().map(|t| table_key(t.as_str()))),
            Op::RenameTable { from, .. } => {
                out.insert(table_key(from.as_str()));
            }
            Op::Dml {
                kind: DmlKind::Insert | DmlKind::Update,
                sources,
                ..
            } => out.extend(sources.iter().map(|t| table_key(t.as_str()))),
            Op::CreateTable {
                from_query: Some(sources),
                ..
            } => out.extend(sources.iter().map(|t| table_key(t.as_str()))),
            _ => {}
        }
    }
    out
}

/// SG420: code with unknown usage that touches a table the release changes.
/// Unreadable files (no span) come back as notes.
pub fn unknown_findings(
    side: &SideUsage,
    which: Side,
    touched: &BTreeSet<String>,
) -> (Vec<Finding>, Vec<String>) {
    let r = &rules::CODE_USAGE_UNKNOWN;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    if !side.has_code {
        return (findings, notes);
    }
    let who = which.name();
    let assumed = match which {
        Side::Old => "assuming the old code uses every column the old schema gives them",
        Side::New => "assuming the new code uses every column the new schema gives them",
    };
    for u in &side.unknown {
        let hit: Vec<&String> = if u.tables.is_empty() {
            touched.iter().collect()
        } else {
            u.tables.iter().filter(|t| touched.contains(*t)).collect()
        };
        if hit.is_empty() {
            continue;
        }
        let list = hit
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        match &u.span {
            Some(span) => {
                let named = if u.tables.is_empty() {
                    " and names no table shipgate can read"
                } else {
                    ""
                };
                findings.push(Finding {
                    rule: r.id,
                    name: r.name,
                    severity: Severity::Warning,
                    class: Verdict::ZeroDowntime,
                    span: span.clone(),
                    message: format!(
                        "{who} code {}:{} sends {}{named}: usage of {list} is unknown; {assumed}",
                        span.file, span.line, u.why
                    ),
                    help: r.instead.to_string(),
                });
            }
            None => notes.push(format!(
                "{who} revision: {}; usage of {list} is unknown; {assumed}",
                u.why
            )),
        }
    }
    (findings, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_catalogs_are_not_missing_tables() {
        assert!(is_system("information_schema.tables"));
        assert!(is_system("pg_stat_activity"));
        assert!(is_system("sqlite_master"));
        assert!(!is_system("users"));
        assert!(!is_system("reporting.daily"));
    }
}
