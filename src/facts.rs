//! Engine facts: what each operation costs on each engine and version —
//! the lock it takes, whether it blocks reads or writes, whether it scans or
//! rewrites the table, and the lock-safe rewrite of the same operation.
//! The facts are data in `rules/<engine>.toml`, embedded at build time and
//! parsed once; adding an engine version is a data change.

use crate::engine::{Engine, Version};
use serde::Deserialize;
use std::sync::OnceLock;

/// Which concurrent traffic waits while an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Blocks {
    None,
    Writes,
    All,
}

/// How much work an operation does while it holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Work {
    /// Catalog change only: done as soon as the lock is granted.
    Metadata,
    /// Reads every row (validation) under the lock.
    Scan,
    /// Builds an index by reading the table.
    IndexBuild,
    /// Copies the table (and rebuilds its indexes).
    Rewrite,
}

/// The cost of one operation variant on one engine version range.
#[derive(Debug, Clone, Deserialize)]
pub struct OpFact {
    /// The [`crate::sql::ir::Op::kind`] it applies to.
    pub kind: String,
    /// The variant (see `rules/README.md`).
    pub variant: String,
    /// First version it applies to (inclusive).
    pub since: Option<String>,
    /// First version it no longer applies to (exclusive).
    pub until: Option<String>,
    /// The lock, in the engine's words (`ACCESS EXCLUSIVE`, `ALGORITHM=INPLACE, LOCK=NONE`).
    pub lock: String,
    pub blocks: Blocks,
    pub work: Work,
    /// The variant of the same operation that does not block (the lock-safe rewrite).
    pub rewrite_to: Option<String>,
    /// The rewrite in SQL terms, for help texts.
    pub rewrite_hint: Option<String>,
    /// The operation fails, or is not supported, on this engine version.
    #[serde(default)]
    pub unsupported: bool,
    /// Must not run inside a transaction block.
    #[serde(default)]
    pub no_transaction: bool,
    /// A known problem of this version range worth a warning.
    pub caveat: Option<String>,
    /// MySQL/MariaDB: the cheapest `ALGORITHM=` the operation supports
    /// (`instant`, `nocopy`, `inplace`, `copy`). An explicit request for a
    /// cheaper one fails the statement. `inplace` with `work = "metadata"`
    /// is also what MariaDB calls `nocopy`.
    pub algorithm: Option<String>,
    /// The engine parses the clause and silently does nothing (MySQL's
    /// inline `REFERENCES`, CHECK before 8.0.16).
    #[serde(default)]
    pub ignored: bool,
    /// Documentation the fact comes from.
    pub doc: Option<String>,
}

/// A type change that does not rewrite the table.
#[derive(Debug, Clone, Deserialize)]
pub struct TypeChange {
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// `always`, `length-grows`, `precision-grows`, `length-grows-same-class`, `values-appended`.
    pub when: String,
    /// The algorithm (MySQL) or note.
    #[serde(default)]
    pub note: String,
    pub since: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EngineFacts {
    pub engine: String,
    /// Versions the facts know, oldest first; the last is the default.
    pub versions: Vec<String>,
    /// Functions evaluated per row when used as a column default.
    #[serde(default)]
    pub volatile_functions: Vec<String>,
    /// The setting that bounds how long DDL waits for its lock.
    pub lock_timeout_setting: Option<String>,
    /// DDL is transactional (PostgreSQL, SQLite) or commits implicitly (MySQL).
    #[serde(default)]
    pub transactional_ddl: bool,
    /// Positional `INSERT … VALUES` must match the column count.
    #[serde(default)]
    pub insert_values_must_match: bool,
    /// A shadow-table copy with change capture keeps the table online
    /// (false for SQLite, whose rebuild holds the database write lock).
    #[serde(default)]
    pub online_shadow_copy: bool,
    /// Bytes per character assumed for length-class checks (MySQL utf8mb4: 4).
    #[serde(default)]
    pub bytes_per_char: u64,
    /// Rows per second for a table rewrite, an index build and a validation
    /// scan, to estimate how long a lock is held when statistics are known.
    #[serde(default = "default_rewrite_rate")]
    pub rewrite_rows_per_second: f64,
    #[serde(default = "default_rewrite_rate")]
    pub index_rows_per_second: f64,
    #[serde(default = "default_scan_rate")]
    pub scan_rows_per_second: f64,
    #[serde(default, rename = "op")]
    pub ops: Vec<OpFact>,
    #[serde(default, rename = "type_change")]
    pub type_changes: Vec<TypeChange>,
    /// Type name aliases, normalised to the first name of each group.
    #[serde(default)]
    pub type_aliases: Vec<Vec<String>>,
    /// `ALGORITHM=INSTANT` accepts no LOCK clause but `LOCK=DEFAULT` (MySQL).
    #[serde(default)]
    pub instant_takes_no_lock: bool,
    /// Types whose argument is a display width, not a size (MySQL `int(11)`):
    /// changing it changes nothing stored.
    #[serde(default)]
    pub display_width_types: Vec<String>,
}

fn default_rewrite_rate() -> f64 {
    1_000_000.0
}

fn default_scan_rate() -> f64 {
    5_000_000.0
}

impl EngineFacts {
    pub fn newest(&self) -> Version {
        self.versions
            .last()
            .and_then(|v| Version::parse(v))
            .unwrap_or(Version(vec![0]))
    }

    /// The fact for `kind`/`variant` at `version`, if the data has one.
    pub fn op(&self, kind: &str, variant: &str, version: &Version) -> Option<&OpFact> {
        self.ops.iter().find(|f| {
            f.kind == kind
                && f.variant == variant
                && f.since
                    .as_deref()
                    .and_then(Version::parse)
                    .is_none_or(|s| *version >= s)
                && f.until
                    .as_deref()
                    .and_then(Version::parse)
                    .is_none_or(|u| *version < u)
        })
    }

    /// The first of `variants` that has a fact (most specific first); a
    /// fact with `variant = "*"` covers every variant of its kind that has
    /// no fact of its own (SQLite: everything ALTER TABLE cannot do).
    pub fn first_op(&self, kind: &str, variants: &[String], version: &Version) -> Option<&OpFact> {
        variants
            .iter()
            .find_map(|v| self.op(kind, v, version))
            .or_else(|| self.op(kind, "*", version))
    }

    /// The canonical name of a type (`int4` → `integer`).
    pub fn canonical_type<'a>(&'a self, base: &'a str) -> &'a str {
        self.type_aliases
            .iter()
            .find(|g| g.iter().any(|a| a == base))
            .and_then(|g| g.first())
            .map(|s| s.as_str())
            .unwrap_or(base)
    }
}

const SOURCES: [(Engine, &str); 4] = [
    (Engine::Postgres, include_str!("../rules/postgres.toml")),
    (Engine::Mysql, include_str!("../rules/mysql.toml")),
    (Engine::Mariadb, include_str!("../rules/mariadb.toml")),
    (Engine::Sqlite, include_str!("../rules/sqlite.toml")),
];

/// The facts of one engine (parsed once).
pub fn facts(engine: Engine) -> &'static EngineFacts {
    static ALL: OnceLock<Vec<(Engine, EngineFacts)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(e, text)| {
                let f: EngineFacts = toml::from_str(text)
                    .unwrap_or_else(|err| panic!("rules/{}.toml is invalid: {err}", e.name()));
                (*e, f)
            })
            .collect()
    });
    &all.iter()
        .find(|(e, _)| *e == engine)
        .expect("every engine has facts")
        .1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_file_parses_and_names_its_engine() {
        for e in Engine::ALL {
            let f = facts(e);
            assert_eq!(f.engine, e.name());
            assert!(!f.versions.is_empty());
            assert!(!f.ops.is_empty(), "{e} has no op facts");
            for op in &f.ops {
                for v in [&op.since, &op.until].into_iter().flatten() {
                    assert!(Version::parse(v).is_some(), "{e}: bad version {v}");
                }
                if let Some(r) = &op.rewrite_to {
                    assert!(
                        f.ops.iter().any(|o| o.kind == op.kind && &o.variant == r),
                        "{e}: {} rewrite_to {r} has no fact",
                        op.kind
                    );
                }
            }
        }
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn mysql_instant_add_and_drop_column_by_version() {
        let f = facts(Engine::Mysql);
        let algo = |kind: &str, variant: &str, ver: &str| {
            f.op(kind, variant, &v(ver))
                .and_then(|o| o.algorithm.clone())
                .unwrap()
        };
        assert_eq!(algo("add-column", "nullable", "5.7"), "inplace");
        assert_eq!(algo("add-column", "nullable", "8.0.11"), "inplace");
        assert_eq!(algo("add-column", "nullable", "8.0.12"), "instant");
        assert_eq!(algo("add-column", "positioned", "8.0.28"), "inplace");
        assert_eq!(algo("add-column", "positioned", "8.0.29"), "instant");
        assert_eq!(algo("drop-column", "plain", "8.0.28"), "inplace");
        assert_eq!(algo("drop-column", "plain", "8.4"), "instant");
        assert_eq!(algo("redefine-column", "rewrite", "8.4"), "copy");
        assert_eq!(algo("add-constraint", "foreign-key", "8.4"), "copy");
        assert!(
            f.op("add-constraint", "check", &v("8.0.15"))
                .unwrap()
                .ignored
        );
        assert!(
            !f.op("add-constraint", "check", &v("8.0.16"))
                .unwrap()
                .ignored
        );
        assert!(
            f.op("rename-column", "plain", &v("5.7"))
                .unwrap()
                .unsupported
        );
        assert!(
            f.op("inline-references", "plain", &v("8.4"))
                .unwrap()
                .ignored
        );
    }

    #[test]
    fn mariadb_instant_column_changes_by_version() {
        let f = facts(Engine::Mariadb);
        let work =
            |kind: &str, variant: &str, ver: &str| f.op(kind, variant, &v(ver)).unwrap().work;
        assert_eq!(work("add-column", "nullable", "10.3.1"), Work::Rewrite);
        assert_eq!(work("add-column", "nullable", "10.3.2"), Work::Metadata);
        assert_eq!(work("add-column", "positioned", "10.3.9"), Work::Rewrite);
        assert_eq!(work("add-column", "positioned", "10.4"), Work::Metadata);
        assert_eq!(work("drop-column", "plain", "10.4"), Work::Metadata);
        assert_eq!(work("redefine-column", "reorder", "10.11"), Work::Metadata);
        assert!(
            f.op("rename-column", "plain", &v("10.4"))
                .unwrap()
                .unsupported
        );
        assert!(
            !f.op("rename-column", "plain", &v("10.5.2"))
                .unwrap()
                .unsupported
        );
        assert!(
            f.op("inline-references", "plain", &v("10.4"))
                .unwrap()
                .ignored
        );
        assert!(f.op("inline-references", "plain", &v("10.5")).is_none());
    }

    #[test]
    fn sqlite_alter_support_by_version_and_rebuild_fallback() {
        let f = facts(Engine::Sqlite);
        assert!(
            f.op("rename-column", "plain", &v("3.24"))
                .unwrap()
                .unsupported
        );
        assert!(
            !f.op("rename-column", "plain", &v("3.25"))
                .unwrap()
                .unsupported
        );
        assert!(
            f.op("drop-column", "plain", &v("3.34"))
                .unwrap()
                .unsupported
        );
        assert!(
            !f.op("drop-column", "plain", &v("3.35"))
                .unwrap()
                .unsupported
        );
        // Everything ALTER TABLE cannot do falls back to the `*` rebuild fact.
        let any = f
            .first_op("alter-column-type", &["rewrite".into()], &v("3.45"))
            .unwrap();
        assert!(any.unsupported && any.work == Work::Rewrite);
        assert!(
            f.first_op(
                "add-column",
                &["unique".into(), "nullable".into()],
                &v("3.45")
            )
            .unwrap()
            .unsupported
        );
    }

    #[test]
    fn postgres_11_made_constant_defaults_metadata_only() {
        let f = facts(Engine::Postgres);
        let v10 = Version::parse("10").unwrap();
        let v11 = Version::parse("11").unwrap();
        assert_eq!(
            f.op("add-column", "default-constant", &v10).unwrap().work,
            Work::Rewrite
        );
        assert_eq!(
            f.op("add-column", "default-constant", &v11).unwrap().work,
            Work::Metadata
        );
    }
}
