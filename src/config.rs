//! `shipgate.toml`: the repository's settings, read from the repository
//! root (or `--config FILE`). Every setting is optional; command-line flags
//! win over the file.

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
    /// Which code to read for SQL (globs).
    #[serde(default)]
    pub code: Option<toml::Value>,
    /// Tables the migrations do not create (another schema folder, an init
    /// script): treated as existing, shape unknown.
    #[serde(default)]
    pub external_tables: Vec<String>,
    /// Deploy topology (instances, capacity, strategy).
    #[serde(default)]
    pub deploy: Option<toml::Value>,
}

impl Config {
    /// Parses the file's text; errors name the file and line.
    pub fn parse(path: &str, text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            format!("{path}:{line}: {}", e.message().trim())
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
