//! `shipgate osc revert`: back to the old table after a finished run.
//!
//! From the cut-over on, writes to the new table are captured (key and
//! operation) into `_sg_rev_T`, exactly as the forward run captured the
//! old table's writes: on PostgreSQL by a trigger created in the cut-over
//! transaction right after the swap, on MySQL/MariaDB by triggers created
//! on the shadow before the swap, which the RENAME carries along. The kept
//! old table `_sg_old_T` is therefore a shadow waiting for its replay.
//! A revert is the forward machinery run backwards: replay `_sg_rev_T` into
//! `_sg_old_T` (new rows converted to the old column types, columns the
//! ALTER dropped taking their default for rows written since the swap),
//! verify, and swap under the same bounded lock; the migrated table is set
//! aside as `_sg_rvt_T` until `shipgate osc cleanup`.

use super::alter::Alter;
use super::cutover;
use super::db::Conn;
use super::engines::{mysql, postgres};
use super::journal;
use super::mapping::ColumnMap;
use super::options::Options;
use super::plan::{self, Plan, PlanInput};
use super::progress::Progress;
use super::session::{self, Eng};
use super::{OscError, Result};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

/// The plan that carries rows from `src` (the table as migrated) into
/// `dst` (the table as it was), both named as they are now. `renamed` is
/// the forward ALTER's renames (new name -> old name).
#[allow(clippy::too_many_arguments)]
async fn reverse_plan(
    conn: &mut Conn,
    eng: &Eng,
    schema: &str,
    table: &str,
    src: &str,
    dst: &str,
    renamed: &BTreeMap<String, String>,
    statement: &str,
) -> Result<Plan> {
    let inverted: BTreeMap<String, String> = renamed
        .iter()
        .map(|(new, old)| (old.clone(), new.clone()))
        .collect();
    let src_cols = eng.columns(conn, schema, src).await?;
    let dst_cols = eng.columns(conn, schema, dst).await?;
    let map = ColumnMap::renames_only(eng.0, &inverted);
    let (k, dk) = plan::choose_key(
        eng.0,
        &map,
        &eng.unique_keys(conn, schema, src).await?,
        &eng.unique_keys(conn, schema, dst).await?,
        None,
    )?;
    plan::reverse(PlanInput {
        engine: eng.0,
        statement,
        schema,
        table,
        source: &src_cols,
        shadow: &dst_cols,
        key: &k,
        shadow_key: &dk,
        map: &map,
    })
}

/// At the forward cut-over (old table kept): starts capturing the new
/// table's writes. PostgreSQL: creates the change table and function now
/// (an earlier attempt's are replaced) and returns the trigger, for the
/// cut-over transaction after the swap. MySQL/MariaDB: creates the
/// triggers on the shadow now (an earlier attempt's are dropped first) and
/// returns nothing; the replay's own writes to the shadow are captured too, which
/// a revert replays harmlessly.
pub(super) async fn capture(
    conn: &mut Conn,
    eng: &Eng,
    plan: &Plan,
    alter: &Alter,
) -> Result<Vec<String>> {
    let mut rev = reverse_plan(
        conn,
        eng,
        &plan.schema,
        &plan.table,
        &plan.shadow,
        &plan.table,
        &alter.renamed,
        &plan.statement,
    )
    .await?;
    if eng.pg() {
        // The change table and function now, outside the lock, replacing an
        // earlier attempt's (no trigger uses those: it would have committed
        // with the swap, so no table is named for the drop); only the
        // trigger joins the cut-over transaction.
        let stale = postgres::reverse_teardown_sql(&plan.schema, &plan.table, &[]);
        for s in stale.iter().chain(&postgres::capture_objects_sql(&rev)) {
            conn.exec(s).await?;
        }
        return Ok(vec![postgres::capture_trigger_sql(&rev)]);
    }
    for s in mysql::reverse_teardown_sql(&plan.schema, &plan.table) {
        conn.exec(&s).await?;
    }
    rev.table = plan.shadow.clone();
    for s in mysql::capture_sql(&rev) {
        conn.exec(&s).await?;
    }
    Ok(vec![])
}

/// `shipgate osc revert --table T`.
pub async fn run(opts: &Options, table: &str) -> Result<()> {
    let engine = session::engine_of(&opts.url)?;
    let eng = Eng(engine);
    let progress = Progress::new(opts.json);
    let mut conn = session::connect(engine, &opts.url).await?;
    session::prepare_mysql(&mut conn, &eng, opts).await?;
    let (schema, table) = session::lock_named(&mut conn, &eng, table).await?;
    let r = revert(&mut conn, &eng, opts, &schema, &table, &progress).await;
    let _ = conn.scalar(&eng.lock(&schema, &table, true)).await;
    r
}

async fn revert(
    conn: &mut Conn,
    eng: &Eng,
    opts: &Options,
    schema: &str,
    table: &str,
    progress: &Progress,
) -> Result<()> {
    let names = plan::names_for(table)?;
    let journal = eng.journal(schema);
    let jkey = format!("{schema}.{table}");
    let entry = if journal.exists(conn, schema).await? {
        journal.load(conn, schema, &jkey).await?
    } else {
        None
    };
    let entry = entry.ok_or_else(|| {
        OscError::Invalid(format!(
            "no finished shipgate osc migration of {jkey} is recorded; there is nothing to revert"
        ))
    })?;
    if entry.phase != journal::DONE {
        return Err(OscError::Invalid(format!(
            "the migration of {jkey} has not finished (phase {}): the table was not swapped; \
             abandon the run with `shipgate osc cleanup` instead",
            entry.phase
        )));
    }
    if !eng.exists(conn, schema, &names.old).await? {
        return Err(OscError::Invalid(format!(
            "the old table {} is gone (--drop-old or `shipgate osc cleanup`); there is nothing to go back to",
            names.old
        )));
    }
    if !eng.exists(conn, schema, &names.reverse).await? {
        return Err(OscError::Invalid(format!(
            "the old table {} was not kept in sync with {table} (no {}); going back would lose the writes made since the swap",
            names.old, names.reverse
        )));
    }
    if eng.exists(conn, schema, &names.reverted).await? {
        return Err(OscError::Refused(format!(
            "{schema}.{} exists (left by an earlier revert?); run `shipgate osc cleanup` first",
            names.reverted
        )));
    }
    let alter = Alter::parse(eng.0, &entry.statement)?;
    let plan = reverse_plan(
        conn,
        eng,
        schema,
        table,
        table,
        &names.old,
        &alter.renamed,
        &entry.statement,
    )
    .await?;
    for s in &plan.session_sql {
        conn.exec(s).await?;
    }
    let t0 = Instant::now();
    progress.event(
        "revert",
        json!({"table": jkey, "back_to": names.old, "undoing": entry.statement}),
    );
    let verified = cutover::replay_and_verify(conn, opts, &plan, progress, None).await?;
    progress.event("verified", verified);
    // The journal entry goes with the swap: the migration is undone.
    let mark = journal.delete_sql(&jkey);
    if eng.pg() {
        let after = cutover::cutover_pg(conn, &plan, opts, &[], &mark, progress).await?;
        cutover::validate_after_swap(conn, schema, table, after).await?;
    } else {
        cutover::cutover_mysql(conn, &plan, opts, &mark, progress).await?;
    }
    cutover::nothing_left_behind(conn, eng, schema, &names.reverse, table, &names.reverted).await?;
    let drops = if eng.pg() {
        postgres::reverse_teardown_sql(schema, table, &[&names.reverted])
    } else {
        mysql::reverse_teardown_sql(schema, table)
    };
    for s in drops {
        conn.exec(&s).await?;
    }
    progress.event(
        "reverted",
        json!({"table": jkey, "set_aside": names.reverted, "seconds": t0.elapsed().as_secs_f64()}),
    );
    Ok(())
}
