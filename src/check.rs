//! `shipgate check`: the whole pipeline for one release — read both
//! revisions, discover and parse their migrations, replay the old history
//! into S0, find the new and the edited migrations, analyse the new ones and
//! decide the verdict. The IO (trees, files) happens here and in `source`;
//! everything after loading is the pure analysis.

use crate::analysis::code_checks;
use crate::analysis::incomplete::Incomplete;
use crate::analysis::stats::Stats;
use crate::analysis::usage::{shown_name, table_key, CodeUsage, SideUsage};
use crate::analysis::{self, MigrationInput, Release, StatementReport};
use crate::code::{self, ScanConfig};
use crate::engine::{Engine, Version};
use crate::facts::facts;
use crate::migrations::{self, compare, detect_engine, Migration, MigrationSet, TxMode};
use crate::rules;
use crate::schema::Schema;
use crate::source::Tree;
use crate::span::{LineIndex, Span};
use crate::sql::ir::Statement;
use crate::sql::lower::Lowering;
use crate::sql::parse::parse_script;
use crate::verdict::{Finding, Severity, Verdict};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

/// Errors that stop a check: bad input (exit 2).
#[derive(Debug, Error)]
pub enum CheckError {
    #[error("{0}")]
    Input(String),
}

#[derive(Default)]
pub struct CheckOptions {
    pub engine: Option<Engine>,
    pub version: Option<Version>,
    pub migrations: Option<String>,
    pub stats: Option<Stats>,
    /// Which code files to read (`[code]` in shipgate.toml).
    pub code: ScanConfig,
    /// A captured query log (`--queries FILE`): (path, text), the observed
    /// SQL of the old (running) version.
    pub queries: Option<(String, String)>,
    /// Tables the migrations do not create (`external_tables` in
    /// shipgate.toml): treated as existing, shape unknown.
    pub external_tables: Vec<String>,
}

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

/// What a check found: everything the reports render.
pub struct CheckReport {
    pub verdict: Verdict,
    pub engine: Engine,
    pub version: Version,
    /// The version was not given: the newest the rules know was assumed.
    pub version_assumed: bool,
    pub findings: Vec<Finding>,
    pub statements: Vec<StatementReport>,
    pub reasons: Vec<String>,
    pub notes: Vec<String>,
    /// File texts by repository-relative path, for source excerpts.
    pub sources: BTreeMap<String, Arc<str>>,
    pub before: Schema,
    pub after: Schema,
    pub migrations_dir: String,
    pub new_migrations: Vec<String>,
    /// What the code of each revision sends, sorted (empty without code).
    pub usage: Vec<UsageRow>,
    /// Lines of code scanned (old + new revision, files counted once each).
    pub code_lines: usize,
    /// Code files left out because their SQL is for another database:
    /// (side, reason, files).
    pub code_skipped: Vec<(&'static str, String, usize)>,
    /// Wall time of each stage, for benchmarks (never printed in reports).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Parses one migration's up part.
pub fn parse_migration(m: &Migration, engine: Engine) -> Vec<Statement> {
    let low = Lowering {
        engine,
        volatile_functions: &facts(engine).volatile_functions,
    };
    let file: Arc<str> = Arc::from(m.path.as_str());
    parse_script(&file, &m.text, m.up.clone(), &low)
}

/// Parses every migration of a set, in parallel, in replay order.
pub fn parse_set(set: &MigrationSet, engine: Engine) -> Vec<Vec<Statement>> {
    set.migrations
        .par_iter()
        .chain(set.schema_file.par_iter())
        .map(|m| parse_migration(m, engine))
        .collect()
}

/// Discovers migrations with the engine known, or detects it first.
pub fn discover_with_engine(
    tree: &dyn Tree,
    engine: Option<Engine>,
    dir: Option<&str>,
) -> Result<(MigrationSet, Engine, Option<String>), CheckError> {
    let input = |e: migrations::DiscoverError| CheckError::Input(e.to_string());
    match engine {
        Some(e) => Ok((
            migrations::discover(tree, Some(e), dir).map_err(input)?,
            e,
            None,
        )),
        None => {
            let set = migrations::discover(tree, None, dir).map_err(input)?;
            match detect_engine(&set) {
                Some((e, why)) => {
                    let set = if set.dialects.is_empty() {
                        set
                    } else {
                        migrations::discover(tree, Some(e), dir).map_err(input)?
                    };
                    Ok((set, e, Some(why)))
                }
                None => Err(CheckError::Input(format!(
                    "{}: cannot tell which engine the migrations in '{}' are written for; pass --engine postgres|mysql|mariadb|sqlite or set engine in shipgate.toml",
                    tree.label(),
                    set.dir
                ))),
            }
        }
    }
}

/// Replays one revision into its schema (for `shipgate schema`).
pub fn load_schema(
    tree: &dyn Tree,
    engine: Option<Engine>,
    dir: Option<&str>,
) -> Result<(Schema, Engine), CheckError> {
    let (set, engine, _) = discover_with_engine(tree, engine, dir)?;
    let parsed = parse_set(&set, engine);
    let (schema, _) = analysis::replay_history(parsed.iter().flatten(), engine);
    Ok((schema, engine))
}

pub fn run_check(
    old: &dyn Tree,
    new: &dyn Tree,
    opts: &CheckOptions,
) -> Result<CheckReport, CheckError> {
    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, std::time::Duration)>| {
        timings.push((name, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let dir = opts.migrations.as_deref();
    // With the engine known, both revisions are discovered at once.
    let (new_found, old_found) = match opts.engine {
        Some(e) => {
            let (n, o) = rayon::join(
                || discover_with_engine(new, Some(e), dir),
                || migrations::discover(old, Some(e), dir),
            );
            (n, Some(o))
        }
        None => (discover_with_engine(new, None, dir), None),
    };
    let (new_set, engine, detected) = new_found?;
    let old_found = match old_found {
        Some(o) => o,
        None => migrations::discover(old, Some(engine), dir),
    };
    let old_set = match old_found {
        Ok(set) => set,
        // A first release: the old revision has no migrations yet.
        Err(migrations::DiscoverError::NotFound { .. }) => MigrationSet {
            layout: new_set.layout,
            dir: new_set.dir.clone(),
            migrations: Vec::new(),
            schema_file: None,
            notes: Vec::new(),
            engine_hint: None,
            dialects: Default::default(),
            not_read: Vec::new(),
        },
        Err(e) => return Err(CheckError::Input(e.to_string())),
    };
    let f = facts(engine);
    let (version, version_assumed) = match &opts.version {
        Some(v) => (v.clone(), false),
        None => (f.newest(), true),
    };
    let mut notes = Vec::new();
    if let Some(why) = detected {
        notes.push(format!("engine {engine} detected: {why}"));
    }
    if version_assumed {
        notes.push(format!(
            "assuming {engine} {version}, the newest version the rules know; pass --engine-version to check against the version production runs"
        ));
    }
    notes.extend(new_set.notes.iter().cloned());
    lap("discover", &mut timings);

    // Parse: files identical in both revisions are parsed once.
    let old_parsed = parse_set(&old_set, engine);
    let old_by_path: BTreeMap<(&str, &str), usize> = old_set
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.path.as_str(), m.up_text()), i))
        .collect();
    let mut changes = compare(&old_set, &new_set);
    // A first release described by a schema file: everything in it is new.
    if let (Some(schema), None, true) = (
        &new_set.schema_file,
        &old_set.schema_file,
        old_set.migrations.is_empty(),
    ) {
        changes.added.push(schema);
    }
    lap("parse", &mut timings);
    // S0, and the statements it could not model (an incomplete schema
    // never blocks on what they may have created).
    let mut before = Schema::default();
    let mut old_errors = Vec::new();
    let mut incomplete_before = Incomplete::default();
    for s in old_parsed.iter().flatten() {
        let errors = crate::schema::replay_statement(&mut before, s, engine);
        incomplete_before.add(s, !errors.is_empty());
        old_errors.extend(errors.into_iter().map(|e| (s.span.clone(), e)));
    }
    let external: Vec<String> = opts.external_tables.iter().map(|t| table_key(t)).collect();
    if let Some(n) = replay_note("the released history", "before", &old_errors) {
        notes.push(n);
    }
    if !incomplete_before.is_empty() {
        notes.push(format!(
            "the released history has statements shipgate does not model: {}; what they may create or change is not in the schema before the release, and findings that need it absent are warnings, not blocks",
            incomplete_before.describe()
        ));
    }
    // After the note: discovery already noted the files it did not read,
    // and declared tables are no gap of the history.
    for (path, text) in &old_set.not_read {
        incomplete_before.add_unread(path, text);
    }
    incomplete_before.add_external(&external);

    lap("replay", &mut timings);
    let mut sources: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let added: Vec<MigrationInput> = changes
        .added
        .par_iter()
        .map(|m| {
            let statements = match old_by_path.get(&(m.path.as_str(), m.up_text())) {
                Some(&i) => old_parsed[i].clone(),
                None => parse_migration(m, engine),
            };
            MigrationInput {
                path: Arc::from(m.path.as_str()),
                statements,
                wrapped: m.transaction == TxMode::Wrapped,
            }
        })
        .collect();
    for m in &changes.added {
        sources.insert(m.path.clone(), m.text.clone());
    }
    let mut added = added;
    // Statements of the new schema file the replay could not model, and
    // new migrations it does not read.
    let mut incomplete_new = Incomplete::default();
    for (path, text) in &new_set.not_read {
        if !old_set.not_read.iter().any(|(p, _)| p == path) {
            incomplete_new.add_unread(path, text);
        }
    }
    if let Some((derived, text)) = derived_migration(
        &old_set,
        &new_set,
        &before,
        engine,
        &mut notes,
        &mut incomplete_new,
    ) {
        notes.push(format!(
            "{} changed: the migration was derived from the difference of the two schemas (a rename shows as a drop and an add)",
            new_set.schema_file.as_ref().map(|m| m.path.as_str()).unwrap_or("the schema file")
        ));
        sources.insert(derived.path.to_string(), text);
        added.push(derived);
    }

    let mut findings = Vec::new();
    for (old_m, new_m) in &changes.edited {
        sources.insert(new_m.path.clone(), new_m.text.clone());
        let r = &rules::RELEASED_MIGRATION_EDITED;
        let index = LineIndex::new(&new_m.text);
        let span = index.span(
            &new_m.text,
            &Arc::from(new_m.path.as_str()),
            new_m.up.start,
            new_m.up.start,
        );
        let was = if old_m.path == new_m.path {
            String::new()
        } else {
            format!(" (released as {})", old_m.path)
        };
        findings.push(Finding {
            rule: r.id,
            name: r.name,
            severity: Severity::Error,
            class: Verdict::Blocked,
            span,
            message: format!(
                "migration {} was already released{was} and its text changed: databases that ran it will never run the new text",
                new_m.id
            ),
            help: r.instead.to_string(),
        });
    }
    for m in &changes.removed {
        notes.push(format!(
            "released migration {} is gone from the new revision",
            m.path
        ));
    }

    // The code: what C0 and C1 send, resolved against S0 and S1.
    let mut after = before.clone();
    let mut incomplete_release = incomplete_new;
    for m in &added {
        for s in &m.statements {
            // A failure here is an SG001 finding of the analysis, not a gap
            // of the model: a statement that failed for a missing object
            // cannot have created it.
            crate::schema::replay_statement(&mut after, s, engine);
            incomplete_release.add(s, false);
        }
    }
    let (old_scan, new_scan) = code::scan_pair(old, new, engine, &opts.code)
        .map_err(|e| CheckError::Input(e.to_string()))?;
    let log = match &opts.queries {
        Some((path, text)) => {
            sources.insert(path.clone(), Arc::from(text.as_str()));
            code::read_query_log(path, text, engine)
                .map_err(|e| CheckError::Input(e.to_string()))?
        }
        None => Vec::new(),
    };
    let code_lines = old_scan.lines() + new_scan.lines();
    lap("code-scan", &mut timings);
    let old_migrations: std::collections::BTreeSet<&str> = old_set
        .migrations
        .iter()
        .chain(old_set.schema_file.iter())
        .map(|m| m.path.as_str())
        .collect();
    let new_migrations: std::collections::BTreeSet<&str> = new_set
        .migrations
        .iter()
        .chain(new_set.schema_file.iter())
        .map(|m| m.path.as_str())
        .collect();
    let mut old_side = SideUsage::build(&old_scan, &log, &before, &|p| old_migrations.contains(p));
    let new_side = SideUsage::build(&new_scan, &[], &after, &|p| new_migrations.contains(p));
    // Old code in a file the new revision changed is shown as `old:path`, so
    // its excerpt comes from the old text.
    let changed: std::collections::BTreeSet<String> = old_scan
        .files
        .iter()
        .filter(|(p, f)| {
            new_scan
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
    let mut code_skipped = Vec::new();
    for (side, which, schema) in [(&old_side, "old", "before"), (&new_side, "new", "after")] {
        for (why, n) in &side.skipped {
            code_skipped.push((which, why.clone(), *n));
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
    let touched = code_checks::touched_tables(
        added
            .iter()
            .flat_map(|m| m.statements.iter())
            .flat_map(|s| s.ops.iter()),
    );
    let touched: std::collections::BTreeSet<String> = touched
        .into_iter()
        .filter(|t| crate::analysis::usage::find_table(&before, t).is_some())
        .collect();
    let (unknown, unread) = code_checks::unknown_findings(&old_side, &new_side, &touched);
    findings.extend(unknown);
    notes.extend(unread);
    let mut incomplete = incomplete_before.clone();
    incomplete.extend(incomplete_release.clone());
    findings.extend(code_checks::new_code_findings(
        &new_side,
        &code_checks::Baseline {
            old: &old_side,
            before: &before,
            external_tables: &external,
            incomplete: &incomplete,
            incomplete_release: &incomplete_release,
        },
        &after,
        f.insert_values_must_match,
    ));
    let usage_rows = usage_rows(&old_side, &new_side);
    let code_usage = CodeUsage {
        old: old_side,
        new: new_side,
        before: &before,
        after: &after,
        insert_values_must_match: f.insert_values_must_match,
    };
    lap("code-usage", &mut timings);

    let outcome = analysis::analyse(&Release {
        engine,
        version: version.clone(),
        before: &before,
        migrations: &added,
        stats: opts.stats.as_ref(),
        usage: Some(&code_usage),
        incomplete: Some(&incomplete_before),
    });
    lap("analyse", &mut timings);
    findings.extend(outcome.findings);
    // Code lines for the excerpts of findings on code.
    for fd in &findings {
        let file = &*fd.span.file;
        if sources.contains_key(file) {
            continue;
        }
        let text = match file.strip_prefix("old:") {
            Some(p) => old.read_text(p).ok(),
            None => new.read_text(file).or_else(|_| old.read_text(file)).ok(),
        };
        if let Some(t) = text {
            sources.insert(file.to_string(), Arc::from(t.as_str()));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let verdict = findings
        .iter()
        .map(|f| f.class)
        .max()
        .unwrap_or(Verdict::ZeroDowntime);
    let mut statements = outcome.statements;
    if verdict == Verdict::MaintenanceWindow {
        // The plan stops every version and runs the migrations in their
        // order: no statement runs before or after a rolling deploy.
        for s in &mut statements {
            s.phase = analysis::Phase::Maintenance;
        }
    }
    let reasons = reasons(verdict, &findings, &statements);
    Ok(CheckReport {
        verdict,
        engine,
        version,
        version_assumed,
        findings,
        statements,
        reasons,
        notes,
        sources,
        before,
        after: outcome.after,
        migrations_dir: new_set.dir.clone(),
        new_migrations: added.iter().map(|m| m.path.to_string()).collect(),
        usage: usage_rows,
        code_lines,
        code_skipped,
        timings,
    })
}

/// When both revisions describe the schema with a declarative file (no
/// migrations), the release's migration is the DDL between the two schemas.
fn derived_migration(
    old_set: &MigrationSet,
    new_set: &MigrationSet,
    before: &Schema,
    engine: Engine,
    notes: &mut Vec<String>,
    incomplete: &mut Incomplete,
) -> Option<(MigrationInput, Arc<str>)> {
    let (Some(old_file), Some(new_file)) = (&old_set.schema_file, &new_set.schema_file) else {
        return None;
    };
    if !new_set.migrations.is_empty() || old_file.up_text() == new_file.up_text() {
        return None;
    }
    let statements = parse_migration(new_file, engine);
    let (after, errors) = analysis::replay_history(statements.iter(), engine);
    for s in &statements {
        incomplete.add(s, errors.iter().any(|(span, _)| *span == s.span));
    }
    if let Some(n) = replay_note(&new_file.path, "after", &errors) {
        notes.push(n);
    }
    let text: Arc<str> = Arc::from(crate::schema::derive::derive(before, &after, engine));
    if text.is_empty() {
        return None;
    }
    let path: Arc<str> = Arc::from(format!("{} (derived)", new_file.path).as_str());
    let low = Lowering {
        engine,
        volatile_functions: &facts(engine).volatile_functions,
    };
    let statements = parse_script(&path, &text, 0..text.len(), &low);
    Some((
        MigrationInput {
            path,
            statements,
            wrapped: false,
        },
        text,
    ))
}

/// The note for a replay that reported problems.
fn replay_note(
    what: &str,
    side: &str,
    errors: &[(Span, crate::schema::ReplayError)],
) -> Option<String> {
    let (span, e) = errors.first()?;
    Some(format!(
        "{what} does not replay cleanly ({} problem(s); first at {}:{}: {e}); the schema {side} the release may be incomplete",
        errors.len(),
        span.file,
        span.line
    ))
}

/// The usage rows of both sides, sorted by file, line and side.
fn usage_rows(old: &SideUsage, new: &SideUsage) -> Vec<UsageRow> {
    let mut rows: Vec<UsageRow> = Vec::new();
    for (side, name) in [(old, "old"), (new, "new")] {
        for e in &side.entries {
            let cols = |v: &[code::ColumnRef]| {
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

/// Why the release got its verdict: the findings of the verdict's class.
fn reasons(verdict: Verdict, findings: &[Finding], statements: &[StatementReport]) -> Vec<String> {
    if verdict == Verdict::ZeroDowntime {
        let rewrites = statements.iter().filter(|s| s.rewrite.is_some()).count();
        let post = statements
            .iter()
            .filter(|s| s.phase == analysis::Phase::PostDeploy)
            .count();
        let mut r = vec![if statements.is_empty() {
            "the release adds no migrations".to_string()
        } else {
            match statements.len() {
                1 => "the new statement runs online while old and new code both work".to_string(),
                n => format!("all {n} new statements run online while old and new code both work"),
            }
        }];
        if rewrites > 0 {
            r.push(format!(
                "{} as {} lock-safe rewrite",
                count(rewrites, "statement runs", "statements run"),
                if rewrites == 1 { "its" } else { "their" }
            ));
        }
        if post > 0 {
            r.push(format!(
                "{} after the deploy, once old code is gone",
                count(post, "statement runs", "statements run")
            ));
        }
        return r;
    }
    let mut seen = Vec::new();
    for f in findings.iter().filter(|f| f.class == verdict) {
        let line = format!("{}:{}: {}", f.span.file, f.span.line, f.message);
        if !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen
}

/// `1 statement runs` / `3 statements run`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The span of a file's first byte (for findings about a file as a whole).
pub fn file_span(path: &str) -> Span {
    Span::file_start(Arc::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DirTree;

    #[test]
    fn a_first_release_described_by_a_schema_file_is_analysed() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        std::fs::create_dir_all(&old).unwrap();
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(old.join("README.md"), "no database yet\n").unwrap();
        std::fs::write(
            new.join("schema.sql"),
            "CREATE TABLE a (id int PRIMARY KEY, b text);\nCREATE INDEX a_b_idx ON a (b);\n",
        )
        .unwrap();
        let opts = CheckOptions {
            engine: Some(Engine::Postgres),
            version: None,
            migrations: None,
            stats: None,
            ..Default::default()
        };
        let report = run_check(
            &DirTree::open(&old).unwrap(),
            &DirTree::open(&new).unwrap(),
            &opts,
        )
        .unwrap();
        assert_eq!(report.statements.len(), 2);
        assert_eq!(report.new_migrations, vec!["schema.sql".to_string()]);
        assert_eq!(report.verdict, Verdict::ZeroDowntime);
    }

    #[test]
    fn a_new_schema_file_that_does_not_replay_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        std::fs::create_dir_all(&old).unwrap();
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            old.join("schema.sql"),
            "CREATE TABLE a (id int PRIMARY KEY);\n",
        )
        .unwrap();
        std::fs::write(
            new.join("schema.sql"),
            "CREATE TABLE a (id int PRIMARY KEY, b text);\nALTER TABLE gone ADD COLUMN c int;\n",
        )
        .unwrap();
        let opts = CheckOptions {
            engine: Some(Engine::Postgres),
            ..Default::default()
        };
        let report = run_check(
            &DirTree::open(&old).unwrap(),
            &DirTree::open(&new).unwrap(),
            &opts,
        )
        .unwrap();
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.starts_with("schema.sql does not replay cleanly")
                    && n.contains("table gone does not exist")
                    && n.contains("the schema after the release may be incomplete")),
            "{:?}",
            report.notes
        );
    }

    #[test]
    fn a_maintenance_window_runs_every_statement_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        for d in [&old, &new] {
            std::fs::create_dir_all(d.join("migrations")).unwrap();
            std::fs::write(
                d.join("migrations/001_a.sql"),
                "CREATE TABLE a (id integer PRIMARY KEY, b text);\n",
            )
            .unwrap();
        }
        std::fs::write(
            new.join("migrations/002_b.sql"),
            "ALTER TABLE a ADD COLUMN c text;\nALTER TABLE a DROP COLUMN b;\nCREATE INDEX a_c_idx ON a (c);\n",
        )
        .unwrap();
        let opts = CheckOptions {
            engine: Some(Engine::Sqlite),
            version: None,
            migrations: None,
            stats: None,
            ..Default::default()
        };
        let report = run_check(
            &DirTree::open(&old).unwrap(),
            &DirTree::open(&new).unwrap(),
            &opts,
        )
        .unwrap();
        assert_eq!(report.verdict, Verdict::MaintenanceWindow);
        assert!(report
            .statements
            .iter()
            .all(|s| s.phase == analysis::Phase::Maintenance));
    }
}
