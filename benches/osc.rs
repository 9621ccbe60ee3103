//! Benchmark of `shipgate osc` (issue 4, item 8). Prints one table:
//! an `int -> bigint` change of a table with a primary key and one
//! secondary index, `shipgate osc` time over the engine's own blocking
//! ALTER on an identical idle table, with no load and under 4 writers,
//! the writers' throughput and p99 before and during, and the longest a
//! writer waited. On MariaDB also pt-online-schema-change when installed.
//!
//! The idle blocking ALTER and idle osc are each the best of
//! `OSC_BENCH_REPEAT` runs (default 3), fresh tables every time; the
//! loaded run is one run.
//! Rows: `OSC_BENCH_ROWS` (default 1,000,000); writers' pause between
//! statements: `OSC_BENCH_PAUSE_MS` (default 2); `OSC_BENCH_ONLY=postgres|mariadb`
//! runs one engine; `OSC_BENCH_LOG=FILE` appends the runs' phase events.
//! Servers: the same env vars as the tests. Run: `cargo bench --bench osc`.
//!
//! `OSC_BENCH_ORACLE=1` measures the sample oracle instead: per engine,
//! `OSC_BENCH_REPEAT` pairs of idle runs on fresh tables, one with the
//! oracle and one with `--no-oracle`, alternating; prints the best and the
//! median of each side, their ratio, and the `oracle` event's own seconds.

use shipgate::engine::Engine;
use shipgate::osc::db::Conn;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Pg,
    My,
}

fn server(kind: Kind) -> String {
    match kind {
        Kind::Pg => std::env::var("SHIPGATE_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        Kind::My => std::env::var("SHIPGATE_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
    }
}

fn engine(kind: Kind) -> Engine {
    if kind == Kind::Pg {
        Engine::Postgres
    } else {
        Engine::Mysql
    }
}

fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn fresh(kind: Kind, rows: u64) -> Option<String> {
    let mut admin = Conn::connect(engine(kind), &server(kind)).await.ok()?;
    let db = "sg_bench_osc";
    let q = engine(kind).quote_ident(db);
    let drop = if kind == Kind::Pg {
        format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)")
    } else {
        format!("DROP DATABASE IF EXISTS {q}")
    };
    admin.exec(&drop).await.unwrap();
    admin.exec(&format!("CREATE DATABASE {q}")).await.unwrap();
    let url = with_db(&server(kind), db);
    let mut c = Conn::connect(engine(kind), &url).await.unwrap();
    if kind == Kind::Pg {
        c.exec("CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL, s text)")
            .await
            .unwrap();
        c.exec(&format!(
            "INSERT INTO t SELECT g, g % 100000, md5(g::text) FROM generate_series(1, {rows}) g"
        ))
        .await
        .unwrap();
        c.exec("CREATE INDEX t_n ON t (n)").await.unwrap();
        c.exec("VACUUM ANALYZE t").await.unwrap();
    } else {
        c.exec("CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL, s varchar(40), KEY t_n (n)) ENGINE=InnoDB").await.unwrap();
        c.exec(&format!(
            "INSERT INTO t SELECT seq, seq % 100000, MD5(seq) FROM seq_1_to_{rows}"
        ))
        .await
        .unwrap();
    }
    Some(url)
}

fn alter_sql(kind: Kind) -> &'static str {
    if kind == Kind::Pg {
        "ALTER TABLE t ALTER COLUMN n TYPE bigint"
    } else {
        "ALTER TABLE t MODIFY n BIGINT NOT NULL"
    }
}

struct Load {
    stop: Arc<AtomicBool>,
    lat: Arc<Mutex<Vec<(Instant, Duration)>>>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

/// Each writer's pause between statements, as the tests' writer pauses
/// (`OSC_BENCH_PAUSE_MS`, default 2); with 0 the four writers saturate both
/// cores of a 2-core machine.
fn pause_ms() -> u64 {
    std::env::var("OSC_BENCH_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

async fn start_load(kind: Kind, url: &str, rows: u64) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let mut handles = vec![];
    let pause = Duration::from_millis(pause_ms());
    for w in 0..4u64 {
        let mut c = Conn::connect(engine(kind), url).await.unwrap();
        let (stop, lat) = (stop.clone(), lat.clone());
        handles.push(tokio::spawn(async move {
            let mut x: u64 = 0x2545F4914F6CDD1D ^ (w + 1);
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let id = 1 + x % rows;
                let sql = if x.is_multiple_of(4) {
                    format!(
                        "INSERT INTO t (id, n, s) VALUES ({}, {}, 'new')",
                        rows + 1 + (x % 1_000_000_000),
                        x % 1000
                    )
                } else {
                    format!("UPDATE t SET n = {} WHERE id = {id}", x % 100000)
                };
                let t0 = Instant::now();
                let _ = c.exec(&sql).await;
                lat.lock().unwrap().push((t0, t0.elapsed()));
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
        }));
    }
    Load { stop, lat, handles }
}

impl Load {
    async fn stop(self) -> Vec<(Instant, Duration)> {
        self.stop.store(true, Ordering::Relaxed);
        for h in self.handles {
            let _ = h.await;
        }
        let v = self.lat.lock().unwrap().clone();
        v
    }
}

/// (ops/s, p99 ms, max ms) over samples that started within [from, to).
fn stats(s: &[(Instant, Duration)], from: Instant, to: Instant) -> (f64, f64, f64) {
    let mut d: Vec<f64> = s
        .iter()
        .filter(|(t, _)| *t >= from && *t < to)
        .map(|(_, d)| d.as_secs_f64() * 1000.0)
        .collect();
    if d.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    d.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p99 = d[((d.len() as f64 * 0.99) as usize).min(d.len() - 1)];
    (
        d.len() as f64 / (to - from).as_secs_f64(),
        p99,
        *d.last().unwrap(),
    )
}

fn run_osc(url: &str, alter: &str) -> Result<Duration, String> {
    run_osc_with(url, alter, &[]).map(|(d, _)| d)
}

/// One run with extra arguments: its wall time and its JSON events.
fn run_osc_with(url: &str, alter: &str, extra: &[&str]) -> Result<(Duration, String), String> {
    let t0 = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_shipgate"))
        .arg("osc")
        .args([
            "--yes",
            "--drop-old",
            "--log-format",
            "json",
            "--database-url",
            url,
        ])
        .args(extra)
        .arg(alter)
        .output()
        .unwrap();
    let took = t0.elapsed();
    // OSC_BENCH_LOG=FILE keeps the runs' phase events for a closer look.
    if let Ok(log) = std::env::var("OSC_BENCH_LOG") {
        use std::io::Write;
        let events: String = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.contains("\"chunk\""))
            .map(|l| format!("{l}\n"))
            .collect();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let _ = f.write_all(events.as_bytes());
    }
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .trim()
            .replace('\n', " "));
    }
    Ok((took, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// `OSC_BENCH_ORACLE=1`: idle runs with and without the oracle, alternating.
async fn oracle_cost(kind: Kind, name: &str, rows: u64, repeat: u32) {
    let mut with = vec![];
    let mut without = vec![];
    let mut own = vec![];
    for _ in 0..repeat {
        for no in [false, true] {
            let url = fresh(kind, rows).await.unwrap();
            let extra: &[&str] = if no { &["--no-oracle"] } else { &[] };
            match run_osc_with(&url, alter_sql(kind), extra) {
                Ok((d, events)) if no => {
                    let _ = events;
                    without.push(d.as_secs_f64())
                }
                Ok((d, events)) => {
                    with.push(d.as_secs_f64());
                    let secs = events
                        .lines()
                        .find(|l| l.contains("\"event\":\"oracle\""))
                        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                        .and_then(|v| v["seconds"].as_f64());
                    own.extend(secs);
                }
                Err(e) => {
                    println!("| {name} | FAILED: {e} |");
                    return;
                }
            }
        }
    }
    let best = |v: &[f64]| v.iter().cloned().fold(f64::MAX, f64::min);
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let show = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "| {name} | {} | {} | {:.2} / {:.2} | {:.2} / {:.2} | {:.3}x / {:.3}x | {} |",
        show(&with),
        show(&without),
        best(&with),
        median(&with),
        best(&without),
        median(&without),
        best(&with) / best(&without),
        median(&with) / median(&without),
        own.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

async fn blocking_alter(kind: Kind, url: &str) -> Duration {
    let mut c = Conn::connect(engine(kind), url).await.unwrap();
    let t0 = Instant::now();
    c.exec(alter_sql(kind)).await.unwrap();
    t0.elapsed()
}

fn pt_osc(url: &str) -> Option<Duration> {
    Command::new("pt-online-schema-change")
        .arg("--version")
        .output()
        .ok()?;
    let u = url::Url::parse(url).ok()?;
    let dsn = format!(
        "h={},P={},u={},D={},t=t",
        u.host_str()?,
        u.port().unwrap_or(3306),
        u.username(),
        u.path().trim_start_matches('/')
    );
    let t0 = Instant::now();
    let out = Command::new("pt-online-schema-change")
        .args([
            "--alter",
            "MODIFY n BIGINT NOT NULL",
            "--execute",
            "--no-check-alter",
            "--recursion-method=none",
            &dsn,
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "pt-online-schema-change failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        return None;
    }
    Some(t0.elapsed())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: u64 = std::env::var("OSC_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let repeat: u32 = std::env::var("OSC_BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let only = std::env::var("OSC_BENCH_ONLY").unwrap_or_default();
    if std::env::var("OSC_BENCH_ORACLE").is_ok() {
        println!("shipgate osc, the sample oracle's cost: {rows} rows, PK + 1 secondary index, int -> bigint, idle; {repeat} alternating pairs on fresh tables");
        println!("| engine | osc s with oracle | osc s --no-oracle | with: best / median | without: best / median | ratio best / median | oracle event s |");
        println!("|---|---|---|---|---|---|---|");
        for (kind, name) in [(Kind::Pg, "PostgreSQL"), (Kind::My, "MariaDB")] {
            if (only == "postgres" && kind == Kind::My) || (only == "mariadb" && kind == Kind::Pg) {
                continue;
            }
            if fresh(kind, 10).await.is_none() {
                println!("| {name} | server unreachable, skipped |");
                continue;
            }
            oracle_cost(kind, name, rows, repeat).await;
        }
        return;
    }
    println!(
        "shipgate osc benchmark: {rows} rows, PK + 1 secondary index, int -> bigint, 4 writers pausing {} ms; idle columns: best of {repeat} runs each",
        pause_ms()
    );
    println!("| engine | blocking ALTER s | osc idle s | ratio idle | osc under load s | ratio load | writers ops/s before | during | p99 ms before | during | longest writer wait ms | pt-osc s |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for kind in [Kind::Pg, Kind::My] {
        if (only == "postgres" && kind == Kind::My) || (only == "mariadb" && kind == Kind::Pg) {
            continue;
        }
        let name = if kind == Kind::Pg {
            "PostgreSQL"
        } else {
            "MariaDB"
        };
        let Some(url) = fresh(kind, rows).await else {
            println!("| {name} | server unreachable, skipped |");
            continue;
        };
        // This machine's timings wander by a third between runs; the idle
        // comparison takes the best of `repeat` runs on each side.
        let mut blocking = blocking_alter(kind, &url).await;
        let mut idle_runs: Vec<Result<Duration, String>> = vec![];
        for i in 0..repeat {
            if i > 0 {
                let url = fresh(kind, rows).await.unwrap();
                blocking = blocking.min(blocking_alter(kind, &url).await);
            }
            let url = fresh(kind, rows).await.unwrap();
            idle_runs.push(run_osc(&url, alter_sql(kind)));
        }
        let idle = match idle_runs.iter().find_map(|r| r.clone().err()) {
            Some(e) => Err(e),
            None => Ok(idle_runs
                .into_iter()
                .filter_map(Result::ok)
                .min()
                .unwrap_or_default()),
        };
        let url = fresh(kind, rows).await.unwrap();
        let load = start_load(kind, &url, rows).await;
        let b0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let b1 = Instant::now();
        let u2 = url.clone();
        let a = alter_sql(kind);
        let busy = tokio::task::spawn_blocking(move || run_osc(&u2, a))
            .await
            .unwrap();
        let d1 = Instant::now();
        let samples = load.stop().await;
        let before = stats(&samples, b0, b1);
        let during = stats(&samples, b1, d1);
        let pt = if kind == Kind::My {
            let url = fresh(kind, rows).await.unwrap();
            pt_osc(&url)
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .unwrap_or_else(|| "n/a".into())
        } else {
            "-".into()
        };
        let b = blocking.as_secs_f64();
        let cell = |r: &Result<Duration, String>| match r {
            Ok(d) => (
                format!("{:.2}", d.as_secs_f64()),
                format!("{:.2}x", d.as_secs_f64() / b),
            ),
            Err(e) => (format!("FAILED: {e}"), "-".into()),
        };
        let (idle_s, idle_r) = cell(&idle);
        let (busy_s, busy_r) = cell(&busy);
        println!(
            "| {name} | {b:.2} | {idle_s} | {idle_r} | {busy_s} | {busy_r} | {:.0} | {:.0} | {:.1} | {:.1} | {:.0} | {pt} |",
            before.0, during.0, before.1, during.1, during.2
        );
    }
}
