//! The thin connection the migration talks through. Every statement goes
//! over the simple (text) protocol, so any column reads back as text and no
//! prepared statement outlives a table swap.

use super::{OscError, Result};
use crate::engine::Engine;
use sqlx::{AssertSqlSafe, Connection, Row};

pub type Rows = Vec<Vec<Option<String>>>;

pub enum Conn {
    Pg(sqlx::PgConnection),
    My(sqlx::MySqlConnection),
}

impl Conn {
    /// Connects; the error message never carries the URL.
    pub async fn connect(engine: Engine, url: &str) -> Result<Conn> {
        let r = match engine {
            Engine::Postgres => sqlx::PgConnection::connect(url).await.map(Conn::Pg),
            Engine::Mysql | Engine::Mariadb => {
                sqlx::MySqlConnection::connect(url).await.map(Conn::My)
            }
            Engine::Sqlite => {
                return Err(OscError::Invalid(
                    "sqlite is handled by the rebuild path".into(),
                ))
            }
        };
        r.map_err(|e| {
            OscError::Invalid(format!(
                "cannot connect to the database: {}",
                super::redact::scrub(&e.to_string(), url)
            ))
        })
    }

    /// Runs SQL (one or more statements), returning the rows affected.
    pub async fn exec(&mut self, sql: &str) -> Result<u64> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        let n = match self {
            Conn::Pg(c) => q.execute(&mut *c).await.map(|r| r.rows_affected()),
            Conn::My(c) => q.execute(&mut *c).await.map(|r| r.rows_affected()),
        };
        n.map_err(|e| sql_error(e, sql))
    }

    /// Runs a query, every value as text (NULL as None).
    pub async fn rows(&mut self, sql: &str) -> Result<Rows> {
        Ok(self.rows_named(sql).await?.1)
    }

    /// Like `rows`, with the column names (for statements such as
    /// `SHOW REPLICA STATUS` whose columns differ between versions).
    pub async fn rows_named(&mut self, sql: &str) -> Result<(Vec<String>, Rows)> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        let got = match self {
            Conn::Pg(c) => q.fetch_all(&mut *c).await.map(|rows| {
                let v = rows
                    .iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get_unchecked::<Option<String>, _>(i).ok().flatten())
                            .collect()
                    })
                    .collect();
                (
                    rows.first().map(|r| names(r.columns())).unwrap_or_default(),
                    v,
                )
            }),
            Conn::My(c) => q.fetch_all(&mut *c).await.map(|rows| {
                let v = rows
                    .iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                r.try_get_unchecked::<Option<Vec<u8>>, _>(i)
                                    .ok()
                                    .flatten()
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                            })
                            .collect()
                    })
                    .collect();
                (
                    rows.first().map(|r| names(r.columns())).unwrap_or_default(),
                    v,
                )
            }),
        };
        got.map_err(|e| sql_error(e, sql))
    }

    /// The first column of the first row, if any and not NULL.
    pub async fn scalar(&mut self, sql: &str) -> Result<Option<String>> {
        Ok(self
            .rows(sql)
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten()))
    }

    pub async fn scalar_i64(&mut self, sql: &str) -> Result<i64> {
        Ok(self
            .scalar(sql)
            .await?
            .and_then(|s| s.trim().parse::<f64>().ok())
            .map(|f| f as i64)
            .unwrap_or(0))
    }
}

fn names<C: sqlx::Column>(cols: &[C]) -> Vec<String> {
    cols.iter().map(|c| c.name().to_string()).collect()
}

/// A database error, with the statement's first line for context.
fn sql_error(e: sqlx::Error, sql: &str) -> OscError {
    let head: String = sql.trim().chars().take(160).collect();
    // A server that went away is the environment, not a failed migration
    // (exit 2); the journal lets the run continue.
    if matches!(e, sqlx::Error::Io(_)) {
        return OscError::Invalid(format!(
            "the database connection was lost ({e}) while running: {head}\n  \
             nothing committed is lost; continue with --resume once the server is back"
        ));
    }
    // PostgreSQL puts the offending key of a unique violation in the detail.
    let detail = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
        .and_then(|p| p.detail().map(|d| format!(" ({d})")))
        .unwrap_or_default();
    OscError::Failed(format!(
        "database error: {e}{detail}\n  while running: {head}"
    ))
}

/// Is this a lock-timeout error (PostgreSQL `lock_not_available`, MySQL 1205)?
pub fn is_lock_timeout(e: &OscError) -> bool {
    let OscError::Failed(m) = e else { return false };
    m.contains("lock timeout")
        || m.contains("55P03")
        || m.contains("1205")
        || m.contains("Lock wait timeout")
        || m.contains("canceling statement due to lock timeout")
}

/// The wait before retry `attempt`: 200 ms doubling to at most 5 s (lock
/// timeouts at setup and cut-over, chunks and replay steps lost to writers).
pub fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis((200u64 << attempt.min(5)).min(5000))
}

/// Is this an error a retry of the same transaction can get past: a lock
/// timeout, or a deadlock or serialization failure the server resolved by
/// rolling this transaction back (MySQL 1213, SQLSTATE 40001/40P01)?
/// A copy chunk under concurrent writes can be chosen as a deadlock victim;
/// it is rolled back whole, so running it again is safe.
pub fn is_transient(e: &OscError) -> bool {
    if is_lock_timeout(e) {
        return true;
    }
    let OscError::Failed(m) = e else { return false };
    // sqlx shows a MySQL error as `<code> (<SQLSTATE>): <message>` and a
    // PostgreSQL error by its message alone.
    m.contains("(40001)") || m.contains("Deadlock found") || m.contains("deadlock detected")
}

/// A string literal for the engine (standard SQL quoting; MySQL also escapes backslashes).
pub fn literal(engine: Engine, s: &str) -> String {
    if engine.is_mysql_family() {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlocks_and_lock_timeouts_are_retried_other_errors_are_not() {
        let failed = |m: &str| OscError::Failed(m.to_string());
        // The message shape `error` above gives a server error (seen in a
        // copy chunk that lost to concurrent writers on MariaDB 10.11).
        let deadlock = failed("database error: error returned from database: 1213 (40001): Deadlock found when trying to get lock; try restarting transaction\n  while running: INSERT INTO …");
        assert!(is_transient(&deadlock));
        assert!(is_transient(&failed(
            "database error: error returned from database: deadlock detected"
        )));
        assert!(is_transient(&failed(
            "database error: 1205 (HY000): Lock wait timeout exceeded"
        )));
        assert!(!is_transient(&failed(
            "database error: 1062 (23000): Duplicate entry '7' for key 'PRIMARY'"
        )));
        assert!(!is_transient(&OscError::Invalid("Deadlock found".into())));
    }
}
