//! Release-level checks on the code itself: the new code's queries against
//! the new schema (SG400, SG401), and tables the release changes whose usage
//! is unknown (SG420). Findings sit on the code line. The per-statement
//! code findings (SG410, SG411) are rules run by the analysis.

use super::compat::Side;
use super::usage::{find_table, schema_name_of, table_key, Entry, SideUsage, Source};
use crate::rules;
use crate::schema::Schema;
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

fn schema_has_table(s: &Schema, t: &str) -> bool {
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

/// SG400 and SG401: new code that the new schema rejects.
pub fn new_code_findings(
    new: &SideUsage,
    before: &Schema,
    after: &Schema,
    insert_values_must_match: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if before.tables.is_empty() && after.tables.is_empty() {
        // No schema to hold the code to (no migrations read): nothing to say.
        return out;
    }
    let created = created_by_code(new);
    for e in new.entries.iter().filter(|e| e.source == Source::Orm) {
        // An ORM model selects and inserts every field it declares.
        let r = &rules::NEW_CODE_USES_MISSING_SCHEMA;
        let Some(raw) = e.usage.tables.first() else {
            continue;
        };
        let t = table_key(raw);
        match find_table(after, raw) {
            None if !schema_has_table(after, &t) && !is_system(&t) => out.push(finding(
                r,
                e,
                format!(
                    "new code {} maps table {t} in an ORM model, which the new schema does not have",
                    at(e)
                ),
                r.instead,
            )),
            Some(table) => {
                for c in &e.usage.reads {
                    if table.column(&c.column).is_none() {
                        out.push(finding(
                            r,
                            e,
                            format!(
                                "new code {} maps {t}.{} in an ORM model, which the new schema does not have",
                                at(e),
                                c.column
                            ),
                            r.instead,
                        ));
                    }
                }
            }
            None => {}
        }
    }
    for e in new.entries.iter().filter(|e| e.source == Source::Code) {
        let u = &e.usage;
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
            out.push(finding(
                r,
                e,
                format!(
                    "new code {} {verb} table {k}, which the new schema does not have",
                    at(e)
                ),
                r.instead,
            ));
        }
        if !all_known {
            continue;
        }
        let only_table = (u.tables.len() == 1).then(|| table_key(&u.tables[0]));
        for col in &u.unresolved {
            let shown = match (&only_table, col.contains('.')) {
                (Some(t), false) => format!("{t}.{col}"),
                _ => col.clone(),
            };
            let bare = col.rsplit('.').next().unwrap_or(col);
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
            out.push(finding(
                r,
                e,
                format!(
                    "new code {} {verb} {shown}, which the new schema does not have",
                    at(e)
                ),
                r.instead,
            ));
        }
        if let Some(ins) = &u.insert {
            let k = table_key(&ins.table);
            let Some(table) = find_table(after, &ins.table) else {
                continue;
            };
            let r = &rules::NEW_CODE_INSERT_REJECTED;
            match &ins.columns {
                Some(cols) => {
                    for c in table.columns.iter().filter(|c| c.required_on_insert()) {
                        if !cols.iter().any(|x| x.eq_ignore_ascii_case(&c.name)) {
                            out.push(finding(
                                r,
                                e,
                                format!(
                                    "new code {} inserts into {k} without {}, which is NOT NULL without a default in the new schema",
                                    at(e),
                                    c.name
                                ),
                                r.instead,
                            ));
                        }
                    }
                }
                None => {
                    let Some(n) = ins.values_per_row else {
                        continue;
                    };
                    let total = table.columns.len();
                    let msg = if n > total || (insert_values_must_match && n != total) {
                        Some(format!(
                            "new code {} inserts {n} value(s) per row into {k} by position, but the new schema gives it {total} column(s)",
                            at(e)
                        ))
                    } else {
                        table.columns[n.min(total)..]
                            .iter()
                            .find(|c| c.required_on_insert())
                            .map(|c| {
                                format!(
                                    "new code {} inserts {n} value(s) per row into {k} by position, leaving out {}, which is NOT NULL without a default in the new schema",
                                    at(e),
                                    c.name
                                )
                            })
                    };
                    if let Some(m) = msg {
                        out.push(finding(r, e, m, r.instead));
                    }
                }
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
