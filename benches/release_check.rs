//! A whole release check with code: a synthetic codebase of 500,000 lines
//! across every language shipgate reads (`shipgate::synth::codebase`) plus
//! 2,000 migrations (`shipgate::synth::history`), two revisions that differ
//! in a handful of files (three code files and the newest migrations), and
//! `shipgate check` in process. Prints total wall time, lines/s, and the
//! split between code scanning and the rest (from `CheckReport::timings`).
//! Asserts nothing about time.
//!
//! Run: `cargo bench --bench release_check` (`-- LINES` to change the size).

use shipgate::check::{run_check, CheckOptions};
use shipgate::engine::Engine;
use shipgate::source::DirTree;
use std::path::Path;
use std::time::{Duration, Instant};

fn write(root: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::write(
        root.join("shipgate.toml"),
        "engine = \"postgres\"\nengine_version = \"16\"\n",
    )
    .expect("write");
}

fn main() {
    let lines: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(500_000);
    let migrations = 2_000;
    let changed_migrations = 3;
    let t = Instant::now();
    let code = shipgate::synth::codebase(lines, 5);
    let mut history = shipgate::synth::history(migrations - 1, Engine::Postgres, 42);
    // The first migration creates the tables the code uses.
    history.insert(
        0,
        (
            "migrations/00000_app_tables.sql".to_string(),
            shipgate::synth::codebase_schema(),
        ),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    write(&old, &history[..migrations - changed_migrations]);
    write(&old, &code);
    write(&new, &history);
    // The new revision changes three code files.
    let mut new_code = code.clone();
    for (i, (_, text)) in new_code
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| i % 997 == 1)
        .take(3)
    {
        text.push_str(&format!("\n// changed in the new revision ({i})\n"));
    }
    write(&new, &new_code);
    let code_lines: usize = code.iter().map(|(_, t)| t.lines().count()).sum();
    println!(
        "release_check: {} code files ({code_lines} lines), {migrations} migrations, 3 code files and {changed_migrations} migrations changed; generated in {:.2?} ({} threads)",
        code.len(),
        t.elapsed(),
        rayon::current_num_threads()
    );
    let opts = CheckOptions {
        engine: Some(Engine::Postgres),
        version: shipgate::engine::Version::parse("16"),
        ..Default::default()
    };
    let mut best: Option<(Duration, Vec<(&'static str, Duration)>)> = None;
    for run in 1..=3 {
        let t = Instant::now();
        let cpu0 = cpu_seconds();
        let o = DirTree::open(&old).expect("old");
        let n = DirTree::open(&new).expect("new");
        let report = run_check(&o, &n, &opts).expect("check");
        let total = t.elapsed();
        let cpu = cpu_seconds() - cpu0;
        let scan: Duration = report
            .timings
            .iter()
            .filter(|(k, _)| *k == "code-scan")
            .map(|(_, d)| *d)
            .sum();
        println!(
            "release_check: run {run}: {:.3} s total, {cpu:.2} s CPU ({:.3} s code scan, {:.3} s the rest); verdict {}, {} usage rows, {} statements; stages: {}",
            total.as_secs_f64(),
            scan.as_secs_f64(),
            (total - scan.min(total)).as_secs_f64(),
            report.verdict,
            report.usage.len(),
            report.statements.len(),
            report
                .timings
                .iter()
                .map(|(k, d)| format!("{k} {:.3}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if run == 1 {
            for r in report.reasons.iter().take(3) {
                println!(
                    "release_check: because {}",
                    shipgate::report::words::reason(r)
                );
            }
        }
        if best.as_ref().is_none_or(|(b, _)| total < *b) {
            best = Some((total, report.timings.clone()));
        }
    }
    if let Some((total, timings)) = best {
        let scan: f64 = timings
            .iter()
            .filter(|(k, _)| *k == "code-scan")
            .map(|(_, d)| d.as_secs_f64())
            .sum();
        println!(
            "release_check: best {:.3} s = {:.0} code lines/s; code scan {:.3} s ({:.0} %), the rest {:.3} s",
            total.as_secs_f64(),
            code_lines as f64 / total.as_secs_f64(),
            scan,
            100.0 * scan / total.as_secs_f64(),
            total.as_secs_f64() - scan
        );
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, in
/// clock ticks of 1/100 s), to read figures apart from how busy the shared
/// machine is.
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
