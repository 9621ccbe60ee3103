//! The command line: argument definitions (clap) and the dispatch from a
//! subcommand to the library, and the mapping of each outcome to an exit
//! code of the contract in `exit`.

use crate::check::{self, CheckError, CheckOptions};
use crate::engine::{Engine, Version};
use crate::exit;
use crate::report::{self, Format};
use crate::rules;
use crate::schema::render::{render, unified_diff};
use crate::settings::{self, parse_engine, parse_verdict, parse_version, Flags, Settings};
use crate::source::{DirTree, GitTree, Tree};
use crate::verdict::Verdict;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "shipgate",
    version,
    about = "Tells whether a release can ship without downtime, and how",
    after_help = "Exit codes: 0 zero-downtime (or below --fail-on), 10 expand-contract, 20 maintenance-window, 30 blocked, 2 invalid input or usage, 1 internal failure."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify a release: zero-downtime, expand-contract, maintenance-window or blocked.
    Check(CheckArgs),
    /// Print the schema a revision's migrations build, as canonical DDL.
    Schema(SchemaArgs),
    /// Print a unified diff of the schemas of two revisions.
    Diff(RevisionArgs),
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule id (SG101) or name (index-build-blocks-writes).
        rule: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Change a table's shape online through a shadow copy (one ALTER TABLE).
    Osc(crate::osc::cli::OscArgs),
}

/// Two revisions: two directories, or two git revisions of one repository.
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// The released revision, as a directory.
    #[arg(long, value_name = "DIR", requires = "new", conflicts_with_all = ["base", "head"])]
    pub old: Option<String>,
    /// The revision about to ship, as a directory.
    #[arg(long, value_name = "DIR", requires = "old")]
    pub new: Option<String>,
    /// The git repository holding --base and --head.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: String,
    /// The released git revision.
    #[arg(long, value_name = "REV", requires = "head")]
    pub base: Option<String>,
    /// The git revision about to ship.
    #[arg(long, value_name = "REV", requires = "base")]
    pub head: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct EngineArgs {
    /// The database engine (default: $SHIPGATE_ENGINE, then shipgate.toml, else detected from the migrations).
    #[arg(long, value_parser = parse_engine)]
    pub engine: Option<Engine>,
    /// The engine version production runs (e.g. 15, 8.0.35, 10.11.6, 3.45; default: $SHIPGATE_ENGINE_VERSION, then shipgate.toml).
    #[arg(long, value_name = "X", value_parser = parse_version)]
    pub engine_version: Option<Version>,
    /// The migrations folder or schema file, relative to the repository root.
    #[arg(long, value_name = "PATH")]
    pub migrations: Option<String>,
    /// Settings file (default: shipgate.toml at the repository root, if any).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub revisions: RevisionArgs,
    /// Table statistics (JSON or TOML: rows and bytes per table).
    #[arg(long, value_name = "FILE")]
    pub stats: Option<String>,
    /// A captured query log of the running (old) version: PostgreSQL
    /// pg_stat_statements or MySQL statement digests (CSV, TSV or JSON).
    #[arg(long, value_name = "FILE")]
    pub queries: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The verdict at and above which the exit code is the verdict's (default: $SHIPGATE_FAIL_ON, then shipgate.toml, else expand-contract).
    #[arg(long, value_name = "VERDICT", value_parser = parse_verdict)]
    pub fail_on: Option<Verdict>,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// A directory holding the revision.
    #[arg(long, value_name = "DIR", conflicts_with = "rev")]
    pub dir: Option<String>,
    /// The git repository (with --rev).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: String,
    /// A git revision.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// `--format` takes the names `report` gives its formats.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// A failure of a command: bad input (2) or an internal failure (1).
#[derive(Debug)]
pub enum Failure {
    Input(String),
    Internal(String),
}

impl From<CheckError> for Failure {
    fn from(e: CheckError) -> Self {
        match e {
            CheckError::Input(m) => Failure::Input(m),
        }
    }
}

impl From<crate::source::SourceError> for Failure {
    fn from(e: crate::source::SourceError) -> Self {
        Failure::Input(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // `osc` drives a database and reports as it goes (progress, events);
    // every other command prints only once its whole result is known.
    let command = match cli.command {
        Command::Osc(args) => return crate::osc::cli::main(args),
        other => other,
    };
    match run(command) {
        Ok((output, code)) => {
            print!("{output}");
            ExitCode::from(code)
        }
        Err(Failure::Input(m)) => {
            eprintln!("shipgate: error: {m}");
            ExitCode::from(exit::USAGE)
        }
        Err(Failure::Internal(m)) => {
            eprintln!("shipgate: internal error: {m}");
            ExitCode::from(exit::INTERNAL)
        }
    }
}

/// Runs a command; returns what to print on stdout and the exit code.
/// Nothing is printed before the whole result is known.
pub fn run(command: Command) -> Result<(String, u8), Failure> {
    match command {
        Command::Osc(_) => Err(Failure::Internal(
            "osc reports as it runs: start it through cli::main".into(),
        )),
        Command::Check(args) => run_check(args),
        Command::Schema(args) => {
            let tree: Box<dyn Tree> = match (&args.dir, &args.rev) {
                (Some(dir), _) => Box::new(DirTree::open(dir)?),
                (None, Some(rev)) => Box::new(GitTree::open(&args.repo, rev)?),
                (None, None) => {
                    return Err(Failure::Input("schema needs --dir DIR or --rev REV".into()))
                }
            };
            let s = resolve(args.engine.flags(), tree.as_ref())?;
            let dir = s.migrations.as_deref();
            let (schema, engine) = check::load_schema(tree.as_ref(), s.engine, dir)?;
            Ok((render(&schema, engine), exit::SUCCESS))
        }
        Command::Diff(args) => {
            let (old, new) = open_revisions(&args)?;
            let s = resolve(args.engine.flags(), new.as_ref())?;
            let dir = s.migrations.as_deref();
            let (s1, engine) = check::load_schema(new.as_ref(), s.engine, dir)?;
            let s0 = match check::load_schema(old.as_ref(), Some(engine), dir) {
                Ok((s, _)) => s,
                Err(_) => Default::default(),
            };
            let diff = unified_diff(
                &render(&s0, engine),
                &render(&s1, engine),
                &old.label(),
                &new.label(),
            );
            Ok((diff, exit::SUCCESS))
        }
        Command::Rules { format } => Ok((emitter(format).rules(&rules::all()), exit::SUCCESS)),
        Command::Explain { rule, format } => match rules::find(&rule) {
            Some(r) => Ok((emitter(format).explain(r), exit::SUCCESS)),
            None => Err(Failure::Input(format!(
                "no rule named '{rule}'; `shipgate rules` lists them"
            ))),
        },
    }
}

/// The emitter of `format`, in colour on a terminal without `NO_COLOR`.
fn emitter(format: Format) -> Box<dyn report::Emitter> {
    report::emitter(format, report::use_color())
}

/// The released and the new revision.
type Revisions = (Box<dyn Tree>, Box<dyn Tree>);

fn open_revisions(args: &RevisionArgs) -> Result<Revisions, Failure> {
    match (&args.old, &args.new, &args.base, &args.head) {
        (Some(old), Some(new), _, _) => {
            Ok((Box::new(DirTree::open(old)?), Box::new(DirTree::open(new)?)))
        }
        (_, _, Some(base), Some(head)) => Ok((
            Box::new(GitTree::open(&args.repo, base)?),
            Box::new(GitTree::open(&args.repo, head)?),
        )),
        _ => Err(Failure::Input(
            "give the two revisions: --old DIR --new DIR, or --base REV --head REV".into(),
        )),
    }
}

/// The settings of a command that reads `tree` (the new revision): its
/// flags, the environment and `shipgate.toml`, merged in `settings`.
fn resolve(flags: Flags, tree: &dyn Tree) -> Result<Settings, Failure> {
    let file = settings::read_config(flags.config.as_deref(), tree).map_err(Failure::Input)?;
    let file = file.as_ref().map(|(p, t)| (p.as_str(), t.as_str()));
    Settings::resolve(&flags, &settings::process_env, file).map_err(Failure::Input)
}

impl EngineArgs {
    /// The flags shared by every command that reads migrations.
    fn flags(&self) -> Flags {
        Flags {
            engine: self.engine,
            engine_version: self.engine_version.clone(),
            migrations: self.migrations.clone(),
            config: self.config.clone(),
            ..Flags::default()
        }
    }
}

fn run_check(args: CheckArgs) -> Result<(String, u8), Failure> {
    let (old, new) = open_revisions(&args.revisions)?;
    let flags = Flags {
        fail_on: args.fail_on,
        stats: args.stats.clone(),
        ..args.revisions.engine.flags()
    };
    let s = resolve(flags, new.as_ref())?;
    let opts = CheckOptions {
        engine: s.engine,
        version: s.engine_version.clone(),
        migrations: s.migrations.clone(),
        stats: s.load_stats(new.as_ref()).map_err(Failure::Input)?,
        code: s.code.clone(),
        external_tables: s.external_tables.clone(),
        queries: match &args.queries {
            Some(p) => Some((
                p.clone(),
                std::fs::read_to_string(p).map_err(|e| Failure::Input(format!("{p}: {e}")))?,
            )),
            None => None,
        },
    };
    let report = check::run_check(old.as_ref(), new.as_ref(), &opts)?;
    let output = emitter(args.format).check(&report);
    let code = if report.verdict >= s.fail_on {
        report.verdict.exit_code()
    } else {
        exit::SUCCESS
    };
    Ok((output, code))
}
