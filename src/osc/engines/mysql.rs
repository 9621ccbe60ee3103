//! MySQL and MariaDB. DDL commits on its own here, so setup is journalled
//! first (phase `setup`) and redone from scratch if it was interrupted.
//! Copy and replay run at READ COMMITTED so `INSERT … SELECT` reads the
//! source without locking it
//! (<https://dev.mysql.com/doc/refman/8.0/en/innodb-locks-set.html>).
//! The cut-over holds `LOCK TABLES … READ` (bounded by `lock_wait_timeout`,
//! <https://mariadb.com/kb/en/server-system-variables/#lock_wait_timeout>)
//! while the last changes are replayed; see `cutover::cutover_mysql` for why
//! the rename is queued from a third session.

use crate::engine::Engine;
use crate::osc::alter::Alter;
use crate::osc::db::{literal, Conn};
use crate::osc::journal::{Extra, Journal};
use crate::osc::mapping::ColumnMap;
use crate::osc::plan::{self, Column, Plan, PlanInput};
use crate::osc::{OscError, Result};

const E: Engine = Engine::Mysql;

fn lit(s: &str) -> String {
    literal(E, s)
}

fn q(s: &str) -> String {
    E.quote_ident(s)
}

fn qt(schema: &str, t: &str) -> String {
    format!("{}.{}", q(schema), q(t))
}

/// Session settings for every connection of the run, so the copy changes
/// no value: READ COMMITTED (see above); the server's `sql_mode` (its
/// strictness included) plus `NO_AUTO_VALUE_ON_ZERO`, or a row whose
/// AUTO_INCREMENT column holds 0 would be given a new number, and less
/// `NO_ZERO_DATE`/`NO_ZERO_IN_DATE`, which would refuse zero dates the
/// table already holds
/// (<https://mariadb.com/kb/en/sql-mode/>); and UTC, so a TIMESTAMP is
/// never converted through a zone with daylight-saving gaps
/// (<https://mariadb.com/kb/en/timestamp/#time-zones>).
pub const SESSION_SQL: &str = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; \
     SET SESSION sql_mode = CONCAT(REPLACE(REPLACE(@@SESSION.sql_mode, 'NO_ZERO_IN_DATE', ''), 'NO_ZERO_DATE', ''), ',NO_AUTO_VALUE_ON_ZERO'); \
     SET SESSION time_zone = '+00:00'";

pub fn lock_sql(schema: &str, table: &str, unlock: bool) -> String {
    // GET_LOCK names are limited to 64 characters.
    let name: String = format!("sg-osc:{schema}.{table}")
        .chars()
        .take(64)
        .collect();
    if unlock {
        format!("SELECT CAST(RELEASE_LOCK({}) AS CHAR)", lit(&name))
    } else {
        // Wait a little: the session of a run killed a moment ago may still hold it.
        format!("SELECT CAST(GET_LOCK({}, 10) AS CHAR)", lit(&name))
    }
}

/// With `lower_case_table_names` set, the server stores and compares
/// table and database names in lower case
/// (<https://mariadb.com/kb/en/identifier-case-sensitivity/>): so do the
/// names shipgate derives from them (shadow, change table, journal key).
pub async fn fold_table_names(conn: &mut Conn, alter: &mut Alter) -> Result<()> {
    if conn.scalar_i64("SELECT @@lower_case_table_names").await? != 0 {
        alter.table = alter.table.to_lowercase();
        alter.schema = alter.schema.take().map(|s| s.to_lowercase());
    }
    Ok(())
}

pub async fn current_schema(conn: &mut Conn) -> Result<String> {
    conn.scalar("SELECT DATABASE()")
        .await?
        .ok_or_else(|| OscError::Invalid("the MySQL URL names no database".into()))
}

pub async fn table_exists(conn: &mut Conn, schema: &str, t: &str) -> Result<bool> {
    Ok(conn
        .scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            lit(schema),
            lit(t)
        ))
        .await?
        > 0)
}

pub async fn columns(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<Column>> {
    let rows = conn
        .rows(&format!("SHOW FULL COLUMNS FROM {}", qt(schema, t)))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let extra = r
                .get(6)
                .cloned()
                .flatten()
                .unwrap_or_default()
                .to_ascii_uppercase();
            Column {
                name: r[0].clone().unwrap_or_default(),
                ty: r[1].clone().unwrap_or_default(),
                writable: !extra.contains("GENERATED"),
            }
        })
        .collect())
}

/// Columns whose SHOW COLUMNS `Extra` mentions `what` (lower case).
async fn columns_with_extra(
    conn: &mut Conn,
    schema: &str,
    t: &str,
    what: &str,
) -> Result<Vec<String>> {
    let rows = conn
        .rows(&format!("SHOW FULL COLUMNS FROM {}", qt(schema, t)))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            r.get(6)
                .cloned()
                .flatten()
                .is_some_and(|e| e.to_ascii_lowercase().contains(what))
        })
        .filter_map(|r| r[0].clone())
        .collect())
}

/// SHOW INDEX rows grouped by index: (name, unique, type, [(column, sub_part, desc)]).
type IndexCols = Vec<(String, Option<String>, bool)>;
async fn indexes(
    conn: &mut Conn,
    schema: &str,
    t: &str,
) -> Result<Vec<(String, bool, String, IndexCols)>> {
    let rows = conn
        .rows(&format!("SHOW INDEX FROM {}", qt(schema, t)))
        .await?;
    let mut out: Vec<(String, bool, String, IndexCols)> = vec![];
    for r in rows {
        let get = |i: usize| r.get(i).cloned().flatten();
        let name = get(2).unwrap_or_default();
        let unique = get(1).as_deref() == Some("0");
        let col = get(4).unwrap_or_default();
        let sub = get(7);
        let desc = get(5).as_deref() == Some("D");
        let ty = get(10).unwrap_or_default();
        match out.iter_mut().find(|x| x.0 == name) {
            Some(x) => x.3.push((col, sub, desc)),
            None => out.push((name, unique, ty, vec![(col, sub, desc)])),
        }
    }
    Ok(out)
}

pub async fn key(conn: &mut Conn, schema: &str, t: &str) -> Result<Option<Vec<String>>> {
    Ok(unique_keys(conn, schema, t).await?.into_iter().next())
}

/// Every key that identifies a row: the primary key first, then each
/// unique index over whole (not prefixed) NOT NULL columns.
pub async fn unique_keys(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<Vec<String>>> {
    let cols = conn
        .rows(&format!("SHOW FULL COLUMNS FROM {}", qt(schema, t)))
        .await?;
    let notnull = |c: &str| {
        cols.iter()
            .any(|r| r[0].as_deref() == Some(c) && r[3].as_deref() == Some("NO"))
    };
    let mut idx = indexes(conn, schema, t).await?;
    idx.sort_by_key(|i| i.0 != "PRIMARY");
    Ok(idx
        .iter()
        .filter(|i| i.1 && i.3.iter().all(|c| c.1.is_none() && notnull(&c.0)))
        .map(|i| i.3.iter().map(|c| c.0.clone()).collect())
        .collect())
}

pub async fn refusals(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<String>> {
    let mut out = vec![];
    let engine = conn
        .scalar(&format!(
            "SELECT engine FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            lit(schema),
            lit(t)
        ))
        .await?
        .unwrap_or_default();
    if !engine.eq_ignore_ascii_case("InnoDB") {
        out.push(format!(
            "the table uses the {engine} storage engine; shipgate osc needs InnoDB transactions"
        ));
    }
    let parts = conn
        .scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.partitions WHERE table_schema = {} AND table_name = {} AND partition_name IS NOT NULL",
            lit(schema),
            lit(t)
        ))
        .await?;
    if parts > 0 {
        out.push("the table is partitioned; shipgate osc copies plain tables only".into());
    }
    let trg = conn
        .rows(&format!(
            "SELECT trigger_name FROM information_schema.triggers WHERE event_object_schema = {} AND event_object_table = {} AND trigger_name NOT LIKE '\\_sg\\_%'",
            lit(schema),
            lit(t)
        ))
        .await?;
    if !trg.is_empty() {
        out.push(format!(
            "the table has triggers ({}); MySQL triggers stay with the renamed old table, so the new table would lose them",
            trg.into_iter().filter_map(|r| r[0].clone()).collect::<Vec<_>>().join(", ")
        ));
    }
    let fks = conn
        .rows(&format!(
            "SELECT constraint_name, table_name FROM information_schema.referential_constraints \
             WHERE (constraint_schema = {0} AND table_name = {1}) OR (unique_constraint_schema = {0} AND referenced_table_name = {1})",
            lit(schema),
            lit(t)
        ))
        .await?;
    if !fks.is_empty() {
        out.push(format!(
            "foreign keys involve the table ({}); on MySQL/MariaDB they follow the renamed table and their names are unique per database, so shipgate osc refuses rather than drop them",
            fks.into_iter().filter_map(|r| r[0].clone()).collect::<Vec<_>>().join(", ")
        ));
    }
    if key(conn, schema, t).await?.is_none() {
        out.push("the table has no primary key and no unique index over NOT NULL columns; rows cannot be tracked".into());
    }
    Ok(out)
}

pub async fn plan(conn: &mut Conn, alter: &Alter, statement: &str, schema: &str) -> Result<Plan> {
    let names = plan::names_for(&alter.table)?;
    let src = columns(conn, schema, &alter.table).await?;
    let sh = columns(conn, schema, &names.shadow).await?;
    let map = ColumnMap::of(E, alter);
    let fixed = change_key(conn, schema, &names.changes).await?;
    let (k, sk) = plan::choose_key(
        E,
        &map,
        &unique_keys(conn, schema, &alter.table).await?,
        &unique_keys(conn, schema, &names.shadow).await?,
        fixed,
    )?;
    plan::build(PlanInput {
        engine: E,
        statement,
        schema,
        table: &alter.table,
        source: &src,
        shadow: &sh,
        key: &k,
        shadow_key: &sk,
        map: &map,
    })
}

/// The key columns of an existing change table (None: there is none).
pub async fn change_key(
    conn: &mut Conn,
    schema: &str,
    changes: &str,
) -> Result<Option<Vec<String>>> {
    if !table_exists(conn, schema, changes).await? {
        return Ok(None);
    }
    Ok(Some(plan::key_of_changes(
        columns(conn, schema, changes).await?,
    )))
}

pub fn shadow_sql(alter: &Alter, schema: &str) -> Result<Vec<String>> {
    let names = plan::names_for(&alter.table)?;
    Ok(vec![
        format!(
            "CREATE TABLE {} LIKE {}",
            qt(schema, &names.shadow),
            qt(schema, &alter.table)
        ),
        alter.retarget(E, Some(schema), &names.shadow),
    ])
}

/// Secondary indexes (not full-text or spatial) come off the shadow for the
/// copy and go back on in one ALTER afterwards.
pub async fn defer_indexes(conn: &mut Conn, p: &Plan) -> Result<(Vec<String>, Extra)> {
    let idx = indexes(conn, &p.schema, &p.shadow).await?;
    // The AUTO_INCREMENT column must lead some index at all times
    // (error 1075): the first index it leads stays.
    let auto = columns_with_extra(conn, &p.schema, &p.shadow, "auto_increment").await?;
    let keep = idx
        .iter()
        .find(|i| {
            i.3.first()
                .is_some_and(|c| auto.iter().any(|a| a.eq_ignore_ascii_case(&c.0)))
        })
        .map(|i| i.0.clone());
    let mut drops = vec![];
    let mut adds = vec![];
    for (name, unique, ty, cols) in idx {
        if name == "PRIMARY" || ty != "BTREE" || keep.as_ref() == Some(&name) {
            continue;
        }
        let parts: Vec<String> = cols
            .iter()
            .map(|(c, sub, desc)| {
                format!(
                    "{}{}{}",
                    q(c),
                    sub.as_ref().map(|s| format!("({s})")).unwrap_or_default(),
                    if *desc { " DESC" } else { "" }
                )
            })
            .collect();
        drops.push(format!("DROP INDEX {}", q(&name)));
        adds.push(format!(
            "ADD {}INDEX {} ({})",
            if unique { "UNIQUE " } else { "" },
            q(&name),
            parts.join(", ")
        ));
    }
    let mut extra = Extra::default();
    let mut drop_sql = vec![];
    if !drops.is_empty() {
        drop_sql.push(format!(
            "ALTER TABLE {} {}",
            p.qt(&p.shadow),
            drops.join(", ")
        ));
        extra.post_copy.push(format!(
            "ALTER TABLE {} {}",
            p.qt(&p.shadow),
            adds.join(", ")
        ));
    }
    Ok((drop_sql, extra))
}

fn trigger_name(p: &Plan, op: &str) -> String {
    format!("{}_{op}", p.changes).chars().take(64).collect()
}

pub fn capture_sql(p: &Plan) -> Vec<String> {
    let cols: Vec<String> = p
        .key
        .iter()
        .map(|k| format!("{} {} NOT NULL", q(&k.name), k.ty))
        .collect();
    let klist: Vec<String> = p.key.iter().map(|k| q(&k.name)).collect();
    let vals = |rec: &str| -> String {
        p.key
            .iter()
            .map(|k| format!("{rec}.{}", q(&k.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ins = |rec: &str, op: &str| {
        format!(
            "INSERT INTO {} ({}, op) VALUES ({}, '{op}')",
            p.qt(&p.changes),
            klist.join(", "),
            vals(rec)
        )
    };
    let same: Vec<String> = p
        .key
        .iter()
        .map(|k| format!("NEW.{0} <=> OLD.{0}", q(&k.name)))
        .collect();
    vec![
        format!(
            "CREATE TABLE {} (_sg_seq bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, {}, op char(1) NOT NULL, KEY k ({})) ENGINE=InnoDB",
            p.qt(&p.changes),
            cols.join(", "),
            klist.join(", ")
        ),
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {} FOR EACH ROW {}",
            qt(&p.schema, &trigger_name(p, "ins")),
            p.qt(&p.table),
            ins("NEW", "I")
        ),
        format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {} FOR EACH ROW BEGIN {}; IF NOT ({}) THEN {}; END IF; END",
            qt(&p.schema, &trigger_name(p, "upd")),
            p.qt(&p.table),
            ins("OLD", "U"),
            same.join(" AND "),
            ins("NEW", "U")
        ),
        format!(
            "CREATE TRIGGER {} AFTER DELETE ON {} FOR EACH ROW {}",
            qt(&p.schema, &trigger_name(p, "del")),
            p.qt(&p.table),
            ins("OLD", "D")
        ),
    ]
}

pub fn drop_triggers_sql(schema: &str, table: &str) -> Vec<String> {
    let n = plan::names_for(table).expect("names were valid at setup");
    ["ins", "upd", "del"]
        .iter()
        .map(|op| {
            let name: String = format!("{}_{op}", n.changes).chars().take(64).collect();
            format!("DROP TRIGGER IF EXISTS {}", qt(schema, &name))
        })
        .collect()
}

pub fn teardown_sql(schema: &str, table: &str, drop_old: bool) -> Vec<String> {
    let n = plan::names_for(table).expect("names were valid at setup");
    let mut v = drop_triggers_sql(schema, table);
    v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.shadow)));
    v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.changes)));
    if drop_old {
        v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.old)));
        v.extend(reverse_teardown_sql(schema, table));
        v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.reverted)));
    }
    v
}

/// The reverse capture (`osc revert`): its triggers, wherever they sit
/// (trigger names are unique per database), and its change table.
pub fn reverse_teardown_sql(schema: &str, table: &str) -> Vec<String> {
    let n = plan::names_for(table).expect("names were valid at setup");
    let mut v: Vec<String> = ["ins", "upd", "del"]
        .iter()
        .map(|op| {
            let name: String = format!("{}_{op}", n.reverse).chars().take(64).collect();
            format!("DROP TRIGGER IF EXISTS {}", qt(schema, &name))
        })
        .collect();
    v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.reverse)));
    v
}

/// Rows in the table by `information_schema.tables`, or for a table whose
/// statistics are not collected yet by EXPLAIN's `rows`.
pub async fn estimate_rows(conn: &mut Conn, schema: &str, t: &str) -> Result<i64> {
    let n = conn
        .scalar_i64(&format!(
            "SELECT CAST(table_rows AS CHAR) FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            lit(schema),
            lit(t)
        ))
        .await?;
    if n > 0 {
        return Ok(n);
    }
    let (names, rows) = conn
        .rows_named(&format!("EXPLAIN SELECT 1 FROM {}", qt(schema, t)))
        .await?;
    Ok(names
        .iter()
        .position(|c| c == "rows")
        .and_then(|i| rows.first()?.get(i)?.clone())
        .and_then(|r| r.parse().ok())
        .unwrap_or(0))
}

/// The next AUTO_INCREMENT value of a table, if it has one.
pub async fn auto_increment(conn: &mut Conn, schema: &str, t: &str) -> Result<Option<i64>> {
    let rows = conn
        .rows(&format!(
            "SHOW TABLE STATUS FROM {} LIKE {}",
            q(schema),
            lit(t)
        ))
        .await?;
    Ok(rows
        .first()
        .and_then(|r| r.get(10).cloned().flatten())
        .and_then(|s| s.parse().ok()))
}

pub fn journal(schema: &str) -> Journal {
    Journal::new(E, schema)
}

/// `lock_wait_timeout` for a session: whole seconds, at least one (the
/// server's minimum on MySQL).
pub fn lock_wait_sql(wait: std::time::Duration) -> String {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    format!("SET SESSION lock_wait_timeout = {secs}")
}

async fn is_mariadb(conn: &mut Conn) -> Result<(bool, String)> {
    let version = conn.scalar("SELECT VERSION()").await?.unwrap_or_default();
    Ok((version.contains("MariaDB"), version))
}

/// The cut-over's safety rests on how the server orders metadata locks,
/// which shipgate's tests check on MariaDB only; MySQL proper is refused
/// (the caller lets `--experimental` through).
pub async fn refuse_mysql_proper(conn: &mut Conn) -> Result<()> {
    match is_mariadb(conn).await? {
        (true, _) => Ok(()),
        (false, version) => Err(OscError::Invalid(format!(
            "this server is MySQL {version}, not MariaDB: shipgate osc's cut-over is tested on MariaDB only \
             (docs/osc.md, Known limits). Use --dry-run to see the plan, or pass --experimental"
        ))),
    }
}

/// Where a RENAME session stands, seen from another session.
pub enum RenameWait {
    /// Not waiting for a metadata lock (running, or done).
    NotWaiting,
    /// Waiting for the table itself: unlocking it serves the rename first.
    ForTable,
    /// Waiting for one of its other names (the shadow, say).
    ForOtherName,
    /// Waiting for a metadata lock; the server cannot say which.
    Unknown,
}

/// How the cut-over can tell where a waiting RENAME stands.
pub struct RenameProbe {
    mariadb: bool,
    /// Of the rename's other names, the one it locks last before the
    /// table; None when it locks the table first.
    probe: Option<String>,
    /// MySQL: `performance_schema.metadata_locks` is collecting.
    perf_schema: bool,
}

impl RenameProbe {
    /// For `RENAME TABLE table TO old, shadow TO table`. The name probed
    /// must be one nobody else holds: `old` (not created yet) is, and it
    /// sorts after `shadow` for both directions shipgate renames in
    /// (`_sg_new_` < `_sg_old_` forward, `_sg_old_` < `_sg_rvt_` on revert).
    pub async fn new(conn: &mut Conn, plan: &Plan) -> Result<RenameProbe> {
        let (mariadb, _) = is_mariadb(conn).await?;
        let lctn = conn
            .scalar_i64("SELECT @@lower_case_table_names")
            .await
            .unwrap_or(0);
        let perf_schema = conn
            .scalar_i64("SELECT @@performance_schema")
            .await
            .unwrap_or(0)
            == 1;
        let lower = lctn != 0;
        debug_assert!(locks_before(&plan.shadow, &plan.old, lower));
        Ok(RenameProbe {
            mariadb,
            probe: (!locks_before(&plan.table, &plan.old, lower)).then(|| plan.old.clone()),
            perf_schema,
        })
    }

    /// Where the RENAME running in session `rid` stands.
    pub async fn poll(&self, conn: &mut Conn, schema: &str, rid: &str) -> Result<RenameWait> {
        let waiting = conn
            .scalar_i64(&format!(
                "SELECT count(*) FROM information_schema.processlist WHERE id = {rid} AND state LIKE '%metadata lock%'"
            ))
            .await
            .unwrap_or(0)
            > 0;
        if !waiting {
            return Ok(RenameWait::NotWaiting);
        }
        Ok(match self.waits_for_table(conn, schema).await? {
            Some(true) => RenameWait::ForTable,
            Some(false) => RenameWait::ForOtherName,
            None => RenameWait::Unknown,
        })
    }

    /// Is a RENAME that waits for a metadata lock waiting for the table
    /// itself? A statement takes its table locks in key order, so while it
    /// waits for a name sorted before the table (the shadow, held a moment
    /// by InnoDB's purge under load, say), unlocking the table would let
    /// queued writers reach the old table ahead of the rename. When the
    /// old name sorts first, the rename holds it exactly when it has moved
    /// on to the table. `None`: this server cannot say.
    async fn waits_for_table(&self, conn: &mut Conn, schema: &str) -> Result<Option<bool>> {
        let Some(old) = &self.probe else {
            return Ok(Some(true));
        };
        if self.mariadb {
            // A zero-wait read of the old name: it does not exist yet, so
            // "doesn't exist" means nobody holds it, a lock timeout means
            // the rename does.
            return match conn
                .exec(&format!(
                    "SET STATEMENT lock_wait_timeout = 0 FOR SELECT 1 FROM {} LIMIT 0",
                    qt(schema, old)
                ))
                .await
            {
                Err(e) if crate::osc::db::is_lock_timeout(&e) => Ok(Some(true)),
                _ => Ok(Some(false)),
            };
        }
        if self.perf_schema {
            let n = conn
                .scalar_i64(&format!(
                    "SELECT count(*) FROM performance_schema.metadata_locks WHERE object_type = 'TABLE' \
                     AND object_schema = {} AND object_name = {} AND lock_type = 'EXCLUSIVE' AND lock_status = 'GRANTED'",
                    lit(schema),
                    lit(old)
                ))
                .await?;
            return Ok(Some(n > 0));
        }
        Ok(None)
    }
}

/// Does the server lock `a` before `b`? Metadata lock requests of one
/// statement are sorted by key, which compares the names' bytes (lower-cased
/// when `lower_case_table_names` is set).
pub fn locks_before(a: &str, b: &str, lower: bool) -> bool {
    let key = |s: &str| {
        let mut k = if lower {
            s.to_lowercase().into_bytes()
        } else {
            s.as_bytes().to_vec()
        };
        k.push(0);
        k
    };
    key(a) < key(b)
}

#[cfg(test)]
mod tests {
    use super::locks_before;

    #[test]
    fn lock_order_follows_the_name_bytes() {
        assert!(!locks_before("orders", "_sg_old_orders", false));
        assert!(locks_before("Orders", "_sg_old_Orders", false));
        assert!(!locks_before("Orders", "_sg_old_Orders", true));
        assert!(locks_before("9t", "_sg_old_9t", false));
        assert!(locks_before("t", "t_x", false));
    }
}
