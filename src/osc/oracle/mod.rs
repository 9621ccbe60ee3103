//! The engine as the oracle: before anything touches the live table, the
//! ALTER is applied with the engine's own DDL to a sample of the table's
//! rows, the copy's mapping (the same `INSERT … SELECT` expression list)
//! fills a table of the shadow's shape from the same rows, and the two are
//! compared row by row. Any difference stops the run, naming the column
//! and showing one row both ways — a mapping error (a column treated as
//! new, old values carried into a re-added column, a session setting that
//! changes a value) is caught on a few thousand rows instead of being
//! copied into millions, where verification, which compares through the
//! same mapping, cannot see it.
//!
//! The sample: the first and last [`ENDS`] rows by key, rows with a zero
//! key, for every column an index leads with the rows holding its NULL,
//! smallest and largest value, and the first row with a NULL in each
//! other column among the first [`NULL_SCAN`] rows by key (single-column
//! keys). Every lookup is bounded: index order or a key range.
//!
//! Scratch tables `_sg_ors_T` (the sample), `_sg_ore_T` (the engine's
//! ALTER), `_sg_orr_T` (the engine's ALTER again, only when a column
//! differs: a column whose values differ between two runs of the engine's
//! own ALTER — `random()`, `UUID()`, `clock_timestamp()` — is left out of
//! the comparison and reported), `_sg_orm_T` (the mapping). On MySQL they
//! are TEMPORARY tables (private to the session, gone with it) dropped at
//! the end; on PostgreSQL temporary tables inside the setup transaction,
//! rolled back to a savepoint at the end whatever happened, so a killed
//! run leaves none either (foreign keys are left out of their ALTER: a
//! temporary table cannot reference a permanent one, and a foreign key
//! changes no row). The live table is only read (MySQL: at READ
//! COMMITTED, no row locks; PostgreSQL: ACCESS SHARE, which setup holds
//! anyway). The clock is pinned for the comparison (MySQL `SET timestamp`;
//! PostgreSQL: one transaction), so `DEFAULT CURRENT_TIMESTAMP` agrees.

use super::alter::Alter;
use super::copy::order_by;
use super::db::Conn;
use super::engines::{mysql, postgres};
use super::plan::{Column, Plan};
use super::{OscError, Result};
use crate::engine::Engine;
use serde_json::{json, Value};

mod compare;
mod sample;

use compare::first_difference;
pub use sample::{ENDS, NULL_SCAN};
use std::time::Instant;

struct Scratch {
    /// Schema (PostgreSQL) or database (MySQL) the scratch tables live in.
    schema: String,
    sample: String,
    engine_alter: String,
    rerun: String,
    mapping: String,
}

/// Runs the check; Ok with the `oracle` event's fields, Err (exit 1) with
/// the difference. `conn` is the run's main session (its settings are the
/// copy's); on PostgreSQL it is inside the setup transaction.
pub async fn check(conn: &mut Conn, alter: &Alter, plan: &Plan) -> Result<Value> {
    let t0 = Instant::now();
    let pg = plan.engine == Engine::Postgres;
    let s = Scratch {
        // PostgreSQL: temporary tables, so their index names never meet
        // the shadow's in the table's schema.
        schema: if pg {
            "pg_temp".into()
        } else {
            plan.schema.clone()
        },
        sample: format!("_sg_ors_{}", plan.table),
        engine_alter: format!("_sg_ore_{}", plan.table),
        rerun: format!("_sg_orr_{}", plan.table),
        mapping: format!("_sg_orm_{}", plan.table),
    };
    if pg {
        conn.exec("SAVEPOINT sg_oracle").await?;
    } else {
        conn.exec(
            "SET @sg_oracle_mode = @@SESSION.sql_mode, SESSION timestamp = UNIX_TIMESTAMP(NOW(6))",
        )
        .await?;
    }
    let r = run(conn, alter, plan, &s).await;
    if pg {
        conn.exec("ROLLBACK TO SAVEPOINT sg_oracle").await?;
        conn.exec("RELEASE SAVEPOINT sg_oracle").await?;
    } else {
        for t in [&s.sample, &s.engine_alter, &s.rerun, &s.mapping] {
            conn.exec(&format!("DROP TEMPORARY TABLE IF EXISTS {}", plan.qt(t)))
                .await?;
        }
        conn.exec("SET SESSION sql_mode = @sg_oracle_mode, SESSION timestamp = DEFAULT")
            .await?;
    }
    let (rows, skipped) = r?;
    Ok(json!({"rows": rows, "not_compared": skipped, "seconds": t0.elapsed().as_secs_f64()}))
}

async fn run(
    conn: &mut Conn,
    alter: &Alter,
    plan: &Plan,
    s: &Scratch,
) -> Result<(u64, Vec<String>)> {
    let src = columns(conn, plan, &plan.schema, &plan.table).await?;
    let keys = sample::keys(conn, plan, &src).await?;
    let writable: Vec<String> = src
        .iter()
        .filter(|c| c.writable)
        .map(|c| plan.q(&c.name))
        .collect();
    let cols = writable.join(", ");
    let overriding = if plan.engine == Engine::Postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    // The sample keeps the live rows exactly (a zero in an AUTO_INCREMENT
    // column too), whatever the copy's session would do with them.
    let keep_zero = |sql: String| {
        if plan.engine == Engine::Postgres {
            sql
        } else {
            format!("SET SESSION sql_mode = CONCAT(@sg_oracle_mode, ',NO_AUTO_VALUE_ON_ZERO'); {sql}; SET SESSION sql_mode = @sg_oracle_mode")
        }
    };
    create_like(conn, plan, s, &s.sample, &plan.qt(&plan.table)).await?;
    if !keys.is_empty() {
        let tuples: Vec<String> = keys.iter().map(|k| plan.key_tuple(k)).collect();
        conn.exec(&keep_zero(format!(
            "INSERT INTO {} ({cols}){overriding} SELECT {cols} FROM {} WHERE {} IN ({}) ORDER BY {}",
            sq(plan, s, &s.sample),
            plan.qt(&plan.table),
            plan.key_list(""),
            tuples.join(", "),
            order_by(plan)
        )))
        .await?;
    }
    let n = keys.len() as u64;
    // The engine's own ALTER on a copy of the sample.
    engine_alter(conn, alter, plan, s, &s.engine_alter, &cols, overriding, &keep_zero)
        .await
        .map_err(|e| {
            OscError::Failed(format!(
                "the ALTER fails with the engine's own DDL on a sample of {n} rows of {}.{}, so the migration would fail too; nothing was created.\n{e}",
                plan.schema, plan.table
            ))
        })?;
    // The copy's mapping into a table built as the shadow is.
    let w = work(plan, &s.mapping);
    create_like(conn, plan, s, w, &plan.qt(&plan.table)).await?;
    if let Some(sql) = for_scratch(conn, alter, plan, s, w)
        .await?
        .retarget_for_sample(plan.engine, Some(&s.schema), w)
    {
        conn.exec(&sql).await?;
    }
    let mut m = plan.clone();
    m.schema = s.schema.clone();
    m.table = s.sample.clone();
    m.shadow = w.to_string();
    if let Err(e) = conn.exec(&m.insert_select("1=1")).await {
        return Err(OscError::Failed(format!(
            "the shadow copy fails on a sample of {n} rows of {}.{} where the engine's own ALTER succeeds; nothing was created.\n{e}",
            plan.schema, plan.table
        )));
    }
    settle(conn, plan, s, &s.mapping).await?;
    let shape = columns(conn, plan, &s.schema, &s.mapping).await?;
    let engine_shape = columns(conn, plan, &s.schema, &s.engine_alter).await?;
    let same_shape = shape.len() == engine_shape.len()
        && shape
            .iter()
            .zip(&engine_shape)
            .all(|(a, b)| same_name(plan, &a.name, &b.name) && a.ty == b.ty);
    if !same_shape {
        let show = |c: &[Column]| {
            c.iter()
                .map(|c| format!("{} {}", c.name, c.ty))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(OscError::Failed(format!(
            "the shadow's columns differ from those of the engine's own ALTER on {}.{}; nothing was created.\n  engine's ALTER: {}\n  shadow: {}",
            plan.schema,
            plan.table,
            show(&engine_shape),
            show(&shape)
        )));
    }
    let mut skipped: Vec<String> = vec![];
    let mut rerun_done = false;
    loop {
        let Some(d) =
            first_difference(conn, plan, s, &s.engine_alter, &s.mapping, &shape, &skipped).await?
        else {
            break;
        };
        if !rerun_done {
            rerun_done = true;
            engine_alter(
                conn, alter, plan, s, &s.rerun, &cols, overriding, &keep_zero,
            )
            .await?;
            let mut nondet: Vec<String> = vec![];
            while let Some(x) =
                first_difference(conn, plan, s, &s.engine_alter, &s.rerun, &shape, &nondet).await?
            {
                match x.column {
                    Some(c) => nondet.push(c),
                    None => break,
                }
            }
            if !nondet.is_empty() {
                skipped = nondet;
                continue;
            }
        }
        return Err(OscError::Failed(d.message(plan, n)));
    }
    let mut counts = conn
        .rows(&format!(
            "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})",
            sq(plan, s, &s.engine_alter),
            sq(plan, s, &s.mapping)
        ))
        .await?;
    let c = counts.pop().unwrap_or_default();
    let (ce, cm) = (
        c.first().cloned().flatten().unwrap_or_default(),
        c.get(1).cloned().flatten().unwrap_or_default(),
    );
    if ce != cm {
        return Err(OscError::Failed(format!(
            "the shadow copy of a sample of {n} rows of {}.{} has {cm} rows, the engine's own ALTER {ce}; nothing was created",
            plan.schema, plan.table
        )));
    }
    Ok((n, skipped))
}

fn sq(plan: &Plan, s: &Scratch, t: &str) -> String {
    format!("{}.{}", plan.q(&s.schema), plan.q(t))
}

async fn create_like(conn: &mut Conn, plan: &Plan, s: &Scratch, t: &str, like: &str) -> Result<()> {
    let sql = if plan.engine == Engine::Postgres {
        format!(
            "CREATE TABLE {} (LIKE {like} INCLUDING ALL)",
            sq(plan, s, t)
        )
    } else {
        format!("CREATE TEMPORARY TABLE {} LIKE {like}", sq(plan, s, t))
    };
    conn.exec(&sql).await.map(|_| ())
}

/// `t` := a copy of the sample with the ALTER applied by the engine.
#[allow(clippy::too_many_arguments)]
async fn engine_alter(
    conn: &mut Conn,
    alter: &Alter,
    plan: &Plan,
    s: &Scratch,
    t: &str,
    cols: &str,
    overriding: &str,
    keep_zero: &dyn Fn(String) -> String,
) -> Result<()> {
    let w = work(plan, t);
    create_like(conn, plan, s, w, &sq(plan, s, &s.sample)).await?;
    conn.exec(&keep_zero(format!(
        "INSERT INTO {} ({cols}){overriding} SELECT {cols} FROM {} ORDER BY {}",
        sq(plan, s, w),
        sq(plan, s, &s.sample),
        order_by(plan)
    )))
    .await?;
    if let Some(sql) = for_scratch(conn, alter, plan, s, w)
        .await?
        .retarget_for_sample(plan.engine, Some(&s.schema), w)
    {
        conn.exec(&sql).await?;
    }
    settle(conn, plan, s, t).await
}

/// `alter` with the constraints it names by the table's name renamed to
/// their counterparts on scratch table `t` (PostgreSQL; the mechanism the
/// shadow uses). MySQL names keys per table: unchanged.
async fn for_scratch(
    conn: &mut Conn,
    alter: &Alter,
    plan: &Plan,
    s: &Scratch,
    t: &str,
) -> Result<Alter> {
    if plan.engine == Engine::Postgres {
        postgres::constraints_renamed_for(conn, alter, &plan.schema, &s.schema, t).await
    } else {
        Ok(alter.clone())
    }
}

/// PostgreSQL: index and constraint names are unique per schema, so each
/// scratch result is built under [`WORK`], kept as plain rows under its
/// own name and the built table dropped; the next ALTER can then create
/// the same names. MySQL names indexes per table: built in place.
const WORK: &str = "_sg_orx";

fn work<'a>(plan: &Plan, t: &'a str) -> &'a str {
    if plan.engine == Engine::Postgres {
        WORK
    } else {
        t
    }
}

async fn settle(conn: &mut Conn, plan: &Plan, s: &Scratch, t: &str) -> Result<()> {
    if plan.engine == Engine::Postgres {
        conn.exec(&format!(
            "CREATE TABLE {} AS SELECT * FROM {}; DROP TABLE {}",
            sq(plan, s, t),
            sq(plan, s, WORK),
            sq(plan, s, WORK)
        ))
        .await?;
    }
    Ok(())
}

async fn columns(conn: &mut Conn, plan: &Plan, schema: &str, t: &str) -> Result<Vec<Column>> {
    if plan.engine == Engine::Postgres {
        postgres::columns(conn, schema, t).await
    } else {
        mysql::columns(conn, schema, t).await
    }
}

fn same_name(plan: &Plan, a: &str, b: &str) -> bool {
    if plan.engine == Engine::Postgres {
        a == b
    } else {
        a.eq_ignore_ascii_case(b)
    }
}
