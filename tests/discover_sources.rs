//! Reading revisions: directories on disk and commits of a git repository.

mod common;

use common::write_files;
use shipgate::engine::Engine;
use shipgate::migrations::{compare, discover};
use shipgate::source::{DirTree, GitTree, Revision, Tree};
use std::path::Path;
use std::process::Command;

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.autocrlf=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A repository with two commits: the second adds a migration and edits
/// the README; the working tree then gets an uncommitted change.
fn two_commit_repo() -> tempfile::TempDir {
    let tmp = tempfile::TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    write_files(
        repo,
        &[
            ("Cargo.toml", b"[package]\nname = \"app\"\n"),
            ("README.md", b"v1\n"),
            (
                "migrations/0001_init.sql",
                b"CREATE TABLE users (id serial primary key);\n",
            ),
            ("bin/blob.dat", b"\x00\xff\x00binary"),
        ],
    );
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "one"]);
    write_files(
        repo,
        &[
            ("README.md", b"v2\n"),
            (
                "migrations/0002_email.sql",
                b"ALTER TABLE users ADD COLUMN email text;\n",
            ),
        ],
    );
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "two"]);
    // Not committed: must not be visible through GitTree.
    write_files(repo, &[("migrations/0003_wip.sql", b"DROP TABLE users;\n")]);
    tmp
}

#[test]
fn git_tree_reads_both_revisions_without_checkout() {
    let tmp = two_commit_repo();
    let base = GitTree::open(tmp.path(), "HEAD~1").unwrap();
    let head = GitTree::open(tmp.path(), "HEAD").unwrap();
    assert_eq!(
        base.files(),
        [
            "Cargo.toml",
            "README.md",
            "bin/blob.dat",
            "migrations/0001_init.sql"
        ]
    );
    assert!(head.contains("migrations/0002_email.sql"));
    assert!(!head.contains("migrations/0003_wip.sql"));
    assert_eq!(base.read_text("README.md").unwrap(), "v1\n");
    assert_eq!(head.read_text("README.md").unwrap(), "v2\n");
    assert_eq!(head.read("bin/blob.dat").unwrap(), b"\x00\xff\x00binary");
    let err = head.read_text("bin/blob.dat").unwrap_err().to_string();
    assert!(
        err.contains("bin/blob.dat") && err.contains("UTF-8"),
        "{err}"
    );
    assert!(head.label().ends_with("@HEAD"));
    assert_eq!(head.commit().len(), 40);

    // content_id is the blob id: equal for unchanged files, different otherwise.
    let id = |t: &GitTree, p: &str| t.content_id(p).unwrap();
    assert_eq!(
        id(&base, "migrations/0001_init.sql"),
        id(&head, "migrations/0001_init.sql")
    );
    assert_ne!(id(&base, "README.md"), id(&head, "README.md"));
    assert_eq!(
        id(&head, "README.md"),
        git(tmp.path(), &["rev-parse", "HEAD:README.md"])
    );
    // A directory holding the same bytes gives the same id.
    let dir = DirTree::open(tmp.path()).unwrap();
    assert_eq!(dir.content_id("README.md").unwrap(), id(&head, "README.md"));

    let old = discover(&base, Some(Engine::Postgres), None).unwrap();
    let new = discover(&head, Some(Engine::Postgres), None).unwrap();
    let changes = compare(&old, &new);
    let added: Vec<&str> = changes.added.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(added, ["migrations/0002_email.sql"]);
    assert!(changes.edited.is_empty() && changes.removed.is_empty());
}

#[test]
fn git_errors_name_the_repository_and_revision() {
    let tmp = two_commit_repo();
    let repo = tmp.path().display().to_string();
    let err = GitTree::open(tmp.path(), "no-such-branch")
        .unwrap_err()
        .to_string();
    assert_eq!(err, format!("{repo}: unknown revision 'no-such-branch'"));
    let err = GitTree::open(tmp.path(), "--output=/tmp/x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown revision '--output=/tmp/x'"), "{err}");
    // A blob is not a commit.
    let blob = git(tmp.path(), &["rev-parse", "HEAD:README.md"]);
    let err = GitTree::open(tmp.path(), &blob).unwrap_err().to_string();
    assert!(err.contains("unknown revision"), "{err}");

    let plain = tempfile::TempDir::new().unwrap();
    let err = GitTree::open(plain.path(), "HEAD").unwrap_err().to_string();
    assert!(err.contains("not a git repository"), "{err}");
    assert!(err.contains(&plain.path().display().to_string()), "{err}");

    let err = GitTree::open(plain.path().join("missing"), "HEAD")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing") && err.contains("no such directory"),
        "{err}"
    );

    let head = GitTree::open(tmp.path(), "HEAD").unwrap();
    let err = head.read("not/there.sql").unwrap_err().to_string();
    assert!(err.contains("not/there.sql"), "{err}");
}

#[test]
fn git_tree_reads_thousands_of_files_through_one_process() {
    let tmp = tempfile::TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    let files = shipgate::synth::history(2_000, Engine::Postgres, 5);
    for (path, text) in &files {
        write_files(repo, &[(path.as_str(), text.as_bytes())]);
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "history"]);
    let tree = GitTree::open(repo, "HEAD").unwrap();
    assert_eq!(tree.files().len(), 2_000);
    for (path, text) in &files {
        assert_eq!(&tree.read_text(path).unwrap(), text);
    }
    let set = discover(&tree, Some(Engine::Postgres), None).unwrap();
    assert_eq!(set.migrations.len(), 2_000);
    assert_eq!(set.migrations[1999].path, files[1999].0);
}

#[test]
fn dir_tree_lists_files_skips_git_and_survives_link_loops() {
    let tmp = tempfile::TempDir::new().unwrap();
    write_files(
        tmp.path(),
        &[
            ("b/x.sql", b"SELECT 1;"),
            ("a.sql", b"SELECT 2;"),
            (".git/HEAD", b"ref: refs/heads/main"),
        ],
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tmp.path(), tmp.path().join("b/loop")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("gone"), tmp.path().join("dangling")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("a.sql"), tmp.path().join("link.sql")).unwrap();
    }
    let tree = DirTree::open(tmp.path()).unwrap();
    #[cfg(unix)]
    assert_eq!(tree.files(), ["a.sql", "b/x.sql", "link.sql"]);
    assert_eq!(tree.read_text("b/x.sql").unwrap(), "SELECT 1;");
    assert_eq!(tree.files_under("b"), ["b/x.sql"]);
    let err = tree.read("nope.sql").unwrap_err().to_string();
    assert!(
        err.contains("nope.sql") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn dir_tree_errors_name_the_directory() {
    let tmp = tempfile::TempDir::new().unwrap();
    let missing = tmp.path().join("does-not-exist");
    let err = DirTree::open(&missing).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{}: no such file or directory", missing.display())
    );
    write_files(tmp.path(), &[("file.txt", b"x")]);
    let err = DirTree::open(tmp.path().join("file.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.ends_with("file.txt: not a directory"), "{err}");
}

#[test]
fn revisions_open_from_the_command_line_shapes() {
    let tmp = two_commit_repo();
    let head = Revision::Git {
        repo: tmp.path().to_path_buf(),
        rev: "HEAD".into(),
    }
    .open()
    .unwrap();
    assert!(head.contains("migrations/0002_email.sql"));
    assert!(!head.contains("migrations/0003_wip.sql"));
    let dir = Revision::Dir(tmp.path().to_path_buf()).open().unwrap();
    assert!(dir.contains("migrations/0003_wip.sql"));
    assert!(!dir.files().iter().any(|f| f.starts_with(".git/")));
    let err = Revision::Dir(tmp.path().join("nope")).open().err().unwrap();
    assert!(err.to_string().contains("nope"));
}
