//! A revision read straight from git's object store (`--base/--head`): the
//! file list comes from `git ls-tree`, contents from one long-lived
//! `git cat-file --batch` process, so nothing is checked out and thousands of
//! files cost one process, not thousands.

use super::{SourceError, Tree};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// One commit of a git repository.
pub struct GitTree {
    repo: PathBuf,
    rev: String,
    commit: String,
    files: Vec<String>,
    blobs: HashMap<String, String>,
    batch: Mutex<Option<Batch>>,
    /// Whether this git has `cat-file --batch-command --buffer`.
    buffered_batch: bool,
}

impl std::fmt::Debug for GitTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTree")
            .field("repo", &self.repo)
            .field("rev", &self.rev)
            .field("commit", &self.commit)
            .field("files", &self.files.len())
            .finish()
    }
}

impl GitTree {
    /// Resolves `rev` to a commit of the repository at `repo` and lists its files.
    pub fn open(repo: impl AsRef<Path>, rev: &str) -> Result<GitTree, SourceError> {
        let repo = repo.as_ref().to_path_buf();
        let label = repo.display().to_string();
        let git_err = |message: String| SourceError::Git {
            repo: label.clone(),
            message,
        };
        match std::fs::metadata(&repo) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(git_err("not a directory".into())),
            Err(_) => return Err(git_err("no such directory".into())),
        }
        let inside = git(&repo, &["rev-parse", "--git-dir"]).map_err(&git_err)?;
        if !inside.status.success() {
            // Say why when git refuses for another reason (e.g. "dubious
            // ownership" of a repository owned by another user).
            let stderr = String::from_utf8_lossy(&inside.stderr);
            let first = stderr.lines().next().unwrap_or("").trim();
            let first = first.strip_prefix("fatal: ").unwrap_or(first);
            return Err(git_err(
                if first.is_empty() || first.contains("not a git repository") {
                    "not a git repository".into()
                } else {
                    format!("not a usable git repository: {first}")
                },
            ));
        }
        // `--end-of-options` keeps a revision that starts with '-' from being
        // read as an option.
        let spec = format!("{rev}^{{commit}}");
        let out = git(
            &repo,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(&git_err)?;
        if !out.status.success() || rev.is_empty() {
            return Err(git_err(format!("unknown revision '{rev}'")));
        }
        let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = git(&repo, &["ls-tree", "-r", "-z", "--full-tree", &commit]).map_err(&git_err)?;
        if !out.status.success() {
            return Err(git_err(format!(
                "cannot list revision '{rev}': {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut blobs = HashMap::new();
        for record in out.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            // "<mode> SP <type> SP <object> TAB <path>"
            let Some(tab) = record.iter().position(|b| *b == b'\t') else {
                continue;
            };
            let meta = String::from_utf8_lossy(&record[..tab]);
            let mut parts = meta.split(' ');
            let (Some(mode), Some(kind), Some(oid)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            // Regular files only: symbolic links (120000) hold a target path,
            // submodules (commit) hold nothing of this repository.
            if kind != "blob" || mode == "120000" {
                continue;
            }
            let Ok(path) = std::str::from_utf8(&record[tab + 1..]) else {
                continue;
            };
            blobs.insert(path.to_string(), oid.to_string());
        }
        let buffered_batch = git_version(&repo).is_some_and(|v| v >= (2, 36));
        let mut files: Vec<String> = blobs.keys().cloned().collect();
        files.sort();
        Ok(GitTree {
            repo,
            rev: rev.to_string(),
            commit,
            files,
            blobs,
            batch: Mutex::new(None),
            buffered_batch,
        })
    }

    /// The full commit id the revision resolved to.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// Objects from the long-lived `git cat-file --batch` process, started on
    /// first use and restarted after a failure.
    fn fetch(&self, oids: &[&str]) -> Vec<Result<Vec<u8>, String>> {
        let mut guard = self
            .batch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            match Batch::spawn(&self.repo, self.buffered_batch) {
                Ok(b) => *guard = Some(b),
                Err(e) => {
                    return oids
                        .iter()
                        .map(|_| Err(format!("cannot run git cat-file: {e}")))
                        .collect()
                }
            }
        }
        let Some(batch) = guard.as_mut() else {
            return oids.iter().map(|_| Err("no git".into())).collect();
        };
        let answers = if oids.len() == 1 {
            vec![batch.get(oids[0])]
        } else {
            batch.get_many(oids)
        };
        if answers.iter().any(|a| a.is_err()) {
            // The stream may be out of step now; start afresh next time.
            *guard = None;
        }
        answers
    }

    fn err(&self, message: String) -> SourceError {
        SourceError::Git {
            repo: self.repo.display().to_string(),
            message,
        }
    }
}

fn git(repo: &Path, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
}

/// (major, minor) of the git on the path, from `git version`.
fn git_version(repo: &Path) -> Option<(u32, u32)> {
    let out = git(repo, &["version"]).ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.trim().strip_prefix("git version ")?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// The `git cat-file --batch` process: one request line in, one header line
/// plus the object's bytes out.
struct Batch {
    /// `--batch-command --buffer` (git 2.36+): answers are buffered until a
    /// `flush` command, so a bulk read costs a few large pipe writes instead
    /// of one per object. Older git: plain `--batch`, flushed per object.
    buffered: bool,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Batch {
    fn spawn(repo: &Path, buffered: bool) -> std::io::Result<Batch> {
        let args: &[&str] = if buffered {
            &["cat-file", "--batch-command", "--buffer"]
        } else {
            &["cat-file", "--batch"]
        };
        let mut child = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().map(BufReader::new);
        match (stdin, stdout) {
            (Some(stdin), Some(stdout)) => Ok(Batch {
                buffered,
                child,
                stdin: Some(stdin),
                stdout,
            }),
            _ => Err(std::io::Error::other("no pipes to git cat-file")),
        }
    }

    fn get(&mut self, oid: &str) -> Result<Vec<u8>, String> {
        let stdin = self.stdin.as_mut().ok_or("git cat-file is closed")?;
        let request = if self.buffered {
            format!("contents {oid}\nflush\n")
        } else {
            format!("{oid}\n")
        };
        stdin
            .write_all(request.as_bytes())
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("git cat-file: {e}"))?;
        read_object(&mut self.stdout)
    }

    /// Many objects in one go: a second thread writes the requests while
    /// this one reads the answers, so neither pipe can fill up and stall.
    fn get_many(&mut self, oids: &[&str]) -> Vec<Result<Vec<u8>, String>> {
        let Some(stdin) = self.stdin.as_mut() else {
            return oids
                .iter()
                .map(|_| Err("git cat-file is closed".into()))
                .collect();
        };
        let stdout = &mut self.stdout;
        let child = &mut self.child;
        let buffered = self.buffered;
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> std::io::Result<()> {
                let mut w = std::io::BufWriter::new(stdin);
                for oid in oids {
                    if buffered {
                        writeln!(w, "contents {oid}")?;
                    } else {
                        writeln!(w, "{oid}")?;
                    }
                }
                if buffered {
                    writeln!(w, "flush")?;
                }
                w.flush()
            });
            let mut out = Vec::with_capacity(oids.len());
            for _ in oids {
                match read_object(stdout) {
                    Ok(bytes) => out.push(Ok(bytes)),
                    Err(e) => {
                        // Out of step: stop git so the writer cannot block.
                        let _ = child.kill();
                        out.push(Err(e));
                        break;
                    }
                }
            }
            let _ = writer.join();
            while out.len() < oids.len() {
                out.push(Err("git cat-file stopped".into()));
            }
            out
        })
    }
}

/// One answer of `git cat-file --batch`: "<oid> <type> <size>\n", the bytes,
/// "\n" — or "<oid> missing\n".
fn read_object(stdout: &mut BufReader<ChildStdout>) -> Result<Vec<u8>, String> {
    let mut header = String::new();
    stdout
        .read_line(&mut header)
        .map_err(|e| format!("git cat-file: {e}"))?;
    let fields: Vec<&str> = header.split_whitespace().collect();
    let size: usize = match fields.as_slice() {
        [_, _, size] => size
            .parse()
            .map_err(|_| format!("git cat-file said '{}'", header.trim()))?,
        _ => return Err(format!("git cat-file said '{}'", header.trim())),
    };
    let mut bytes = vec![0; size + 1];
    stdout
        .read_exact(&mut bytes)
        .map_err(|e| format!("git cat-file: {e}"))?;
    bytes.pop(); // the newline after the contents
    Ok(bytes)
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing stdin ends the process; wait so no zombie is left.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Tree for GitTree {
    fn label(&self) -> String {
        format!("{}@{}", self.repo.display(), self.rev)
    }

    fn files(&self) -> &[String] {
        &self.files
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.read_many(&[path])
            .pop()
            .unwrap_or_else(|| Err(self.err("no answer".into())))
    }

    fn read_many(&self, paths: &[&str]) -> Vec<Result<Vec<u8>, SourceError>> {
        let mut out: Vec<Option<Result<Vec<u8>, SourceError>>> = Vec::with_capacity(paths.len());
        let mut wanted: Vec<(usize, &str)> = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            match self.blobs.get(*path) {
                Some(oid) => {
                    wanted.push((i, oid.as_str()));
                    out.push(None);
                }
                None => out.push(Some(Err(SourceError::Io {
                    path: format!("{}:{path}", self.rev),
                    message: "no such file in this revision".into(),
                }))),
            }
        }
        if !wanted.is_empty() {
            let answers = self.fetch(&wanted.iter().map(|w| w.1).collect::<Vec<_>>());
            for ((i, _), answer) in wanted.iter().zip(answers) {
                out[*i] =
                    Some(answer.map_err(|m| self.err(format!("{}:{}: {m}", self.rev, paths[*i]))));
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(self.err("no answer from git".into()))))
            .collect()
    }

    fn content_id(&self, path: &str) -> Option<String> {
        self.blobs.get(path).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(repo: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    /// Both ways of talking to cat-file (buffered for git 2.36+, plain
    /// before) give the same bytes, one at a time and in bulk.
    #[test]
    fn buffered_and_plain_batches_agree() {
        let tmp = tempfile::TempDir::new().unwrap();
        let repo = tmp.path();
        run(repo, &["init", "-q"]);
        for i in 0..300 {
            let text = format!("-- file {i}\n{}\n", "x".repeat(i * 37));
            std::fs::write(repo.join(format!("f{i}.sql")), text).unwrap();
        }
        std::fs::write(repo.join("empty.sql"), "").unwrap();
        run(repo, &["add", "-A"]);
        run(repo, &["commit", "-q", "-m", "x"]);
        let mut tree = GitTree::open(repo, "HEAD").unwrap();
        let owned: Vec<String> = tree.files().to_vec();
        let paths: Vec<&str> = owned.iter().map(String::as_str).collect();
        let expected: Vec<Vec<u8>> = paths
            .iter()
            .map(|p| std::fs::read(repo.join(p)).unwrap())
            .collect();
        for buffered in [true, false] {
            tree.buffered_batch = buffered;
            *tree.batch.lock().unwrap() = None;
            let got: Vec<Vec<u8>> = tree
                .read_many(&paths)
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, expected, "buffered={buffered}");
            assert!(tree.read("missing.sql").is_err());
            assert_eq!(
                tree.read("f7.sql").unwrap(),
                expected[paths.iter().position(|p| *p == "f7.sql").unwrap()]
            );
            assert_eq!(tree.read("empty.sql").unwrap(), b"");
        }
    }
}
