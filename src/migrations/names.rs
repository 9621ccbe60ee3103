//! Migration file names taken apart: direction (`.up.sql`/`.down.sql`),
//! per-dialect suffixes (`.postgres.sql`), version numbers, Flyway's
//! `V1_2__desc`, and the choice among per-dialect variants.

use crate::engine::Engine;
use std::collections::{BTreeMap, BTreeSet};

/// Up or down, from a `.up.sql` / `.down.sql` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Up,
    Down,
    Unmarked,
}

/// One `.sql` file of the folder, its name taken apart.
#[derive(Debug, Clone)]
pub(super) struct SqlFile {
    /// Repository-relative path.
    pub(super) full: String,
    /// Path relative to the migrations folder.
    pub(super) rel: String,
    /// Base name without `.sql`, direction or dialect (`0001_init`).
    pub(super) stem: String,
    pub(super) direction: Direction,
    pub(super) dialect: Option<Engine>,
    /// A dialect suffix naming a database shipgate does not check
    /// (`x.cockroach.up.sql`): the file is never replayed.
    pub(super) foreign_dialect: Option<String>,
    /// gobuffalo/pop's `x.autocommit.up.sql`: run outside a transaction.
    pub(super) autocommit: bool,
}

pub(super) fn dialect_of(word: &str) -> Option<Engine> {
    match word.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" | "pg" => Some(Engine::Postgres),
        "mysql" => Some(Engine::Mysql),
        "mariadb" => Some(Engine::Mariadb),
        "sqlite" | "sqlite3" => Some(Engine::Sqlite),
        _ => None,
    }
}

/// Dialect suffixes of databases shipgate does not check. CockroachDB
/// speaks PostgreSQL's protocol but its DDL differs, so gobuffalo/pop and
/// ory/popx keep a `.cockroach.` variant beside `.postgres.`; for a
/// PostgreSQL check the `.postgres.` one is the file that runs.
const FOREIGN_DIALECTS: &[&str] = &["cockroach", "cockroachdb", "crdb"];

fn foreign_dialect(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    FOREIGN_DIALECTS.contains(&w.as_str()).then_some(w)
}

pub(super) fn parse_sql_name(full: &str, rel: &str) -> Option<SqlFile> {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    let cut = base.len().checked_sub(4)?;
    if !base.is_char_boundary(cut) || !base[cut..].eq_ignore_ascii_case(".sql") {
        return None;
    }
    let mut stem = &base[..cut];
    let mut direction = Direction::Unmarked;
    let mut dialect = None;
    let mut foreign = None;
    let mut autocommit = false;
    // Both `x.postgres.up.sql` and `x.up.postgres.sql` are accepted, and
    // pop's `x.postgres.autocommit.up.sql`.
    for _ in 0..3 {
        let Some((head, last)) = stem.rsplit_once('.') else {
            break;
        };
        let no_dialect = dialect.is_none() && foreign.is_none();
        if direction == Direction::Unmarked && last.eq_ignore_ascii_case("up") {
            direction = Direction::Up;
        } else if direction == Direction::Unmarked && last.eq_ignore_ascii_case("down") {
            direction = Direction::Down;
        } else if no_dialect && !autocommit && last.eq_ignore_ascii_case("autocommit") {
            autocommit = true;
        } else if let (true, Some(e)) = (no_dialect, dialect_of(last)) {
            dialect = Some(e);
        } else if let (true, Some(f)) = (no_dialect, foreign_dialect(last)) {
            foreign = Some(f);
        } else {
            break;
        }
        stem = head;
    }
    Some(SqlFile {
        full: full.to_string(),
        rel: rel.to_string(),
        stem: stem.to_string(),
        direction,
        dialect,
        foreign_dialect: foreign,
        autocommit,
    })
}

pub(super) fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

pub(super) fn base(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Keeps one file per migration among per-dialect variants: the engine's own
/// file wins (MariaDB falls back to MySQL's), then the generic one; other
/// engines' files are skipped.
pub(super) fn select_dialects(
    files: Vec<SqlFile>,
    engine: Option<Engine>,
    notes: &mut Vec<String>,
) -> Vec<SqlFile> {
    let only_dialect: Option<Engine> = {
        let set: BTreeSet<Engine> = files.iter().filter_map(|f| f.dialect).collect();
        let generic = files.iter().any(|f| f.dialect.is_none());
        (set.len() == 1 && !generic)
            .then(|| set.into_iter().next())
            .flatten()
    };
    let mut groups: BTreeMap<(String, String), Vec<SqlFile>> = BTreeMap::new();
    for f in files {
        groups
            .entry((parent(&f.rel).to_string(), f.stem.clone()))
            .or_default()
            .push(f);
    }
    let rank = |f: &SqlFile| -> Option<u8> {
        if f.foreign_dialect.is_some() {
            return None;
        }
        match (f.dialect, engine) {
            (Some(d), Some(e)) if d == e => Some(0),
            (Some(Engine::Mysql), Some(Engine::Mariadb)) => Some(1),
            (None, _) => Some(2),
            (Some(d), None) if Some(d) == only_dialect => Some(2),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (_, mut group) in groups {
        group.sort_by(|a, b| a.rel.cmp(&b.rel));
        let best = group
            .iter()
            .filter_map(|f| rank(f).map(|r| (r, f)))
            .min_by_key(|(r, _)| *r);
        match best {
            Some((_, f)) => out.push(f.clone()),
            // A variant only for a database shipgate does not check (a
            // CockroachDB file whose PostgreSQL twin is missing): not this
            // engine's migration, so only worth a note.
            None if group.iter().all(|f| f.foreign_dialect.is_some()) => notes.push(format!(
                "skipped {} (written for {}, which shipgate does not check)",
                group
                    .iter()
                    .map(|f| f.full.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                group[0]
                    .foreign_dialect
                    .as_deref()
                    .unwrap_or("another database")
            )),
            None => notes.push(format!(
                "skipped {} (written for another engine{})",
                group
                    .iter()
                    .map(|f| f.full.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if engine.is_none() {
                    "; engine unknown"
                } else {
                    ""
                }
            )),
        }
    }
    out
}

/// A Flyway file name: `V1_2__desc` → (`V`, `1.2`, `desc`).
pub(super) fn flyway_name(stem: &str) -> Option<(char, String, String)> {
    let (head, desc) = stem.split_once("__")?;
    let mut chars = head.chars();
    let prefix = chars.next()?;
    let version: String = chars.as_str().replace('_', ".");
    match prefix {
        'V' | 'U' => {
            let ok = !version.is_empty()
                && version
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            ok.then(|| (prefix, version, desc.to_string()))
        }
        'R' if version.is_empty() => Some(('R', String::new(), desc.to_string())),
        _ => None,
    }
}

/// `0003_create_users` → (`0003`, `create_users`).
pub(super) fn numbered(stem: &str) -> Option<(String, String)> {
    let n = stem.bytes().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let rest = &stem[n..];
    let name = rest.strip_prefix('_').unwrap_or(rest);
    if !rest.is_empty() && !rest.starts_with('_') {
        return None;
    }
    Some((stem[..n].to_string(), name.to_string()))
}

pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_names_come_apart() {
        let f = parse_sql_name("m/1_a.postgres.up.sql", "1_a.postgres.up.sql").unwrap();
        assert_eq!(
            (f.stem.as_str(), f.direction, f.dialect),
            ("1_a", Direction::Up, Some(Engine::Postgres))
        );
        let f = parse_sql_name("m/1_a.down.sql", "1_a.down.sql").unwrap();
        assert_eq!(f.direction, Direction::Down);
        let f = parse_sql_name("x.mysql.sql", "x.mysql.sql").unwrap();
        assert_eq!((f.stem.as_str(), f.dialect), ("x", Some(Engine::Mysql)));
        assert!(parse_sql_name("a.txt", "a.txt").is_none());
        assert!(parse_sql_name("é.s", "é.s").is_none());
    }

    #[test]
    fn flyway_names() {
        assert_eq!(
            flyway_name("V1_2__x"),
            Some(('V', "1.2".into(), "x".into()))
        );
        assert_eq!(
            flyway_name("V1.2__add_col"),
            Some(('V', "1.2".into(), "add_col".into()))
        );
        assert_eq!(
            flyway_name("R__views"),
            Some(('R', "".into(), "views".into()))
        );
        assert_eq!(flyway_name("Vx__y"), None);
        assert_eq!(flyway_name("R1__y"), None);
    }

    #[test]
    fn numbered_names() {
        assert_eq!(
            numbered("0003_create_users"),
            Some(("0003".into(), "create_users".into()))
        );
        assert_eq!(numbered("42"), Some(("42".into(), "".into())));
        assert_eq!(numbered("3abc"), None);
        assert_eq!(numbered("init"), None);
    }
}
