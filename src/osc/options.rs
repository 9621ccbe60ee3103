//! What one `shipgate osc` command was asked to do, as the runner, the
//! revert and SQLite's rebuild read it. Its own module, below all three, so
//! none of them imports another for it.

use super::throttle::Limits;
use std::path::PathBuf;
use std::time::Duration;

/// The options of one run (or revert), resolved from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub url: String,
    pub statement: String,
    pub yes: bool,
    pub dry_run: bool,
    /// Allow a run on MySQL proper (see `mysql_gate`).
    pub experimental: bool,
    pub resume: bool,
    pub postpone_cutover: Option<PathBuf>,
    pub chunk_time: Duration,
    pub max_lock_wait: Duration,
    pub cutover_retries: u32,
    pub drop_old: bool,
    /// Skip the sample check against the engine's own ALTER (`oracle`).
    pub no_oracle: bool,
    pub json: bool,
    /// `--max-load` / `--max-replica-lag`.
    pub limits: Limits,
}
