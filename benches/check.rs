//! Benchmark of `shipgate check` over a large synthetic history (issue:
//! 5,000 migration files ≈ 50,000 statements ≈ 3 MB, both revisions
//! replayed), against sqlparser alone parsing the same files on one core and
//! against `squawk` linting them (when `squawk` is on PATH: `pip install
//! squawk-cli`). Prints figures; asserts nothing about time.
//!
//! Run: `cargo bench --bench check` (SHIPGATE_BENCH_FILES to change the size).

use shipgate::check::{run_check, CheckOptions};
use shipgate::engine::Engine;
use shipgate::source::DirTree;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.unwrap())
}

fn write_tree(root: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(
        root.join("shipgate.toml"),
        "engine = \"postgres\"\nengine_version = \"16\"\n",
    )
    .unwrap();
}

fn main() {
    let n: usize = std::env::var("SHIPGATE_BENCH_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let changed = 5;
    let history = shipgate::synth::history(n, Engine::Postgres, 42);
    let dir = tempfile::tempdir().unwrap();
    // SHIPGATE_BENCH_DIR keeps the generated revisions (for profiling).
    let root = std::env::var_os("SHIPGATE_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let (old, new) = (root.join("old"), root.join("new"));
    write_tree(&old, &history[..n - changed]);
    write_tree(&new, &history);
    let bytes: usize = history.iter().map(|(_, t)| t.len()).sum();

    // sqlparser alone, one core, the new revision's files.
    let dialect = PostgreSqlDialect {};
    let (t_sqlparser, statements) = best_of(3, || {
        history
            .iter()
            .map(|(_, text)| {
                Parser::parse_sql(&dialect, text)
                    .map(|v| v.len())
                    .unwrap_or(0)
            })
            .sum::<usize>()
    });

    // shipgate check in process: discovery, parse (identical files once, in parallel), replay of both, analysis.
    let opts = CheckOptions {
        engine: Some(Engine::Postgres),
        version: shipgate::engine::Version::parse("16"),
        migrations: None,
        stats: None,
        ..Default::default()
    };
    let (t_check, report) = best_of(3, || {
        let o = DirTree::open(&old).unwrap();
        let w = DirTree::open(&new).unwrap();
        run_check(&o, &w, &opts).unwrap()
    });

    // Reference for the overlapped stage: the released history parsed in
    // parallel first, then replayed into S0 on one thread.
    let old_tree = DirTree::open(&old).unwrap();
    let old_set = shipgate::migrations::discover(&old_tree, Some(Engine::Postgres), None).unwrap();
    let (t_parse_seq, parsed) =
        best_of(3, || shipgate::check::parse_set(&old_set, Engine::Postgres));
    let (t_replay_seq, _) = best_of(3, || {
        shipgate::analysis::replay_history(parsed.iter().flatten(), Engine::Postgres)
            .1
            .len()
    });

    // The report stage: what `check --format json` and the text report render.
    let (t_report, _) = best_of(3, || {
        use shipgate::report::{emitter, Format};
        emitter(Format::Json, false).check(&report).len()
            + emitter(Format::Text, false).check(&report).len()
    });

    // The release binary end to end, when built.
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/shipgate");
    let t_binary = bin.exists().then(|| {
        best_of(3, || {
            Command::new(&bin)
                .args(["check", "--old"])
                .arg(&old)
                .arg("--new")
                .arg(&new)
                .args(["--format", "json"])
                .output()
                .unwrap()
        })
        .0
    });

    // squawk over the same files, when installed.
    let files: Vec<String> = history
        .iter()
        .map(|(p, _)| new.join(p).to_string_lossy().into_owned())
        .collect();
    let t_squawk = Command::new("squawk")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| {
            best_of(3, || {
                Command::new("squawk")
                    .args(["--reporter", "gcc"])
                    .args(&files)
                    .output()
                    .unwrap()
            })
            .0
        });

    let s = |d: Duration| d.as_secs_f64();
    println!("shipgate check benchmark: {n} migration files, {statements} statements, {:.2} MB, {changed} new files", bytes as f64 / 1e6);
    println!(
        "  cores available:            {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("  sqlparser alone (1 core):   {:.3} s", s(t_sqlparser));
    println!(
        "  shipgate check (in-process): {:.3} s  (verdict {}, {} findings)",
        s(t_check),
        report.verdict,
        report.findings.len()
    );
    if let Some(t) = t_binary {
        println!("  shipgate check (binary):    {:.3} s", s(t));
    }
    let stages: Vec<String> = report
        .timings
        .iter()
        .map(|(n, d)| format!("{n} {:.3}", d.as_secs_f64()))
        .collect();
    println!(
        "  stages (s):                 {}, report {:.3} (json + text, not in the check time)",
        stages.join(", "),
        s(t_report)
    );
    println!(
        "  reference, not overlapped:  parse {:.3} then replay-S0 {:.3} = {:.3} s",
        s(t_parse_seq),
        s(t_replay_seq),
        s(t_parse_seq + t_replay_seq)
    );
    println!(
        "  ratio check / sqlparser:    {:.2}x (target <= 2x)",
        s(t_check) / s(t_sqlparser)
    );
    match t_squawk {
        Some(t) => {
            println!("  squawk:                     {:.3} s", s(t));
            println!(
                "  ratio squawk / check:       {:.2}x (target >= 2x)",
                s(t) / s(t_check)
            );
        }
        None => println!("  squawk:                     not installed (pip install squawk-cli)"),
    }
}
