//! Reading a revision of a repository: a directory on disk ([`DirTree`]) or a
//! git revision read straight from git's object store ([`GitTree`], no
//! checkout). This is the only place of the analysis that touches the file
//! system or git; everything downstream sees a [`Tree`].

mod dir;
mod git;

pub use dir::DirTree;
pub use git::GitTree;

use std::path::PathBuf;
use thiserror::Error;

/// Where one revision comes from, as the command line gives it:
/// `--old DIR` / `--new DIR`, or `--repo DIR --base REV` / `--head REV`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    Dir(PathBuf),
    Git { repo: PathBuf, rev: String },
}

impl Revision {
    /// Opens the revision; errors name the directory or `repo` and `rev`.
    pub fn open(&self) -> Result<Box<dyn Tree>, SourceError> {
        Ok(match self {
            Revision::Dir(dir) => Box::new(DirTree::open(dir)?),
            Revision::Git { repo, rev } => Box::new(GitTree::open(repo, rev)?),
        })
    }
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: not valid UTF-8 (at byte {offset})")]
    NotUtf8 { path: String, offset: usize },
    #[error("{repo}: {message}")]
    Git { repo: String, message: String },
}

/// One revision of a repository, as a set of files.
pub trait Tree: Send + Sync {
    /// A label for messages: the directory, or `repo@rev`.
    fn label(&self) -> String;
    /// Every file path, relative to the root, `/`-separated, sorted.
    fn files(&self) -> &[String];
    /// The bytes of one file.
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError>;
    /// The text of one file; non-UTF-8 content is an error naming the file.
    fn read_text(&self, path: &str) -> Result<String, SourceError> {
        let bytes = self.read(path)?;
        String::from_utf8(bytes).map_err(|e| SourceError::NotUtf8 {
            path: path.to_string(),
            offset: e.utf8_error().valid_up_to(),
        })
    }
    /// The bytes of many files, in the order asked. Trees that can fetch in
    /// bulk (git's object store, a parallel file system read) override this.
    fn read_many(&self, paths: &[&str]) -> Vec<Result<Vec<u8>, SourceError>> {
        paths.iter().map(|p| self.read(p)).collect()
    }
    /// The text of many files, in the order asked; see [`Tree::read_text`].
    fn read_text_many(&self, paths: &[&str]) -> Vec<Result<String, SourceError>> {
        self.read_many(paths)
            .into_iter()
            .zip(paths)
            .map(|(bytes, path)| {
                String::from_utf8(bytes?).map_err(|e| SourceError::NotUtf8 {
                    path: path.to_string(),
                    offset: e.utf8_error().valid_up_to(),
                })
            })
            .collect()
    }
    /// A content identity (git blob id, or a hash of the bytes) so identical
    /// files in two revisions are analysed once.
    fn content_id(&self, path: &str) -> Option<String>;

    /// Whether `path` is one of the files of this revision.
    fn contains(&self, path: &str) -> bool {
        self.files()
            .binary_search_by(|f| f.as_str().cmp(path))
            .is_ok()
    }

    /// The files below folder `dir` (`""` for the root), still sorted. Paths
    /// sharing a prefix are contiguous in sorted order, so this is a slice.
    fn files_under(&self, dir: &str) -> &[String] {
        let files = self.files();
        if dir.is_empty() {
            return files;
        }
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let start = files.partition_point(|f| f.as_str() < prefix.as_str());
        let len = files[start..].partition_point(|f| f.starts_with(&prefix));
        &files[start..start + len]
    }
}

/// Git's blob id for `bytes` (SHA-1 of `blob <len>\0` + bytes), so a file read
/// from disk and the same file read from git have the same content id.
pub fn blob_id(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }
}
