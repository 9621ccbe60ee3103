//! Migration discovery: finds the migrations folder of one revision, tells
//! which tool's layout it follows, and returns the up migrations in the order
//! the tool replays them — each with its whole text and the byte range of its
//! up part, so spans keep the file's real line numbers. A declarative schema
//! file (`schema.sql`, `pg_dump`/`mysqldump` output) stands in when there is
//! no migrations folder. Down migrations are never part of the result.
//!
//! Invariants: discovery reads only through [`Tree`]; it never panics on any
//! file name or content; every error names the path it is about.

mod compare;
mod detect;
mod layout;
mod locate;
mod name_version;
mod names;
mod natural;
mod sections;

pub use compare::{compare, Changes};
pub use detect::{detect_engine, detect_engine_in_texts};
pub use natural::{cmp_natural, cmp_path};

use crate::engine::Engine;
use crate::source::{SourceError, Tree};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use thiserror::Error;

/// The tool whose conventions a migrations folder follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// sqlx: `NNNN_name.sql` or `NNNN_name.up.sql`/`.down.sql`.
    Sqlx,
    /// golang-migrate: `N_name.up.sql`/`.down.sql`.
    GolangMigrate,
    /// Flyway: `V1__x.sql`, `V1_2__x.sql`, `V1.2__x.sql`, `R__x.sql`.
    Flyway,
    /// dbmate: `-- migrate:up` / `-- migrate:down` sections.
    Dbmate,
    /// goose: `-- +goose Up` / `-- +goose Down` sections.
    Goose,
    /// diesel: `<version>_<name>/up.sql` + `down.sql`.
    Diesel,
    /// Prisma: `<timestamp>_<name>/migration.sql`.
    Prisma,
    /// Atlas: `atlas.sum` + `<version>_<name>.sql`.
    Atlas,
    /// gobuffalo/pop and ory/popx: `<version>_<name>[.<dialect>][.autocommit].up.sql`
    /// (`.postgres.`, `.mysql.`, `.sqlite3.`, `.cockroach.`, or none for every
    /// database), `.fizz` files beside them.
    Pop,
    /// Versioned sub-folders (`v1.9/`, `v1.10/`), replayed in natural order.
    Nested,
    /// A plain folder of `.sql` files, replayed in natural order.
    Plain,
    /// The version is the whole file name, applied in name order
    /// (maragudk/migrate): `0001_a.up.sql`, `0001_b.up.sql`, `0002_c_up.sql`.
    NameVersioned,
    /// No migrations, a declarative schema file instead.
    SchemaFile,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Flyway => "flyway",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::Diesel => "diesel",
            Layout::Prisma => "prisma",
            Layout::Atlas => "atlas",
            Layout::Pop => "pop",
            Layout::Nested => "nested folders",
            Layout::Plain => "plain folder",
            Layout::NameVersioned => "name-versioned (maragudk/migrate)",
            Layout::SchemaFile => "schema file",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the migration tool runs a file inside one transaction of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxMode {
    /// The tool wraps the whole file in one transaction (or the engine runs a
    /// multi-statement script as one implicit transaction).
    Wrapped,
    /// Statements run as written; only `BEGIN`/`COMMIT` in the file group them.
    NotWrapped,
}

/// One up migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Path relative to the repository root.
    pub path: String,
    /// The key that matches this migration across revisions: the tool's
    /// version (`"0003"`, `"1.2"`, Prisma's folder name) or, for plain and
    /// nested folders, the path relative to the migrations folder.
    pub id: String,
    /// The human part of the name (`create_users`).
    pub name: String,
    /// The whole file.
    pub text: Arc<str>,
    /// Byte range of the up part inside `text`.
    pub up: Range<usize>,
    pub transaction: TxMode,
    pub layout: Layout,
    /// The engine a per-dialect file is written for (`x.postgres.up.sql`).
    pub dialect: Option<Engine>,
    /// A Flyway repeatable migration (`R__x.sql`): re-run whenever it changes,
    /// after the versioned ones.
    pub repeatable: bool,
}

impl Migration {
    /// The up part of the file.
    pub fn up_text(&self) -> &str {
        self.text.get(self.up.clone()).unwrap_or("")
    }
}

/// The migrations of one revision, ordered for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSet {
    pub layout: Layout,
    /// The migrations folder relative to the root (`""` for the root itself).
    pub dir: String,
    pub migrations: Vec<Migration>,
    /// A declarative schema file, when there is no migrations folder.
    pub schema_file: Option<Migration>,
    /// Things worth telling the user (files skipped, choices made).
    pub notes: Vec<String>,
    /// What the folder itself says about the engine (Prisma's
    /// `migration_lock.toml` provider), with the reason.
    pub engine_hint: Option<(Engine, String)>,
    /// Engines that per-dialect files were written for (used or skipped).
    pub dialects: BTreeSet<Engine>,
    /// Up migrations in a language shipgate does not read (pop's fizz):
    /// (path, text). The replayed schema lacks what they create.
    pub not_read: Vec<(String, Arc<str>)>,
}

impl MigrationSet {
    /// Every text to replay: the migrations' up parts, or the schema file.
    pub fn up_texts(&self) -> impl Iterator<Item = &str> {
        self.migrations
            .iter()
            .chain(self.schema_file.iter())
            .map(Migration::up_text)
    }
}

#[derive(Debug, Error)]
pub enum DiscoverError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{label}: --migrations path '{path}' does not exist")]
    OverrideMissing { label: String, path: String },
    #[error("{label}: no migrations found in '{path}'")]
    NothingInOverride { label: String, path: String },
    #[error("no migrations found in {label} (looked in {looked}); use --migrations PATH")]
    NotFound { label: String, looked: String },
    #[error("{first} and {second}: both have migration version '{id}'")]
    DuplicateVersion {
        id: String,
        first: String,
        second: String,
    },
}

/// Finds and reads the migrations of `tree`.
///
/// `engine` picks per-dialect files and engine-dependent transaction modes;
/// when it is unknown, call this once with `None`, run [`detect_engine`] on
/// the result, and discover again with the engine found if the set holds
/// per-dialect files (`dialects` is not empty).
/// `dir_override` (`--migrations PATH`) is relative to the root and may name
/// a folder or a schema file.
pub fn discover(
    tree: &dyn Tree,
    engine: Option<Engine>,
    dir_override: Option<&str>,
) -> Result<MigrationSet, DiscoverError> {
    locate::discover(tree, engine, dir_override)
}

/// Discovery when the engine may not be known yet. With `engine` given this
/// is [`discover`]. Without, it discovers, detects the engine from what it
/// found, and — when that engine changes what discovery picks (per-dialect
/// files, engine-dependent transaction modes) — discovers again with it.
/// Returns the set and the detected engine with the reason (`None` when
/// `engine` was given or nothing decided it).
pub fn discover_detecting(
    tree: &dyn Tree,
    engine: Option<Engine>,
    dir_override: Option<&str>,
) -> Result<(MigrationSet, Option<(Engine, String)>), DiscoverError> {
    if engine.is_some() {
        return Ok((discover(tree, engine, dir_override)?, None));
    }
    let set = discover(tree, None, dir_override)?;
    let Some(found) = detect_engine(&set) else {
        return Ok((set, None));
    };
    let set = discover(tree, Some(found.0), dir_override)?;
    Ok((set, Some(found)))
}
