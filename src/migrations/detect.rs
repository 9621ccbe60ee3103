//! Telling the engine from the migrations when neither `--engine` nor the
//! config names it: per-dialect file names, Prisma's provider, then SQL
//! that only one engine writes. A clear winner or nothing.

use super::MigrationSet;
use crate::engine::Engine;
use once_cell::sync::Lazy;
use regex::Regex;
use std::collections::BTreeMap;

/// Engine-specific syntax, one alternative per signal (the group name says
/// which). Backticks count as MySQL: PostgreSQL never accepts them and
/// SQLite migrations rarely use them.
static SIGNALS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?xim)
          (?P<pg_dump>^--\ PostgreSQL\ database\ dump)
        | (?P<mariadb_dump>^--\ MariaDB\ dump)
        | (?P<mysql_dump>^--\ MySQL\ dump)
        | (?P<pg_serial>\b(?:big|small)?serial\b)
        | (?P<pg_cast>[\w)'\]]::\w)
        | (?P<pg_dollar>\$\$)
        | (?P<pg_concurrently>\bconcurrently\b)
        | (?P<pg_jsonb>\bjsonb\b)
        | (?P<pg_extension>\bcreate\s+extension\b)
        | (?P<pg_tstz>\btimestamptz\b)
        | (?P<my_backtick>`[^`\n]+`)
        | (?P<my_auto_increment>\bauto_increment\b)
        | (?P<my_engine>\bengine\s*=\s*(?:innodb|myisam)\b)
        | (?P<lite_autoincrement>\bautoincrement\b)
        | (?P<lite_pragma>^\s*pragma\b)
        | (?P<lite_without_rowid>\bwithout\s+rowid\b)
        ",
    )
    .expect("the signal pattern is valid")
});

fn signal_label(name: &str) -> &'static str {
    match name {
        "pg_dump" => "a pg_dump header",
        "mariadb_dump" => "a MariaDB dump header",
        "mysql_dump" => "a mysqldump header",
        "pg_serial" => "SERIAL",
        "pg_cast" => "`::` casts",
        "pg_dollar" => "`$$` quoting",
        "pg_concurrently" => "CONCURRENTLY",
        "pg_jsonb" => "jsonb",
        "pg_extension" => "CREATE EXTENSION",
        "pg_tstz" => "timestamptz",
        "my_backtick" => "backtick-quoted names",
        "my_auto_increment" => "AUTO_INCREMENT",
        "my_engine" => "ENGINE=InnoDB",
        "lite_autoincrement" => "AUTOINCREMENT",
        "lite_pragma" => "PRAGMA",
        "lite_without_rowid" => "WITHOUT ROWID",
        _ => "?",
    }
}

fn engine_of(name: &str) -> Engine {
    match name.split('_').next() {
        Some("pg") => Engine::Postgres,
        Some("my") | Some("mysql") => Engine::Mysql,
        Some("mariadb") => Engine::Mariadb,
        _ => Engine::Sqlite,
    }
}

/// The engine a set of migrations is written for, with the reason.
pub fn detect_engine(set: &MigrationSet) -> Option<(Engine, String)> {
    if let Some(hint) = &set.engine_hint {
        return Some(hint.clone());
    }
    if set.dialects.len() == 1 {
        let e = *set.dialects.iter().next()?;
        return Some((
            e,
            format!("per-dialect migration files are written for {e}"),
        ));
    }
    detect_engine_in_texts(set.up_texts())
}

/// The engine SQL texts are written for, from syntax only one engine uses.
/// A dump header decides alone; otherwise the engine with signals must have
/// at least four times as many as any other.
pub fn detect_engine_in_texts<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Option<(Engine, String)> {
    let names: Vec<Option<&str>> = SIGNALS.capture_names().collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for text in texts {
        for caps in SIGNALS.captures_iter(text) {
            if let Some(name) = names
                .iter()
                .enumerate()
                .skip(1)
                .find_map(|(i, n)| caps.get(i).and(*n))
            {
                *counts.entry(name).or_default() += 1;
            }
        }
    }
    // A dump header names its engine outright; MariaDB's before MySQL's,
    // since MariaDB dumps otherwise look like MySQL.
    for (header, engine) in [
        ("mariadb_dump", Engine::Mariadb),
        ("pg_dump", Engine::Postgres),
        ("mysql_dump", Engine::Mysql),
    ] {
        if counts.contains_key(header) {
            return Some((engine, format!("the SQL has {}", signal_label(header))));
        }
    }
    let mut per_engine: BTreeMap<Engine, usize> = BTreeMap::new();
    for (name, n) in &counts {
        *per_engine.entry(engine_of(name)).or_default() += n;
    }
    let mut ranked: Vec<(Engine, usize)> = per_engine.into_iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let (winner, top) = *ranked.first()?;
    let runner_up = ranked.get(1).map(|r| r.1).unwrap_or(0);
    if top == 0 || top < runner_up.saturating_mul(4) || (runner_up > 0 && top == runner_up) {
        return None;
    }
    let why: Vec<String> = counts
        .iter()
        .filter(|(name, _)| engine_of(name) == winner)
        .map(|(name, n)| format!("{} ({n})", signal_label(name)))
        .collect();
    Some((winner, format!("the SQL uses {}", why.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(sql: &str) -> Option<Engine> {
        detect_engine_in_texts([sql]).map(|(e, _)| e)
    }

    #[test]
    fn signals_pick_the_engine() {
        assert_eq!(
            detect("create table a (id serial primary key, d jsonb);"),
            Some(Engine::Postgres)
        );
        assert_eq!(detect("select '1'::int;"), Some(Engine::Postgres));
        assert_eq!(
            detect("CREATE TABLE `a` (id int AUTO_INCREMENT) ENGINE=InnoDB;"),
            Some(Engine::Mysql)
        );
        assert_eq!(
            detect("-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\nCREATE TABLE `a` (id int);"),
            Some(Engine::Mariadb)
        );
        assert_eq!(
            detect("PRAGMA foreign_keys=off;\ncreate table a (id integer primary key autoincrement) without rowid;"),
            Some(Engine::Sqlite)
        );
    }

    #[test]
    fn no_clear_winner_is_none() {
        assert_eq!(detect("create table a (id int);"), None);
        assert_eq!(detect("create table `a` (id serial);"), None);
    }

    #[test]
    fn the_reason_names_the_signals() {
        let (_, why) = detect_engine_in_texts(["create index concurrently i on t (x);"]).unwrap();
        assert!(why.contains("CONCURRENTLY"), "{why}");
    }
}
