//! Which migrations a release adds, edits or removes, matched by id.

use super::{Migration, MigrationSet};
use std::collections::{HashMap, HashSet};

/// The difference between the migrations of two revisions.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes<'a> {
    /// In the new revision and not the old one (or a Flyway repeatable
    /// migration whose text changed, which Flyway runs again), in replay order.
    pub added: Vec<&'a Migration>,
    /// Same id, different up text: a released migration was edited (the
    /// caller reports it as blocked). `(old, new)`, in the new replay order.
    pub edited: Vec<(&'a Migration, &'a Migration)>,
    /// In the old revision and gone from the new one, in the old replay order.
    pub removed: Vec<&'a Migration>,
}

impl Changes<'_> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.edited.is_empty() && self.removed.is_empty()
    }
}

/// The up text as the database sees it: line endings and trailing blank
/// space do not make an edit (a checkout with `core.autocrlf` changes them).
fn same_up(a: &Migration, b: &Migration) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    let (x, y) = (a.up_text(), b.up_text());
    x == y || norm(x) == norm(y)
}

/// Matches `new` against `old` by migration id, then by path: a release that
/// changes how the folder is read (a `Cargo.toml` appears, a folder becomes
/// nested) changes ids but not the files, and must not look like a new history.
/// Schema files are not compared here: the caller diffs the schemas they describe.
pub fn compare<'a>(old: &'a MigrationSet, new: &'a MigrationSet) -> Changes<'a> {
    let by_id: HashMap<&str, &Migration> =
        old.migrations.iter().map(|m| (m.id.as_str(), m)).collect();
    let by_path: HashMap<&str, &Migration> = old
        .migrations
        .iter()
        .map(|m| (m.path.as_str(), m))
        .collect();
    let mut matched: HashSet<&str> = HashSet::new();
    let mut changes = Changes::default();
    for m in &new.migrations {
        let Some(o) = by_id
            .get(m.id.as_str())
            .or_else(|| by_path.get(m.path.as_str()))
        else {
            changes.added.push(m);
            continue;
        };
        matched.insert(o.path.as_str());
        if same_up(o, m) {
            continue;
        }
        if m.repeatable {
            changes.added.push(m);
        } else {
            changes.edited.push((o, m));
        }
    }
    changes.removed = old
        .migrations
        .iter()
        .filter(|m| !matched.contains(m.path.as_str()))
        .collect();
    changes
}
