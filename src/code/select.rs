//! Which files of a revision are scanned for SQL: `.gitignore` rules found in
//! the tree, the default skips (tests, vendored and generated code,
//! migrations — those are read as migrations, not as application code), and
//! the `include`/`exclude` globs of the `[code]` table in `shipgate.toml`.

use super::ScanConfig;
use crate::source::Tree;
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::path::PathBuf;
use thiserror::Error;

/// Skipped unless an `include` glob names them.
pub const DEFAULT_SKIPS: &[&str] = &[
    // tests
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "**/spec/**",
    "**/testdata/**",
    "**/*_test.go",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/*.spec.{ts,tsx,js,jsx,mjs}",
    "**/*.test.{ts,tsx,js,jsx,mjs}",
    "**/*_spec.rb",
    "**/*_test.rb",
    "**/*Test.{java,kt,php}",
    "**/*Tests.{java,kt,cs}",
    "**/*Test.cs",
    "**/src/test/**",
    // vendored
    "**/vendor/**",
    "**/node_modules/**",
    "**/third_party/**",
    "**/third-party/**",
    "**/.venv/**",
    "**/venv/**",
    "**/site-packages/**",
    // generated
    "**/target/**",
    "**/dist/**",
    "**/build/**",
    "**/generated/**",
    "**/__generated__/**",
    "**/*.generated.*",
    "**/*.g.cs",
    "**/*.designer.cs",
    "**/*.min.js",
    "**/*.pb.go",
    "**/*_pb2.py",
    "**/*.gen.go",
    "**/.git/**",
    // migrations are read by the migration reader, not as application code
    "**/migrations/**",
    "**/migrate/**",
    "**/alembic/versions/**",
];

#[derive(Debug, Error)]
pub enum SelectError {
    #[error("shipgate.toml [code]: bad glob {glob:?}: {message}")]
    Glob { glob: String, message: String },
}

/// Decides, path by path, whether a file is scanned.
pub struct FileFilter {
    gitignores: Vec<(String, Gitignore)>,
    include: Option<GlobSet>,
    exclude: GlobSet,
    skips: Option<GlobSet>,
}

const ROOT: &str = "/repo";

fn globset(globs: &[String]) -> Result<GlobSet, SelectError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| SelectError::Glob {
            glob: g.clone(),
            message: e.to_string(),
        })?;
        b.add(glob);
        // `dir/**` should also match `dir` files directly below: globset does.
    }
    b.build().map_err(|e| SelectError::Glob {
        glob: globs.join(", "),
        message: e.to_string(),
    })
}

impl FileFilter {
    pub fn new(tree: &dyn Tree, cfg: &ScanConfig) -> Result<FileFilter, SelectError> {
        let mut gitignores = Vec::new();
        for path in tree.files() {
            if path == ".gitignore" || path.ends_with("/.gitignore") {
                let dir = path.trim_end_matches(".gitignore").trim_end_matches('/');
                let Ok(text) = tree.read_text(path) else {
                    continue;
                };
                let root = if dir.is_empty() {
                    PathBuf::from(ROOT)
                } else {
                    PathBuf::from(format!("{ROOT}/{dir}"))
                };
                let mut b = GitignoreBuilder::new(&root);
                for line in text.lines() {
                    // A line git cannot read is ignored by git too.
                    let _ = b.add_line(None, line);
                }
                if let Ok(gi) = b.build() {
                    gitignores.push((dir.to_string(), gi));
                }
            }
        }
        // Deeper .gitignore files take precedence.
        gitignores.sort_by_key(|(d, _)| std::cmp::Reverse(d.matches('/').count() + d.len().min(1)));
        let skips = if cfg.default_skips {
            Some(globset(
                &DEFAULT_SKIPS
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            )?)
        } else {
            None
        };
        Ok(FileFilter {
            gitignores,
            include: if cfg.include.is_empty() {
                None
            } else {
                Some(globset(&cfg.include)?)
            },
            exclude: globset(&cfg.exclude)?,
            skips,
        })
    }

    /// Whether `path` (repository-relative) is scanned.
    pub fn wants(&self, path: &str) -> bool {
        if self.exclude.is_match(path) {
            return false;
        }
        let included = self.include.as_ref().map(|s| s.is_match(path));
        if included == Some(false) {
            return false;
        }
        if included != Some(true) && self.skips.as_ref().is_some_and(|s| s.is_match(path)) {
            return false;
        }
        !self.gitignored(path)
    }

    fn gitignored(&self, path: &str) -> bool {
        for (dir, gi) in &self.gitignores {
            if !dir.is_empty() && !path.starts_with(&format!("{dir}/")) {
                continue;
            }
            match gi.matched_path_or_any_parents(format!("{ROOT}/{path}"), false) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }
}
