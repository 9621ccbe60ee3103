//! The sessions every osc command opens and the engine dispatch they share:
//! connecting (with the MySQL-family session settings), the MySQL gate,
//! taking a table's run lock, and `Eng`, which sends the few calls that
//! differ to `engines::postgres` or `engines::mysql`. Used by the runner,
//! the cut-over, `revert`, `status` and `cleanup`.

use super::alter::Alter;
use super::db::Conn;
use super::engines::{mysql, postgres};
use super::journal::Journal;
use super::options::Options;
use super::plan::{self, Plan};
use super::{OscError, Result};
use crate::engine::Engine;

/// Engine dispatch for the few calls that differ.
pub(super) struct Eng(pub(super) Engine);

impl Eng {
    pub(super) fn pg(&self) -> bool {
        self.0 == Engine::Postgres
    }
    pub(super) async fn columns(
        &self,
        c: &mut Conn,
        s: &str,
        t: &str,
    ) -> Result<Vec<plan::Column>> {
        if self.pg() {
            postgres::columns(c, s, t).await
        } else {
            mysql::columns(c, s, t).await
        }
    }
    pub(super) async fn unique_keys(
        &self,
        c: &mut Conn,
        s: &str,
        t: &str,
    ) -> Result<Vec<Vec<String>>> {
        if self.pg() {
            postgres::unique_keys(c, s, t).await
        } else {
            mysql::unique_keys(c, s, t).await
        }
    }
    pub(super) async fn schema(&self, c: &mut Conn) -> Result<String> {
        if self.pg() {
            postgres::current_schema(c).await
        } else {
            mysql::current_schema(c).await
        }
    }
    pub(super) async fn exists(&self, c: &mut Conn, s: &str, t: &str) -> Result<bool> {
        if self.pg() {
            postgres::table_exists(c, s, t).await
        } else {
            mysql::table_exists(c, s, t).await
        }
    }
    pub(super) async fn refusals(&self, c: &mut Conn, s: &str, t: &str) -> Result<Vec<String>> {
        if self.pg() {
            postgres::refusals(c, s, t).await
        } else {
            mysql::refusals(c, s, t).await
        }
    }
    pub(super) async fn plan(&self, c: &mut Conn, a: &Alter, stmt: &str, s: &str) -> Result<Plan> {
        if self.pg() {
            postgres::plan(c, a, stmt, s).await
        } else {
            mysql::plan(c, a, stmt, s).await
        }
    }
    pub(super) fn journal(&self, s: &str) -> Journal {
        if self.pg() {
            postgres::journal(s)
        } else {
            mysql::journal(s)
        }
    }
    pub(super) fn teardown(&self, s: &str, t: &str, drop_old: bool) -> Vec<String> {
        if self.pg() {
            postgres::teardown_sql(s, t, drop_old)
        } else {
            mysql::teardown_sql(s, t, drop_old)
        }
    }
    /// Takes the capture triggers off the live table `t`.
    pub(super) fn drop_capture(&self, s: &str, t: &str) -> Vec<String> {
        if self.pg() {
            vec![postgres::capture_off_sql(s, t)]
        } else {
            mysql::drop_triggers_sql(s, t)
        }
    }
    pub(super) fn lock(&self, s: &str, t: &str, unlock: bool) -> String {
        if self.pg() {
            postgres::lock_sql(s, t, unlock)
        } else {
            mysql::lock_sql(s, t, unlock)
        }
    }
}

pub async fn connect(engine: Engine, url: &str) -> Result<Conn> {
    let mut c = Conn::connect(engine, url).await?;
    if engine.is_mysql_family() {
        c.exec(mysql::SESSION_SQL).await?;
    }
    Ok(c)
}

/// A session for the copy or replay of `plan`, with its settings.
pub async fn connect_for(plan: &Plan, url: &str) -> Result<Conn> {
    let mut c = connect(plan.engine, url).await?;
    for s in &plan.session_sql {
        c.exec(s).await?;
    }
    Ok(c)
}

/// What every MySQL-family run does first on its main session: refuse
/// MySQL proper unless `--experimental` (and not a dry run), and bound the
/// run's own metadata-lock waits (trigger creation, the shadow's
/// AUTO_INCREMENT) to `--max-lock-wait`, also on `--resume` and `revert`
/// (the server's default is a year).
pub(super) async fn prepare_mysql(conn: &mut Conn, eng: &Eng, opts: &Options) -> Result<()> {
    if eng.pg() {
        return Ok(());
    }
    if !opts.dry_run && !opts.experimental {
        mysql::refuse_mysql_proper(conn).await?;
    }
    conn.exec(&mysql::lock_wait_sql(opts.max_lock_wait)).await?;
    Ok(())
}

/// Resolves `[schema.]table` and takes the table's run lock, refusing while
/// a run holds it. Returns (schema, table).
pub(super) async fn lock_named(
    conn: &mut Conn,
    eng: &Eng,
    table: &str,
) -> Result<(String, String)> {
    let (schema, table) = match table.split_once('.') {
        Some((s, t)) => (s.to_string(), t.to_string()),
        None => (eng.schema(conn).await?, table.to_string()),
    };
    plan::names_for(&table)?;
    let got = conn.scalar(&eng.lock(&schema, &table, false)).await?;
    if !matches!(got.as_deref(), Some("t") | Some("true") | Some("1")) {
        return Err(OscError::Failed(format!(
            "a shipgate osc run on {schema}.{table} is in progress"
        )));
    }
    Ok((schema, table))
}

pub(super) fn engine_of(url: &str) -> Result<Engine> {
    match Engine::from_url(url) {
        Some(Engine::Postgres) => Ok(Engine::Postgres),
        Some(Engine::Mysql) | Some(Engine::Mariadb) => Ok(Engine::Mysql),
        Some(Engine::Sqlite) => Err(OscError::Invalid(format!(
            "{}: SQLite runs rebuild the table in one transaction and keep no journal or old table, \
             so status, revert and cleanup have nothing to work on",
            super::redact::redact_url(url)
        ))),
        _ => Err(OscError::Invalid(format!(
            "unsupported database URL {}: use postgres:// or mysql://",
            super::redact::redact_url(url)
        ))),
    }
}
