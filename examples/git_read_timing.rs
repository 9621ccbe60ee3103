//! Times reading and discovering a repository's migrations, from git and
//! from the directory: `cargo run --release --example git_read_timing REPO`.
use shipgate::engine::Engine;
use shipgate::migrations::discover;
use shipgate::source::{DirTree, GitTree, Tree};
use std::time::Instant;

fn main() {
    let repo = std::env::args()
        .nth(1)
        .expect("usage: git_read_timing REPO");
    let t = Instant::now();
    let git = GitTree::open(&repo, "HEAD").unwrap();
    let open = t.elapsed();
    let paths: Vec<&str> = git.files().iter().map(String::as_str).collect();
    let t = Instant::now();
    let bytes: usize = git
        .read_many(&paths)
        .into_iter()
        .map(|r| r.unwrap().len())
        .sum();
    let read = t.elapsed();
    let t = Instant::now();
    let set = discover(&git, Some(Engine::Postgres), None).unwrap();
    let disc = t.elapsed();
    let dir = DirTree::open(&repo).unwrap();
    let t = Instant::now();
    discover(&dir, Some(Engine::Postgres), None).unwrap();
    let disc_dir = t.elapsed();
    let t = Instant::now();
    let engine = shipgate::migrations::detect_engine(&set);
    let detect = t.elapsed();
    println!(
        "git: open {open:?}, read_many {read:?} ({bytes} bytes), discover {disc:?} ({} migrations); dir: discover {disc_dir:?}; detect_engine {detect:?} ({:?})",
        set.migrations.len(),
        engine.map(|e| e.0)
    );
}
