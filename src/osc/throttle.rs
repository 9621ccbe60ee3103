//! `--max-load` and `--max-replica-lag`: the copy and the replay pause
//! while the server is busier than the operator allows, or while a replica
//! falls behind, and go on when it recovers (as gh-ost and
//! pt-online-schema-change do). The cut-over is never throttled: it holds a
//! lock, and pausing under it would block the application.
//!
//! Load metrics: on MySQL/MariaDB any global status variable
//! (`Threads_running=25`); on PostgreSQL `active` (client sessions running
//! a statement, ours excluded) and `lock_waiting` (sessions waiting for a
//! lock). Replica lag: `pg_last_xact_replay_timestamp()` on a PostgreSQL
//! standby, `Seconds_Behind_Master` on a MySQL/MariaDB replica; a replica
//! whose replication is stopped counts as too far behind.

use super::db::Conn;
use super::progress::Progress;
use super::redact::redact_url;
use super::{OscError, Result};
use crate::engine::Engine;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How often the limits are read while the run is not throttled.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How long a throttled run sleeps between readings.
const PAUSE: Duration = Duration::from_millis(500);

/// The PostgreSQL load metrics and the query that reads each.
const PG_METRICS: [(&str, &str); 2] = [
    (
        "active",
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' \
         AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    ),
    (
        "lock_waiting",
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    ),
];

/// The limits as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// (metric, highest value allowed).
    pub max_load: Vec<(String, f64)>,
    /// (replica URL, longest lag allowed).
    pub replicas: Vec<(String, Duration)>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.max_load.is_empty() && self.replicas.is_empty()
    }

    /// `--max-load NAME=VALUE[,NAME=VALUE…]`.
    pub fn parse_max_load(s: &str) -> Result<Vec<(String, f64)>> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                let (name, v) = p.split_once('=').ok_or_else(|| {
                    OscError::Invalid(format!(
                        "--max-load takes NAME=VALUE pairs separated by commas, got {p:?}"
                    ))
                })?;
                let name = name.trim();
                let ok_name =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                let v: f64 = v.trim().parse().map_err(|_| {
                    OscError::Invalid(format!("--max-load {name}: {v:?} is not a number"))
                })?;
                if !ok_name || !v.is_finite() || v < 0.0 {
                    return Err(OscError::Invalid(format!(
                        "--max-load takes a metric name and a non-negative number, got {p:?}"
                    )));
                }
                Ok((name.to_string(), v))
            })
            .collect()
    }

    /// `--max-replica-lag URL,SECONDS`.
    pub fn parse_replica(s: &str) -> Result<(String, Duration)> {
        let (url, secs) = s.rsplit_once(',').ok_or_else(|| {
            OscError::Invalid(format!(
                "--max-replica-lag takes URL,SECONDS, got {}",
                redact_url(s)
            ))
        })?;
        let v: f64 = secs.trim().parse().unwrap_or(-1.0);
        if !v.is_finite() || v <= 0.0 || v > 86_400.0 {
            return Err(OscError::Invalid(format!(
                "--max-replica-lag {}: {secs:?} is not a positive number of seconds",
                redact_url(url)
            )));
        }
        Ok((url.trim().to_string(), Duration::from_secs_f64(v)))
    }
}

struct Replica {
    label: String,
    max: Duration,
    conn: Conn,
}

struct State {
    primary: Conn,
    replicas: Vec<Replica>,
    checked: Option<Instant>,
}

pub struct Throttle {
    engine: Engine,
    load: Vec<(String, f64)>,
    state: Mutex<State>,
}

impl Throttle {
    /// Opens the monitoring connections and checks every limit once, so a
    /// misspelt metric or a server that is no replica stops the run before
    /// it starts. `None` when no limit was given.
    pub async fn connect(engine: Engine, url: &str, limits: &Limits) -> Result<Option<Throttle>> {
        if limits.is_empty() {
            return Ok(None);
        }
        let primary = Conn::connect(engine, url).await?;
        let mut replicas = vec![];
        for (u, max) in &limits.replicas {
            let e = Engine::from_url(u)
                .map(|e| {
                    if e.is_mysql_family() {
                        Engine::Mysql
                    } else {
                        e
                    }
                })
                .filter(|e| *e == engine)
                .ok_or_else(|| {
                    OscError::Invalid(format!(
                        "--max-replica-lag {}: the replica must be a {} URL like the primary",
                        redact_url(u),
                        engine.name()
                    ))
                })?;
            replicas.push(Replica {
                label: redact_url(u),
                max: *max,
                conn: Conn::connect(e, u).await?,
            });
        }
        let t = Throttle {
            engine,
            load: limits.max_load.clone(),
            state: Mutex::new(State {
                primary,
                replicas,
                checked: None,
            }),
        };
        // Validates the metrics and replicas; the first `wait` reads afresh.
        t.over().await?;
        t.state.lock().await.checked = None;
        Ok(Some(t))
    }

    /// Returns at once while within the limits (read at most every 0.5 s);
    /// otherwise reports `throttled`, waits until every limit holds again,
    /// and reports `throttle-released`.
    pub async fn wait(&self, progress: Option<&Progress>) -> Result<()> {
        {
            let st = self.state.lock().await;
            if st.checked.is_some_and(|c| c.elapsed() < CHECK_EVERY) {
                return Ok(());
            }
        }
        let Some(reason) = self.over().await? else {
            return Ok(());
        };
        let t0 = Instant::now();
        if let Some(p) = progress {
            p.event("throttled", json!({"reason": reason}));
        }
        loop {
            tokio::time::sleep(PAUSE).await;
            if self.over().await?.is_none() {
                break;
            }
        }
        if let Some(p) = progress {
            p.event(
                "throttle-released",
                json!({"seconds": t0.elapsed().as_secs_f64()}),
            );
        }
        Ok(())
    }

    /// The first limit exceeded, described; None when all hold.
    async fn over(&self) -> Result<Option<String>> {
        let mut st = self.state.lock().await;
        st.checked = Some(Instant::now());
        for (name, max) in &self.load {
            let v = self.metric(&mut st.primary, name).await?;
            if v > *max {
                return Ok(Some(format!("{name}={v} exceeds --max-load {name}={max}")));
            }
        }
        for r in &mut st.replicas {
            match lag(self.engine, &mut r.conn, &r.label).await? {
                Some(l) if l <= r.max.as_secs_f64() => {}
                Some(l) => {
                    return Ok(Some(format!(
                        "replica {} is {l:.1} s behind (limit {:.1} s)",
                        r.label,
                        r.max.as_secs_f64()
                    )))
                }
                None => return Ok(Some(format!("replica {} is not replicating", r.label))),
            }
        }
        Ok(None)
    }

    async fn metric(&self, conn: &mut Conn, name: &str) -> Result<f64> {
        if self.engine == Engine::Postgres {
            let sql = PG_METRICS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, q)| *q)
                .ok_or_else(|| {
                    OscError::Invalid(format!(
                        "--max-load {name}: PostgreSQL offers {}",
                        PG_METRICS.map(|(n, _)| n).join(", ")
                    ))
                })?;
            return Ok(conn.scalar_i64(sql).await? as f64);
        }
        // The name was checked to be letters, digits and underscores; SHOW
        // works on MariaDB and MySQL alike (MySQL 8 has no
        // information_schema.global_status).
        let rows = conn
            .rows(&format!(
                "SHOW GLOBAL STATUS LIKE '{}'",
                name.replace('_', "\\_")
            ))
            .await?;
        let v = rows
            .into_iter()
            .find(|r| r.first().and_then(|n| n.as_deref()).is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|r| r.get(1).cloned().flatten())
            .ok_or_else(|| {
                OscError::Invalid(format!(
                    "--max-load {name}: the server has no such status variable (SHOW GLOBAL STATUS lists them)"
                ))
            })?;
        v.trim().parse().map_err(|_| {
            OscError::Invalid(format!(
                "--max-load {name}: its value {v:?} is not a number"
            ))
        })
    }
}

/// Replication lag in seconds; None when replication is stopped.
async fn lag(engine: Engine, conn: &mut Conn, label: &str) -> Result<Option<f64>> {
    if engine == Engine::Postgres {
        if conn
            .scalar("SELECT pg_is_in_recovery()::text")
            .await?
            .as_deref()
            != Some("true")
        {
            return Err(OscError::Invalid(format!(
                "--max-replica-lag {label}: the server is not a standby (pg_is_in_recovery() is false)"
            )));
        }
        // Nothing left to replay means no lag, however old the last
        // replayed transaction is.
        let v = conn
            .scalar(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN '0' \
                 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::text END",
            )
            .await?;
        return Ok(v.and_then(|s| s.parse().ok()));
    }
    let (names, rows) = match conn.rows_named("SHOW REPLICA STATUS").await {
        Ok(r) => r,
        Err(_) => conn.rows_named("SHOW SLAVE STATUS").await?,
    };
    let Some(row) = rows.first() else {
        return Err(OscError::Invalid(format!(
            "--max-replica-lag {label}: the server is not a replica (SHOW REPLICA STATUS is empty)"
        )));
    };
    let col = names
        .iter()
        .position(|n| n == "Seconds_Behind_Master" || n == "Seconds_Behind_Source");
    Ok(col
        .and_then(|i| row.get(i).cloned().flatten())
        .and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_load_pairs_are_parsed_and_checked() {
        let v = Limits::parse_max_load("Threads_running=25, active=3").unwrap();
        assert_eq!(
            v,
            vec![("Threads_running".into(), 25.0), ("active".into(), 3.0)]
        );
        for bad in ["Threads_running", "x=abc", "a;b=1", "=3", "x=-1"] {
            assert!(Limits::parse_max_load(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replica_lag_takes_the_last_comma_and_hides_the_password() {
        let (u, d) = Limits::parse_replica("postgres://u:pw@h/db?a=1,b=2,1.5").unwrap();
        assert_eq!(u, "postgres://u:pw@h/db?a=1,b=2");
        assert_eq!(d, Duration::from_millis(1500));
        let e = Limits::parse_replica("mysql://u:pw@h/db,soon").unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
        assert!(Limits::parse_replica("mysql://h/db").is_err());
    }
}
