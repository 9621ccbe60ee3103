//! The code usage of one release: what the code of each revision sends,
//! resolved against its side's schema (old code C0 against S0, new code C1
//! against S1, a `--queries` log on the old side), the findings and notes
//! it yields (SG400, SG401, SG420), and the rows the JSON report lists.

use super::{find_table, shown_name, CodeUsage, SideUsage};
use crate::analysis::code_checks;
use crate::analysis::incomplete::Incomplete;
use crate::analysis::MigrationInput;
use crate::code::{CodeQuery, ScanResult};
use crate::engine::Engine;
use crate::schema::Schema;
use crate::sql::resolve;
use crate::verdict::Finding;
use std::collections::BTreeSet;
use std::sync::Arc;

/// One statement the code of a revision sends (or an ORM declaration), as
/// the JSON report lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsageRow {
    pub file: String,
    pub line: u32,
    pub side: &'static str,
    pub tables: Vec<String>,
    /// `table.column`
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

/// What one side of the release brings: its code scan, the migration
/// files of its revision (never read as code) and its schema.
pub struct Side<'a> {
    pub scan: &'a ScanResult,
    pub migrations: BTreeSet<&'a str>,
    pub schema: &'a Schema,
}

/// The release the code is checked against.
pub struct ReleaseCode<'a> {
    pub engine: Engine,
    pub old: Side<'a>,
    pub new: Side<'a>,
    /// The observed SQL of the old (running) version.
    pub log: &'a [CodeQuery],
    pub migrations: &'a [MigrationInput],
    pub external_tables: &'a [String],
    /// What the released history's replay could not model, and what the
    /// release's could not.
    pub incomplete_before: &'a Incomplete,
    pub incomplete_release: &'a Incomplete,
    pub insert_values_must_match: bool,
}

/// The code usage of a release and what it found.
pub struct ReleaseUsage<'a> {
    pub usage: CodeUsage<'a>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub rows: Vec<UsageRow>,
    /// Code files left out because their SQL is for another database:
    /// (side, reason, files).
    pub skipped: Vec<(&'static str, String, usize)>,
}

/// Resolves both revisions' code and checks the new code against S1.
pub fn release_usage<'a>(c: &ReleaseCode<'a>) -> ReleaseUsage<'a> {
    let (before, after) = (c.old.schema, c.new.schema);
    let mut old_side =
        SideUsage::build(c.old.scan, c.log, before, &|p| c.old.migrations.contains(p));
    let new_side = SideUsage::build(c.new.scan, &[], after, &|p| c.new.migrations.contains(p));
    // Old code in a file the new revision changed is shown as `old:path`, so
    // its excerpt comes from the old text.
    let changed: BTreeSet<String> = c
        .old
        .scan
        .files
        .iter()
        .filter(|(p, f)| {
            c.new
                .scan
                .files
                .iter()
                .find(|(q, _)| q == p)
                .is_some_and(|(_, g)| !Arc::ptr_eq(f, g))
        })
        .map(|(p, _)| p.clone())
        .collect();
    if !changed.is_empty() {
        old_side.relabel(&|p| changed.contains(p).then(|| format!("old:{p}")));
    }
    let mut notes = Vec::new();
    let skipped = skipped_notes(c.engine, &old_side, &new_side, &mut notes);
    let touched: BTreeSet<String> = code_checks::touched_tables(
        c.migrations
            .iter()
            .flat_map(|m| m.statements.iter())
            .flat_map(|s| s.ops.iter()),
    )
    .into_iter()
    .filter(|t| find_table(before, t).is_some())
    .collect();
    let (mut findings, unread) = code_checks::unknown_findings(&old_side, &new_side, &touched);
    notes.extend(unread);
    let mut incomplete = c.incomplete_before.clone();
    incomplete.extend(c.incomplete_release.clone());
    findings.extend(code_checks::new_code_findings(
        &new_side,
        &code_checks::Baseline {
            old: &old_side,
            before,
            external_tables: c.external_tables,
            incomplete: &incomplete,
            incomplete_release: c.incomplete_release,
        },
        after,
        c.insert_values_must_match,
    ));
    let rows = usage_rows(&old_side, &new_side);
    ReleaseUsage {
        usage: CodeUsage {
            old: old_side,
            new: new_side,
            before,
            after,
            insert_values_must_match: c.insert_values_must_match,
        },
        findings,
        notes,
        rows,
        skipped,
    }
}

/// The notes on code files left out and on revisions without code; the
/// files left out per side and reason.
fn skipped_notes(
    engine: Engine,
    old: &SideUsage,
    new: &SideUsage,
    notes: &mut Vec<String>,
) -> Vec<(&'static str, String, usize)> {
    let mut skipped = Vec::new();
    for (side, which, schema) in [(old, "old", "before"), (new, "new", "after")] {
        for (why, n) in &side.skipped {
            skipped.push((which, why.clone(), *n));
        }
        if !side.skipped.is_empty() {
            let total: usize = side.skipped.values().sum();
            let list = side
                .skipped
                .iter()
                .map(|(w, n)| format!("{w}: {n}"))
                .collect::<Vec<_>>()
                .join("; ");
            notes.push(format!(
                "the {which} revision has {total} code file(s) written for another database than {engine}, not resolved against its schema ({list})"
            ));
        }
        if !side.has_code {
            notes.push(format!(
                "the {which} revision has no code shipgate reads: assuming its code uses every table and column of the schema {schema} the release"
            ));
        }
    }
    skipped
}

/// The usage rows of both sides, sorted by file, line and side.
fn usage_rows(old: &SideUsage, new: &SideUsage) -> Vec<UsageRow> {
    let mut rows: Vec<UsageRow> = Vec::new();
    for (side, name) in [(old, "old"), (new, "new")] {
        for e in &side.entries {
            let cols = |v: &[resolve::ColumnRef]| {
                let mut c: Vec<String> = v
                    .iter()
                    .map(|c| format!("{}.{}", shown_name(&c.table), c.column))
                    .collect();
                c.sort();
                c.dedup();
                c
            };
            let mut tables: Vec<String> = e.usage.tables.iter().map(|t| shown_name(t)).collect();
            tables.sort();
            tables.dedup();
            rows.push(UsageRow {
                file: e.span.file.to_string(),
                line: e.span.line,
                side: name,
                tables,
                reads: cols(&e.usage.reads),
                writes: cols(&e.usage.writes),
            });
        }
    }
    rows.sort();
    rows.dedup();
    rows
}
