//! Where a revision keeps its migrations: the `--migrations` override, the
//! folders tools use by default, any folder named `migrations`, versioned
//! files at the root, and finally a declarative schema file.

use super::layout::{is_dump, read_folder, schema_migration};
use super::{DiscoverError, Layout, MigrationSet};
use crate::engine::Engine;
use crate::source::Tree;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Default folders of the tools, most specific first.
const FOLDERS: &[&str] = &[
    "migrations",
    "db/migrations",
    "db/migrate",
    "database/migrations",
    "src/main/resources/db/migration",
    "src/main/resources/db/migrations",
    "src/main/resources/migrations",
    "prisma/migrations",
    "supabase/migrations",
    "sql/migrations",
    "migrate",
    "sql",
    "schema",
];

/// Declarative schema files, by their usual names.
const SCHEMA_FILES: &[&str] = &[
    "schema.sql",
    "structure.sql",
    "db/schema.sql",
    "db/structure.sql",
    "database/schema.sql",
    "sql/schema.sql",
    "schema/schema.sql",
];

/// Folders that hold other people's code, never this project's migrations.
const VENDORED: &[&str] = &[
    "node_modules",
    "vendor",
    "target",
    "third_party",
    "dist",
    "build",
];

/// `--migrations ./db//migrations/` → `db/migrations`; `None` for a path
/// that leaves the root.
fn normalize(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

pub(super) fn discover(
    tree: &dyn Tree,
    engine: Option<Engine>,
    dir_override: Option<&str>,
) -> Result<MigrationSet, DiscoverError> {
    if let Some(raw) = dir_override {
        return from_override(tree, engine, raw);
    }
    for dir in FOLDERS {
        if let Some(set) = read_folder(tree, dir, engine)? {
            return Ok(set);
        }
    }
    for dir in folders_named_migrations(tree) {
        if let Some(mut set) = read_folder(tree, &dir, engine)? {
            set.notes
                .push(format!("migrations found in {dir}/ (not a default folder)"));
            return Ok(set);
        }
    }
    if root_has_versioned_files(tree) {
        if let Some(set) = read_folder(tree, "", engine)? {
            return Ok(set);
        }
    }
    if let Some(set) = schema_file(tree)? {
        return Ok(set);
    }
    let mut looked: Vec<String> = FOLDERS.iter().map(|d| format!("{d}/")).collect();
    looked.push("*/migrations/".into());
    looked.extend(SCHEMA_FILES.iter().map(|s| s.to_string()));
    Err(DiscoverError::NotFound {
        label: tree.label(),
        looked: looked.join(", "),
    })
}

fn from_override(
    tree: &dyn Tree,
    engine: Option<Engine>,
    raw: &str,
) -> Result<MigrationSet, DiscoverError> {
    let missing = || DiscoverError::OverrideMissing {
        label: tree.label(),
        path: raw.to_string(),
    };
    let path = normalize(raw).ok_or_else(missing)?;
    if !path.is_empty() && tree.contains(&path) {
        let text: Arc<str> = Arc::from(tree.read_text(&path)?);
        return Ok(schema_set(&path, text));
    }
    if tree.files_under(&path).is_empty() {
        return Err(missing());
    }
    read_folder(tree, &path, engine)?.ok_or_else(|| DiscoverError::NothingInOverride {
        label: tree.label(),
        path: raw.to_string(),
    })
}

fn schema_set(path: &str, text: Arc<str>) -> MigrationSet {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    MigrationSet {
        layout: Layout::SchemaFile,
        dir: dir.to_string(),
        migrations: Vec::new(),
        schema_file: Some(schema_migration(path, text)),
        notes: Vec::new(),
        engine_hint: None,
        dialects: BTreeSet::new(),
        not_read: Vec::new(),
    }
}

/// Folders named `migrations` or `migration` anywhere (monorepos:
/// `crates/db/migrations`), shallowest first.
fn folders_named_migrations(tree: &dyn Tree) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    for f in tree.files() {
        let parts: Vec<&str> = f.split('/').collect();
        if parts
            .iter()
            .any(|p| VENDORED.contains(p) || p.starts_with('.'))
        {
            continue;
        }
        for (i, p) in parts.iter().enumerate().take(parts.len().saturating_sub(1)) {
            if *p == "migrations" || *p == "migration" {
                dirs.insert((i, parts[..=i].join("/")));
                break;
            }
        }
    }
    dirs.into_iter().map(|(_, d)| d).collect()
}

/// Top-level `.sql` files that carry a version number (`0001_x.sql`,
/// `V1__x.sql`): the root itself is the migrations folder.
fn root_has_versioned_files(tree: &dyn Tree) -> bool {
    tree.files().iter().any(|f| {
        !f.contains('/')
            && f.to_ascii_lowercase().ends_with(".sql")
            && (f.starts_with(|c: char| c.is_ascii_digit())
                || (f.starts_with('V') && f[1..].starts_with(|c: char| c.is_ascii_digit())))
    })
}

/// A declarative schema file: a usual name, or a dump recognised by its
/// header among the `.sql` files of the first two folder levels.
fn schema_file(tree: &dyn Tree) -> Result<Option<MigrationSet>, DiscoverError> {
    for name in SCHEMA_FILES {
        if tree.contains(name) {
            let text: Arc<str> = Arc::from(tree.read_text(name)?);
            return Ok(Some(schema_set(name, text)));
        }
    }
    let shallow = tree
        .files()
        .iter()
        .filter(|f| {
            let lower = f.to_ascii_lowercase();
            f.matches('/').count() <= 1
                && lower.ends_with(".sql")
                && !lower.ends_with(".down.sql")
                && !f.split('/').any(|c| c.starts_with('.'))
        })
        .take(64);
    for f in shallow {
        // A file that is not text cannot be a dump; it is not this search's
        // business to report it.
        let Ok(text) = tree.read_text(f) else {
            continue;
        };
        if is_dump(&text) {
            return Ok(Some(schema_set(f, Arc::from(text))));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn override_paths_are_normalized() {
        assert_eq!(
            normalize("./db//migrations/").as_deref(),
            Some("db/migrations")
        );
        assert_eq!(normalize(".").as_deref(), Some(""));
        assert_eq!(normalize("../x"), None);
    }
}
