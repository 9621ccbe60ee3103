//! Release-level checks on the code itself: the new code's queries against
//! the new schema (SG400, SG401), and tables the release changes whose usage
//! is unknown (SG420). Findings sit on the code line. The per-statement
//! code findings (SG410, SG411) are rules run by the analysis.

use super::baseline::{push_missing, unresolved_shown, Missing};
use super::compat::Side;
use super::usage::{find_table, schema_name_of, table_key, Entry, SideUsage, Source, Unknown};
use crate::rules;
use crate::schema::Schema;
use crate::span::Span;
use crate::sql::resolve;

pub use super::baseline::{migration_tool_table, Baseline};
use crate::sql::ir::{DmlKind, Op};
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

pub(super) fn schema_has_table(s: &Schema, t: &str) -> bool {
    schema_name_of(s, t).is_some()
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
    // The old code's rejected inserts, computed once when first needed.
    let mut old_problems: Option<BTreeSet<String>> = None;
    for e in new.entries.iter().filter(|e| e.source == Source::Orm) {
        // An ORM model selects and inserts every field it declares.
        let r = &rules::NEW_CODE_USES_MISSING_SCHEMA;
        let Some(raw) = e.usage.tables.first() else {
            continue;
        };
        let t = table_key(raw);
        let n = outside.len();
        match find_table(after, raw) {
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
            ),
            Some(table) => {
                for c in &e.usage.reads {
                    if table.column(&c.column).is_none() {
                        let shown = format!("{t}.{}", c.column);
                        push_missing(
                            &mut out,
                            &mut outside,
                            base.column(Some(&t), &[], &c.column, &shown, true),
                            finding(
                                r,
                                e,
                                format!(
                                    "new code {} maps {shown} in an ORM model, which the new schema does not have",
                                    at(e),
                                ),
                                r.instead,
                            ),
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
            if find_table(after, t).is_some() {
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
            );
        }
        if outside.len() > n && first_outside.is_none() {
            first_outside = Some(e.span.clone());
        }
        if !all_known {
            continue;
        }
        let only_table = (u.tables.len() == 1).then(|| table_key(&u.tables[0]));
        let keys: Vec<String> = u.tables.iter().map(|t| table_key(t)).collect();
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
                base.column(only_table.as_deref(), &keys, &col, &shown, false),
                finding(
                    r,
                    e,
                    format!(
                        "new code {} {verb} {shown}, which the new schema does not have",
                        at(e)
                    ),
                    r.instead,
                ),
            );
        }
        if outside.len() > n && first_outside.is_none() {
            first_outside = Some(e.span.clone());
        }
        let r = &rules::NEW_CODE_INSERT_REJECTED;
        for (key, t, c, problem) in insert_problems(u, after, insert_values_must_match) {
            let old_problems = old_problems.get_or_insert_with(|| {
                base.old
                    .entries
                    .iter()
                    .filter(|o| o.source == Source::Code)
                    .flat_map(|o| insert_problems(&o.usage, before, insert_values_must_match))
                    .map(|(key, ..)| key)
                    .collect::<BTreeSet<String>>()
            });
            let how = if old_problems.contains(&key) {
                // The old code's same insert met the same requirement in S0.
                Missing::Outside(format!("{key} (required on insert, already so before)"))
            } else {
                // An unmodelled statement anywhere may have given it a default.
                base.uncertain(&t, c.as_deref(), false)
            };
            if matches!(how, Missing::Outside(_)) && first_outside.is_none() {
                first_outside = Some(e.span.clone());
            }
            push_missing(
                &mut out,
                &mut outside,
                how,
                finding(r, e, format!("new code {} {problem}", at(e)), r.instead),
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
                listed(outside)
            ),
            help: r.instead.to_string(),
        });
    }
    out
}

/// The first names of a long list, and how many more.
fn listed(names: BTreeSet<String>) -> String {
    const SHOWN: usize = 20;
    let more = names.len().saturating_sub(SHOWN);
    let head: Vec<String> = names.into_iter().take(SHOWN).collect();
    if more > 0 {
        format!("{} and {more} more", head.join(", "))
    } else {
        head.join(", ")
    }
}

/// What the schema rejects in an insert: (a key naming the problem, the
/// table, the column, the message after "new code <at> ").
type InsertProblem = (String, String, Option<String>, String);

fn insert_problems(u: &resolve::Usage, schema: &Schema, must_match: bool) -> Vec<InsertProblem> {
    let mut out = Vec::new();
    let Some(ins) = &u.insert else {
        return out;
    };
    let k = table_key(&ins.table);
    let Some(table) = find_table(schema, &ins.table) else {
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
    old: &SideUsage,
    new: &SideUsage,
    touched: &BTreeSet<String>,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for (side, other, which) in [(old, new, Side::Old), (new, old, Side::New)] {
        if !side.has_code {
            continue;
        }
        for u in &side.unknown {
            let twin = other.has_code && other.unknown.iter().any(|o| same_unknown(u, o));
            if twin && which == Side::Old {
                // Reported once, from the new side, as both revisions'.
                continue;
            }
            let (who, assumed) = match (which, twin) {
                (_, true) => (
                    "old and new",
                    "assuming both revisions' code uses every column its schema gives them",
                ),
                (Side::Old, false) => (
                    "old",
                    "assuming the old code uses every column the old schema gives them",
                ),
                (Side::New, false) => (
                    "new",
                    "assuming the new code uses every column the new schema gives them",
                ),
            };
            unknown_finding(u, who, assumed, touched, &mut findings, &mut notes);
        }
    }
    (findings, notes)
}

/// The same run-time SQL in both revisions: the same file (the old side's
/// path carries `old:`), reason (with its count of such strings) and tables
/// — an unchanged file, or one where only other lines changed and moved it.
/// It is shown once, where the new code has it.
fn same_unknown(a: &Unknown, b: &Unknown) -> bool {
    let path = |s: &Span| s.file.strip_prefix("old:").unwrap_or(&s.file).to_string();
    let place = match (&a.span, &b.span) {
        (Some(x), Some(y)) => path(x) == path(y),
        (None, None) => true,
        _ => false,
    };
    place && a.why == b.why && a.tables == b.tables
}

fn unknown_finding(
    u: &Unknown,
    who: &str,
    assumed: &str,
    touched: &BTreeSet<String>,
    findings: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) {
    let r = &rules::CODE_USAGE_UNKNOWN;
    let hit: Vec<&String> = if u.tables.is_empty() {
        touched.iter().collect()
    } else {
        u.tables.iter().filter(|t| touched.contains(*t)).collect()
    };
    if hit.is_empty() {
        return;
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

    fn side(file: &str, line: u32) -> SideUsage {
        SideUsage {
            has_code: true,
            unknown: vec![Unknown {
                span: Some(Span {
                    file: file.into(),
                    start: 10,
                    end: 20,
                    line,
                    column: 5,
                }),
                tables: vec![],
                why: "SQL built at run time (interpolated string)".into(),
            }],
            ..SideUsage::default()
        }
    }

    #[test]
    fn unknown_usage_in_an_unchanged_file_is_reported_once() {
        let touched: BTreeSet<String> = ["users".to_string()].into();
        let (f, _) = unknown_findings(&side("old:src/db.go", 7), &side("src/db.go", 7), &touched);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&*f[0].span.file, "src/db.go");
        assert!(
            f[0].message.starts_with("old and new code src/db.go:7"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unknown_usage_moved_by_other_lines_is_reported_once_where_new_code_has_it() {
        let touched: BTreeSet<String> = ["users".to_string()].into();
        let (f, _) = unknown_findings(&side("old:src/db.go", 7), &side("src/db.go", 9), &touched);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.starts_with("old and new code src/db.go:9"));
    }

    #[test]
    fn different_unknown_usage_is_reported_for_each_side() {
        let touched: BTreeSet<String> = ["users".to_string()].into();
        let mut new = side("src/db.go", 9);
        new.unknown[0].why =
            "SQL built at run time (interpolated string; 2 such strings in this file)".into();
        let (f, _) = unknown_findings(&side("old:src/db.go", 7), &new, &touched);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.starts_with("old code old:src/db.go:7"));
        assert!(f[1].message.starts_with("new code src/db.go:9"));
        let (f, _) = unknown_findings(&side("old:src/a.go", 7), &side("src/b.go", 7), &touched);
        assert_eq!(f.len(), 2, "another file: {f:?}");
    }
}
