//! Which database a file's code speaks to, and which query builders or
//! run-time ORMs it uses, read from the names it imports or mentions
//! (driver packages, client types), the folders it sits in, and Go build
//! tags. Everything known is the [`MARKERS`] table: a new driver or library
//! is a new row.
//!
//! The scan uses this to leave out code written for another engine (a
//! Cassandra persistence layer's CQL, the MySQL half of a per-engine
//! plugin) and to mark what a query builder touches as unknown rather than
//! unused. One regex pass per file finds every marker.

use super::languages::Language;
use super::orm::Orm;
use crate::engine::Engine;
use once_cell::sync::Lazy;
use regex::Regex;

/// What a marker says a file's queries are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Store {
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    Sqlite,
    /// SQL through a generic interface (`database/sql`, DB-API, JDBC): the
    /// engine is not said, but the strings are SQL.
    AnySql,
    /// A database whose query language looks like SQL but is not this
    /// schema's (CQL of Cassandra and ScyllaDB).
    Cql,
    /// A store without SQL at all (Redis, MongoDB): its strings never look
    /// like statements, so it decides nothing on its own.
    NoSql,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::Postgres => "PostgreSQL",
            Store::Mysql => "MySQL",
            Store::Sqlite => "SQLite",
            Store::AnySql => "SQL",
            Store::Cql => "Cassandra/ScyllaDB (CQL)",
            Store::NoSql => "a non-SQL store",
        }
    }

    /// Whether SQL for this store is SQL for `engine`.
    pub fn is(self, engine: Engine) -> bool {
        match self {
            Store::Postgres => engine == Engine::Postgres,
            Store::Mysql => engine.is_mysql_family(),
            Store::Sqlite => engine == Engine::Sqlite,
            Store::AnySql | Store::NoSql => true,
            Store::Cql => false,
        }
    }
}

/// What a marker means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A driver or client of this store.
    Driver(Store),
    /// A query builder or run-time ORM: the SQL it sends is built at run
    /// time. `covered_by`: the ORM whose model declarations shipgate reads
    /// (when the revision has such declarations, they stand for the usage).
    Builder {
        library: &'static str,
        covered_by: Option<Orm>,
    },
}

/// One row of the table: a text that, found in a file of one of `langs`
/// (empty = any), means `meaning`.
pub struct Marker {
    pub needle: &'static str,
    pub langs: &'static [Language],
    pub meaning: Meaning,
}

impl Marker {
    /// The package or type the needle names (`import sqlite3` → `sqlite3`).
    pub fn shown(&self) -> &'static str {
        let n = self.needle;
        let n = n
            .strip_prefix("import ")
            .or_else(|| n.strip_prefix("from "))
            .or_else(|| n.strip_prefix("require("))
            .unwrap_or(n);
        n.trim_matches(|c| matches!(c, '"' | '\'' | '(' | ')' | ';'))
    }
}

use Language::*;
use Meaning::{Builder, Driver};
use Store::*;

const GO: &[Language] = &[Go];
const RS: &[Language] = &[Rust];
const PY: &[Language] = &[Python];
const JS: &[Language] = &[TypeScript, Tsx, JavaScript];
const JVM: &[Language] = &[Java, Kotlin];
const RB: &[Language] = &[Ruby];
const CS: &[Language] = &[CSharp];
const PHP: &[Language] = &[Php];

const fn b(library: &'static str) -> Meaning {
    Builder {
        library,
        covered_by: None,
    }
}
const fn orm(library: &'static str, o: Orm) -> Meaning {
    Builder {
        library,
        covered_by: Some(o),
    }
}
const fn m(needle: &'static str, langs: &'static [Language], meaning: Meaning) -> Marker {
    Marker {
        needle,
        langs,
        meaning,
    }
}

/// Driver packages, client types and query-builder libraries.
pub static MARKERS: &[Marker] = &[
    // Go
    m("github.com/gocql/gocql", GO, Driver(Cql)),
    m("github.com/scylladb/gocqlx", GO, Driver(Cql)),
    m("github.com/redis/go-redis", GO, Driver(NoSql)),
    m("github.com/go-redis/redis", GO, Driver(NoSql)),
    m("go.mongodb.org/mongo-driver", GO, Driver(NoSql)),
    m("github.com/jackc/pgx", GO, Driver(Postgres)),
    m("github.com/lib/pq", GO, Driver(Postgres)),
    m("github.com/go-sql-driver/mysql", GO, Driver(Mysql)),
    m("github.com/mattn/go-sqlite3", GO, Driver(Sqlite)),
    m("modernc.org/sqlite", GO, Driver(Sqlite)),
    m("\"database/sql\"", GO, Driver(AnySql)),
    m("github.com/jmoiron/sqlx", GO, Driver(AnySql)),
    m("github.com/Masterminds/squirrel", GO, b("squirrel")),
    m("github.com/doug-martin/goqu", GO, b("goqu")),
    m("gorm.io/gorm", GO, orm("GORM", Orm::Gorm)),
    m("github.com/jinzhu/gorm", GO, orm("GORM", Orm::Gorm)),
    m("xorm.io/xorm", GO, b("xorm")),
    m("github.com/uptrace/bun", GO, b("bun")),
    m("entgo.io/ent", GO, b("ent")),
    m("github.com/go-jet/jet", GO, b("jet")),
    // Rust
    m("scylla::", RS, Driver(Cql)),
    m("cdrs_tokio", RS, Driver(Cql)),
    m("mongodb::", RS, Driver(NoSql)),
    m("redis::", RS, Driver(NoSql)),
    m("PgPool", RS, Driver(Postgres)),
    m("PgConnection", RS, Driver(Postgres)),
    m("sqlx::postgres", RS, Driver(Postgres)),
    m("sqlx::Postgres", RS, Driver(Postgres)),
    m("tokio_postgres", RS, Driver(Postgres)),
    m("MySqlPool", RS, Driver(Mysql)),
    m("sqlx::mysql", RS, Driver(Mysql)),
    m("sqlx::MySql", RS, Driver(Mysql)),
    m("mysql_async", RS, Driver(Mysql)),
    m("SqlitePool", RS, Driver(Sqlite)),
    m("sqlx::sqlite", RS, Driver(Sqlite)),
    m("sqlx::Sqlite", RS, Driver(Sqlite)),
    m("rusqlite", RS, Driver(Sqlite)),
    // diesel and sea-query have `QueryBuilder` traits too: only sqlx's
    // constructor and paths count.
    m("sqlx::QueryBuilder", RS, b("sqlx QueryBuilder")),
    m("QueryBuilder::new(", RS, b("sqlx QueryBuilder")),
    m("QueryBuilder::with_arguments(", RS, b("sqlx QueryBuilder")),
    m("QueryBuilder::<", RS, b("sqlx QueryBuilder")),
    m("sea_query", RS, b("SeaQuery")),
    m("sea_orm", RS, b("SeaORM")),
    // Python
    m("cassandra.cluster", PY, Driver(Cql)),
    m("import pymongo", PY, Driver(NoSql)),
    m("psycopg", PY, Driver(Postgres)),
    m("asyncpg", PY, Driver(Postgres)),
    m("pymysql", PY, Driver(Mysql)),
    m("MySQLdb", PY, Driver(Mysql)),
    m("mysql.connector", PY, Driver(Mysql)),
    m("aiomysql", PY, Driver(Mysql)),
    m("import sqlite3", PY, Driver(Sqlite)),
    m("aiosqlite", PY, Driver(Sqlite)),
    m("sqlalchemy", PY, orm("SQLAlchemy", Orm::SqlAlchemy)),
    m("flask_sqlalchemy", PY, orm("SQLAlchemy", Orm::SqlAlchemy)),
    m("from django.db", PY, orm("Django ORM", Orm::Django)),
    m("peewee", PY, b("peewee")),
    m("pypika", PY, b("PyPika")),
    m("tortoise", PY, b("Tortoise ORM")),
    // TypeScript / JavaScript
    m("cassandra-driver", JS, Driver(Cql)),
    m("from \"pg\"", JS, Driver(Postgres)),
    m("from 'pg'", JS, Driver(Postgres)),
    m("require(\"pg\")", JS, Driver(Postgres)),
    m("require('pg')", JS, Driver(Postgres)),
    m("postgres.js", JS, Driver(Postgres)),
    m("mysql2", JS, Driver(Mysql)),
    m("better-sqlite3", JS, Driver(Sqlite)),
    m("knex", JS, b("knex")),
    m("typeorm", JS, b("TypeORM")),
    m("sequelize", JS, b("Sequelize")),
    m("kysely", JS, b("Kysely")),
    m("drizzle-orm", JS, b("Drizzle")),
    m("@mikro-orm", JS, b("MikroORM")),
    m("@prisma/client", JS, orm("Prisma client", Orm::Prisma)),
    // Java / Kotlin
    m("com.datastax", JVM, Driver(Cql)),
    m("org.jooq", JVM, b("jOOQ")),
    m("javax.persistence", JVM, b("JPA")),
    m("jakarta.persistence", JVM, b("JPA")),
    m("org.jetbrains.exposed", JVM, b("Exposed")),
    // Ruby
    m("ApplicationRecord", RB, orm("ActiveRecord", Orm::Rails)),
    m("ActiveRecord::Base", RB, orm("ActiveRecord", Orm::Rails)),
    m("Sequel.connect", RB, b("Sequel")),
    // C#
    m("Cassandra;", CS, Driver(Cql)),
    m("Npgsql", CS, Driver(Postgres)),
    m("MySqlConnector", CS, Driver(Mysql)),
    m("MySql.Data", CS, Driver(Mysql)),
    m("Microsoft.Data.Sqlite", CS, Driver(Sqlite)),
    m("Microsoft.EntityFrameworkCore", CS, b("Entity Framework")),
    // PHP
    m("Illuminate\\Database", PHP, b("Eloquent")),
    m("Doctrine\\ORM", PHP, b("Doctrine ORM")),
];

/// Folder names that say which database the code below them is for.
const PATH_SEGMENTS: &[(&str, Store)] = &[
    ("postgres", Postgres),
    ("postgresql", Postgres),
    ("pgsql", Postgres),
    ("pg", Postgres),
    ("mysql", Mysql),
    ("mariadb", Mysql),
    ("sqlite", Sqlite),
    ("sqlite3", Sqlite),
    ("cassandra", Cql),
    ("scylla", Cql),
    ("scylladb", Cql),
    ("cql", Cql),
];

static MATCHER: Lazy<Regex> = Lazy::new(|| {
    // A needle that starts with a word character starts a word
    // (`PaginatedQueryBuilder::new(` is not sqlx's `QueryBuilder::new(`).
    let alts: Vec<String> = MARKERS
        .iter()
        .map(|m| {
            let e = regex::escape(m.needle);
            if m.needle
                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                format!(r"\b{e}")
            } else {
                e
            }
        })
        .collect();
    Regex::new(&alts.join("|")).expect("valid regex")
});

/// A marker found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub marker: usize,
    /// Byte offset of the first occurrence.
    pub at: usize,
}

impl Found {
    pub fn marker(&self) -> &'static Marker {
        &MARKERS[self.marker]
    }
}

/// The markers of `language` that occur in `text`, each once (first
/// occurrence), in table order.
pub fn find(language: Language, text: &str) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    for mat in MATCHER.find_iter(text) {
        let Some(i) = MARKERS.iter().position(|m| {
            m.needle == mat.as_str() && (m.langs.is_empty() || m.langs.contains(&language))
        }) else {
            continue;
        };
        if !out.iter().any(|f| f.marker == i) {
            out.push(Found {
                marker: i,
                at: mat.start(),
            });
        }
    }
    out.sort_by_key(|f| f.marker);
    out
}

/// Engine names long enough to be recognised inside a folder name
/// (`riversqlite`, `mysqlstore`, `postgres_store`).
const PATH_INFIXES: &[(&str, Store)] = &[
    ("postgres", Postgres),
    ("mysql", Mysql),
    ("mariadb", Mysql),
    ("sqlite", Sqlite),
    ("cassandra", Cql),
    ("scylla", Cql),
];

/// The store one folder name names: the whole name (`pg`, `mysql`), or
/// one long engine name inside it (a name with two engines names none).
fn folder_store(dir: &str) -> Option<Store> {
    let lower = dir.to_ascii_lowercase();
    if let Some((_, s)) = PATH_SEGMENTS.iter().find(|(n, _)| *n == lower) {
        return Some(*s);
    }
    let mut hits = PATH_INFIXES
        .iter()
        .filter(|(n, _)| lower.contains(n))
        .map(|(_, s)| *s);
    let first = hits.next()?;
    hits.all(|s| s == first).then_some(first)
}

/// The store a folder of `path` names (the nearest such folder wins).
pub fn path_store(path: &str) -> Option<(Store, &str)> {
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.into_iter()
        .rev()
        .find_map(|d| folder_store(d).map(|s| (s, d)))
}

/// The store a Go build constraint (`//go:build cassandra`) names.
pub fn build_tag_store(text: &str) -> Option<(Store, String)> {
    let mut cut = text.len().min(2048);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    for line in head.lines() {
        let l = line.trim();
        let Some(expr) = l
            .strip_prefix("//go:build")
            .or_else(|| l.strip_prefix("// +build"))
        else {
            continue;
        };
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '!')) {
            if word.starts_with('!') {
                continue;
            }
            let lower = word.to_ascii_lowercase();
            if let Some((_, s)) = PATH_SEGMENTS.iter().find(|(n, _)| *n == lower) {
                return Some((*s, word.to_string()));
            }
        }
    }
    None
}

/// Whom a file's SQL is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaks {
    /// This engine, or nothing says otherwise.
    Ours,
    /// Another database only: its SQL is not resolved ("MySQL code (it
    /// sits in folder `mysql`)").
    Foreign(String),
    /// This engine (or generic SQL) and another database: a query here
    /// that this schema does not explain may be for the other one.
    Mixed(String),
}

/// Whom a file's SQL is for, from its markers (`found`, from [`find`]),
/// folders and build tags.
///
/// A file is for another database when everything that names a store —
/// its drivers, its folders, its build tags — names stores other than
/// `engine`, and at least one of them is a SQL engine or a CQL store.
/// Non-SQL stores (Redis, MongoDB) and generic SQL interfaces decide
/// nothing alone; a file that names this engine (or generic SQL access)
/// besides another database is mixed.
pub fn speaks(
    path: &str,
    language: Language,
    text: &str,
    found: &[Found],
    engine: Engine,
) -> Speaks {
    let mut named: Vec<(Store, String)> = Vec::new();
    for f in found {
        if let Driver(s) = f.marker().meaning {
            named.push((s, format!("uses {}", f.marker().shown())));
        }
    }
    if let Some((s, d)) = path_store(path) {
        named.push((s, format!("sits in folder `{d}`")));
    }
    if language == Language::Go {
        if let Some((s, t)) = build_tag_store(text) {
            named.push((s, format!("builds with tag `{t}`")));
        }
    }
    let Some((store, why)) = named.iter().find(|(s, _)| !s.is(engine)) else {
        return Speaks::Ours;
    };
    let what = format!("{} code (it {why})", store.name());
    let ours = named
        .iter()
        .any(|(s, _)| matches!(s, Postgres | Mysql | Sqlite) && s.is(engine));
    // Generic SQL access next to a CQL driver: the file may send both.
    let generic = named.iter().any(|(s, _)| *s == AnySql);
    if ours || (generic && *store == Cql) {
        Speaks::Mixed(what)
    } else {
        Speaks::Foreign(what)
    }
}

/// [`speaks`] with the markers looked up here.
pub fn foreign(path: &str, language: Language, text: &str, engine: Engine) -> Option<String> {
    let found = if language == Language::Sql {
        Vec::new()
    } else {
        find(language, text)
    };
    match speaks(path, language, text, &found, engine) {
        Speaks::Foreign(why) => Some(why),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_needle_is_found_in_its_languages() {
        for (i, mk) in MARKERS.iter().enumerate() {
            let lang = mk.langs.first().copied().unwrap_or(Language::Go);
            let text = format!("x {} y", mk.needle);
            assert!(
                find(lang, &text)
                    .iter()
                    .any(|f| f.marker == i || MARKERS[f.marker].needle == mk.needle),
                "{}",
                mk.needle
            );
        }
        assert!(find(Language::Python, "import \"github.com/gocql/gocql\"").is_empty());
        assert!(find(
            Language::Rust,
            "use diesel::query_builder::{AstPass, QueryBuilder};"
        )
        .is_empty());
    }

    #[test]
    fn files_for_another_engine() {
        let go_cql = "package p\nimport \"github.com/gocql/gocql\"\n";
        assert!(foreign(
            "persistence/history.go",
            Language::Go,
            go_cql,
            Engine::Postgres
        )
        .is_some_and(|w| w.contains("CQL")));
        let both = "package p\nimport (\n\"database/sql\"\n\"github.com/gocql/gocql\"\n)\n";
        assert_eq!(
            foreign("p/a.go", Language::Go, both, Engine::Postgres),
            None
        );
        let redis = "package p\nimport \"github.com/redis/go-redis/v9\"\n";
        assert_eq!(foreign("p/a.go", Language::Go, redis, Engine::Mysql), None);
        let pq = "package p\nimport _ \"github.com/lib/pq\"\n";
        assert!(foreign("p/a.go", Language::Go, pq, Engine::Mysql).is_some());
        assert_eq!(foreign("p/a.go", Language::Go, pq, Engine::Postgres), None);
        assert!(foreign(
            "common/persistence/sql/sqlplugin/mysql/user.go",
            Language::Go,
            "package mysql\n",
            Engine::Postgres
        )
        .is_some_and(|w| w.contains("`mysql`")));
        assert_eq!(
            foreign(
                "common/persistence/sql/sqlplugin/postgresql/user.go",
                Language::Go,
                "package postgresql\n",
                Engine::Postgres
            ),
            None
        );
        assert!(foreign(
            "db/q.go",
            Language::Go,
            "//go:build sqlite\n\npackage db\n",
            Engine::Mariadb
        )
        .is_some());
        assert!(foreign("db/mysql/q.sql", Language::Sql, "", Engine::Mariadb).is_none());
        assert_eq!(
            path_store("riverdriver/riversqlite/driver.go").map(|x| x.0),
            Some(Store::Sqlite)
        );
        assert_eq!(path_store("tools/sqlite_to_postgres/main.go"), None);
        assert_eq!(path_store("app/pgx/main.go"), None);
        let wide = format!("package p\n//{}\n", "é".repeat(1500));
        assert!(build_tag_store(&wide).is_none());
        assert!(foreign(
            "app/repo.py",
            Language::Python,
            "import pymysql\n",
            Engine::Postgres
        )
        .is_some_and(|w| w.starts_with("MySQL")));
    }
}
