//! The load stage of `check`: discover both revisions' migrations, parse
//! them (identical files once, in parallel) while S0 is replayed, compare
//! the revisions (new, edited — SG002 —, removed migrations), derive the
//! migration of a declarative schema file, and replay S1.

use super::{CheckError, CheckOptions, Clock};
use crate::analysis::incomplete::Incomplete;
use crate::analysis::usage::table_key;
use crate::analysis::{self, MigrationInput};
use crate::engine::{Engine, Version};
use crate::facts::facts;
use crate::migrations::{self, compare, detect_engine, Migration, MigrationSet, TxMode};
use crate::rules;
use crate::schema::{ReplayError, Schema};
use crate::source::Tree;
use crate::span::{LineIndex, Span};
use crate::sql::ir::Statement;
use crate::sql::lower::Lowering;
use crate::sql::parse::parse_script;
use crate::verdict::Finding;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Both revisions loaded: the schemas before and after the release and the
/// release's migrations, parsed.
pub(super) struct Loaded {
    pub engine: Engine,
    pub version: Version,
    pub version_assumed: bool,
    pub old_set: MigrationSet,
    pub new_set: MigrationSet,
    /// S0 and S1.
    pub before: Schema,
    pub after: Schema,
    pub added: Vec<MigrationInput>,
    /// SG002: released migrations whose text changed.
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub sources: BTreeMap<String, Arc<str>>,
    /// `external_tables`, keyed as the schema keys tables.
    pub external: Vec<String>,
    /// What the replay of the released history could not model, and of the
    /// release on top of it.
    pub incomplete_before: Incomplete,
    pub incomplete_release: Incomplete,
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

/// Both revisions' migration sets, the engine (given or detected) and the
/// notes on how they were found.
fn discover_both(
    old: &dyn Tree,
    new: &dyn Tree,
    opts: &CheckOptions,
) -> Result<(MigrationSet, MigrationSet, Engine, Option<String>), CheckError> {
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
    Ok((old_set, new_set, engine, detected))
}

/// Loads both revisions; laps `discover`, `parse+replay-S0`, `replay-S1`.
pub(super) fn load(
    old: &dyn Tree,
    new: &dyn Tree,
    opts: &CheckOptions,
    clock: &mut Clock,
) -> Result<Loaded, CheckError> {
    let (old_set, new_set, engine, detected) = discover_both(old, new, opts)?;
    let (version, version_assumed) = match &opts.version {
        Some(v) => (v.clone(), false),
        None => (facts(engine).newest(), true),
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
    clock.lap("discover");

    // Parse the released history in parallel while S0 is replayed from
    // the files already parsed, in order: the replay is off the critical
    // path. Files identical in both revisions are parsed once.
    let s0 = parse_and_replay(&old_set, engine);
    let (before, mut incomplete_before) = (s0.schema, s0.incomplete);
    let external: Vec<String> = opts.external_tables.iter().map(|t| table_key(t)).collect();
    if let Some(n) = replay_note("the released history", "before", &s0.errors) {
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
    let mut sources: BTreeMap<String, Arc<str>> = BTreeMap::new();
    let mut added: Vec<MigrationInput> = changes
        .added
        .par_iter()
        .map(|m| {
            let statements = match old_by_path.get(&(m.path.as_str(), m.up_text())) {
                Some(&i) => s0.parsed[i].clone(),
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
    clock.lap("parse+replay-S0");
    // Statements of the new schema file the replay could not model, and
    // new migrations it does not read.
    let mut incomplete_release = Incomplete::default();
    for (path, text) in &new_set.not_read {
        if !old_set.not_read.iter().any(|(p, _)| p == path) {
            incomplete_release.add_unread(path, text);
        }
    }
    if let Some((derived, text)) = derived_migration(
        &old_set,
        &new_set,
        &before,
        engine,
        &mut notes,
        &mut incomplete_release,
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
        let index = LineIndex::new(&new_m.text);
        let file = Arc::from(new_m.path.as_str());
        let span = index.span(&new_m.text, &file, new_m.up.start, new_m.up.start);
        findings.push(rules::released_migration_edited::finding(
            span,
            &new_m.id,
            &old_m.path,
            &new_m.path,
        ));
    }
    for m in &changes.removed {
        notes.push(format!(
            "released migration {} is gone from the new revision",
            m.path
        ));
    }
    // S1, once: the code of the new revision is resolved against it and the
    // analysis reads it. A failure here is an SG001 finding of the analysis,
    // not a gap of the model: a statement that failed for a missing object
    // cannot have created it.
    let mut after = before.clone();
    for m in &added {
        for s in &m.statements {
            crate::schema::replay_statement(&mut after, s, engine);
            incomplete_release.add(s, false);
        }
    }
    clock.lap("replay-S1");
    Ok(Loaded {
        engine,
        version,
        version_assumed,
        old_set,
        new_set,
        before,
        after,
        added,
        findings,
        notes,
        sources,
        external,
        incomplete_before,
        incomplete_release,
    })
}

/// The released history parsed and replayed: S0, the replay's problems and
/// what it could not model.
struct S0 {
    parsed: Vec<Vec<Statement>>,
    schema: Schema,
    errors: Vec<(Span, ReplayError)>,
    incomplete: Incomplete,
}

/// Parses a set's files in parallel and replays them in order as they
/// arrive, on the calling thread: the replay overlaps the parse.
fn parse_and_replay(set: &MigrationSet, engine: Engine) -> S0 {
    let mut s0 = S0 {
        parsed: Vec::with_capacity(set.migrations.len() + 1),
        schema: Schema::default(),
        errors: Vec::new(),
        incomplete: Incomplete::default(),
    };
    let replay = |s0: &mut S0, statements: Vec<Statement>| {
        for s in &statements {
            let errors = crate::schema::replay_statement(&mut s0.schema, s, engine);
            s0.incomplete.add(s, !errors.is_empty());
            s0.errors
                .extend(errors.into_iter().map(|e| (s.span.clone(), e)));
        }
        s0.parsed.push(statements);
    };
    // Waiting on a channel inside the pool could starve it: there, parse
    // first and replay after.
    if rayon::current_thread_index().is_some() {
        for statements in parse_set(set, engine) {
            replay(&mut s0, statements);
        }
        return s0;
    }
    let files: Vec<&Migration> = set
        .migrations
        .iter()
        .chain(set.schema_file.iter())
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let files = &files;
        scope.spawn(move || {
            files
                .iter()
                .enumerate()
                .par_bridge()
                .for_each_with(tx, |tx, (i, m)| {
                    let _ = tx.send((i, parse_migration(m, engine)));
                });
        });
        // Files arrive roughly in order; a later one waits for those before.
        let mut waiting: BTreeMap<usize, Vec<Statement>> = BTreeMap::new();
        for (i, statements) in rx {
            waiting.insert(i, statements);
            while let Some(next) = waiting.remove(&s0.parsed.len()) {
                replay(&mut s0, next);
            }
        }
    });
    s0
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
fn replay_note(what: &str, side: &str, errors: &[(Span, ReplayError)]) -> Option<String> {
    let (span, e) = errors.first()?;
    Some(format!(
        "{what} does not replay cleanly ({} problem(s); first at {}:{}: {e}); the schema {side} the release may be incomplete",
        errors.len(),
        span.file,
        span.line
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DirTree;

    #[test]
    fn the_overlapped_replay_equals_parsing_first_and_replaying_after() {
        let engine = Engine::Postgres;
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in crate::synth::history(300, engine, 7) {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let tree = DirTree::open(dir.path()).unwrap();
        let set = migrations::discover(&tree, Some(engine), None).unwrap();
        let parsed = parse_set(&set, engine);
        let (schema, errors) = analysis::replay_history(parsed.iter().flatten(), engine);
        assert!(!schema.tables.is_empty());
        let overlapped = parse_and_replay(&set, engine);
        // Inside the pool the replay waits for the whole parse instead.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let inside = pool.install(|| parse_and_replay(&set, engine));
        for s0 in [overlapped, inside] {
            assert_eq!(s0.schema, schema);
            assert_eq!(s0.errors.len(), errors.len());
            let spans = |p: &[Vec<Statement>]| {
                p.iter()
                    .flatten()
                    .map(|s| s.span.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(spans(&s0.parsed), spans(&parsed));
        }
    }
}
