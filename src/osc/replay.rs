//! Replays the change table into the shadow. For every recorded key the
//! shadow row is deleted and the source's current row (if any) inserted in
//! its place, so a replay step is idempotent and never merges rows the way
//! an upsert would. Exactly the change rows that were read are deleted:
//! a change committed later (even with a smaller id) waits for the next step.

use super::copy::begin;
use super::db::Conn;
use super::plan::Plan;
use super::progress::Progress;
use super::throttle::Throttle;
use super::Result;
use serde_json::json;
use std::time::{Duration, Instant};

/// How often a long replay reports.
const REPORT_EVERY: Duration = Duration::from_secs(5);

/// Changes per replay step. Kept below MariaDB's `in_predicate_conversion_threshold`
/// (1000), above which a long IN list becomes a subquery and DELETE scans the table.
pub const BATCH: u64 = 900;

/// One replay step of up to `batch` changes. Returns how many change rows
/// it consumed (0: the change table was empty). `in_tx`: run inside the
/// caller's transaction or lock (cut-over) instead of opening one.
/// Returns (change rows consumed, highest id seen). `from`: only look at ids
/// above it (None: from the start of the change table).
pub async fn step(
    conn: &mut Conn,
    plan: &Plan,
    batch: u64,
    in_tx: bool,
    from: Option<i64>,
) -> Result<(u64, i64)> {
    // Aliased so ORDER BY sorts the numbers, not their text (see chunk_end).
    let keys: Vec<String> = plan
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS _sg_k{i}", plan.key_text(i, &plan.q(&k.name))))
        .collect();
    let rows = conn
        .rows(&format!(
            "SELECT {} AS _sg_s, {} FROM {} WHERE _sg_seq > {} ORDER BY _sg_seq LIMIT {batch}",
            super::copy::text_of(plan, "_sg_seq"),
            keys.join(", "),
            plan.qt(&plan.changes),
            from.unwrap_or(0)
        ))
        .await?;
    if rows.is_empty() {
        return Ok((0, from.unwrap_or(0)));
    }
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect();
    let max_id = ids
        .iter()
        .filter_map(|i| i.parse::<i64>().ok())
        .max()
        .unwrap_or(0);
    let mut tuples: Vec<String> = rows
        .iter()
        .map(|r| {
            let vals: Vec<String> = r[1..]
                .iter()
                .map(|v| v.clone().unwrap_or_default())
                .collect();
            plan.key_tuple(&vals)
        })
        .collect();
    tuples.sort();
    tuples.dedup();
    let in_list = tuples.join(", ");
    let stmts = [
        format!(
            "DELETE FROM {} WHERE {} IN ({in_list})",
            plan.qt(&plan.shadow),
            plan.shadow_key_list("")
        ),
        plan.insert_select(&format!("{} IN ({in_list})", plan.key_list(""))),
        format!(
            "DELETE FROM {} WHERE _sg_seq IN ({})",
            plan.qt(&plan.changes),
            ids.join(", ")
        ),
    ];
    if !in_tx {
        conn.exec(begin(plan)).await?;
    }
    for s in &stmts {
        if let Err(e) = conn.exec(s).await {
            if !in_tx {
                let _ = conn.exec("ROLLBACK").await;
            }
            return Err(e);
        }
    }
    if !in_tx {
        conn.exec("COMMIT").await?;
    }
    Ok((ids.len() as u64, max_id))
}

/// How far below the last id seen a step looks again. Processed rows are
/// deleted, and rescanning them from the start each time is quadratic while
/// InnoDB has not purged them yet; a change whose id is older than the
/// window but committed late is still found by the full scan that must
/// come up (nearly) empty before this function returns.
const WINDOW: i64 = 20_000;

/// Replays until a scan from the start of the change table finds fewer than
/// `stop_below` changes (caught up). Returns the total replayed. With
/// `progress`, a long replay reports every 5 s how far it got and how many
/// changes wait, so an operator sees writers outrunning it. With
/// `throttle`, each step first waits while the server is over its limits
/// (never pass one under the cut-over's lock).
pub async fn until_caught_up(
    conn: &mut Conn,
    plan: &Plan,
    stop_below: u64,
    in_tx: bool,
    progress: Option<&Progress>,
    throttle: Option<&Throttle>,
) -> Result<u64> {
    let mut total = 0;
    let mut last: Option<i64> = None;
    let mut told = Instant::now();
    let mut retries = 0;
    loop {
        if let Some(p) = progress.filter(|_| told.elapsed() >= REPORT_EVERY) {
            let waiting = backlog(conn, plan).await?;
            p.event("replaying", json!({"replayed": total, "waiting": waiting}));
            told = Instant::now();
        }
        if let Some(t) = throttle {
            t.wait(progress).await?;
        }
        let from = last.map(|l| (l - WINDOW).max(0));
        let (n, max_id) = match step(conn, plan, BATCH, in_tx, from).await {
            // A step of its own that lost to a writer (deadlock victim,
            // row-lock timeout) was rolled back whole: take it again.
            Err(e) if !in_tx && super::db::is_transient(&e) && retries < STEP_RETRIES => {
                retries += 1;
                tokio::time::sleep(super::db::backoff(retries)).await;
                continue;
            }
            r => r?,
        };
        retries = 0;
        total += n;
        if n >= stop_below.max(1) && n > 0 {
            last = Some(max_id.max(last.unwrap_or(0)));
            continue;
        }
        if from.is_none() {
            return Ok(total); // a full scan found (almost) nothing: caught up
        }
        last = None; // confirm with a full scan
    }
}

/// How often in a row a replay step lost to a writer is taken again.
const STEP_RETRIES: u32 = 10;

/// Rows waiting in the change table.
pub async fn backlog(conn: &mut Conn, plan: &Plan) -> Result<i64> {
    conn.scalar_i64(&format!("SELECT count(*) FROM {}", plan.qt(&plan.changes)))
        .await
}
