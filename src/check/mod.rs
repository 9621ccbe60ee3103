//! `shipgate check`: the whole pipeline for one release, by stage — load
//! (`load`: discover, parse, compare, derive, replay S0 and S1), the code
//! of both revisions (scanned here, resolved by `analysis::usage`), the
//! analysis, and the verdict (`decide`). The IO (trees, files) happens here
//! and in `source`; everything after loading is the pure analysis.

mod decide;
mod load;

pub use crate::analysis::usage::release::UsageRow;
pub use decide::Reason;
pub use load::{discover_with_engine, load_schema, parse_migration, parse_set};

use crate::analysis::stats::Stats;
use crate::analysis::usage::release::{release_usage, ReleaseCode, Side};
use crate::analysis::{self, Release, StatementReport};
use crate::code::{self, ScanConfig};
use crate::engine::{Engine, Version};
use crate::facts::facts;
use crate::migrations::MigrationSet;
use crate::schema::Schema;
use crate::source::Tree;
use crate::span::Span;
use crate::verdict::{Finding, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
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

/// What a check found: everything the reports render.
pub struct CheckReport {
    pub verdict: Verdict,
    pub engine: Engine,
    pub version: Version,
    /// The version was not given: the newest the rules know was assumed.
    pub version_assumed: bool,
    pub findings: Vec<Finding>,
    pub statements: Vec<StatementReport>,
    /// Why the verdict is what it is (worded by `report`).
    pub reasons: Vec<Reason>,
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
    pub timings: Vec<(&'static str, Duration)>,
}

/// The wall time of each stage.
pub(crate) struct Clock {
    at: Instant,
    timings: Vec<(&'static str, Duration)>,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            at: Instant::now(),
            timings: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        self.timings.push((name, self.at.elapsed()));
        self.at = Instant::now();
    }
}

pub fn run_check(
    old: &dyn Tree,
    new: &dyn Tree,
    opts: &CheckOptions,
) -> Result<CheckReport, CheckError> {
    let mut clock = Clock::start();
    let mut l = load::load(old, new, opts, &mut clock)?;
    let engine = l.engine;
    // The code: what C0 and C1 send, resolved against S0 and S1.
    let input = |e: &dyn std::fmt::Display| CheckError::Input(e.to_string());
    let (old_scan, new_scan) =
        code::scan_pair(old, new, engine, &opts.code).map_err(|e| input(&e))?;
    let log = match &opts.queries {
        Some((path, text)) => {
            l.sources.insert(path.clone(), Arc::from(text.as_str()));
            code::read_query_log(path, text, engine).map_err(|e| input(&e))?
        }
        None => Vec::new(),
    };
    clock.lap("code-scan");
    let code = release_usage(&ReleaseCode {
        engine,
        old: Side {
            scan: &old_scan,
            migrations: migration_paths(&l.old_set),
            schema: &l.before,
        },
        new: Side {
            scan: &new_scan,
            migrations: migration_paths(&l.new_set),
            schema: &l.after,
        },
        log: &log,
        migrations: &l.added,
        external_tables: &l.external,
        incomplete_before: &l.incomplete_before,
        incomplete_release: &l.incomplete_release,
        insert_values_must_match: facts(engine).insert_values_must_match,
    });
    l.findings.extend(code.findings);
    l.notes.extend(code.notes);
    clock.lap("code-usage");
    let outcome = analysis::analyse(&Release {
        engine,
        version: l.version.clone(),
        before: &l.before,
        migrations: &l.added,
        stats: opts.stats.as_ref(),
        usage: Some(&code.usage),
        incomplete: Some(&l.incomplete_before),
        after: Some(&l.after),
    });
    clock.lap("analyse");
    l.findings.extend(outcome.findings);
    excerpt_sources(old, new, &l.findings, &mut l.sources);
    let mut statements = outcome.statements;
    let (verdict, reasons) = decide::decide(&mut l.findings, &mut statements);
    clock.lap("decide");
    Ok(CheckReport {
        usage: code.rows,
        code_skipped: code.skipped,
        verdict,
        engine: l.engine,
        version: l.version,
        version_assumed: l.version_assumed,
        findings: l.findings,
        statements,
        reasons,
        notes: l.notes,
        sources: l.sources,
        before: l.before,
        after: outcome.after,
        migrations_dir: l.new_set.dir,
        new_migrations: l.added.iter().map(|m| m.path.to_string()).collect(),
        code_lines: old_scan.lines() + new_scan.lines(),
        timings: clock.timings,
    })
}

/// The paths of a set's migration files (never read as code).
fn migration_paths(set: &MigrationSet) -> BTreeSet<&str> {
    set.migrations
        .iter()
        .chain(set.schema_file.iter())
        .map(|m| m.path.as_str())
        .collect()
}

/// Code lines for the excerpts of findings on code (`old:path` from the
/// old revision).
fn excerpt_sources(
    old: &dyn Tree,
    new: &dyn Tree,
    findings: &[Finding],
    sources: &mut BTreeMap<String, Arc<str>>,
) {
    for fd in findings {
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
