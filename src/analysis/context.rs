//! What a rule sees: one op of one statement, the schema it runs on, the
//! engine facts at the target version, the release's transaction state, and
//! the cost and phase analyses already made for the op.

use super::compat::{PhaseNeed, Usage};
use super::cost::{size_of, Assessment, Size, Technique};
use super::stats::Stats;
use crate::engine::{Engine, Version};
use crate::facts::EngineFacts;
use crate::schema::Schema;
use crate::sql::ir::{Name, Op, Statement};
use std::collections::BTreeSet;

/// Transaction and session state while walking a migration file.
#[derive(Debug, Clone, Default)]
pub struct TxState {
    /// A transaction is open (explicit `BEGIN`, or the tool wraps the file).
    pub in_transaction: bool,
    /// The migration tool wraps the whole file in a transaction.
    pub wrapped: bool,
    /// `lock_timeout` (or the engine's equivalent) was set earlier in the file.
    pub lock_timeout_set: bool,
    /// Existing tables on which the open transaction holds a lock that blocks
    /// reads or writes (taken by an earlier statement in it).
    pub locked_tables: Vec<Name>,
    /// `NOT VALID` constraints added in the open transaction: (table, name).
    pub not_valid_added: Vec<(Name, String)>,
    /// An earlier statement of the file already waited for a blocking lock on
    /// an existing table (so a missing lock timeout is reported once per file).
    pub lock_taken: bool,
    /// The open transaction was started by a `BEGIN` in the file itself.
    pub explicit_begin: bool,
    /// Schema-changing ops run so far in the open transaction.
    pub ddl_in_transaction: usize,
    /// MySQL/MariaDB `SET foreign_key_checks = 0` is in effect for the session.
    pub foreign_key_checks_off: bool,
}

/// Data the release has dropped so far: tables and columns that existed
/// before it (so may hold rows) and were dropped, with no copy of their
/// rows taken earlier in the release (an `INSERT … SELECT`, `CREATE TABLE
/// … AS`, or an `UPDATE` of the table that can move a column's values).
#[derive(Debug, Clone, Default)]
pub struct Dropped {
    pub tables: BTreeSet<Name>,
    /// (table, lower-cased column)
    pub columns: BTreeSet<(Name, String)>,
    /// Tables whose rows an earlier statement of the release read into
    /// another place.
    copied: BTreeSet<Name>,
}

impl Dropped {
    /// Follows one op of the release, before it applies to `schema`;
    /// `release_before` is S0, `new_tables` the tables the release created.
    pub fn track(&mut self, op: &Op, release_before: &Schema, new_tables: &BTreeSet<Name>) {
        let held_data = |t: &Name| !new_tables.contains(t) && release_before.tables.contains_key(t);
        match op {
            Op::Dml {
                kind,
                target,
                sources,
                ..
            } => {
                self.copied.extend(sources.iter().cloned());
                if *kind == crate::sql::ir::DmlKind::Update {
                    self.copied.extend(target.iter().cloned());
                }
            }
            Op::CreateTable {
                from_query: Some(sources),
                ..
            } => self.copied.extend(sources.iter().cloned()),
            Op::DropTable { tables, .. } => {
                for t in tables {
                    if held_data(t) && !self.copied.contains(t) {
                        self.tables.insert(t.clone());
                    }
                }
            }
            Op::DropColumn { table, column, .. }
                if held_data(table)
                    && !self.copied.contains(table)
                    && release_before.column(table, column).is_some() =>
            {
                self.columns.insert((table.clone(), column.to_lowercase()));
            }
            // A table or column renamed into the dropped one's place carries
            // rows copied there (SQLite's rebuild: create, copy, drop, rename).
            Op::RenameTable { to, .. } => {
                self.tables.remove(to);
            }
            Op::RenameColumn { table, to, .. } => {
                self.columns.remove(&(table.clone(), to.to_lowercase()));
            }
            _ => {}
        }
    }
}

pub struct Ctx<'a> {
    pub engine: Engine,
    pub version: &'a Version,
    pub facts: &'a EngineFacts,
    pub stmt: &'a Statement,
    pub op: &'a Op,
    /// The schema just before this op.
    pub before: &'a Schema,
    /// Tables created earlier in this release (empty while it runs).
    pub new_tables: &'a BTreeSet<Name>,
    /// Tables and columns holding data that the release dropped so far.
    pub dropped: &'a Dropped,
    pub tx: &'a TxState,
    pub assessment: &'a Assessment<'a>,
    pub technique: &'a Technique,
    pub phase: &'a PhaseNeed,
    /// What old and new code use (read from the code, or assumed).
    pub usage: &'a dyn Usage,
    /// Table statistics (`--stats`), when given.
    pub stats: Option<&'a Stats>,
}

impl Ctx<'_> {
    /// The table existed before the release (so it may hold data and traffic).
    pub fn table_exists_before_release(&self, t: &Name) -> bool {
        !self.new_tables.contains(t) && self.before.tables.contains_key(t)
    }

    /// The op's table is new in this release, or small by the statistics.
    pub fn table_is_new(&self) -> bool {
        matches!(self.assessment.size, Size::New)
    }

    pub fn table_is_large(&self) -> bool {
        matches!(self.assessment.size, Size::Large { .. })
    }

    /// The size of another table the op reads (the source of a copy), for
    /// a full rewrite's worth of work.
    pub fn size_of(&self, table: &Name) -> Size {
        size_of(
            Some(table),
            self.new_tables,
            self.stats,
            None, // a copy: rows at the rewrite rate
            self.facts,
        )
    }

    /// The lock the op takes, in the engine's words.
    pub fn lock(&self) -> &str {
        self.assessment
            .fact
            .map(|f| f.lock.as_str())
            .unwrap_or("a lock")
    }
}
