//! The keyset-chunked copy: rows move in primary-key order, one chunk per
//! transaction together with the journal's new position, and the chunk
//! size follows the time target (`--chunk-time`).

use super::db::Conn;
use super::journal::{self, Journal};
use super::plan::Plan;
use super::progress::Progress;
use super::Result;
use serde_json::json;
use std::time::{Duration, Instant};

pub struct CopyOptions {
    pub chunk_time: Duration,
    /// Stop after this many chunks (tests and benchmarks use it; None = all).
    pub max_chunks: Option<u64>,
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
    // Output columns get their own names: on PostgreSQL a bare name in
    // ORDER BY matches an output column first, and `(id)::text` is output
    // as "id", which sorted the keys as text (wrong chunk ends, and a sort
    // of the whole remaining table for every chunk).
    let sel: Vec<String> = plan
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS _sg_k{i}", text_of(plan, &plan.q(&k.name))))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {}",
        sel.join(", "),
        plan.qt(&plan.table),
        plan.range("", after, None),
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

/// A value read back as text in the engine's syntax.
pub fn text_of(plan: &Plan, expr: &str) -> String {
    if plan.engine == crate::engine::Engine::Postgres {
        format!("({expr})::text")
    } else {
        format!("CAST({expr} AS CHAR)")
    }
}

pub fn begin(plan: &Plan) -> &'static str {
    if plan.engine == crate::engine::Engine::Postgres {
        "BEGIN"
    } else {
        "START TRANSACTION"
    }
}

/// Copies from the journal's position to the end of the table.
pub async fn run(
    conn: &mut Conn,
    plan: &Plan,
    journal: &Journal,
    start: Option<Vec<String>>,
    progress: &Progress,
    opts: &CopyOptions,
) -> Result<bool> {
    let mut last = start;
    let mut size: u64 = 5000;
    let mut chunks = 0u64;
    loop {
        if opts.max_chunks.is_some_and(|m| chunks >= m) {
            return Ok(false);
        }
        let t0 = Instant::now();
        let end = chunk_end(conn, plan, last.as_deref(), size).await?;
        let cond = plan.range("", last.as_deref(), end.as_deref());
        conn.exec(begin(plan)).await?;
        let copied = match conn.exec(&plan.insert_select(&cond)).await {
            Ok(n) => n,
            Err(e) => {
                let _ = conn.exec("ROLLBACK").await;
                return Err(e);
            }
        };
        let (pos, phase) = match &end {
            Some(k) => (k.clone(), journal::COPY),
            None => (last.clone().unwrap_or_default(), journal::COPIED),
        };
        let upd = journal.chunk_sql(&plan.journal_key(), &pos, copied, phase);
        if let Err(e) = conn.exec(&upd).await {
            let _ = conn.exec("ROLLBACK").await;
            return Err(e);
        }
        conn.exec("COMMIT").await?;
        chunks += 1;
        progress.copied(copied);
        let took = t0.elapsed();
        if progress.is_json() {
            progress.event(
                "chunk",
                json!({"rows": copied, "chunk_size": size, "ms": took.as_millis() as u64, "last_key": pos}),
            );
        }
        match end {
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
