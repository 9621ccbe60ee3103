//! `shipgate osc`: the temp-table (shadow) migration engine.
//!
//! One `ALTER TABLE` is applied to an empty copy of the table (the shadow),
//! triggers record the key of every row the application changes into a
//! change table, the rows are copied across in primary-key chunks, the change
//! table is replayed, both sides are checksummed, and a short, time-limited
//! lock swaps the tables. Every step is recorded in a journal table inside
//! the database, so a killed run continues with `--resume`.
//!
//! Invariant that makes the copy safe without row locks: the change table is
//! replayed only after the copy has finished, and a replay step re-reads the
//! *current* source row for every changed key (delete + insert by key, never
//! an upsert that could swallow a unique-key violation). Whatever a chunk
//! copied from an older snapshot is therefore overwritten by the replay.
//!
//! Code map: `alter` reads and retargets the statement (with `sql::clauses`
//! for the MySQL forms sqlparser cannot read); `mapping` says which source
//! column feeds each new one; `oracle` checks the copy's mapping against the
//! engine's own ALTER on a sample; `db` is the thin SQL
//! connection; `plan` holds the names and SQL fragments (`mysql_forms` the
//! exact read forms of MySQL verification); `engines/*` hold
//! the engine-specific introspection, setup and cut-over SQL; `copy`, `replay`,
//! `verify` are the engine-neutral loops; `throttle` pauses them under
//! `--max-load`/`--max-replica-lag`; `revert` swaps back to the kept old
//! table; `journal` the resume state; `options` what a command was asked;
//! `session` the connections, run lock and engine dispatch (`Eng`) and
//! `cutover` the swap, both shared by the runner and `revert`;
//! `runner` the phase machine; `sqlite` the 12-step rebuild; `cli` the
//! command line. ARCHITECTURE.md lists who may use whom.

pub mod alter;
pub mod cli;
pub mod copy;
pub mod cutover;
pub mod db;
pub mod engines;
pub mod journal;
pub mod mapping;
pub mod mysql_forms;
pub mod options;
pub mod oracle;
pub mod plan;
pub mod progress;
pub mod redact;
pub mod replay;
pub mod revert;
pub mod runner;
pub mod session;
pub mod sqlite;
pub mod throttle;
pub mod verify;

/// What went wrong, and which exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum OscError {
    /// Bad input: the statement, the URL or the options (exit 2).
    #[error("{0}")]
    Invalid(String),
    /// The table cannot be migrated online, with the reason (exit 2).
    #[error("refused: {0}")]
    Refused(String),
    /// The run stopped; the table is unchanged unless the message says otherwise (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl OscError {
    pub fn exit_code(&self) -> u8 {
        match self {
            OscError::Invalid(_) | OscError::Refused(_) => crate::exit::USAGE,
            OscError::Failed(_) => crate::exit::INTERNAL,
        }
    }
}

impl From<sqlx::Error> for OscError {
    fn from(e: sqlx::Error) -> Self {
        OscError::Failed(format!("database error: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, OscError>;
