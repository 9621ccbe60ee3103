//! Migrators whose version is the whole file name, ordered by name:
//! maragudk/migrate (used by harness/gitness) takes `^([\w-]+).up.sql$`, so
//! `0001_create_table_a.up.sql` and `0001_create_table_b.up.sql` are two
//! versions, applied in file-name order, and — the dot being unescaped —
//! `0021_add_internal_up.sql` is an up file too (`_down.sql` a down file).
//!
//! Told from the numbered layouts by the files themselves: two up files
//! that share a numeric prefix under different names (which every numbered
//! tool rejects as a duplicate version), no per-dialect file, no section
//! markers (goose and dbmate are recognised before), and every name of the
//! `[\w-]` characters the tool's pattern allows.
//! <https://github.com/maragudk/migrate/blob/main/migrate.go>

use super::names::{numbered, Direction, SqlFile};
use std::collections::HashMap;

/// `stem` with a `_up` / `_down` suffix read as the direction, for a file
/// without a `.up` / `.down` one.
fn direction_of(f: &SqlFile) -> (Direction, &str) {
    if f.direction != Direction::Unmarked {
        return (f.direction, &f.stem);
    }
    let lower = f.stem.to_ascii_lowercase();
    if lower.ends_with("_up") {
        (Direction::Up, &f.stem[..f.stem.len() - 3])
    } else if lower.ends_with("_down") {
        (Direction::Down, &f.stem[..f.stem.len() - 5])
    } else {
        (Direction::Unmarked, &f.stem)
    }
}

fn word_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The folder's files follow the name-versioned layout: then its up files
/// with their versions (the name without direction), in the order the tool
/// applies them; `None` otherwise.
pub(super) fn name_versioned(chosen: &[SqlFile]) -> Option<Vec<(SqlFile, String)>> {
    if chosen
        .iter()
        .any(|f| f.dialect.is_some() || f.rel.contains('/'))
    {
        return None;
    }
    let mut ups = Vec::new();
    for f in chosen {
        let (direction, version) = direction_of(f);
        if !word_chars(version) || numbered(version).is_none() {
            return None;
        }
        if direction == Direction::Up {
            ups.push((f.clone(), version.to_string()));
        }
    }
    let mut by_number: HashMap<String, &str> = HashMap::new();
    let shared = ups.iter().any(|(_, v)| {
        let (n, _) = numbered(v).unwrap_or_default();
        by_number.insert(n, v).is_some_and(|other| other != v)
    });
    if !shared {
        return None;
    }
    // The tool sorts the directory entries by name, byte for byte.
    ups.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    Some(ups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::names::parse_sql_name;

    fn files(names: &[&str]) -> Vec<SqlFile> {
        names
            .iter()
            .map(|n| parse_sql_name(&format!("m/{n}"), n).unwrap())
            .collect()
    }

    fn versions(names: &[&str]) -> Option<Vec<String>> {
        name_versioned(&files(names)).map(|v| v.into_iter().map(|(_, v)| v).collect())
    }

    #[test]
    fn shared_numeric_prefixes_order_by_name() {
        assert_eq!(
            versions(&[
                "0001_b.up.sql",
                "0000_a.up.sql",
                "0001_a.up.sql",
                "0002_c_up.sql",
                "0002_c_down.sql",
                "0001_a.down.sql",
            ]),
            Some(vec![
                "0000_a".into(),
                "0001_a".into(),
                "0001_b".into(),
                "0002_c".into()
            ])
        );
    }

    #[test]
    fn other_layouts_are_left_alone() {
        // Unique numbers: golang-migrate / sqlx read them.
        assert_eq!(versions(&["0001_a.up.sql", "0002_b.up.sql"]), None);
        // Per-dialect files, or a dot in the name: not this tool's pattern.
        assert_eq!(
            versions(&["0001_a.postgres.up.sql", "0001_b.postgres.up.sql"]),
            None
        );
        assert_eq!(
            versions(&["0001_a.cockroach.up.sql", "0001_a.up.sql"]),
            None
        );
        // A name without a leading number.
        assert_eq!(
            versions(&["0001_a.up.sql", "0001_b.up.sql", "init.up.sql"]),
            None
        );
        // Down files alone never share a version.
        assert_eq!(
            versions(&["0001_a.down.sql", "0001_b.down.sql", "0001_a.up.sql"]),
            None
        );
    }
}
