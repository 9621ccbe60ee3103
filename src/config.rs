//! `shipgate.toml`: the repository's settings, read from the repository
//! root (or `--config FILE`), as written. Every setting is optional; an
//! unknown key is an error naming the file, the line and the table.
//! `settings` merges the file with flags, environment and defaults.

use crate::code::ScanConfig;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `postgres`, `mysql`, `mariadb` or `sqlite`.
    pub engine: Option<String>,
    /// The engine version production runs (`15`, `8.0.35`).
    pub engine_version: Option<String>,
    /// The migrations folder (or schema file), relative to the repository root.
    pub migrations: Option<String>,
    /// The verdict at and above which `check` fails.
    pub fail_on: Option<String>,
    /// Table statistics file, relative to the repository root.
    pub stats: Option<String>,
    /// Which code to read for SQL (globs): the `[code]` table.
    #[serde(default)]
    pub code: Option<ScanConfig>,
    /// Tables the migrations do not create (another schema folder, an init
    /// script): treated as existing, shape unknown.
    #[serde(default)]
    pub external_tables: Vec<String>,
    /// Deploy topology (instances, capacity, strategy): read by no command
    /// yet, so its keys are not checked.
    #[serde(default)]
    pub deploy: Option<toml::Value>,
}

impl Config {
    /// Parses the file's text; errors name the file and line, and the
    /// table when the key is inside one (`[code]`).
    pub fn parse(path: &str, text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let start = e.span().map(|s| s.start.min(text.len())).unwrap_or(0);
            let line = text[..start].matches('\n').count() + 1;
            let table = text[..start]
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .and_then(|l| l.split_once(']').map(|(t, _)| format!("{t}]: ")))
                .unwrap_or_default();
            format!("{path}:{line}: {table}{}", e.message().trim())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_keys_and_rejects_unknown_ones_with_a_line() {
        let c = Config::parse(
            "shipgate.toml",
            "engine = \"mysql\"\nengine_version = \"8.0.35\"\n",
        )
        .unwrap();
        assert_eq!(c.engine.as_deref(), Some("mysql"));
        let e = Config::parse("shipgate.toml", "engine = \"mysql\"\nengin = 1\n").unwrap_err();
        assert!(e.starts_with("shipgate.toml:2:"), "{e}");
        let c = Config::parse("shipgate.toml", "external_tables = [\"visibility\"]\n").unwrap();
        assert_eq!(c.external_tables, ["visibility"]);
        let e = Config::parse("shipgate.toml", "\nexternal_tables = \"visibility\"\n").unwrap_err();
        assert!(e.starts_with("shipgate.toml:2:"), "{e}");
    }
}
