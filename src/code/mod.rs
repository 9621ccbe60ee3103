//! The SQL application code sends, found in the source of one revision.
//!
//! [`scan`] walks the files of a [`Tree`] that the file filter keeps, and
//! for each one runs [`scan_file`]: a tree-sitter parse with the language's
//! grammar, string expressions evaluated (escapes, concatenation, constants),
//! and those that parse as statements of the engine kept as [`CodeQuery`].
//! Strings that look like SQL but are built at run time become
//! [`DynamicSql`] (the tables they touch have *unknown* usage). ORM model
//! declarations become [`OrmUsage`]. [`query_log::read_query_log`] reads a
//! captured query log into the same [`CodeQuery`] shape. What a statement
//! reads and writes against a schema is SQL semantics, not scanning:
//! `sql::resolve`, called by `analysis::usage`.
//!
//! Invariants: no IO besides reading the tree; never panics on any input
//! (a file that does not parse yields what tree-sitter's error recovery
//! leaves); results are sorted by file and offset, so output is deterministic.

pub mod builders;
pub mod extract;
pub mod languages;
pub mod literal;
pub mod markers;
pub mod orm;
pub mod placeholders;
pub mod query_log;
pub mod select;
pub mod sql_detect;
pub mod sql_files;
pub mod sqlc_config;

pub use languages::Language;
pub use orm::{Orm, OrmUsage};
pub use query_log::{read_query_log, QueryLogError};
pub use select::SelectError;

use crate::engine::Engine;
use crate::source::Tree;
use crate::span::{LineIndex, Span};
use once_cell::sync::Lazy;
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};
use sqlparser::ast::Statement;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The `[code]` table of `shipgate.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanConfig {
    /// When non-empty, only files matching one of these globs are scanned
    /// (a match here also overrides the default skips).
    pub include: Vec<String>,
    /// Files matching one of these globs are never scanned.
    pub exclude: Vec<String>,
    /// Skip tests, vendored, generated and migration folders (default true).
    pub default_skips: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            include: Vec::new(),
            exclude: Vec::new(),
            default_skips: true,
        }
    }
}

/// One SQL query found in code (or in a query log).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeQuery {
    /// Where the literal (or the concatenation) starts.
    pub span: Span,
    /// The SQL as the code sends it (escapes decoded, parts joined).
    pub sql: String,
    pub language: Language,
    /// The statements it parses to, parameters normalised for the engine.
    pub statements: Vec<Statement>,
    /// The text abbreviates value lists (`(...)` in MySQL digests): the
    /// number of values per row of an INSERT is unknown.
    pub elided_values: bool,
}

/// A string that looks like SQL but whose text is only known at run time,
/// or that the engine's parser does not read: usage of the tables it
/// mentions is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DynamicSql {
    pub span: Span,
    pub language: Language,
    /// The known text, with `…` where a run-time part goes.
    pub text: String,
    /// Best effort: names after FROM / JOIN / INTO / UPDATE, lower-cased.
    pub tables_mentioned: Vec<String>,
    /// Why shipgate cannot read it ("interpolated string", "does not parse: …").
    pub reason: String,
}

/// Everything found in one file. Depends only on the path and the content,
/// so it is cached by content id across revisions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileScan {
    pub queries: Vec<CodeQuery>,
    pub dynamic: Vec<DynamicSql>,
    pub orm: Vec<OrmUsage>,
    /// Query builders and run-time ORMs the file uses.
    pub builders: Vec<builders::BuilderUse>,
    /// Go: squirrel/goqu-shaped calls in a file that does not import the
    /// library (it may use a builder its package declares elsewhere).
    pub package_builder_calls: Option<builders::BuilderUse>,
    /// Why this file's SQL is for another database than the one checked
    /// (then it holds no queries): "Cassandra/ScyllaDB (CQL) code (it uses …)".
    pub foreign: Option<String>,
    /// The file speaks to this engine and to another database (what the
    /// other is): a query the schema does not explain may be for the other.
    pub mixed: Option<String>,
    pub lines: usize,
}

/// The result of scanning one revision.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Scanned files in path order.
    pub files: Vec<(String, Arc<FileScan>)>,
    /// Files that could not be read (message names the file); the scan
    /// continues without them.
    pub errors: Vec<String>,
}

impl ScanResult {
    pub fn queries(&self) -> impl Iterator<Item = &CodeQuery> {
        self.files.iter().flat_map(|(_, f)| f.queries.iter())
    }
    pub fn dynamic(&self) -> impl Iterator<Item = &DynamicSql> {
        self.files.iter().flat_map(|(_, f)| f.dynamic.iter())
    }
    pub fn orm(&self) -> impl Iterator<Item = &OrmUsage> {
        self.files.iter().flat_map(|(_, f)| f.orm.iter())
    }
    pub fn lines(&self) -> usize {
        self.files.iter().map(|(_, f)| f.lines).sum()
    }
}

/// Per-file results keyed by (path, content id, engine): share one cache
/// between the scans of the old and the new revision so files identical in
/// both are analysed once.
#[derive(Default)]
pub struct ScanCache {
    map: Mutex<HashMap<(String, String, Engine), Arc<FileScan>>>,
}

impl ScanCache {
    pub fn new() -> Self {
        Self::default()
    }
    /// How many distinct file analyses the cache holds.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Scans every selected file of `tree` (in parallel).
pub fn scan(tree: &dyn Tree, engine: Engine, cfg: &ScanConfig) -> Result<ScanResult, SelectError> {
    scan_cached(tree, engine, cfg, &ScanCache::new())
}

/// [`scan`] with a cache shared between revisions.
pub fn scan_cached(
    tree: &dyn Tree,
    engine: Engine,
    cfg: &ScanConfig,
    cache: &ScanCache,
) -> Result<ScanResult, SelectError> {
    let filter = select::FileFilter::new(tree, cfg)?;
    let wanted: Vec<&String> = tree
        .files()
        .iter()
        .filter(|p| is_scannable(p) && filter.wants(p))
        .collect();
    let results: Vec<Result<(String, Arc<FileScan>), String>> = wanted
        .par_iter()
        .map(|path| {
            let key = tree
                .content_id(path)
                .map(|id| (path.to_string(), id, engine));
            if let Some(k) = &key {
                if let Some(hit) = cache.map.lock().ok().and_then(|m| m.get(k).cloned()) {
                    return Ok((path.to_string(), hit));
                }
            }
            let text = tree.read_text(path).map_err(|e| e.to_string())?;
            let fs = Arc::new(scan_file(path, &text, engine));
            if let (Some(k), Ok(mut m)) = (key, cache.map.lock()) {
                m.insert(k, fs.clone());
            }
            Ok((path.to_string(), fs))
        })
        .collect();
    let sqlc: Vec<sqlc_config::QueriesFor> = tree
        .files()
        .iter()
        .filter(|p| sqlc_config::is_config(p))
        .filter_map(|p| tree.read_text(p).ok().map(|t| sqlc_config::read(p, &t)))
        .flatten()
        .collect();
    let mut out = ScanResult::default();
    for r in results {
        match r {
            Ok((path, fs)) => {
                let other = sqlc_config::covering(&sqlc, &path).filter(|q| !q.store.is(engine));
                match other {
                    Some(q) if fs.foreign.is_none() => {
                        let why = format!("{} code (by `engine:` in {})", q.store.name(), q.config);
                        let fs = FileScan {
                            foreign: Some(why),
                            lines: fs.lines,
                            ..FileScan::default()
                        };
                        out.files.push((path, Arc::new(fs)));
                    }
                    _ => out.files.push((path, fs)),
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    Ok(out)
}

/// Scans the old and the new revision with one shared cache, so files
/// identical in both are analysed once. Returns (old, new).
pub fn scan_pair(
    old: &dyn Tree,
    new: &dyn Tree,
    engine: Engine,
    cfg: &ScanConfig,
) -> Result<(ScanResult, ScanResult), SelectError> {
    let cache = ScanCache::new();
    Ok((
        scan_cached(old, engine, cfg, &cache)?,
        scan_cached(new, engine, cfg, &cache)?,
    ))
}

/// Whether shipgate reads this kind of file at all.
pub fn is_scannable(path: &str) -> bool {
    languages::for_path(path).is_some()
        || path.ends_with(".sql")
        || path.ends_with(".prisma")
        || path.ends_with("schema.rb")
}

/// A cheap look at the whole file: does a string (after a quote, or on
/// the line after a heredoc opener) start like a statement that touches a
/// table (`SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`, `DELETE FROM`,
/// `WITH x AS`, …), or is there an ORM declaration? Files without a hit are
/// not parsed at all. Table-free statements (`SELECT 1`) in such files are
/// not looked for: they carry no usage.
static HINT_START: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r#"(?i)(?:["'`]|%[qQ]?[(\[{<|]|<<<?[~-]?['"]?\w+['"]?[^\n]*\n)(?:\s|\\[nrt]|\(|--[^\n]*\n|/\*[^*]*\*/)*(?:select|insert|update|delete|with|replace|merge|values|call)\b"#,
    )
    .expect("valid regex")
});
static ORM_HINT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"table!|__tablename__|models\.Model|\bModel\)|\bTable\(").expect("valid regex")
});

/// Whether a file may hold SQL or an ORM declaration (see above).
pub fn worth_parsing(text: &str) -> bool {
    for m in HINT_START.find_iter(text) {
        let head = m.as_str();
        let kw_start = head
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map(|i| i + 1)
            .unwrap_or(0);
        let kw = head[kw_start..].to_ascii_lowercase();
        let rest = window(text, m.end(), 400);
        let ok = match kw.as_str() {
            "select" => has_word(rest, "from"),
            "insert" | "replace" | "merge" => has_word(window(rest, 0, 40), "into"),
            "update" => has_word(window(rest, 0, 200), "set"),
            "delete" => has_word(window(rest, 0, 40), "from"),
            "with" => has_word(window(rest, 0, 200), "as"),
            "values" => rest.trim_start().starts_with('('),
            _ => true,
        };
        if ok {
            return true;
        }
    }
    ORM_HINT.is_match(text)
}

/// Up to `len` bytes of `s` from `at`, cut at char boundaries.
fn window(s: &str, at: usize, len: usize) -> &str {
    let mut a = at.min(s.len());
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (a + len).min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    &s[a..b]
}

/// Whether `w` (lower-case ASCII) occurs in `s` as a whole word, any case.
fn has_word(s: &str, w: &str) -> bool {
    let b = s.as_bytes();
    let n = w.len();
    (0..b.len().saturating_sub(n - 1)).any(|i| {
        b[i..i + n].eq_ignore_ascii_case(w.as_bytes())
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'_')
            && b.get(i + n)
                .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
    })
}

/// Finds the SQL, dynamic SQL and ORM declarations of one file. `path` is
/// repository-relative; the result depends only on `path`, `text` and `engine`.
pub fn scan_file(path: &str, text: &str, engine: Engine) -> FileScan {
    let file: Arc<str> = Arc::from(path);
    let mut out = FileScan {
        lines: text.lines().count(),
        ..FileScan::default()
    };
    if path.ends_with(".prisma") {
        if let Some(why) = orm::prisma::other_provider(text, engine) {
            out.foreign = Some(why);
            return out;
        }
        out.orm = orm::prisma::read(&file, text);
        return out;
    }
    if path.ends_with("schema.rb") && (path == "db/schema.rb" || path.ends_with("/db/schema.rb")) {
        out.orm = orm::rails::read(&file, text);
        return out;
    }
    if path.ends_with(".sql") {
        if let Some(why) = markers::foreign(path, Language::Sql, text, engine) {
            out.foreign = Some(why);
            return out;
        }
        out.queries = sql_files::read(&file, text, engine);
        return out;
    }
    let Some(spec) = languages::for_path(path) else {
        return out;
    };
    let found = markers::find(spec.language, text);
    match markers::speaks(path, spec.language, text, &found, engine) {
        markers::Speaks::Foreign(why) => {
            out.foreign = Some(why);
            return out;
        }
        markers::Speaks::Mixed(why) => out.mixed = Some(why),
        markers::Speaks::Ours => {}
    }
    let mut index = None;
    if found
        .iter()
        .any(|f| matches!(f.marker().meaning, markers::Meaning::Builder { .. }))
    {
        let ix = LineIndex::new(text);
        out.builders = builders::read(&file, spec.language, text, &found, &ix);
        if out.builders.iter().any(|b| b.covered_by == Some(Orm::Gorm)) {
            out.orm.extend(orm::gorm::read(&file, text, &ix));
        }
        index = Some(ix);
    }
    if spec.language == Language::Go
        && !out
            .builders
            .iter()
            .any(|b| builders::GO_PACKAGE_BUILDERS.contains(&b.library))
    {
        out.package_builder_calls = builders::go_package_calls(&file, text);
    }
    if !worth_parsing(text) {
        return out;
    }
    let Some(tree) = extract::parse(spec, text) else {
        return out;
    };
    let found = extract::extract(spec, text, &tree);
    let index = index.unwrap_or_else(|| LineIndex::new(text));
    for c in &found.candidates {
        classify(c, spec.language, engine, text, &index, &file, &mut out);
    }
    for m in &found.table_macros {
        out.orm
            .extend(orm::diesel::read(&file, text, m.start, m.end, &index));
    }
    if spec.language == Language::Python {
        let root = tree.root_node();
        out.orm
            .extend(orm::sqlalchemy::read(&file, text, root, &index));
        out.orm
            .extend(orm::django::read(&file, path, text, root, &index));
    }
    out
}

fn classify(
    c: &extract::Candidate,
    language: Language,
    engine: Engine,
    text: &str,
    index: &LineIndex,
    file: &Arc<str>,
    out: &mut FileScan,
) {
    let sql = &c.value.text;
    if !sql_detect::starts_like_sql(sql) {
        return;
    }
    let span = || index.span(text, file, c.start, c.end);
    if let Some(reason) = c.value.dynamic {
        let tables = sql_detect::tables_mentioned(sql);
        let with_params = sql.replace(literal::HOLE, "?");
        if !tables.is_empty()
            || sql_detect::has_sql_shape(sql)
            || sql_detect::parse(&with_params, engine).is_ok()
        {
            out.dynamic.push(DynamicSql {
                span: span(),
                language,
                text: sql.clone(),
                tables_mentioned: tables,
                reason: reason.to_string(),
            });
        }
        return;
    }
    match sql_detect::parse(sql, engine) {
        Ok(statements) if sql_detect::plausible(sql, &statements) => out.queries.push(CodeQuery {
            span: span(),
            sql: sql.clone(),
            language,
            statements,
            elided_values: false,
        }),
        Err(e) if sql_detect::has_sql_shape(sql) => out.dynamic.push(DynamicSql {
            span: span(),
            language,
            text: sql.clone(),
            tables_mentioned: sql_detect::tables_mentioned(sql),
            reason: format!("does not parse as {engine} SQL: {e}"),
        }),
        _ => {}
    }
}
