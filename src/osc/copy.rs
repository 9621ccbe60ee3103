//! The keyset-chunked copy: rows move in primary-key order, one chunk per
//! transaction together with the journal's new position, and the chunk
//! size follows the time target (`--chunk-time`).

use super::db::Conn;
use super::journal::{self, Journal};
// `text_of` belongs to the plan (which reads values back with it too); it
// stays reachable here, where its callers have always found it.
pub use super::plan::text_of;
use super::plan::Plan;
use super::progress::Progress;
use super::throttle::Throttle;
use super::Result;
use serde_json::json;
use std::time::{Duration, Instant};

pub struct CopyOptions<'a> {
    pub chunk_time: Duration,
    /// Stop after this many chunks (tests and benchmarks use it; None = all).
    pub max_chunks: Option<u64>,
    /// Pauses before a chunk while the server is over its limits.
    pub throttle: Option<&'a Throttle>,
}

const MIN_CHUNK: u64 = 100;
const MAX_CHUNK: u64 = 1_000_000;

/// Next chunk size: scaled by how far the last chunk was from the target,
/// but never more than doubled or halved in one step.
pub fn next_chunk_size(size: u64, took: Duration, target: Duration) -> u64 {
    let ratio = target.as_secs_f64() / took.as_secs_f64().max(1e-4);
    let ratio = ratio.clamp(0.5, 2.0);
    ((size as f64 * ratio) as u64).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The key of the row `size` rows after `after` (None: fewer rows remain).
pub async fn chunk_end(
    conn: &mut Conn,
    plan: &Plan,
    after: Option<&[String]>,
    size: u64,
) -> Result<Option<Vec<String>>> {
    chunk_end_within(conn, plan, after, None, size).await
}

/// As [`chunk_end`], counting only rows at or below `bound`.
pub async fn chunk_end_within(
    conn: &mut Conn,
    plan: &Plan,
    after: Option<&[String]>,
    bound: Option<&[String]>,
    size: u64,
) -> Result<Option<Vec<String>>> {
    // Output columns get their own names: on PostgreSQL a bare name in
    // ORDER BY matches an output column first, and `(id)::text` is output
    // as "id", which sorted the keys as text (wrong chunk ends, and a sort
    // of the whole remaining table for every chunk).
    let sel: Vec<String> = plan
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS _sg_k{i}", plan.key_text(i, &plan.q(&k.name))))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {}",
        sel.join(", "),
        plan.qt(&plan.table),
        plan.range("", after, bound),
        order_by(plan),
        size.saturating_sub(1)
    );
    let rows = conn.rows(&sql).await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect()))
}

pub fn order_by(plan: &Plan) -> String {
    plan.key
        .iter()
        .map(|k| plan.q(&k.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn begin(plan: &Plan) -> &'static str {
    if plan.engine == crate::engine::Engine::Postgres {
        "BEGIN"
    } else {
        "START TRANSACTION"
    }
}

/// The table's row estimate, from the catalog (counting would scan it) or,
/// for a table never analysed, the planner.
pub async fn estimate_rows(conn: &mut Conn, plan: &Plan) -> i64 {
    let r = if plan.engine == crate::engine::Engine::Postgres {
        super::engines::postgres::estimate_rows(conn, &plan.schema, &plan.table).await
    } else {
        super::engines::mysql::estimate_rows(conn, &plan.schema, &plan.table).await
    };
    r.unwrap_or(0)
}

/// One chunk's `INSERT … SELECT` inside a transaction the caller commits.
async fn insert_chunk(conn: &mut Conn, plan: &Plan, cond: &str) -> Result<u64> {
    conn.exec(begin(plan)).await?;
    match conn.exec(&plan.insert_select(cond)).await {
        Ok(n) => Ok(n),
        Err(e) => {
            let _ = conn.exec("ROLLBACK").await;
            Err(e)
        }
    }
}

/// Moves the journal to `pos` (in the open transaction) and commits it.
async fn commit_at(
    conn: &mut Conn,
    plan: &Plan,
    journal: &Journal,
    pos: &[String],
    rows: u64,
    phase: &str,
) -> Result<()> {
    let upd = journal.chunk_sql(&plan.journal_key(), pos, rows, phase);
    if let Err(e) = conn.exec(&upd).await {
        let _ = conn.exec("ROLLBACK").await;
        return Err(e);
    }
    conn.exec("COMMIT").await?;
    Ok(())
}

/// The journal's position and phase once the chunk after `before` that
/// ends at `end` (None: the end of the table) is committed.
fn position(
    end: &Option<Vec<String>>,
    before: &Option<Vec<String>>,
) -> (Vec<String>, &'static str) {
    match end {
        Some(k) => (k.clone(), journal::COPY),
        None => (before.clone().unwrap_or_default(), journal::COPIED),
    }
}

/// Copies from the journal's position to the end of the table.
///
/// With a `peer` connection two neighbouring chunks are copied at once
/// (one per core on the server). The journal stays exact: the first
/// chunk commits with its end as the position; the second commits only
/// after that, moving the position to its own end. A crash in between
/// loses the second chunk's uncommitted rows, nothing more.
pub async fn run(
    conn: &mut Conn,
    mut peer: Option<&mut Conn>,
    plan: &Plan,
    journal: &Journal,
    start: Option<Vec<String>>,
    progress: &Progress,
    opts: &CopyOptions<'_>,
) -> Result<bool> {
    let mut last = start;
    let mut size: u64 = 5000;
    let mut chunks = 0u64;
    loop {
        if opts.max_chunks.is_some_and(|m| chunks >= m) {
            return Ok(false);
        }
        if let Some(t) = opts.throttle {
            t.wait(Some(progress)).await?;
        }
        let t0 = Instant::now();
        let mut end = chunk_end(conn, plan, last.as_deref(), size).await?;
        if end.is_none() && peer.is_some() && size >= 2 * MIN_CHUNK {
            // The tail, split in two so both sessions copy it.
            end = chunk_end(conn, plan, last.as_deref(), size / 2).await?;
        }
        let second = match (&end, peer.as_deref_mut()) {
            (Some(e), Some(p)) if opts.max_chunks.is_none_or(|m| chunks + 1 < m) => {
                let end2 = chunk_end(conn, plan, Some(e), size).await?;
                Some((p, end2))
            }
            _ => None,
        };
        let cond = plan.range("", last.as_deref(), end.as_deref());
        let (pos, phase) = position(&end, &last);
        let (copied, next) = match second {
            None => {
                let copied = insert_chunk(conn, plan, &cond).await?;
                commit_at(conn, plan, journal, &pos, copied, phase).await?;
                (copied, end)
            }
            Some((p, end2)) => {
                let cond2 = plan.range("", end.as_deref(), end2.as_deref());
                let first = async {
                    let n = insert_chunk(conn, plan, &cond).await?;
                    commit_at(conn, plan, journal, &pos, n, phase).await?;
                    Ok::<u64, super::OscError>(n)
                };
                let (a, b) = tokio::join!(first, insert_chunk(p, plan, &cond2));
                let a = match a {
                    Ok(n) => n,
                    Err(e) => {
                        if b.is_ok() {
                            let _ = p.exec("ROLLBACK").await;
                        }
                        return Err(e);
                    }
                };
                let b = b?;
                let (pos2, phase2) = position(&end2, &end);
                commit_at(p, plan, journal, &pos2, b, phase2).await?;
                chunks += 1;
                (a + b, end2)
            }
        };
        chunks += 1;
        progress.copied(copied);
        let took = t0.elapsed();
        if progress.is_json() {
            progress.event(
                "chunk",
                json!({"rows": copied, "chunk_size": size, "ms": took.as_millis() as u64, "last_key": next.clone().unwrap_or_else(|| last.clone().unwrap_or_default())}),
            );
        }
        match next {
            Some(k) => last = Some(k),
            None => return Ok(true),
        }
        size = next_chunk_size(size, took, opts.chunk_time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_follows_the_target_within_bounds() {
        let t = Duration::from_millis(500);
        assert_eq!(next_chunk_size(1000, Duration::from_millis(250), t), 2000);
        assert_eq!(next_chunk_size(1000, Duration::from_millis(10), t), 2000);
        assert_eq!(next_chunk_size(1000, Duration::from_secs(5), t), 500);
        assert_eq!(next_chunk_size(100, Duration::from_secs(5), t), MIN_CHUNK);
    }
}
