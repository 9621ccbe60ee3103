//! The swap of a finished copy for the live table, shared by a run and a
//! revert: catch up and verify, the PostgreSQL and the MySQL/MariaDB
//! cut-over under a lock timeout with retries, the foreign keys validated
//! after the swap, and the check that no write reached the table set aside.

use super::db::{backoff, is_lock_timeout, Conn};
use super::engines::{mysql, postgres};
use super::options::Options;
use super::plan::Plan;
use super::progress::Progress;
use super::session::{connect, connect_for, Eng};
use super::throttle::Throttle;
use super::{replay, verify, OscError, Result};
use crate::engine::Engine;
use serde_json::json;
use std::time::{Duration, Instant};

/// Catches the shadow up, compares both sides (a second session sums one
/// of them), and catches up again. Returns the `verified` event's fields.
pub(super) async fn replay_and_verify(
    conn: &mut Conn,
    opts: &Options,
    plan: &Plan,
    progress: &Progress,
    throttle: Option<&Throttle>,
) -> Result<serde_json::Value> {
    let t0 = Instant::now();
    let n =
        replay::until_caught_up(conn, plan, replay::BATCH, false, Some(progress), throttle).await?;
    let mut peer = connect_for(plan, &opts.url).await?;
    let summary = verify::run(conn, &mut peer, plan).await?;
    drop(peer);
    let m =
        replay::until_caught_up(conn, plan, replay::BATCH, false, Some(progress), throttle).await?;
    Ok(
        json!({"rows": summary.rows, "ranges": summary.chunks, "replayed": n + m, "written_during": summary.written_between, "seconds": t0.elapsed().as_secs_f64()}),
    )
}

/// Reports a cut-over attempt that hit a lock timeout and waits before the
/// next one (not after the last).
async fn retry_pause(progress: &Progress, opts: &Options, attempt: u32, reason: &str) {
    progress.event(
        "cutover-retry",
        json!({"attempt": attempt, "reason": reason}),
    );
    if attempt < opts.cutover_retries {
        tokio::time::sleep(backoff(attempt)).await;
    }
}

/// PostgreSQL cut-over. `then` runs in the same transaction right after the
/// swap (the reverse capture on the new table); `mark` records the swap in
/// the journal, also in that transaction.
pub(super) async fn cutover_pg(
    conn: &mut Conn,
    plan: &Plan,
    opts: &Options,
    then: &[String],
    mark: &str,
    progress: &Progress,
) -> Result<Vec<String>> {
    for attempt in 1..=opts.cutover_retries {
        let t0 = Instant::now();
        conn.exec("BEGIN").await?;
        let r = async {
            conn.exec(&postgres::lock_timeout_sql(opts.max_lock_wait, true))
                .await?;
            conn.exec(&format!(
                "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
                plan.qt(&plan.table)
            ))
            .await?;
            let locked = Instant::now();
            let n = replay::until_caught_up(conn, plan, 1, true, None, None).await?;
            let (sql, after) = postgres::swap_sql(conn, plan).await?;
            let mut failed = false;
            for s in &sql {
                if let Some(f) = s.strip_prefix(postgres::VIEW_FALLBACK) {
                    if failed {
                        conn.exec("ROLLBACK TO SAVEPOINT sg_view").await?;
                        conn.exec(f).await?;
                    }
                } else if s.starts_with(postgres::VIEW_MARK) {
                    failed = conn.exec(s).await.is_err();
                } else {
                    conn.exec(s).await?;
                }
            }
            for s in then {
                conn.exec(s).await?;
            }
            conn.exec(mark).await?;
            Ok::<_, OscError>((after, n, locked.elapsed()))
        }
        .await;
        match r {
            Ok((after, n, held)) => {
                conn.exec("COMMIT").await?;
                progress.event(
                    "cutover",
                    json!({"attempt": attempt, "final_replay": n, "lock_held_ms": held.as_millis() as u64, "ms": t0.elapsed().as_millis() as u64}),
                );
                return Ok(after);
            }
            Err(e) => {
                let _ = conn.exec("ROLLBACK").await;
                if !is_lock_timeout(&e) {
                    return Err(e);
                }
                retry_pause(progress, opts, attempt, "lock timeout").await;
            }
        }
    }
    Err(gave_up(plan, opts))
}

/// How the message of a cut-over that gave up on its lock starts.
pub(super) const GAVE_UP: &str = "cut-over gave up";

fn gave_up(plan: &Plan, opts: &Options) -> OscError {
    OscError::Failed(format!(
        "{GAVE_UP} after {} attempts: the lock on {}.{} could not be taken within {:?}. \
         The table is unchanged and still captured; run again with --resume (or `shipgate osc cleanup` to abandon)",
        opts.cutover_retries, plan.schema, plan.table, opts.max_lock_wait
    ))
}

/// MySQL/MariaDB cut-over with three sessions. The locker holds
/// `LOCK TABLES t READ`: writers wait, readers and our own replay session
/// do not. The replay session applies the last changes. The renamer then
/// queues the atomic `RENAME TABLE t TO old, shadow TO t`; it already holds
/// the shadow and old names and waits only for `t`, so when the locker
/// releases, the rename's pending exclusive lock is served before the
/// writers' (pending exclusive metadata locks take precedence). MariaDB
/// refuses RENAME under LOCK TABLES, and renaming with two statements under
/// the lock made waiting writers fail with "table doesn't exist" in tests.
pub(super) async fn cutover_mysql(
    conn: &mut Conn,
    plan: &Plan,
    opts: &Options,
    mark: &str,
    progress: &Progress,
) -> Result<()> {
    let mut locker = connect(Engine::Mysql, &opts.url).await?;
    let mut renamer = connect(Engine::Mysql, &opts.url).await?;
    let rid = renamer
        .scalar("SELECT CAST(CONNECTION_ID() AS CHAR)")
        .await?
        .unwrap_or_default();
    for c in [&mut locker, &mut renamer] {
        c.exec(&mysql::lock_wait_sql(opts.max_lock_wait)).await?;
    }
    let probe = mysql::RenameProbe::new(conn, plan).await?;
    let rename = format!(
        "RENAME TABLE {} TO {}, {} TO {}",
        plan.qt(&plan.table),
        plan.qt(&plan.old),
        plan.qt(&plan.shadow),
        plan.qt(&plan.table)
    );
    for attempt in 1..=opts.cutover_retries {
        let t0 = Instant::now();
        if let Err(e) = locker
            .exec(&format!("LOCK TABLES {} READ", plan.qt(&plan.table)))
            .await
        {
            if !is_lock_timeout(&e) {
                return Err(e);
            }
            retry_pause(progress, opts, attempt, "lock timeout").await;
            continue;
        }
        let locked = Instant::now();
        let r = async {
            let n = replay::until_caught_up(conn, plan, 1, false, None, None).await?;
            // The replayed inserts moved the shadow's counter along; an
            // ALTER (an exclusive lock on the shadow, under the read lock)
            // is needed only when the table's is further, e.g. after an
            // insert that was rolled back or deleted.
            let ai = mysql::auto_increment(conn, &plan.schema, &plan.table).await?;
            let at = mysql::auto_increment(conn, &plan.schema, &plan.shadow).await?;
            if let Some(ai) = ai.filter(|ai| at.is_none_or(|s| s < *ai)) {
                conn.exec(&format!(
                    "ALTER TABLE {} AUTO_INCREMENT = {ai}",
                    plan.qt(&plan.shadow)
                ))
                .await?;
            }
            Ok::<u64, OscError>(n)
        }
        .await;
        let n = match r {
            Ok(n) => n,
            // The shadow's AUTO_INCREMENT could not get its lock in time
            // (someone reads the shadow): let the writers go and retry.
            Err(e) if is_lock_timeout(&e) => {
                locker.exec("UNLOCK TABLES").await?;
                retry_pause(progress, opts, attempt, "shadow lock timeout").await;
                continue;
            }
            Err(e) => {
                let _ = locker.exec("UNLOCK TABLES").await;
                return Err(e);
            }
        };
        let sql = rename.clone();
        let task = tokio::spawn(async move {
            let res = renamer.exec(&sql).await;
            (renamer, res)
        });
        // "Queued" means waiting for the table's metadata lock. Waiting for
        // a metadata lock is not enough: the rename may still wait for the
        // shadow (InnoDB's purge holds it for moments under write load),
        // and writers queued on the table before the rename would then be
        // served first, on the old table. `probe` tells which; where the
        // server cannot say, two polls 5 ms apart have to do.
        let mut queued = false;
        let mut unsure = 0;
        let mut elsewhere = 0u32;
        for _ in 0..400 {
            if task.is_finished() {
                break;
            }
            match probe.poll(conn, &plan.schema, &rid).await? {
                mysql::RenameWait::ForTable => {
                    queued = true;
                    break;
                }
                mysql::RenameWait::Unknown => {
                    unsure += 1;
                    if unsure >= 2 {
                        queued = true;
                        break;
                    }
                }
                mysql::RenameWait::ForOtherName => {
                    elsewhere += 1;
                    unsure = 0;
                }
                mysql::RenameWait::NotWaiting => unsure = 0,
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Queued: the rename waits for the table, and its pending exclusive
        // lock is served before the writers' once the read lock goes.
        // Not queued: unlocking now would let writers reach the old table
        // after the final replay, ahead of the rename. It cannot complete
        // while the read lock is held, so it is cancelled and retried.
        let cancelled = !queued && !task.is_finished();
        if queued {
            locker.exec("UNLOCK TABLES").await?;
        } else if cancelled {
            let _ = conn.exec(&format!("KILL QUERY {rid}")).await;
        }
        let (rc, res) = task
            .await
            .map_err(|e| OscError::Failed(format!("rename task failed: {e}")))?;
        renamer = rc;
        if !queued {
            locker.exec("UNLOCK TABLES").await?;
        }
        let held = locked.elapsed();
        // Only our own cancellation counts as a lock timeout to retry; any
        // other failure of the rename is reported as it is.
        let res = match res {
            Err(e) if cancelled => Err(OscError::Failed(format!(
                "lock timeout: the rename was not seen waiting for the table ({e})"
            ))),
            r => r,
        };
        match res {
            Ok(_) => {
                conn.exec(mark).await?;
                progress.event(
                    "cutover",
                    json!({"attempt": attempt, "final_replay": n, "writes_blocked_ms": held.as_millis() as u64, "rename_was_queued": queued, "rename_waited_for_other_names": elsewhere, "ms": t0.elapsed().as_millis() as u64}),
                );
                return Ok(());
            }
            Err(e) if is_lock_timeout(&e) => {
                retry_pause(progress, opts, attempt, "rename lock timeout").await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(gave_up(plan, opts))
}

/// PostgreSQL, after the swap's commit and outside its lock: validates the
/// foreign keys it re-added `NOT VALID` (`after`), and any still pending
/// from a run interrupted between the swap and this step.
pub(super) async fn validate_after_swap(
    conn: &mut Conn,
    schema: &str,
    table: &str,
    after: Vec<String>,
) -> Result<()> {
    for s in after {
        conn.exec(&s).await?;
    }
    for s in postgres::pending_validations(conn, schema, table).await? {
        conn.exec(&s).await?;
    }
    Ok(())
}

/// After a swap, the capture still on the table set aside (`set_aside`)
/// must have recorded nothing since the final replay: such a write is
/// missing from `live`. Its keys stay in `changes` for the operator.
pub(super) async fn nothing_left_behind(
    conn: &mut Conn,
    eng: &Eng,
    schema: &str,
    changes: &str,
    live: &str,
    set_aside: &str,
) -> Result<()> {
    if !eng.exists(conn, schema, changes).await? {
        return Ok(());
    }
    let qt = |t: &str| format!("{}.{}", eng.0.quote_ident(schema), eng.0.quote_ident(t));
    let left = conn
        .scalar_i64(&format!("SELECT count(*) FROM {}", qt(changes)))
        .await?;
    if left == 0 {
        return Ok(());
    }
    Err(OscError::Failed(format!(
        "{left} writes reached {set_aside} after the final replay, which the cut-over is built to prevent \
         (please report it): {live} lacks them. Their keys are kept in {changes}, the rows as written in {set_aside}; \
         copy those rows into {live} for keys not written since the swap"
    )))
}
