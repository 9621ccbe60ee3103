//! Table statistics (`--stats FILE`): rows and bytes per table, used to
//! tell a small table (a rewrite takes a moment) from a large one.
//! Without statistics every table that exists before the release is large.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Stats {
    #[serde(default)]
    pub tables: BTreeMap<String, TableStats>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
pub struct TableStats {
    pub rows: u64,
    #[serde(default)]
    pub bytes: Option<u64>,
}

impl Stats {
    /// Parses a stats file: JSON (`{"tables": {"users": {"rows": 10, "bytes": 8192}}}`)
    /// or the same shape in TOML (`[tables.users] rows = 10`).
    pub fn parse(path: &str, text: &str) -> Result<Stats, String> {
        if path.ends_with(".toml") {
            toml::from_str(text).map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                    .unwrap_or(1);
                format!("{path}:{line}: {}", e.message())
            })
        } else {
            serde_json::from_str(text)
                .map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()))
        }
    }

    pub fn rows(&self, table: &str) -> Option<u64> {
        self.tables
            .get(table)
            .or_else(|| {
                self.tables
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(table))
                    .map(|(_, v)| v)
            })
            .map(|t| t.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_toml_stats_parse() {
        let j = Stats::parse("s.json", r#"{"tables":{"users":{"rows":5}}}"#).unwrap();
        assert_eq!(j.rows("users"), Some(5));
        let t = Stats::parse("s.toml", "[tables.Users]\nrows = 7\nbytes = 100\n").unwrap();
        assert_eq!(t.rows("users"), Some(7));
        let e = Stats::parse("s.json", "{\n  \"tables\": 3\n}").unwrap_err();
        assert!(e.starts_with("s.json:2:"), "{e}");
    }
}
