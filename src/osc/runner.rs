//! The phase machine of one run: setup → copy → indexes → replay + verify
//! → cut-over → finish. Each phase boundary is written to the journal, so
//! `--resume` enters the machine at the phase the journal names.

use super::alter::Alter;
use super::copy::{self, CopyOptions};
use super::cutover::{
    cutover_mysql, cutover_pg, nothing_left_behind, replay_and_verify, validate_after_swap, GAVE_UP,
};
use super::db::{backoff, is_lock_timeout, is_transient, Conn};
use super::engines::{mysql, postgres};
use super::journal::{self, Entry, Extra, Journal};
use super::options::Options;
use super::plan::{self, Plan};
use super::progress::Progress;
use super::session::{connect, connect_for, engine_of, lock_named, prepare_mysql, Eng};
use super::throttle::Throttle;
use super::{replay, verify, OscError, Result};
use crate::engine::Engine;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often a copy that lost a chunk to a deadlock or lock timeout goes on
/// from the journal's position before the run fails.
const COPY_RETRIES: u32 = 10;

pub async fn run(opts: &Options) -> Result<()> {
    let engine = Engine::from_url(&opts.url).ok_or_else(|| {
        OscError::Invalid(format!(
            "unsupported database URL {}: use postgres://, mysql:// or sqlite://",
            super::redact::redact_url(&opts.url)
        ))
    })?;
    let engine = if engine == Engine::Mariadb {
        Engine::Mysql
    } else {
        engine
    };
    if engine == Engine::Sqlite {
        if !opts.limits.is_empty() {
            return Err(OscError::Invalid(
                "--max-load and --max-replica-lag do not apply to SQLite: its rebuild is one transaction".into(),
            ));
        }
        return super::sqlite::run(opts).await;
    }
    let mut alter = Alter::parse(engine, &opts.statement)?;
    let eng = Eng(engine);
    let progress = Progress::new(opts.json);
    let mut conn = connect(engine, &opts.url).await?;
    prepare_mysql(&mut conn, &eng, opts).await?;
    if !eng.pg() {
        mysql::fold_table_names(&mut conn, &mut alter).await?;
    }
    let schema = match &alter.schema {
        Some(s) => s.clone(),
        None => eng.schema(&mut conn).await?,
    };
    let table = alter.table.clone();
    let names = plan::names_for(&table)?;
    if !eng.exists(&mut conn, &schema, &table).await? {
        return Err(OscError::Invalid(format!(
            "table {schema}.{table} does not exist"
        )));
    }
    let journal = eng.journal(&schema);
    let jkey = format!("{schema}.{table}");

    if !opts.dry_run {
        let mut got = conn.scalar(&eng.lock(&schema, &table, false)).await?;
        // A run killed a moment ago may still hold it until its session ends.
        for _ in 0..40 {
            if matches!(got.as_deref(), Some("t") | Some("true") | Some("1")) || !eng.pg() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            got = conn.scalar(&eng.lock(&schema, &table, false)).await?;
        }
        if !matches!(got.as_deref(), Some("t") | Some("true") | Some("1")) {
            return Err(OscError::Failed(format!(
                "another shipgate osc run holds the lock on {schema}.{table}; two runs never migrate one table"
            )));
        }
    }

    // Limits are read once now: a misspelt metric or a server that is no
    // replica stops the run before it creates anything.
    let throttle = if opts.dry_run {
        None
    } else {
        Throttle::connect(engine, &opts.url, &opts.limits).await?
    };
    let mut entry = journal.load(&mut conn, &schema, &jkey).await?;
    if let Some(e) = &entry {
        if e.phase == journal::FAILED {
            return Err(OscError::Refused(format!(
                "an earlier run of {jkey} failed before its cut-over and left {} and {} without capture; \
                 run `shipgate osc cleanup --table {jkey}` first, then start again",
                names.shadow, names.changes
            )));
        }
        if e.phase == journal::DONE && opts.resume && e.statement == opts.statement {
            progress.event(
                "done",
                json!({"table": jkey, "note": "this migration had already finished"}),
            );
            let _ = conn.scalar(&eng.lock(&schema, &table, true)).await;
            return Ok(());
        }
        if e.phase == journal::DONE {
            if eng.exists(&mut conn, &schema, &names.old).await? {
                return Err(OscError::Refused(format!(
                    "a finished migration of {jkey} kept its old table {}; run `shipgate osc cleanup` first",
                    names.old
                )));
            }
            if !opts.dry_run {
                conn.exec(&journal.delete_sql(&jkey)).await?;
            }
            entry = None;
        } else if !opts.resume {
            return Err(OscError::Invalid(format!(
                "an interrupted migration of {jkey} is in the journal (phase {}, statement {:?}); continue it with --resume or remove it with `shipgate osc cleanup`",
                e.phase, e.statement
            )));
        } else if e.statement != opts.statement {
            return Err(OscError::Invalid(format!(
                "--resume was given a different statement than the interrupted run ({:?})",
                e.statement
            )));
        }
    } else if opts.resume {
        progress.event(
            "resume",
            json!({"note": "nothing to resume; starting a new run"}),
        );
    }
    // A MySQL setup that was cut short is redone from scratch.
    if entry.as_ref().is_some_and(|e| e.phase == journal::SETUP) {
        for s in eng.teardown(&schema, &table, false) {
            conn.exec(&s).await?;
        }
        conn.exec(&journal.delete_sql(&jkey)).await?;
        entry = None;
    }

    let entry = match entry {
        Some(e) => e,
        None => {
            let reasons = eng.refusals(&mut conn, &schema, &table).await?;
            if !reasons.is_empty() {
                return Err(OscError::Refused(format!(
                    "{schema}.{table} cannot be migrated online:\n  - {}",
                    reasons.join("\n  - ")
                )));
            }
            for t in [&names.shadow, &names.changes, &names.old] {
                if eng.exists(&mut conn, &schema, t).await? {
                    return Err(OscError::Refused(format!(
                        "{schema}.{t} already exists (left by an earlier run?); run `shipgate osc cleanup` first"
                    )));
                }
            }
            // Setup takes a short lock on the table (trigger creation): bounded and retried.
            let mut attempt = 0;
            let (plan, log) = loop {
                attempt += 1;
                match setup(
                    &mut conn, &eng, &alter, opts, &schema, &journal, &jkey, &progress,
                )
                .await
                {
                    Err(e) if is_lock_timeout(&e) && attempt < opts.cutover_retries => {
                        if !eng.pg() {
                            for s in eng.teardown(&schema, &table, false) {
                                conn.exec(&s).await?;
                            }
                            conn.exec(&journal.delete_sql(&jkey)).await?;
                        }
                        progress.event(
                            "setup-retry",
                            json!({"attempt": attempt, "reason": "lock timeout"}),
                        );
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                    Err(e) => {
                        // A MySQL setup commits statement by statement: take
                        // back what it created, the capture triggers first.
                        if !eng.pg() && !opts.dry_run {
                            for s in eng.teardown(&schema, &table, false) {
                                let _ = conn.exec(&s).await;
                            }
                            let _ = conn.exec(&journal.delete_sql(&jkey)).await;
                        }
                        return Err(e);
                    }
                    Ok(v) => break v,
                }
            };
            if opts.dry_run {
                print_dry_run(&plan, &log, !opts.drop_old);
                return Ok(());
            }
            if !opts.yes {
                // Setup has not happened yet in this branch for a non-dry run;
                // see `setup`, which asks before creating anything.
            }
            progress.event("setup", json!({"table": jkey, "shadow": plan.shadow}));
            // From here on the capture is on the table: a failure takes it off.
            match journal.load(&mut conn, &schema, &jkey).await {
                Ok(Some(e)) => e,
                Ok(None) => {
                    return Err(OscError::Failed(
                        "the journal entry vanished after setup".into(),
                    ))
                }
                Err(e) => {
                    return Err(abandon(engine, opts, &schema, &table, &journal, &jkey, e).await)
                }
            }
        }
    };
    let result = continue_run(
        &mut conn,
        &eng,
        &alter,
        opts,
        entry,
        &schema,
        &journal,
        progress,
        throttle.as_ref(),
    )
    .await;
    if let Err(OscError::Failed(m)) = &result {
        if m.contains("Duplicate entry")
            || m.contains("duplicate key")
            || m.contains("could not create unique index")
        {
            // The new unique key is violated by the data: undo everything, the table stays as it was.
            for s in eng.teardown(&schema, &table, false) {
                let _ = conn.exec(&s).await;
            }
            let _ = conn.exec(&journal.delete_sql(&jkey)).await;
            return Err(OscError::Failed(format!(
                "the new unique key is violated by existing rows; nothing was changed and shipgate's tables were removed.\n{m}"
            )));
        }
    }
    let result = match result {
        Err(e) if !e.to_string().starts_with(GAVE_UP) => {
            Err(abandon(eng.0, opts, &schema, &table, &journal, &jkey, e).await)
        }
        r => r,
    };
    let _ = conn.scalar(&eng.lock(&schema, &table, true)).await;
    result
}

/// A run that failed before the cut-over takes its capture triggers off
/// the live table at once, on a session of its own (the run's may be the
/// one that died), so the application's writes stop paying for a run that
/// is over. The shadow and change table stay for inspection, the journal
/// says `failed` (a `--resume` could not trust a copy nothing kept in
/// sync), and `osc cleanup` removes them. A failure after the swap, or a
/// cut-over that gave up on its lock (the run is whole and resumable), is
/// returned as it is.
async fn abandon(
    engine: Engine,
    opts: &Options,
    schema: &str,
    table: &str,
    journal: &Journal,
    jkey: &str,
    err: OscError,
) -> OscError {
    let eng = Eng(engine);
    let names = match plan::names_for(table) {
        Ok(n) => n,
        Err(_) => return err,
    };
    let r = async {
        let mut c = connect(engine, &opts.url).await?;
        let phase = journal.load(&mut c, schema, jkey).await?.map(|e| e.phase);
        let before_swap = [
            journal::COPY,
            journal::COPIED,
            journal::INDEXED,
            journal::VERIFIED,
        ];
        if !phase.as_deref().is_some_and(|p| before_swap.contains(&p)) {
            return Ok(false);
        }
        // A MySQL RENAME commits on its own: a run that died between the
        // swap and its journal write has swapped (`--resume` finishes it).
        if !eng.exists(&mut c, schema, &names.shadow).await? {
            return Ok(false);
        }
        c.exec(&if eng.pg() {
            postgres::lock_timeout_sql(Duration::from_secs(5), false)
        } else {
            mysql::lock_wait_sql(Duration::from_secs(5))
        })
        .await?;
        for s in eng.drop_capture(schema, table) {
            c.exec(&s).await?;
        }
        c.exec(&journal.set_phase_sql(jkey, journal::FAILED))
            .await?;
        Ok::<bool, OscError>(true)
    }
    .await;
    // A lost connection's advice to resume no longer holds once the capture is gone.
    let cause = match &err {
        OscError::Invalid(m) => m.lines().next().unwrap_or_default().to_string(),
        e => e.to_string(),
    };
    match r {
        Ok(false) => err,
        Ok(true) => OscError::Failed(format!(
            "{cause}\n  the run stopped before the cut-over: {schema}.{table} is unchanged and its capture \
             triggers were removed. Left for inspection: {shadow} (the copy so far) and {changes} \
             (keys written during the run); `shipgate osc cleanup --table {schema}.{table}` removes them \
             before a new run (--resume cannot continue a run whose capture is gone)",
            shadow = names.shadow,
            changes = names.changes,
        )),
        Err(e) => OscError::Failed(format!(
            "{err}\n  the capture triggers could not be removed from {schema}.{table} ({e}): they stay \
             and keep recording writes; continue with --resume, or abandon with \
             `shipgate osc cleanup --table {schema}.{table}`"
        )),
    }
}

fn ask(plan: &Plan, opts: &Options) -> Result<()> {
    eprintln!(
        "shipgate osc will migrate {}.{} ({}):\n  1. create {} with the new shape and the change table {} with capture triggers\n  \
         2. copy rows in key order (chunks of ~{:?}), build the secondary indexes\n  \
         3. replay changes, verify counts and checksums\n  \
         4. swap the tables under a lock of at most {:?} per attempt ({} attempts); keep {} {}",
        plan.schema,
        plan.table,
        super::redact::redact_url(&opts.url),
        plan.shadow,
        plan.changes,
        opts.chunk_time,
        opts.max_lock_wait,
        opts.cutover_retries,
        plan.old,
        if opts.drop_old {
            "only until the swap"
        } else {
            "in sync (for `shipgate osc revert`) until `shipgate osc cleanup`"
        }
    );
    if !std::io::stdin().is_terminal() {
        return Err(OscError::Invalid(
            "not confirmed: pass --yes to run without a terminal".into(),
        ));
    }
    eprint!("Proceed? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(OscError::Invalid("not confirmed".into()))
    }
}

/// Creates shadow, change table and triggers, and the journal entry. In a
/// dry run everything is rolled back (PostgreSQL) or built as a temporary
/// table (MySQL) and only the statements are returned. Before the change
/// capture touches the live table, the copy's mapping is checked against
/// the engine's own ALTER on a sample (`oracle`, also in a dry run).
#[allow(clippy::too_many_arguments)]
async fn setup(
    conn: &mut Conn,
    eng: &Eng,
    alter: &Alter,
    opts: &Options,
    schema: &str,
    journal: &Journal,
    jkey: &str,
    progress: &Progress,
) -> Result<(Plan, Vec<String>)> {
    let mut log: Vec<String> = vec![];
    if eng.pg() {
        conn.exec("BEGIN").await?;
        let r = async {
            conn.exec(&postgres::lock_timeout_sql(opts.max_lock_wait, true))
                .await?;
            let run = |s: String, log: &mut Vec<String>| {
                log.push(s.clone());
                s
            };
            conn.exec(&run(journal.create_sql(), &mut log)).await?;
            log.extend(postgres::create_shadow(conn, alter, schema).await?);
            let plan = postgres::plan(conn, alter, &opts.statement, schema).await?;
            oracle(conn, alter, &plan, opts, progress).await?;
            let (drops, extra) = postgres::defer_indexes(conn, &plan).await?;
            for s in drops.into_iter().chain(postgres::capture_sql(&plan)) {
                conn.exec(&run(s, &mut log)).await?;
            }
            conn.exec(&run(
                journal.insert_sql(jkey, &opts.statement, journal::COPY, &extra),
                &mut log,
            ))
            .await?;
            log.extend(
                extra
                    .post_copy
                    .iter()
                    .map(|s| format!("-- after the copy:\n{s}")),
            );
            Ok::<Plan, OscError>(plan)
        }
        .await;
        match r {
            Ok(plan) if !opts.dry_run => {
                if !opts.yes {
                    if let Err(e) = ask(&plan, opts) {
                        conn.exec("ROLLBACK").await?;
                        return Err(e);
                    }
                }
                conn.exec("COMMIT").await?;
                Ok((plan, log))
            }
            Ok(plan) => {
                conn.exec("ROLLBACK").await?;
                Ok((plan, log))
            }
            Err(e) => {
                let _ = conn.exec("ROLLBACK").await;
                Err(e)
            }
        }
    } else {
        let names = plan::names_for(&alter.table)?;
        // Learn the new shape on a temporary table first: nothing visible is
        // touched before the operator confirms, and a dry run touches nothing.
        let tmp = [
            format!(
                "CREATE TEMPORARY TABLE {}.{} LIKE {}.{}",
                Engine::Mysql.quote_ident(schema),
                Engine::Mysql.quote_ident(&names.shadow),
                Engine::Mysql.quote_ident(schema),
                Engine::Mysql.quote_ident(&alter.table)
            ),
            alter.retarget(Engine::Mysql, Some(schema), &names.shadow),
        ];
        let drop_tmp = format!(
            "DROP TEMPORARY TABLE IF EXISTS {}.{}",
            Engine::Mysql.quote_ident(schema),
            Engine::Mysql.quote_ident(&names.shadow)
        );
        let probe = async {
            for s in &tmp {
                conn.exec(s).await?;
            }
            mysql::plan(conn, alter, &opts.statement, schema).await
        }
        .await;
        conn.exec(&drop_tmp).await?;
        let plan = probe?;
        oracle(conn, alter, &plan, opts, progress).await?;
        if opts.dry_run {
            log.push(journal.create_sql());
            log.push(journal.insert_sql(jkey, &opts.statement, journal::SETUP, &Extra::default()));
            log.extend(mysql::shadow_sql(alter, schema)?);
            log.push(
                "-- secondary indexes of the shadow are dropped here and re-added after the copy"
                    .into(),
            );
            log.extend(mysql::capture_sql(&plan));
            return Ok((plan, log));
        }
        if !opts.yes {
            ask(&plan, opts)?;
        }
        conn.exec(&journal.create_sql()).await?;
        conn.exec(&journal.insert_sql(jkey, &opts.statement, journal::SETUP, &Extra::default()))
            .await?;
        for s in mysql::shadow_sql(alter, schema)? {
            conn.exec(&s).await?;
        }
        let plan = mysql::plan(conn, alter, &opts.statement, schema).await?;
        let (drops, extra) = mysql::defer_indexes(conn, &plan).await?;
        for s in drops.into_iter().chain(mysql::capture_sql(&plan)) {
            conn.exec(&s).await?;
        }
        conn.exec(&journal.set_extra_sql(jkey, &extra)).await?;
        conn.exec(&journal.set_phase_sql(jkey, journal::COPY))
            .await?;
        Ok((plan, log))
    }
}

/// The sample check (see `oracle.rs`), unless `--no-oracle`.
async fn oracle(
    conn: &mut Conn,
    alter: &Alter,
    plan: &Plan,
    opts: &Options,
    progress: &Progress,
) -> Result<()> {
    if opts.no_oracle {
        progress.event("oracle", json!({"skipped": "--no-oracle"}));
        return Ok(());
    }
    let fields = super::oracle::check(conn, alter, plan).await?;
    progress.event("oracle", fields);
    Ok(())
}

fn print_dry_run(plan: &Plan, log: &[String], keep_old: bool) {
    println!("-- shipgate osc --dry-run: nothing was changed. Statements, in order:");
    for s in log {
        println!("{s};");
    }
    let first = plan
        .key
        .iter()
        .map(|_| "<last key>".to_string())
        .collect::<Vec<_>>();
    println!("-- copy, one transaction per chunk, until the key range is exhausted:");
    println!(
        "SELECT {} FROM {} WHERE {} > {} ORDER BY {} LIMIT 1 OFFSET <chunk size - 1>;",
        plan.key_list(""),
        plan.qt(&plan.table),
        plan.key_list(""),
        plan::list(first.iter().cloned()),
        copy::order_by(plan)
    );
    println!(
        "{};",
        plan.insert_select(&format!(
            "{} > <last key> AND {} <= <chunk end>",
            plan.key_list(""),
            plan.key_list("")
        ))
    );
    println!("UPDATE {} SET last_key = <chunk end>, ...;", plan.journal);
    println!("-- replay, one transaction per batch of changes:");
    println!(
        "SELECT _sg_seq, {} FROM {} ORDER BY _sg_seq LIMIT {};",
        plan.key_list(""),
        plan.qt(&plan.changes),
        replay::BATCH
    );
    println!(
        "DELETE FROM {} WHERE {} IN (<changed keys>);",
        plan.qt(&plan.shadow),
        plan.shadow_key_list("")
    );
    println!(
        "{};",
        plan.insert_select(&format!("{} IN (<changed keys>)", plan.key_list("")))
    );
    println!(
        "DELETE FROM {} WHERE _sg_seq IN (<replayed ids>);",
        plan.qt(&plan.changes)
    );
    println!(
        "-- verify: count and checksum of both sides in one snapshot (whole table, or ranges above {} rows)",
        verify::ONE_PASS_ROWS
    );
    if keep_old {
        let names = plan::names_for(&plan.table).expect("names were valid at setup");
        println!(
            "-- the old table stays in sync for `shipgate osc revert`: the change table {} and its capture {}",
            plan.qt(&names.reverse),
            if plan.engine == Engine::Postgres {
                format!("function now, the trigger on {} right after the renames below", plan.qt(&plan.table))
            } else {
                format!("triggers on {} now, which the RENAME below carries to the new table", plan.qt(&plan.shadow))
            }
        );
    }
    println!("-- cut-over:");
    if plan.engine == Engine::Postgres {
        println!("BEGIN; SET LOCAL lock_timeout = <max-lock-wait>; LOCK TABLE {} IN ACCESS EXCLUSIVE MODE;", plan.qt(&plan.table));
        println!("-- final replay; re-point foreign keys, views, sequences; then");
        println!(
            "ALTER TABLE {} RENAME TO {};",
            plan.qt(&plan.table),
            plan.q(&plan.old)
        );
        println!(
            "ALTER TABLE {} RENAME TO {}; COMMIT;",
            plan.qt(&plan.shadow),
            plan.q(&plan.table)
        );
    } else {
        println!(
            "-- session A: SET SESSION lock_wait_timeout = <max-lock-wait>; LOCK TABLES {} READ;",
            plan.qt(&plan.table)
        );
        println!(
            "-- this session: final replay; ALTER TABLE {} AUTO_INCREMENT = <source's>; (only when the shadow's is behind)",
            plan.qt(&plan.shadow)
        );
        println!("-- session B, seen waiting for the table before A unlocks (else cancelled and retried):");
        println!(
            "RENAME TABLE {} TO {}, {} TO {};",
            plan.qt(&plan.table),
            plan.qt(&plan.old),
            plan.qt(&plan.shadow),
            plan.qt(&plan.table)
        );
        println!("-- session A: UNLOCK TABLES;");
    }
}

#[allow(clippy::too_many_arguments)]
async fn continue_run(
    conn: &mut Conn,
    eng: &Eng,
    alter: &Alter,
    opts: &Options,
    entry: Entry,
    schema: &str,
    journal: &Journal,
    mut progress: Progress,
    throttle: Option<&Throttle>,
) -> Result<()> {
    let jkey = entry.tbl.clone();
    let names = plan::names_for(&alter.table)?;
    let mut phase = entry.phase.clone();
    let shadow_exists = eng.exists(conn, schema, &names.shadow).await?;
    if !shadow_exists {
        if eng.exists(conn, schema, &names.old).await? && phase != journal::COPY {
            // The swap happened but its journal write did not (MySQL renames outside a transaction).
            phase = journal::CUTOVER_DONE.to_string();
        } else {
            return Err(OscError::Failed(format!(
                "the journal says phase {phase} but the shadow table {} is missing; run `shipgate osc cleanup` and start again",
                names.shadow
            )));
        }
    }
    if phase == journal::CUTOVER_DONE {
        return finish(
            conn,
            eng,
            opts,
            schema,
            &alter.table,
            journal,
            &jkey,
            &progress,
            vec![],
        )
        .await;
    }
    let plan = eng.plan(conn, alter, &opts.statement, schema).await?;
    for s in &plan.session_sql {
        conn.exec(s).await?;
    }
    let started = Instant::now();
    if phase == journal::COPY {
        let total = copy::estimate_rows(conn, &plan).await;
        progress.event(
            "copy",
            json!({"rows_estimate": total, "resumed_at": entry.last_key}),
        );
        progress.start_copy(total as u64, entry.rows_copied.max(0) as u64);
        // A second session copies every other chunk: the server then uses
        // two cores for the copy, as it would for two index builds.
        let mut peer = connect_for(&plan, &opts.url).await?;
        let mut start = entry.last_key.clone();
        let mut attempt = 0;
        let done = loop {
            let r = copy::run(
                conn,
                Some(&mut peer),
                &plan,
                journal,
                start.clone(),
                &progress,
                &CopyOptions {
                    chunk_time: opts.chunk_time,
                    max_chunks: None,
                    throttle,
                },
            )
            .await;
            // A chunk chosen as a deadlock victim by concurrent writers (or
            // timed out on a row lock) was rolled back whole: continue from
            // the position the journal committed, as --resume would.
            match r {
                Err(e) if is_transient(&e) && attempt < COPY_RETRIES => {
                    attempt += 1;
                    progress.event(
                        "copy-retry",
                        json!({"attempt": attempt, "reason": e.to_string().lines().next()}),
                    );
                    tokio::time::sleep(backoff(attempt)).await;
                    match journal.load(conn, schema, &plan.journal_key()).await? {
                        Some(e) if e.phase == journal::COPY => start = e.last_key,
                        _ => break Err(e),
                    }
                }
                r => break r,
            }
        };
        progress.finish_copy();
        done?;
        phase = journal::COPIED.into();
        progress.event(
            "copied",
            json!({"seconds": started.elapsed().as_secs_f64()}),
        );
    }
    if phase == journal::COPIED {
        let t0 = Instant::now();
        if eng.pg() {
            conn.exec("BEGIN").await?;
            for s in &entry.extra.post_copy {
                if let Err(e) = conn.exec(s).await {
                    let _ = conn.exec("ROLLBACK").await;
                    return Err(e);
                }
            }
            conn.exec(&journal.set_phase_sql(&jkey, journal::INDEXED))
                .await?;
            conn.exec("COMMIT").await?;
        } else {
            let have = conn
                .scalar_i64(&format!(
                    "SELECT count(DISTINCT index_name) FROM information_schema.statistics WHERE table_schema = {} AND table_name = {} AND index_name <> 'PRIMARY'",
                    super::db::literal(Engine::Mysql, schema),
                    super::db::literal(Engine::Mysql, &plan.shadow)
                ))
                .await?;
            if have == 0 {
                for s in &entry.extra.post_copy {
                    conn.exec(s).await?;
                }
            }
            conn.exec(&journal.set_phase_sql(&jkey, journal::INDEXED))
                .await?;
        }
        phase = journal::INDEXED.into();
        progress.event("indexed", json!({"seconds": t0.elapsed().as_secs_f64()}));
    }
    if phase == journal::INDEXED {
        let verified = replay_and_verify(conn, opts, &plan, &progress, throttle).await?;
        conn.exec(&journal.set_phase_sql(&jkey, journal::VERIFIED))
            .await?;
        phase = journal::VERIFIED.into();
        progress.event("verified", verified);
    }
    if phase == journal::VERIFIED {
        if let Some(f) = &opts.postpone_cutover {
            let mut told = false;
            while f.exists() {
                if !told {
                    progress.event(
                        "postponed",
                        json!({"while_exists": f.display().to_string()}),
                    );
                    told = true;
                }
                replay::until_caught_up(
                    conn,
                    &plan,
                    replay::BATCH,
                    false,
                    Some(&progress),
                    throttle,
                )
                .await?;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        replay::until_caught_up(conn, &plan, replay::BATCH, false, Some(&progress), throttle)
            .await?;
        // The old table is kept in sync from the swap on, so `osc revert`
        // can go back: writes to the new table are captured into the
        // reverse change table (see revert.rs).
        let then = if opts.drop_old {
            vec![]
        } else {
            super::revert::capture(conn, eng, &plan, alter).await?
        };
        let mark = journal.set_phase_sql(&jkey, journal::CUTOVER_DONE);
        let after = if eng.pg() {
            cutover_pg(conn, &plan, opts, &then, &mark, &progress).await?
        } else {
            cutover_mysql(conn, &plan, opts, &mark, &progress).await?;
            vec![]
        };
        return finish(
            conn,
            eng,
            opts,
            schema,
            &alter.table,
            journal,
            &jkey,
            &progress,
            after,
        )
        .await;
    }
    Err(OscError::Failed(format!("unknown journal phase {phase}")))
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    conn: &mut Conn,
    eng: &Eng,
    opts: &Options,
    schema: &str,
    table: &str,
    journal: &Journal,
    jkey: &str,
    progress: &Progress,
    after: Vec<String>,
) -> Result<()> {
    let names = plan::names_for(table)?;
    let q = |t: &str| format!("{}.{}", eng.0.quote_ident(schema), eng.0.quote_ident(t));
    if eng.pg() {
        validate_after_swap(conn, schema, table, after).await?;
        nothing_left_behind(conn, eng, schema, &names.changes, table, &names.old).await?;
        conn.exec(&format!(
            "DROP TRIGGER IF EXISTS {} ON {}",
            eng.0.quote_ident(&format!("{}_trg", names.changes)),
            q(&names.old)
        ))
        .await?;
        conn.exec(&format!("DROP TABLE IF EXISTS {}", q(&names.changes)))
            .await?;
        conn.exec(&format!(
            "DROP FUNCTION IF EXISTS {}()",
            q(&format!("{}_fn", names.changes))
        ))
        .await?;
    } else {
        for s in mysql::drop_triggers_sql(schema, table) {
            conn.exec(&s).await?;
        }
        nothing_left_behind(conn, eng, schema, &names.changes, table, &names.old).await?;
        conn.exec(&format!("DROP TABLE IF EXISTS {}", q(&names.changes)))
            .await?;
    }
    if opts.drop_old {
        conn.exec(&format!("DROP TABLE IF EXISTS {}", q(&names.old)))
            .await?;
    }
    conn.exec(&journal.set_phase_sql(jkey, journal::DONE))
        .await?;
    progress.event(
        "done",
        json!({"table": jkey, "old_table": if opts.drop_old { None } else { Some(names.old) }}),
    );
    Ok(())
}

/// `shipgate osc status`: the journal, one line per table.
pub async fn status(url: &str, json_out: bool) -> Result<Vec<Entry>> {
    let engine = engine_of(url)?;
    let eng = Eng(engine);
    let mut conn = connect(engine, url).await?;
    let schema = eng.schema(&mut conn).await?;
    let entries = eng.journal(&schema).load_all(&mut conn, &schema).await?;
    for e in &entries {
        if json_out {
            println!(
                "{}",
                json!({"schema_version": 1, "table": e.tbl, "phase": e.phase, "rows_copied": e.rows_copied, "last_key": e.last_key, "statement": e.statement, "updated_at": e.updated_at})
            );
        } else {
            println!(
                "{}\t{}\t{} rows copied\t{}\t{}",
                e.tbl, e.phase, e.rows_copied, e.updated_at, e.statement
            );
        }
    }
    if entries.is_empty() && !json_out {
        println!("no shipgate osc runs recorded");
    }
    Ok(entries)
}

/// `shipgate osc cleanup`: drops what shipgate created for a table (the old
/// table included) and its journal entry. Refuses while a run holds the lock.
pub async fn cleanup(url: &str, table: &str) -> Result<()> {
    let engine = engine_of(url)?;
    let eng = Eng(engine);
    let mut conn = connect(engine, url).await?;
    let (schema, table) = lock_named(&mut conn, &eng, table).await?;
    // Dropping a trigger on the live table needs its lock for a moment:
    // bounded, so a long transaction cannot make the application queue
    // behind the cleanup.
    let wait = Duration::from_secs(5);
    conn.exec(&if eng.pg() {
        postgres::lock_timeout_sql(wait, false)
    } else {
        mysql::lock_wait_sql(wait)
    })
    .await?;
    for s in eng.teardown(&schema, &table, true) {
        conn.exec(&s).await?;
    }
    let journal = eng.journal(&schema);
    if journal.exists(&mut conn, &schema).await? {
        conn.exec(&journal.delete_sql(&format!("{schema}.{table}")))
            .await?;
    }
    let _ = conn.scalar(&eng.lock(&schema, &table, true)).await;
    eprintln!("osc: cleaned up {schema}.{table}");
    Ok(())
}
