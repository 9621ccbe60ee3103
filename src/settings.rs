//! Every setting a command reads, resolved in one place — the shape of
//! ripgrep's low-level → high-level arguments. The inputs are what the
//! command line said (`Flags`), the environment (`SHIPGATE_*`), and the
//! repository's `shipgate.toml` (`config::Config`); `Settings::resolve`
//! merges them with the defaults into one `Settings` value, which `check`,
//! `schema` and `diff` read instead of merging anything themselves.
//!
//! Precedence, for every setting: flag > environment > `shipgate.toml` >
//! default. The environment names only what a CI job sets once for all its
//! commands: `SHIPGATE_ENGINE`, `SHIPGATE_ENGINE_VERSION`,
//! `SHIPGATE_FAIL_ON` (an empty value counts as unset). A bad value names
//! where it came from (the variable, or `shipgate.toml: key`) and is an
//! input error (exit 2); so is an unknown key in `shipgate.toml`, with its
//! line (`config`).

use crate::analysis::stats::Stats;
use crate::code::ScanConfig;
use crate::config::Config;
use crate::engine::{Engine, Version};
use crate::source::Tree;
use crate::verdict::Verdict;

/// What the command line said (low level: nothing merged yet).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub engine: Option<Engine>,
    pub engine_version: Option<Version>,
    pub migrations: Option<String>,
    /// `--config FILE`.
    pub config: Option<String>,
    pub fail_on: Option<Verdict>,
    /// `--stats FILE`.
    pub stats: Option<String>,
}

/// Where the table statistics come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsFile {
    /// `--stats FILE`: a path on this machine.
    Flag(String),
    /// `stats` in `shipgate.toml`: a path inside the new revision.
    Repository(String),
}

/// The resolved settings (high level): what every command reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The engine; `None`: detect it from the migrations.
    pub engine: Option<Engine>,
    /// The version production runs; `None`: the newest the rules know.
    pub engine_version: Option<Version>,
    /// The migrations folder or schema file; `None`: discover it.
    pub migrations: Option<String>,
    /// The verdict at and above which `check` exits with its code.
    pub fail_on: Verdict,
    /// The statistics file, read only by the commands that use it.
    pub stats: Option<StatsFile>,
    /// Which code files to read (`[code]`).
    pub code: ScanConfig,
    /// Tables the migrations do not create.
    pub external_tables: Vec<String>,
}

/// The `fail_on` default: a release that needs an intermediate schema fails the gate.
pub const DEFAULT_FAIL_ON: Verdict = Verdict::ExpandContract;

/// The environment as the resolver sees it: a lookup by name.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment; an empty value counts as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The settings file: `--config FILE` (read from this machine), or
/// `shipgate.toml` at the root of `tree`, or none. Returns (name for
/// messages, text).
pub fn read_config(
    flag: Option<&str>,
    tree: &dyn Tree,
) -> Result<Option<(String, String)>, String> {
    match flag {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"))?;
            Ok(Some((p.to_string(), text)))
        }
        None if tree.files().iter().any(|f| f == "shipgate.toml") => {
            let text = tree.read_text("shipgate.toml").map_err(|e| e.to_string())?;
            Ok(Some(("shipgate.toml".to_string(), text)))
        }
        None => Ok(None),
    }
}

impl Settings {
    /// Merges flags, environment, the settings file (name, text) and the
    /// defaults. Errors name the variable, or the file and line.
    pub fn resolve(
        flags: &Flags,
        env: Env,
        file: Option<(&str, &str)>,
    ) -> Result<Settings, String> {
        let cfg = match file {
            Some((path, text)) => Config::parse(path, text)?,
            None => Config::default(),
        };
        Ok(Settings {
            engine: pick(
                flags.engine,
                env,
                "SHIPGATE_ENGINE",
                ("engine", cfg.engine.as_deref()),
                parse_engine,
            )?,
            engine_version: pick(
                flags.engine_version.clone(),
                env,
                "SHIPGATE_ENGINE_VERSION",
                ("engine_version", cfg.engine_version.as_deref()),
                parse_version,
            )?,
            migrations: flags.migrations.clone().or(cfg.migrations),
            fail_on: pick(
                flags.fail_on,
                env,
                "SHIPGATE_FAIL_ON",
                ("fail_on", cfg.fail_on.as_deref()),
                parse_verdict,
            )?
            .unwrap_or(DEFAULT_FAIL_ON),
            stats: match (&flags.stats, cfg.stats) {
                (Some(p), _) => Some(StatsFile::Flag(p.clone())),
                (None, Some(p)) => Some(StatsFile::Repository(p)),
                (None, None) => None,
            },
            code: cfg.code.unwrap_or_default(),
            external_tables: cfg.external_tables,
        })
    }

    /// Reads and parses the statistics file, if one is set; a file named
    /// in `shipgate.toml` is read from `tree` (the new revision).
    pub fn load_stats(&self, tree: &dyn Tree) -> Result<Option<Stats>, String> {
        let (path, text) = match &self.stats {
            None => return Ok(None),
            Some(StatsFile::Flag(p)) => (
                p,
                std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"))?,
            ),
            Some(StatsFile::Repository(p)) => (p, tree.read_text(p).map_err(|e| e.to_string())?),
        };
        Stats::parse(path, &text).map(Some)
    }
}

/// flag > environment variable `var` > file key > none; a bad value names
/// where it came from.
fn pick<T>(
    flag: Option<T>,
    env: Env,
    var: &str,
    (key, file): (&str, Option<&str>),
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if flag.is_some() {
        return Ok(flag);
    }
    if let Some(v) = env(var) {
        return parse(&v).map(Some).map_err(|e| format!("{var}: {e}"));
    }
    match file {
        Some(v) => parse(v)
            .map(Some)
            .map_err(|e| format!("shipgate.toml: {key}: {e}")),
        None => Ok(None),
    }
}

pub fn parse_engine(s: &str) -> Result<Engine, String> {
    Engine::parse(s).ok_or_else(|| {
        format!("unknown engine '{s}' (expected postgres, mysql, mariadb or sqlite)")
    })
}

pub fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s)
        .ok_or_else(|| format!("'{s}' is not a version (expected e.g. 15, 8.0.35, 10.11.6, 3.45)"))
}

pub fn parse_verdict(s: &str) -> Result<Verdict, String> {
    Verdict::parse(s).ok_or_else(|| format!("unknown verdict '{s}' (expected zero-downtime, expand-contract, maintenance-window or blocked)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FILE: &str = "engine = \"mysql\"\nengine_version = \"8.0.35\"\nfail_on = \"blocked\"\nmigrations = \"db\"\nstats = \"stats.json\"\nexternal_tables = [\"audit\"]\n[code]\nexclude = [\"vendor/**\"]\n";

    #[test]
    fn a_flag_wins_over_the_environment_which_wins_over_the_file() {
        let file = Some(("shipgate.toml", FILE));
        let none = env_of(&[]);
        let s = Settings::resolve(&Flags::default(), &none, file).unwrap();
        assert_eq!(s.engine, Some(Engine::Mysql));
        assert_eq!(s.engine_version, Version::parse("8.0.35"));
        assert_eq!(s.fail_on, Verdict::Blocked);
        assert_eq!(s.migrations.as_deref(), Some("db"));
        assert_eq!(s.stats, Some(StatsFile::Repository("stats.json".into())));
        assert_eq!(s.external_tables, ["audit"]);
        assert_eq!(s.code.exclude, ["vendor/**"]);

        let env = env_of(&[
            ("SHIPGATE_ENGINE", "mariadb"),
            ("SHIPGATE_ENGINE_VERSION", "10.11"),
            ("SHIPGATE_FAIL_ON", "maintenance-window"),
        ]);
        let s = Settings::resolve(&Flags::default(), &env, file).unwrap();
        assert_eq!(s.engine, Some(Engine::Mariadb));
        assert_eq!(s.engine_version, Version::parse("10.11"));
        assert_eq!(s.fail_on, Verdict::MaintenanceWindow);

        let flags = Flags {
            engine: Some(Engine::Postgres),
            engine_version: Version::parse("15"),
            fail_on: Some(Verdict::ZeroDowntime),
            migrations: Some("sql".into()),
            stats: Some("/tmp/s.json".into()),
            config: None,
        };
        let s = Settings::resolve(&flags, &env, file).unwrap();
        assert_eq!(s.engine, Some(Engine::Postgres));
        assert_eq!(s.engine_version, Version::parse("15"));
        assert_eq!(s.fail_on, Verdict::ZeroDowntime);
        assert_eq!(s.migrations.as_deref(), Some("sql"));
        assert_eq!(s.stats, Some(StatsFile::Flag("/tmp/s.json".into())));
    }

    #[test]
    fn without_any_input_the_defaults_hold() {
        let s = Settings::resolve(&Flags::default(), &env_of(&[]), None).unwrap();
        assert_eq!(s.engine, None);
        assert_eq!(s.engine_version, None);
        assert_eq!(s.fail_on, DEFAULT_FAIL_ON);
        assert_eq!(s.stats, None);
        assert_eq!(s.code, ScanConfig::default());
        assert!(s.external_tables.is_empty());
    }

    #[test]
    fn a_bad_value_names_where_it_came_from() {
        let e = Settings::resolve(
            &Flags::default(),
            &env_of(&[("SHIPGATE_ENGINE", "oracle")]),
            Some(("shipgate.toml", FILE)),
        )
        .unwrap_err();
        assert!(
            e.starts_with("SHIPGATE_ENGINE: unknown engine 'oracle'"),
            "{e}"
        );
        let e = Settings::resolve(
            &Flags::default(),
            &env_of(&[]),
            Some(("shipgate.toml", "fail_on = \"sometimes\"\n")),
        )
        .unwrap_err();
        assert!(
            e.starts_with("shipgate.toml: fail_on: unknown verdict"),
            "{e}"
        );
        // A flag that wins is never second-guessed by a bad lower layer.
        let flags = Flags {
            engine: Some(Engine::Sqlite),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags, &env_of(&[("SHIPGATE_ENGINE", "oracle")]), None);
        assert_eq!(s.unwrap().engine, Some(Engine::Sqlite));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line_and_table() {
        let e = Settings::resolve(
            &Flags::default(),
            &env_of(&[]),
            Some((
                "shipgate.toml",
                "engine = \"postgres\"\n\nfail_onn = \"blocked\"\n",
            )),
        )
        .unwrap_err();
        assert!(
            e.starts_with("shipgate.toml:3: unknown field `fail_onn`"),
            "{e}"
        );
        let e = Settings::resolve(
            &Flags::default(),
            &env_of(&[]),
            Some((
                "ci/gate.toml",
                "engine = \"postgres\"\n[code]\ninclude = []\nexclud = [\"x\"]\n",
            )),
        )
        .unwrap_err();
        assert!(
            e.starts_with("ci/gate.toml:4: [code]: unknown field `exclud`"),
            "{e}"
        );
    }
}
