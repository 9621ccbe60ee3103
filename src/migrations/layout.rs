//! Recognising a migrations folder's layout from its file names (and, for
//! dbmate and goose, the section markers inside), and turning its files into
//! ordered [`Migration`]s.

use super::names::{
    base, flyway_name, join, numbered, parent, parse_sql_name, select_dialects, Direction, SqlFile,
};
use super::natural::{cmp_natural, cmp_path};
use super::sections;
use super::{DiscoverError, Layout, Migration, MigrationSet, TxMode};
use crate::engine::Engine;
use crate::source::Tree;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

fn looks_goose(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("--")
            && l.trim_start_matches('-').trim_start().starts_with("+goose")
            && l.to_ascii_lowercase().ends_with("up")
    })
}

fn looks_dbmate(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("--")
            .is_some_and(|r| r.trim_start().starts_with("migrate:up"))
    })
}

/// Header lines of `pg_dump` / `mysqldump` / `mariadb-dump` output.
pub(super) fn is_dump(text: &str) -> bool {
    text.lines().take(5).any(|l| {
        let l = l.trim();
        l.starts_with("-- PostgreSQL database dump")
            || l.starts_with("-- MySQL dump")
            || l.starts_with("-- MariaDB dump")
    })
}

/// What the folder's files say before their contents are read.
struct Folder<'t> {
    tree: &'t dyn Tree,
    dir: String,
    engine: Option<Engine>,
    /// (repository-relative, folder-relative) paths.
    files: Vec<(String, String)>,
    notes: Vec<String>,
}

impl Folder<'_> {
    fn has(&self, rel: &str) -> bool {
        self.files.iter().any(|(_, r)| r == rel)
    }

    fn full(&self, rel: &str) -> String {
        if self.dir.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.dir)
        }
    }

    /// The texts of `fulls`, fetched in one go; the first failure (in order)
    /// is the error.
    fn read_all<S: AsRef<str>>(&self, fulls: &[S]) -> Result<Vec<Arc<str>>, DiscoverError> {
        let paths: Vec<&str> = fulls.iter().map(|f| f.as_ref()).collect();
        self.tree
            .read_text_many(&paths)
            .into_iter()
            .map(|t| Ok(Arc::from(t?)))
            .collect()
    }

    fn set(self, layout: Layout, migrations: Vec<Migration>) -> MigrationSet {
        MigrationSet {
            layout,
            dir: self.dir,
            migrations,
            schema_file: None,
            notes: self.notes,
            engine_hint: None,
            dialects: BTreeSet::new(),
            not_read: Vec::new(),
        }
    }
}

fn migration(full: &str, id: String, name: String, text: Arc<str>, layout: Layout) -> Migration {
    let len = text.len();
    Migration {
        path: full.to_string(),
        id,
        name,
        text,
        up: 0..len,
        transaction: TxMode::NotWrapped,
        layout,
        dialect: None,
        repeatable: false,
    }
}

fn wrapped(yes: bool) -> TxMode {
    if yes {
        TxMode::Wrapped
    } else {
        TxMode::NotWrapped
    }
}

/// Reads the folder `dir` (`""` for the root; then only its top-level files
/// count). `Ok(None)` when nothing in it looks like a migration.
pub(super) fn read_folder(
    tree: &dyn Tree,
    dir: &str,
    engine: Option<Engine>,
) -> Result<Option<MigrationSet>, DiscoverError> {
    let prefix_len = if dir.is_empty() { 0 } else { dir.len() + 1 };
    let files: Vec<(String, String)> = tree
        .files_under(dir)
        .iter()
        .map(|f| (f, &f[prefix_len..]))
        .filter(|(_, rel)| !rel.split('/').any(|c| c.starts_with('.')))
        .filter(|(_, rel)| !dir.is_empty() || !rel.contains('/'))
        .map(|(f, rel)| (f.clone(), rel.to_string()))
        .collect();
    let folder = Folder {
        tree,
        dir: dir.to_string(),
        engine,
        files,
        notes: Vec::new(),
    };
    let depth2 = |name: &str| -> Vec<String> {
        folder
            .files
            .iter()
            .filter(|(_, r)| r.matches('/').count() == 1 && base(r) == name)
            .map(|(_, r)| r.clone())
            .collect()
    };
    let prisma = depth2("migration.sql");
    let diesel = depth2("up.sql");
    if !prisma.is_empty() {
        let mut set = prisma_set(folder, prisma)?;
        note_unused_files(tree, &mut set);
        return Ok(Some(set));
    }
    if !diesel.is_empty() {
        let mut set = diesel_set(folder, diesel)?;
        note_unused_files(tree, &mut set);
        return Ok(Some(set));
    }
    let is_atlas = folder.has("atlas.sum");
    let mut notes = Vec::new();
    let sql: Vec<SqlFile> = folder
        .files
        .iter()
        .filter_map(|(full, rel)| parse_sql_name(full, rel))
        .collect();
    if sql.is_empty() {
        return Ok(None);
    }
    let dialects: BTreeSet<Engine> = sql.iter().filter_map(|f| f.dialect).collect();
    let ups: Vec<SqlFile> = sql
        .iter()
        .filter(|f| f.direction != Direction::Down)
        .cloned()
        .collect();
    // gobuffalo/pop and ory/popx: `.cockroach.` variants, `.autocommit.`
    // files, or fizz migrations beside the SQL ones.
    let is_pop = sql
        .iter()
        .any(|f| f.foreign_dialect.is_some() || f.autocommit)
        || folder.files.iter().any(|(_, r)| is_fizz(r));
    let chosen = select_dialects(ups, engine, &mut notes);
    let mut folder = folder;
    folder.notes.append(&mut notes);
    let mut set = if is_atlas {
        numbered_set(folder, chosen, Layout::Atlas)?
    } else if is_pop && chosen.iter().all(|f| numbered(&f.stem).is_some()) {
        numbered_set(folder, chosen, Layout::Pop)?
    } else if chosen.iter().any(|f| flyway_name(&f.stem).is_some()) {
        flyway_set(folder, chosen)?
    } else {
        by_content(folder, chosen)?
    };
    set.dialects = dialects;
    if set.migrations.is_empty() {
        return Ok(None);
    }
    check_duplicates(&set.migrations)?;
    note_unused_files(tree, &mut set);
    Ok(Some(set))
}

/// Files of the migrations folder that the layout does not use and that are
/// not its known companions (down files, tool metadata, docs): a goose `.go`
/// migration, a stray script. They are not replayed, so the user should know.
fn note_unused_files(tree: &dyn Tree, set: &mut MigrationSet) {
    if set.dir.is_empty() {
        // Migrations at the repository root: the other files are the project.
        return;
    }
    let used: HashSet<&str> = set.migrations.iter().map(|m| m.path.as_str()).collect();
    let files = tree.files_under(&set.dir);
    let fizz: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|f| is_fizz(f) && !f.to_ascii_lowercase().ends_with(".down.fizz"))
        .collect();
    if !fizz.is_empty() {
        // Their names mark what the replay may lack (analysis::incomplete).
        set.not_read = fizz
            .iter()
            .zip(tree.read_text_many(&fizz))
            .filter_map(|(p, t)| Some((p.to_string(), Arc::from(t.ok()?))))
            .collect();
        set.notes.push(format!(
            "not read: {} fizz migration(s) (pop's own DSL, not SQL); whatever they create or change is missing from the replayed schema: {}",
            fizz.len(),
            shown_list(&fizz)
        ));
    }
    let unused: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|f| !used.contains(f) && !is_fizz(f))
        .filter(|f| {
            let lower = f.to_ascii_lowercase();
            let name = base(&lower);
            !(name.starts_with('.')
                || lower.contains("/.")
                || lower.ends_with(".sql")
                || lower.ends_with(".md")
                || lower.ends_with(".txt")
                || lower.ends_with(".conf")
                || lower.ends_with(".toml")
                || name == "atlas.sum")
        })
        .collect();
    if unused.is_empty() {
        return;
    }
    set.notes.push(format!(
        "not replayed (not SQL migrations): {}",
        shown_list(&unused)
    ));
}

/// The first five paths, and how many more.
fn shown_list(paths: &[&str]) -> String {
    let shown: Vec<&str> = paths.iter().take(5).copied().collect();
    let more = paths.len() - shown.len();
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn check_duplicates(migrations: &[Migration]) -> Result<(), DiscoverError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for m in migrations {
        if let Some(first) = seen.insert(&m.id, &m.path) {
            return Err(DiscoverError::DuplicateVersion {
                id: m.id.clone(),
                first: first.to_string(),
                second: m.path.clone(),
            });
        }
    }
    Ok(())
}

/// Names of the whole-schema files that projects keep at the top of a
/// folder of version folders (memos' `LATEST.sql`): a fresh install runs the
/// file instead of the history, so it is regenerated every release and is
/// not a migration of its own.
const SNAPSHOT_NAMES: &[&str] = &["latest.sql", "schema.sql", "structure.sql"];

/// A top-level snapshot file in a folder whose migrations sit in subfolders.
fn is_snapshot_beside_folders(f: &SqlFile) -> bool {
    !f.rel.contains('/') && SNAPSHOT_NAMES.contains(&f.rel.to_ascii_lowercase().as_str())
}

/// Layouts told apart by what is inside the files, or by up/down suffixes.
fn by_content(folder: Folder<'_>, chosen: Vec<SqlFile>) -> Result<MigrationSet, DiscoverError> {
    let nested = chosen.iter().any(|f| f.rel.contains('/'));
    let (snapshots, chosen): (Vec<SqlFile>, Vec<SqlFile>) = chosen
        .into_iter()
        .partition(|f| nested && is_snapshot_beside_folders(f));
    let mut folder = folder;
    // The first one stands for the schema a released database has, after
    // the history (which may start from a schema only the snapshot makes).
    let snapshot = match snapshots.first() {
        Some(f) => {
            folder.notes.push(format!(
                "{} is a schema snapshot beside the version folders: not a migration (a fresh install runs it instead of the history); it completes the schema the history leaves",
                f.full
            ));
            let text = folder.read_all(&[&f.full])?.remove(0);
            Some(schema_migration(&f.full, text))
        }
        None => None,
    };
    let texts = folder.read_all(&chosen.iter().map(|f| &f.full).collect::<Vec<_>>())?;
    if !nested && texts.iter().any(|t| looks_goose(t)) {
        return numbered_texts(folder, chosen, texts, Layout::Goose);
    }
    if !nested && texts.iter().any(|t| looks_dbmate(t)) {
        return numbered_texts(folder, chosen, texts, Layout::Dbmate);
    }
    if let Some(ups) = super::name_version::name_versioned(&chosen) {
        return Ok(name_versioned_set(folder, &chosen, texts, ups));
    }
    let all_numbered = chosen.iter().all(|f| numbered(&f.stem).is_some());
    let has_up_suffix = chosen.iter().any(|f| f.direction == Direction::Up);
    let rust = has_cargo_manifest(folder.tree, &folder.dir);
    if !nested && all_numbered && (rust || has_up_suffix) {
        let layout = if rust {
            Layout::Sqlx
        } else {
            Layout::GolangMigrate
        };
        return numbered_texts(folder, chosen, texts, layout);
    }
    if chosen.len() == 1 && !nested {
        let name = base(&chosen[0].rel).to_ascii_lowercase();
        if name == "schema.sql" || name == "structure.sql" || is_dump(&texts[0]) {
            let dir = std::mem::take(&mut folder.dir);
            let m = schema_migration(&chosen[0].full, texts[0].clone());
            let mut set = folder.set(Layout::SchemaFile, Vec::new());
            set.dir = dir;
            set.schema_file = Some(m);
            return Ok(set);
        }
    }
    let layout = if nested {
        Layout::Nested
    } else {
        Layout::Plain
    };
    let mut out = Vec::new();
    for (f, text) in chosen.iter().zip(texts) {
        let id = match f.direction {
            // The id is the path without dialect, so variants match each other.
            Direction::Up => format!("{}.up.sql", join(parent(&f.rel), &f.stem)),
            _ => format!("{}.sql", join(parent(&f.rel), &f.stem)),
        };
        let mut m = migration(&f.full, id, f.stem.clone(), text, layout);
        m.dialect = f.dialect;
        // A plain folder's files may still carry goose or dbmate sections.
        apply_sections(&mut m);
        out.push(m);
    }
    out.sort_by(|a, b| cmp_path(&a.id, &b.id).then_with(|| a.path.cmp(&b.path)));
    let mut set = folder.set(layout, out);
    set.schema_file = snapshot;
    Ok(set)
}

/// maragudk/migrate: each up file is one version (its name), run in one
/// transaction, in name order (see [`super::name_version`]).
fn name_versioned_set(
    mut folder: Folder<'_>,
    chosen: &[SqlFile],
    texts: Vec<Arc<str>>,
    ups: Vec<(SqlFile, String)>,
) -> MigrationSet {
    let text_of: HashMap<&str, Arc<str>> =
        chosen.iter().map(|f| f.full.as_str()).zip(texts).collect();
    let mut out = Vec::new();
    for (f, version) in &ups {
        let Some(text) = text_of.get(f.full.as_str()) else {
            continue;
        };
        let name = numbered(version).map(|(_, n)| n).unwrap_or_default();
        let mut m = migration(
            &f.full,
            version.clone(),
            name,
            text.clone(),
            Layout::NameVersioned,
        );
        m.transaction = TxMode::Wrapped;
        out.push(m);
    }
    let skipped: Vec<&str> = chosen
        .iter()
        .filter(|f| !ups.iter().any(|(u, _)| u.full == f.full))
        .filter(|f| !f.stem.to_ascii_lowercase().ends_with("_down"))
        .map(|f| f.full.as_str())
        .collect();
    if !skipped.is_empty() {
        folder.notes.push(format!(
            "skipped {} (neither `.up.sql` nor `_up.sql`: the migrator does not run it)",
            skipped.join(", ")
        ));
    }
    folder.set(Layout::NameVersioned, out)
}

fn apply_sections(m: &mut Migration) {
    let s = if looks_goose(&m.text) {
        sections::goose(&m.text)
    } else if looks_dbmate(&m.text) {
        sections::dbmate(&m.text)
    } else {
        return;
    };
    m.up = s.up;
    m.transaction = wrapped(!s.no_transaction);
}

pub(super) fn schema_migration(full: &str, text: Arc<str>) -> Migration {
    let name = base(full).to_string();
    migration(full, full.to_string(), name, text, Layout::SchemaFile)
}

/// sqlx runs in Rust projects: a `Cargo.toml` at the root or in a folder
/// above the migrations folder tells sqlx from golang-migrate.
fn has_cargo_manifest(tree: &dyn Tree, dir: &str) -> bool {
    let mut d = dir;
    loop {
        let manifest = join(d, "Cargo.toml");
        if tree.contains(&manifest) {
            return true;
        }
        if d.is_empty() {
            return false;
        }
        d = parent(d);
    }
}

fn numbered_set(
    folder: Folder<'_>,
    chosen: Vec<SqlFile>,
    layout: Layout,
) -> Result<MigrationSet, DiscoverError> {
    let texts = folder.read_all(&chosen.iter().map(|f| &f.full).collect::<Vec<_>>())?;
    numbered_texts(folder, chosen, texts, layout)
}

/// sqlx, golang-migrate, Atlas, dbmate, goose: `<version>_<name>[.up].sql`.
fn numbered_texts(
    mut folder: Folder<'_>,
    chosen: Vec<SqlFile>,
    texts: Vec<Arc<str>>,
    layout: Layout,
) -> Result<MigrationSet, DiscoverError> {
    let engine = folder.engine;
    let mut out = Vec::new();
    for (f, text) in chosen.iter().zip(texts) {
        let Some((id, name)) = numbered(&f.stem) else {
            folder
                .notes
                .push(format!("skipped {}: no version number in its name", f.full));
            continue;
        };
        let mut m = migration(&f.full, id, name, text, layout);
        m.dialect = f.dialect;
        m.transaction = match layout {
            // pop runs each migration in a transaction of its own; popx's
            // `.autocommit.` files opt out.
            Layout::Pop => wrapped(!f.autocommit),
            Layout::Sqlx => wrapped(!sections::sqlx_no_transaction(&m.text)),
            Layout::Atlas => wrapped(!sections::atlas_no_transaction(&m.text)),
            // golang-migrate sends the file as one multi-statement query,
            // which PostgreSQL runs as one implicit transaction; its sqlite3
            // driver wraps the file in a transaction (unless x-no-tx-wrap).
            Layout::GolangMigrate => {
                wrapped(matches!(engine, Some(Engine::Postgres | Engine::Sqlite)))
            }
            _ => TxMode::NotWrapped,
        };
        if matches!(layout, Layout::Goose | Layout::Dbmate) {
            let s = if layout == Layout::Goose {
                sections::goose(&m.text)
            } else {
                sections::dbmate(&m.text)
            };
            if !s.has_up {
                folder.notes.push(format!(
                    "{}: no {} up marker; the whole file is taken as the up migration",
                    f.full, layout
                ));
            }
            m.up = s.up;
            m.transaction = wrapped(!s.no_transaction);
        }
        out.push(m);
    }
    if layout == Layout::Pop {
        // pop compares versions as strings (migration_info.go, `Less`).
        out.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
    } else {
        out.sort_by(|a, b| cmp_natural(&a.id, &b.id).then_with(|| a.path.cmp(&b.path)));
    }
    Ok(folder.set(layout, out))
}

/// A pop fizz migration (`x.up.fizz`): pop's own DSL, not SQL.
fn is_fizz(rel: &str) -> bool {
    rel.to_ascii_lowercase().ends_with(".fizz")
}

/// Statements Flyway's PostgreSQL parser sees as non-transactional; a file
/// holding one runs outside a transaction.
fn flyway_pg_non_transactional(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains("CONCURRENTLY") || upper.contains("VACUUM") || upper.contains("ALTER SYSTEM")
}

/// Flyway: versioned files by version, then repeatable ones by description.
/// <https://documentation.red-gate.com/fd/migrations-184127470.html>
fn flyway_set(mut folder: Folder<'_>, chosen: Vec<SqlFile>) -> Result<MigrationSet, DiscoverError> {
    let mut versioned = Vec::new();
    let mut repeatable = Vec::new();
    let mut kept = Vec::new();
    for f in &chosen {
        match flyway_name(&f.stem) {
            // Undo migrations are the down direction.
            Some(('U', ..)) => {}
            Some(parts) => kept.push((f, parts)),
            None => folder
                .notes
                .push(format!("skipped {}: not a Flyway migration name", f.full)),
        }
    }
    let texts = folder.read_all(&kept.iter().map(|(f, _)| &f.full).collect::<Vec<_>>())?;
    for ((f, (kind, version, desc)), text) in kept.into_iter().zip(texts) {
        let conf = format!("{}.conf", f.full);
        let conf_off = if folder.tree.contains(&conf) {
            let c = folder.tree.read_text(&conf)?;
            c.lines().any(|l| {
                l.replace(' ', "")
                    .eq_ignore_ascii_case("executeInTransaction=false")
            })
        } else {
            false
        };
        let pg = matches!(folder.engine, Some(Engine::Postgres) | None);
        let outside = conf_off || (pg && flyway_pg_non_transactional(&text));
        let id = if kind == 'R' {
            format!("R__{desc}")
        } else {
            version
        };
        let mut m = migration(&f.full, id, desc.replace('_', " "), text, Layout::Flyway);
        m.transaction = wrapped(!outside);
        m.dialect = f.dialect;
        m.repeatable = kind == 'R';
        if kind == 'R' {
            repeatable.push(m);
        } else {
            versioned.push(m);
        }
    }
    versioned.sort_by(|a, b| cmp_natural(&a.id, &b.id).then_with(|| a.path.cmp(&b.path)));
    repeatable.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    versioned.append(&mut repeatable);
    Ok(folder.set(Layout::Flyway, versioned))
}

/// diesel: `<version>_<name>/up.sql`; the version is the folder name up to
/// the first `_`, dashes removed. `metadata.toml` may say
/// `run_in_transaction = false`.
fn diesel_set(folder: Folder<'_>, ups: Vec<String>) -> Result<MigrationSet, DiscoverError> {
    let mut out = Vec::new();
    let texts = folder.read_all(&ups.iter().map(|r| folder.full(r)).collect::<Vec<_>>())?;
    for (rel, text) in ups.iter().zip(texts) {
        let sub = parent(rel);
        let (version, name) = sub.split_once('_').unwrap_or((sub, ""));
        let id = version.replace('-', "");
        let full = folder.full(rel);
        let meta = folder.full(&format!("{sub}/metadata.toml"));
        let no_tx = folder.tree.contains(&meta)
            && folder
                .tree
                .read_text(&meta)?
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("run_in_transaction").and_then(|v| v.as_bool()))
                == Some(false);
        let mut m = migration(&full, id, name.to_string(), text, Layout::Diesel);
        m.transaction = wrapped(!no_tx);
        out.push(m);
    }
    out.sort_by(|a, b| cmp_natural(&a.id, &b.id).then_with(|| a.path.cmp(&b.path)));
    check_duplicates(&out)?;
    Ok(folder.set(Layout::Diesel, out))
}

/// Prisma: `<timestamp>_<name>/migration.sql`, in folder-name order;
/// `migration_lock.toml` names the provider.
fn prisma_set(folder: Folder<'_>, files: Vec<String>) -> Result<MigrationSet, DiscoverError> {
    let lock = folder.full("migration_lock.toml");
    let hint = if folder.tree.contains(&lock) {
        let text = folder.tree.read_text(&lock)?;
        let provider = text.parse::<toml::Table>().ok().and_then(|t| {
            t.get("provider")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        provider.and_then(|p| {
            let e = match p.as_str() {
                "postgresql" | "postgres" | "cockroachdb" => Engine::Postgres,
                "mysql" => Engine::Mysql,
                "sqlite" => Engine::Sqlite,
                _ => return None,
            };
            Some((e, format!("{lock} says provider = \"{p}\"")))
        })
    } else {
        None
    };
    let engine = folder.engine.or(hint.as_ref().map(|h| h.0));
    let mut out = Vec::new();
    let texts = folder.read_all(&files.iter().map(|r| folder.full(r)).collect::<Vec<_>>())?;
    for (rel, text) in files.iter().zip(texts) {
        let sub = parent(rel);
        let name = sub.split_once('_').map(|(_, n)| n).unwrap_or(sub);
        let full = folder.full(rel);
        let mut m = migration(
            &full,
            sub.to_string(),
            name.to_string(),
            text,
            Layout::Prisma,
        );
        // Prisma sends the script as one multi-statement query, which
        // PostgreSQL runs as one implicit transaction.
        m.transaction = wrapped(engine == Some(Engine::Postgres));
        out.push(m);
    }
    out.sort_by(|a, b| cmp_natural(&a.id, &b.id).then_with(|| a.path.cmp(&b.path)));
    let mut set = folder.set(Layout::Prisma, out);
    set.engine_hint = hint;
    Ok(set)
}
