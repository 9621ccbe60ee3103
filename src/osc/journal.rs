//! The run's state, kept in a table next to the migrated one, so a run that
//! was killed continues with `--resume`. A chunk's rows and the journal's
//! new position commit in the same transaction: a resumed copy neither
//! skips nor repeats a chunk.

use super::db::{literal, Conn};
use super::{OscError, Result};
use crate::engine::Engine;
use serde::{Deserialize, Serialize};

/// Phases in the order a run passes through them.
pub const SETUP: &str = "setup";
pub const COPY: &str = "copy";
pub const COPIED: &str = "copied";
pub const INDEXED: &str = "indexed";
pub const VERIFIED: &str = "verified";
pub const CUTOVER_DONE: &str = "cutover-done";
pub const DONE: &str = "done";
/// A run that failed before the cut-over and took its capture off the
/// table: the shadow and change table wait for `osc cleanup`.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone)]
pub struct Entry {
    pub tbl: String,
    pub statement: String,
    pub phase: String,
    pub last_key: Option<Vec<String>>,
    pub rows_copied: i64,
    pub extra: Extra,
    pub updated_at: String,
}

/// What setup learnt that later phases cannot recompute (the index
/// definitions removed from the shadow for a fast copy).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Extra {
    pub post_copy: Vec<String>,
}

pub struct Journal {
    pub engine: Engine,
    /// Quoted, qualified journal table.
    pub table: String,
}

impl Journal {
    pub fn new(engine: Engine, schema: &str) -> Journal {
        Journal {
            engine,
            table: format!(
                "{}.{}",
                engine.quote_ident(schema),
                engine.quote_ident(super::plan::JOURNAL_TABLE)
            ),
        }
    }

    pub fn create_sql(&self) -> String {
        match self.engine {
            Engine::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {} (tbl text PRIMARY KEY, statement text NOT NULL, \
                 phase text NOT NULL, last_key text, rows_copied bigint NOT NULL DEFAULT 0, \
                 extra text, updated_at timestamptz NOT NULL DEFAULT now())",
                self.table
            ),
            _ => format!(
                "CREATE TABLE IF NOT EXISTS {} (tbl varchar(200) PRIMARY KEY, statement longtext NOT NULL, \
                 phase varchar(40) NOT NULL, last_key longtext, rows_copied bigint NOT NULL DEFAULT 0, \
                 extra longtext, updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB",
                self.table
            ),
        }
    }

    fn lit(&self, s: &str) -> String {
        literal(self.engine, s)
    }

    fn now(&self) -> &'static str {
        if self.engine == Engine::Postgres {
            "now()"
        } else {
            "CURRENT_TIMESTAMP"
        }
    }

    pub fn insert_sql(&self, tbl: &str, statement: &str, phase: &str, extra: &Extra) -> String {
        format!(
            "INSERT INTO {} (tbl, statement, phase, rows_copied, extra) VALUES ({}, {}, {}, 0, {})",
            self.table,
            self.lit(tbl),
            self.lit(statement),
            self.lit(phase),
            self.lit(&serde_json::to_string(extra).unwrap())
        )
    }

    pub fn set_phase_sql(&self, tbl: &str, phase: &str) -> String {
        format!(
            "UPDATE {} SET phase = {}, updated_at = {} WHERE tbl = {}",
            self.table,
            self.lit(phase),
            self.now(),
            self.lit(tbl)
        )
    }

    pub fn set_extra_sql(&self, tbl: &str, extra: &Extra) -> String {
        format!(
            "UPDATE {} SET extra = {} WHERE tbl = {}",
            self.table,
            self.lit(&serde_json::to_string(extra).unwrap()),
            self.lit(tbl)
        )
    }

    /// Records a copied chunk: the new position, the count, and the phase.
    pub fn chunk_sql(&self, tbl: &str, last_key: &[String], rows: u64, phase: &str) -> String {
        format!(
            "UPDATE {} SET last_key = {}, rows_copied = rows_copied + {rows}, phase = {}, updated_at = {} WHERE tbl = {}",
            self.table,
            self.lit(&serde_json::to_string(last_key).unwrap()),
            self.lit(phase),
            self.now(),
            self.lit(tbl)
        )
    }

    pub fn delete_sql(&self, tbl: &str) -> String {
        format!("DELETE FROM {} WHERE tbl = {}", self.table, self.lit(tbl))
    }

    pub async fn exists(&self, conn: &mut Conn, schema: &str) -> Result<bool> {
        let sql = match self.engine {
            Engine::Postgres => format!(
                "SELECT count(*) FROM pg_tables WHERE schemaname = {} AND tablename = {}",
                self.lit(schema),
                self.lit(super::plan::JOURNAL_TABLE)
            ),
            _ => format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
                self.lit(schema),
                self.lit(super::plan::JOURNAL_TABLE)
            ),
        };
        Ok(conn.scalar_i64(&sql).await? > 0)
    }

    pub async fn load_all(&self, conn: &mut Conn, schema: &str) -> Result<Vec<Entry>> {
        if !self.exists(conn, schema).await? {
            return Ok(vec![]);
        }
        let ts = if self.engine == Engine::Postgres {
            "updated_at::text"
        } else {
            "CAST(updated_at AS CHAR)"
        };
        let rows = conn
            .rows(&format!(
                "SELECT tbl, statement, phase, last_key, rows_copied, extra, {ts} FROM {} ORDER BY tbl",
                self.table
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                let get = |i: usize| r.get(i).cloned().flatten();
                Ok(Entry {
                    tbl: get(0).unwrap_or_default(),
                    statement: get(1).unwrap_or_default(),
                    phase: get(2).unwrap_or_default(),
                    last_key: match get(3) {
                        Some(s) => Some(serde_json::from_str(&s).map_err(|e| {
                            OscError::Failed(format!("journal position is unreadable: {e}"))
                        })?),
                        None => None,
                    },
                    rows_copied: get(4).and_then(|s| s.parse().ok()).unwrap_or(0),
                    extra: get(5)
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or_default(),
                    updated_at: get(6).unwrap_or_default(),
                })
            })
            .collect()
    }

    pub async fn load(&self, conn: &mut Conn, schema: &str, tbl: &str) -> Result<Option<Entry>> {
        Ok(self
            .load_all(conn, schema)
            .await?
            .into_iter()
            .find(|e| e.tbl == tbl))
    }
}
