//! Helpers shared by the discovery tests: on-disk trees and an in-memory tree.
#![allow(dead_code)]

use shipgate::source::{blob_id, DirTree, SourceError, Tree};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// Writes `files` (path, bytes) below `root`.
pub fn write_files(root: &Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
}

/// A temporary directory holding `files`, opened as a [`DirTree`].
pub fn dir_tree(files: &[(&str, &str)]) -> (TempDir, DirTree) {
    let tmp = TempDir::new().unwrap();
    let bytes: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    write_files(tmp.path(), &bytes);
    let tree = DirTree::open(tmp.path()).unwrap();
    (tmp, tree)
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// A tree in memory, for property tests that build thousands of trees.
#[derive(Debug, Clone)]
pub struct MemTree {
    pub files: BTreeMap<String, Vec<u8>>,
    list: Vec<String>,
}

impl MemTree {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> MemTree {
        let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        let list = files.keys().cloned().collect();
        MemTree { files, list }
    }
}

impl Tree for MemTree {
    fn label(&self) -> String {
        "memory".into()
    }
    fn files(&self) -> &[String] {
        &self.list
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| SourceError::Io {
                path: path.into(),
                message: "no such file".into(),
            })
    }
    fn content_id(&self, path: &str) -> Option<String> {
        self.files.get(path).map(|b| blob_id(b))
    }
}
