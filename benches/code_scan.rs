//! Scan speed on a synthetic codebase: 500,000 lines across every supported
//! language, generated deterministically into a temporary directory, then
//! scanned with `shipgate::code::scan` (all cores). Prints lines/s. The
//! generator is `shipgate::synth::codebase`.
//!
//! Run: `cargo bench --bench code_scan` (optionally `-- LINES`).
//!
//! Roughly a third of the functions send SQL (static literals, constants,
//! concatenations, sqlx macros, dynamic strings); the rest is ordinary code
//! with log messages, comments and prose strings, some of which start with
//! SQL words ("update", "select") so the prefilters are exercised honestly.

use shipgate::code::{scan, ScanConfig};
use shipgate::engine::Engine;
use shipgate::source::{SourceError, Tree};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A directory read from disk (the bench's own minimal `Tree`).
struct DirTree {
    root: PathBuf,
    files: Vec<String>,
}

impl Tree for DirTree {
    fn label(&self) -> String {
        self.root.display().to_string()
    }
    fn files(&self) -> &[String] {
        &self.files
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        std::fs::read(self.root.join(path)).map_err(|e| SourceError::Io {
            path: path.to_string(),
            message: e.to_string(),
        })
    }
    fn content_id(&self, _path: &str) -> Option<String> {
        None
    }
}

fn generate(root: &Path, total_lines: usize, sql_every: usize) -> Vec<String> {
    let mut files = Vec::new();
    for (path, text) in shipgate::synth::codebase(total_lines, sql_every) {
        let full = root.join(&path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(&full, &text).expect("write");
        files.push(path);
    }
    files
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(500_000);
    for (label, sql_every) in [("SQL in every file", 1), ("SQL in 1 file of 5", 5)] {
        run(label, total, sql_every);
    }
}

fn run(label: &str, total: usize, sql_every: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let t0 = Instant::now();
    let files = generate(dir.path(), total, sql_every);
    let gen = t0.elapsed();
    let tree = DirTree {
        root: dir.path().to_path_buf(),
        files,
    };
    let bytes: u64 = tree
        .files
        .iter()
        .map(|f| {
            std::fs::metadata(dir.path().join(f))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum();
    println!(
        "code_scan [{label}]: generated {} files, {} bytes in {:.2?} ({} threads)",
        tree.files.len(),
        bytes,
        gen,
        rayon::current_num_threads()
    );
    let cfg = ScanConfig::default();
    let mut best = f64::MAX;
    for i in 1..=3 {
        let t = Instant::now();
        let cpu0 = cpu_seconds();
        let r = scan(&tree, Engine::Postgres, &cfg).expect("scan");
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        best = best.min(secs);
        println!(
            "code_scan [{label}]: run {i}: {} lines, {} files in {:.3} s wall, {:.2} s CPU = {:.0} lines/s ({:.0} lines per CPU-second, {:.1} MB/s); {} queries, {} dynamic",
            r.lines(),
            r.files.len(),
            secs,
            cpu,
            r.lines() as f64 / secs,
            r.lines() as f64 / cpu.max(1e-9),
            bytes as f64 / secs / 1e6,
            r.queries().count(),
            r.dynamic().count()
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }
    println!(
        "code_scan [{label}]: best {:.3} s = {:.0} lines/s",
        best,
        total as f64 / best
    );
    if sql_every == 1 {
        per_language(&tree);
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, in
/// clock ticks of 1/100 s), so figures can be read apart from how busy the
/// shared machine is.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| f.get(*i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

/// Single-threaded `scan_file` speed per file extension.
fn per_language(tree: &DirTree) {
    type Acc = (usize, f64, f64);
    let mut by_ext: std::collections::BTreeMap<String, Acc> = Default::default();
    for f in &tree.files {
        let text = String::from_utf8(tree.read(f).expect("read")).expect("utf8");
        let ext = f.rsplit('.').next().unwrap_or("").to_string();
        let t = Instant::now();
        let fs = shipgate::code::scan_file(f, &text, Engine::Postgres);
        let secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        if let Some(spec) = shipgate::code::languages::for_path(f) {
            let _ = shipgate::code::extract::parse(spec, &text);
        }
        let parse = t.elapsed().as_secs_f64();
        let e = by_ext.entry(ext).or_default();
        e.0 += fs.lines;
        e.1 += secs;
        e.2 += parse;
    }
    for (ext, (lines, secs, parse)) in by_ext {
        println!(
            "code_scan: .{ext:<5} one thread: {lines:>7} lines in {secs:.3} s = {:.0} lines/s (tree-sitter parse alone {parse:.3} s)",
            lines as f64 / secs
        );
    }
}
