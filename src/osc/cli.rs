//! `shipgate osc` on the command line: arguments, the subcommands
//! `status` and `cleanup`, and the mapping of outcomes to exit codes.

use super::options::Options;
use super::redact::scrub;
use super::runner;
use super::throttle::Limits;
use super::OscError;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OscArgs {
    #[command(subcommand)]
    pub action: Option<OscAction>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum OscAction {
    /// Show the journal: which tables have a run, its phase and position.
    Status {
        #[arg(long)]
        database_url: String,
        #[arg(long, value_enum, default_value = "human")]
        log_format: LogFormat,
    },
    /// Drop everything a run created for TABLE (shadow, change table,
    /// triggers, the kept old table) and its journal entry.
    Cleanup {
        #[arg(long)]
        database_url: String,
        /// The table (optionally schema-qualified) the run migrated.
        #[arg(long)]
        table: String,
    },
    /// Swap back to the old table of a finished run, which was kept in sync
    /// since the swap (writes made since are carried back). The migrated
    /// table is set aside as _sg_rvt_TABLE until `osc cleanup`.
    Revert {
        #[arg(long)]
        database_url: String,
        /// The table (optionally schema-qualified) the run migrated.
        #[arg(long)]
        table: String,
        #[command(flatten)]
        swap: SwapArgs,
        /// Run on MySQL proper (not MariaDB), see `osc --experimental`.
        #[arg(long)]
        experimental: bool,
        #[arg(long, value_enum, default_value = "human")]
        log_format: LogFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// How the swap (the cut-over, or a revert's swap back) takes its lock.
#[derive(Debug, Args)]
pub struct SwapArgs {
    /// Longest the cut-over may wait for its lock per attempt, in seconds
    /// (MySQL rounds up to whole seconds).
    #[arg(long, default_value_t = 2.0)]
    pub max_lock_wait: f64,
    /// Cut-over attempts before giving up.
    #[arg(long, default_value_t = 8)]
    pub cutover_retries: u32,
}

impl SwapArgs {
    /// (--max-lock-wait, --cutover-retries), checked.
    fn checked(&self) -> Result<(Duration, u32), OscError> {
        if self.cutover_retries == 0 {
            return Err(OscError::Invalid(
                "--cutover-retries must be at least 1".into(),
            ));
        }
        Ok((
            secs("max-lock-wait", self.max_lock_wait)?,
            self.cutover_retries,
        ))
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// postgres://, mysql:// (MySQL or MariaDB) or sqlite:// URL.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Run without asking for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Print every statement the run would execute; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run on MySQL (Oracle's server, not MariaDB), whose cut-over shipgate's
    /// own tests do not exercise (docs/osc.md, "Known limits").
    #[arg(long)]
    pub experimental: bool,
    /// Continue an interrupted run of the same statement.
    #[arg(long)]
    pub resume: bool,
    /// Keep copying and syncing, but do not cut over while FILE exists.
    #[arg(long, value_name = "FILE")]
    pub postpone_cutover: Option<PathBuf>,
    /// Target duration of one copy chunk, in seconds.
    #[arg(long, default_value_t = 0.5)]
    pub chunk_time: f64,
    #[command(flatten)]
    pub swap: SwapArgs,
    /// Pause the copy and the replay while a server metric exceeds its
    /// limit: NAME=VALUE[,NAME=VALUE…]. MySQL/MariaDB: any global status
    /// variable (Threads_running=25); PostgreSQL: active, lock_waiting.
    #[arg(long, value_name = "NAME=VALUE,…")]
    pub max_load: Option<String>,
    /// Pause the copy and the replay while this replica lags more than
    /// SECONDS behind (or is not replicating). Repeat for several replicas.
    #[arg(long, value_name = "URL,SECONDS")]
    pub max_replica_lag: Vec<String>,
    /// Drop the old table right after the swap instead of keeping it, in
    /// sync for `shipgate osc revert`, until `shipgate osc cleanup`.
    #[arg(long, conflicts_with = "keep_old")]
    pub drop_old: bool,
    /// Keep the old table, in sync, until `shipgate osc cleanup` (the default).
    #[arg(long)]
    pub keep_old: bool,
    /// Skip the check of the copy against the engine's own ALTER on a
    /// sample of the rows (docs/osc.md, "The oracle"): for measuring what
    /// it costs, and for an ALTER whose sample the engine cannot alter
    /// in a scratch table. Verification still runs, but it compares
    /// through the copy's own column mapping.
    #[arg(long)]
    pub no_oracle: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub log_format: LogFormat,
    /// The ALTER TABLE statement.
    pub statement: Option<String>,
}

fn secs(name: &str, v: f64) -> Result<Duration, OscError> {
    if v.is_finite() && v > 0.0 && v < 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(OscError::Invalid(format!(
            "--{name} must be a positive number of seconds"
        )))
    }
}

fn options(a: RunArgs) -> Result<Options, OscError> {
    let url = a
        .database_url
        .ok_or_else(|| OscError::Invalid("--database-url is required".into()))?;
    let statement = a
        .statement
        .ok_or_else(|| OscError::Invalid("the ALTER TABLE statement is required".into()))?;
    let (max_lock_wait, cutover_retries) = a.swap.checked()?;
    Ok(Options {
        url,
        statement: statement.trim().trim_end_matches(';').trim().to_string(),
        yes: a.yes,
        dry_run: a.dry_run,
        experimental: a.experimental,
        resume: a.resume,
        postpone_cutover: a.postpone_cutover,
        chunk_time: secs("chunk-time", a.chunk_time)?,
        max_lock_wait,
        cutover_retries,
        drop_old: a.drop_old,
        no_oracle: a.no_oracle,
        json: a.log_format == LogFormat::Json,
        limits: Limits {
            max_load: a
                .max_load
                .as_deref()
                .map(Limits::parse_max_load)
                .transpose()?
                .unwrap_or_default(),
            replicas: a
                .max_replica_lag
                .iter()
                .map(|s| Limits::parse_replica(s))
                .collect::<Result<_, _>>()?,
        },
    })
}

/// Runs `shipgate osc …` and returns the process exit code.
pub fn main(args: OscArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shipgate osc: cannot start the runtime: {e}");
            return ExitCode::from(crate::exit::INTERNAL);
        }
    };
    let (url, json, result) = match args.action {
        Some(OscAction::Status {
            database_url,
            log_format,
        }) => {
            let json = log_format == LogFormat::Json;
            let r = rt.block_on(runner::status(&database_url, json)).map(|_| ());
            (database_url, json, r)
        }
        Some(OscAction::Cleanup {
            database_url,
            table,
        }) => {
            let r = rt.block_on(runner::cleanup(&database_url, &table));
            (database_url, false, r)
        }
        Some(OscAction::Revert {
            database_url,
            table,
            swap,
            experimental,
            log_format,
        }) => {
            let json = log_format == LogFormat::Json;
            // A revert copies nothing and runs no statement of the user's:
            // only the swap settings and the output format apply.
            let r = swap.checked().and_then(|(max_lock_wait, cutover_retries)| {
                let o = Options {
                    url: database_url.clone(),
                    yes: true,
                    experimental,
                    max_lock_wait,
                    cutover_retries,
                    json,
                    ..Options::default()
                };
                rt.block_on(super::revert::run(&o, &table))
            });
            (database_url, json, r)
        }
        None => {
            let json = args.run.log_format == LogFormat::Json;
            let url = args.run.database_url.clone().unwrap_or_default();
            let r = options(args.run).and_then(|o| rt.block_on(runner::run(&o)));
            (url, json, r)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = scrub(&e.to_string(), &url);
            if json {
                println!(
                    "{}",
                    serde_json::json!({"schema_version": 1, "event": "error", "message": msg, "exit_code": e.exit_code()})
                );
            }
            eprintln!("shipgate osc: {msg}");
            ExitCode::from(e.exit_code())
        }
    }
}
