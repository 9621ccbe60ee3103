//! Name dependencies between the statements of a release, so that the
//! plan never runs a statement before one it needs.
//!
//! The phase analysis may move a statement after the deploy (a DROP that
//! old code still needs). A later statement that reuses a name it frees
//! (`ALTER TABLE artifacts_temp RENAME TO artifacts` after `DROP TABLE
//! artifacts`), works on an object it creates or renames, or validates a
//! constraint it adds, cannot run before it: it moves after the deploy too —
//! and when new code needs what that statement makes, no split serves both
//! versions (expand/contract).

use super::compat::{PhaseNeed, Usage};
use super::Phase;
use crate::schema::Schema;
use crate::sql::ir::{Name, Op};
use std::collections::BTreeMap;

/// A name a statement creates, frees or works on: `table artifacts`,
/// `column artifacts.artifact_name`, `index i`, `constraint t.c`.
type Key = String;

fn table(t: &Name) -> Key {
    format!("table {t}")
}

fn column(t: &Name, c: &str) -> Key {
    format!("column {t}.{}", c.to_lowercase())
}

fn constraint(t: &Name, c: &str) -> Key {
    format!("constraint {} on {t}", c.to_lowercase())
}

/// The names `op` creates or frees.
pub fn changes(op: &Op) -> Vec<Key> {
    match op {
        Op::CreateTable { table: t, .. } => vec![table(t)],
        Op::DropTable { tables, .. } => tables.iter().map(table).collect(),
        Op::RenameTable { from, to } => vec![table(from), table(to)],
        Op::CreateView { name, .. } => vec![table(name)],
        Op::DropView { names, .. } => names.iter().map(table).collect(),
        Op::AddColumn {
            table: t,
            column: c,
            ..
        } => vec![column(t, &c.name)],
        Op::DropColumn {
            table: t,
            column: c,
            ..
        } => vec![column(t, c)],
        Op::RenameColumn { table: t, from, to } => vec![column(t, from), column(t, to)],
        Op::RedefineColumn {
            table: t,
            from,
            column: c,
            ..
        } if !from.eq_ignore_ascii_case(&c.name) => vec![column(t, from), column(t, &c.name)],
        Op::CreateIndex { index, .. } => index.name.iter().map(|n| format!("index {n}")).collect(),
        Op::DropIndex { names, .. } => names.iter().map(|n| format!("index {n}")).collect(),
        Op::RenameIndex { from, to, .. } => vec![format!("index {from}"), format!("index {to}")],
        Op::AddConstraint {
            table: t,
            constraint: c,
            ..
        } => c.name.iter().map(|n| constraint(t, n)).collect(),
        Op::DropConstraint { table: t, name, .. } => vec![constraint(t, name)],
        _ => Vec::new(),
    }
}

/// The names `op` needs: those it changes, the table it works on, the
/// tables it reads, the constraint it validates.
fn touches(op: &Op) -> Vec<Key> {
    let mut keys = changes(op);
    keys.extend(op.table().map(table));
    match op {
        Op::Dml { sources, .. } => keys.extend(sources.iter().map(table)),
        Op::CreateTable {
            from_query: Some(sources),
            ..
        } => keys.extend(sources.iter().map(table)),
        Op::CreateTable { like: Some(l), .. } => keys.push(table(l)),
        Op::ValidateConstraint { table: t, name } => keys.push(constraint(t, name)),
        Op::CreateView { depends_on, .. } => keys.extend(depends_on.iter().map(table)),
        _ => {}
    }
    keys
}

/// What new code needs of what `op` makes, when it needs it: then `op`
/// cannot wait until after the deploy. A table created or renamed onto
/// the name of one the release drops (a table swap) is needed when new
/// code uses a column of it that the table under that name before the
/// release (`before`) lacks; `current` is the schema the statement runs on.
fn new_code_needs(op: &Op, usage: &dyn Usage, before: &Schema, current: &Schema) -> Option<String> {
    // A table put under the name of one the release drops: needed for the
    // columns the dropped one lacked.
    let replaced: Option<(&Name, Vec<&str>)> = match op {
        Op::RenameTable { from, to } => current
            .table(from)
            .map(|t| (to, t.columns.iter().map(|c| c.name.as_str()).collect())),
        Op::CreateTable { table, columns, .. } => {
            Some((table, columns.iter().map(|c| c.name.as_str()).collect()))
        }
        _ => None,
    };
    if let Some((to, columns)) = replaced {
        if let Some(old) = before.table(to) {
            return columns
                .into_iter()
                .find(|c| old.column(c).is_none() && usage.new_uses(to, Some(c)))
                .map(|c| format!("{to}.{c}"));
        }
    }
    let (t, c) = match op {
        Op::CreateTable { table, .. } => (table, None),
        Op::CreateView { name, .. } => (name, None),
        Op::RenameTable { to, .. } => (to, None),
        Op::AddColumn { table, column, .. } => (table, Some(column.name.as_str())),
        Op::RenameColumn { table, to, .. } => (table, Some(to.as_str())),
        Op::RedefineColumn { table, column, .. } => (table, Some(column.name.as_str())),
        _ => return None,
    };
    usage.new_uses(t, c).then(|| match c {
        Some(c) => format!("{t}.{c}"),
        None => t.to_string(),
    })
}

/// Where each phase runs on the timeline (the report's order).
fn rank(p: Phase) -> u8 {
    match p {
        Phase::PreDeploy => 0,
        Phase::Expand => 1,
        Phase::Backfill => 2,
        Phase::Contract => 3,
        Phase::PostDeploy => 4,
        Phase::Maintenance => 5,
    }
}

/// A statement that runs after the deploy, and the names it changes.
#[derive(Debug, Clone)]
pub struct Deferred {
    pub phase: Phase,
    /// The statement's first line, for messages.
    pub by: String,
}

/// The names changed by statements the plan runs after the deploy.
#[derive(Debug, Default)]
pub struct Deferrals {
    names: BTreeMap<Key, Deferred>,
}

impl Deferrals {
    /// The deferred statement `op` depends on, with the name it shares.
    pub fn dependency(&self, op: &Op) -> Option<(Key, &Deferred)> {
        touches(op)
            .into_iter()
            .find_map(|k| self.names.get(&k).map(|d| (k, d)))
    }

    /// The phase need of `op` given what it depends on: a statement new
    /// code needs cannot follow one that runs after the deploy.
    pub fn phase_need(
        &self,
        op: &Op,
        own: PhaseNeed,
        usage: &dyn Usage,
        before: &Schema,
        current: &Schema,
    ) -> PhaseNeed {
        let Some((key, dep)) = self.dependency(op) else {
            return own;
        };
        match own {
            PhaseNeed::Pre => match new_code_needs(op, usage, before, current) {
                Some(what) => PhaseNeed::Neither {
                    why: format!(
                        "it needs the {key} that `{}` changes only after the deploy, while new code uses {what}: old and new code need different objects under one name",
                        dep.by
                    ),
                },
                None => PhaseNeed::Post {
                    why: format!(
                        "it needs the {key} that `{}` changes after the deploy",
                        dep.by
                    ),
                },
            },
            other => other,
        }
    }

    /// The statement's phase, moved after the deferred statement it
    /// depends on when it would run earlier.
    pub fn order(&self, ops: &[Op], phase: Phase) -> Phase {
        ops.iter()
            .filter_map(|op| self.dependency(op).map(|(_, d)| d.phase))
            .filter(|p| *p != Phase::Maintenance && rank(*p) > rank(phase))
            .max_by_key(|p| rank(*p))
            .filter(|_| phase != Phase::Maintenance)
            .unwrap_or(phase)
    }

    /// Records the names a statement changes when it runs after the deploy.
    pub fn record(&mut self, ops: &[Op], phase: Phase, by: &str) {
        if !matches!(phase, Phase::PostDeploy | Phase::Contract) {
            return;
        }
        for key in ops.iter().flat_map(changes) {
            self.names.insert(
                key,
                Deferred {
                    phase,
                    by: by.to_string(),
                },
            );
        }
    }
}
