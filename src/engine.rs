//! Database engines and their versions, identifier quoting, and the
//! sqlparser dialect each engine is parsed with.

use serde::Serialize;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

impl Engine {
    pub const ALL: [Engine; 4] = [
        Engine::Postgres,
        Engine::Mysql,
        Engine::Mariadb,
        Engine::Sqlite,
    ];

    /// Parses an engine name as given on the command line or in `shipgate.toml`.
    pub fn parse(s: &str) -> Option<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Some(Engine::Postgres),
            "mysql" => Some(Engine::Mysql),
            "mariadb" => Some(Engine::Mariadb),
            "sqlite" | "sqlite3" => Some(Engine::Sqlite),
            _ => None,
        }
    }

    /// The engine a database URL talks to, from its scheme. `mysql://` may be
    /// MySQL or MariaDB; the server's version string decides later.
    pub fn from_url(url: &str) -> Option<Engine> {
        let scheme = url.split("://").next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(Engine::Postgres),
            "mysql" => Some(Engine::Mysql),
            "mariadb" => Some(Engine::Mariadb),
            "sqlite" => Some(Engine::Sqlite),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Mariadb => "mariadb",
            Engine::Sqlite => "sqlite",
        }
    }

    /// MySQL and MariaDB share a parser and most syntax.
    pub fn is_mysql_family(self) -> bool {
        matches!(self, Engine::Mysql | Engine::Mariadb)
    }

    pub fn dialect(self) -> Box<dyn Dialect + Send + Sync> {
        match self {
            Engine::Postgres => Box::new(PostgreSqlDialect {}),
            Engine::Mysql | Engine::Mariadb => Box::new(MySqlDialect {}),
            Engine::Sqlite => Box::new(SQLiteDialect {}),
        }
    }

    /// Quotes an identifier for this engine, doubling any embedded quote.
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Engine::Mysql | Engine::Mariadb => format!("`{}`", name.replace('`', "``")),
            Engine::Postgres | Engine::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// Quotes a possibly schema-qualified name (`schema.table`), part by part.
    pub fn quote_qualified(self, name: &str) -> String {
        name.split('.')
            .map(|p| self.quote_ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dotted version number (`15`, `8.0.35`, `10.11.6`, `3.45`).
/// Missing trailing parts compare as zero, so `8.0` == `8.0.0`.
#[derive(Debug, Clone, Eq, Serialize)]
#[serde(into = "String")]
pub struct Version(pub Vec<u32>);

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches(['v', 'V']);
        // Accept server strings such as "10.11.6-MariaDB-0+deb12u1" or "15.4 (Debian ...)".
        let core: String = s
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let parts: Option<Vec<u32>> = core
            .split('.')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().ok())
            .collect();
        let parts = parts?;
        if parts.is_empty() {
            None
        } else {
            Some(Version(parts))
        }
    }

    fn part(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|p| p.to_string()).collect();
        f.write_str(&parts.join("."))
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("10.11.6") > v("10.4"));
        assert!(v("8.0.12") > v("8.0.9"));
        assert_eq!(v("8.0"), v("8.0.0"));
        assert_eq!(v("10.11.6-MariaDB-0+deb12u1"), v("10.11.6"));
        assert!(Version::parse("abc").is_none());
    }

    #[test]
    fn identifiers_are_quoted_per_engine() {
        assert_eq!(Engine::Postgres.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Engine::Mysql.quote_ident("a`b"), "`a``b`");
        assert_eq!(Engine::Postgres.quote_qualified("s.t"), "\"s\".\"t\"");
    }
}
