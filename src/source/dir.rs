//! A revision as a directory on disk (`--old DIR --new DIR`).

use super::{blob_id, SourceError, Tree};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file below a directory, listed once when opened and read on demand.
/// `.git/` is skipped; symbolic links are followed, but a directory reached
/// twice (a link loop, or two links to one place) is walked only once.
#[derive(Debug)]
pub struct DirTree {
    root: PathBuf,
    files: Vec<String>,
}

impl DirTree {
    pub fn open(dir: impl AsRef<Path>) -> Result<DirTree, SourceError> {
        let root = dir.as_ref().to_path_buf();
        let io_err = |e: std::io::Error| SourceError::Io {
            path: root.display().to_string(),
            message: describe(&e),
        };
        let meta = fs::metadata(&root).map_err(io_err)?;
        if !meta.is_dir() {
            return Err(SourceError::Io {
                path: root.display().to_string(),
                message: "not a directory".into(),
            });
        }
        // Reading the root itself must work; failures deeper down are too.
        fs::read_dir(&root).map_err(io_err)?;
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        walk(&root, "", &mut seen, &mut files)?;
        files.sort();
        files.dedup();
        Ok(DirTree { root, files })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn full(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn walk(
    dir: &Path,
    rel: &str,
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<String>,
) -> Result<(), SourceError> {
    let err = |p: &Path, e: std::io::Error| SourceError::Io {
        path: p.display().to_string(),
        message: describe(&e),
    };
    // Canonical paths make link loops terminate: each real directory once.
    let real = fs::canonicalize(dir).map_err(|e| err(dir, e))?;
    if !seen.insert(real) {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| err(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| err(dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            // A name that is not UTF-8 cannot be reported or matched; skip it.
            continue;
        };
        if name == ".git" {
            continue;
        }
        let path = entry.path();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        // `metadata` follows links; a dangling link is skipped.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, &child, seen, files)?;
        } else if meta.is_file() {
            files.push(child);
        }
    }
    Ok(())
}

impl Tree for DirTree {
    fn label(&self) -> String {
        self.root.display().to_string()
    }

    fn files(&self) -> &[String] {
        &self.files
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let full = self.full(path);
        fs::read(&full).map_err(|e| SourceError::Io {
            path: full.display().to_string(),
            message: describe(&e),
        })
    }

    fn read_many(&self, paths: &[&str]) -> Vec<Result<Vec<u8>, SourceError>> {
        use rayon::prelude::*;
        paths.par_iter().map(|p| self.read(p)).collect()
    }

    fn content_id(&self, path: &str) -> Option<String> {
        self.read(path).ok().map(|b| blob_id(&b))
    }
}
