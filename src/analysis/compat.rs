//! Compatibility of running code with the schema it meets, and the deploy
//! phase each op can run in.
//!
//! During a rolling or blue/green deploy old code C0 and new code C1 run at
//! once. An op can run before the rollout (pre-deploy: both meet the new
//! shape) when C0 keeps working with it, or after (post-deploy: both meet the
//! old shape) when C1 does not need it yet. An op that C0 cannot live with
//! and C1 cannot live without needs an intermediate schema: expand/contract.

use crate::schema::Schema;
use crate::sql::ir::{ConstraintKind, DmlKind, Name, Op};

/// What the code of each version uses: read from the code and query log
/// ([`super::usage::CodeUsage`]), or, for a revision without code shipgate
/// reads, assumed: old code uses everything that existed before the release
/// and new code everything that exists after it ([`AssumedUsage`]).
pub trait Usage {
    /// Old code reads or writes `table` (and `column`, when given).
    fn old_uses(&self, table: &Name, column: Option<&str>) -> bool;
    /// New code reads or writes `table` (and `column`, when given).
    fn new_uses(&self, table: &Name, column: Option<&str>) -> bool;
    /// Old code inserts into `table` without listing `column`.
    fn old_inserts_without(&self, table: &Name, column: &str) -> bool;
    /// Old code writes `table`.
    fn old_writes(&self, table: &Name) -> bool;
    /// A short description of where a use was seen, for messages.
    fn old_use_site(&self, _table: &Name, _column: Option<&str>) -> Option<String> {
        None
    }
    fn new_use_site(&self, _table: &Name, _column: Option<&str>) -> Option<String> {
        None
    }
    /// Old code sends a positional `INSERT … VALUES` into `table` on an
    /// engine where the value count must match the column count, so any
    /// added column breaks it.
    fn old_inserts_positionally(&self, _table: &Name) -> bool {
        false
    }
    /// The code lines behind a use, for findings on the code (empty when
    /// usage is assumed).
    fn sites(&self, _side: Side, _table: &Name, _column: Option<&str>) -> Vec<Site> {
        Vec::new()
    }
    /// Old code lines that insert into `table` without `column`.
    fn old_insert_sites_without(&self, _table: &Name, _column: &str) -> Vec<Site> {
        Vec::new()
    }
    /// Old code lines with positional inserts into `table` (see
    /// [`Usage::old_inserts_positionally`]).
    fn old_positional_sites(&self, _table: &Name) -> Vec<Site> {
        Vec::new()
    }
    /// Code lines that read every column of `table` with `*`.
    fn star_sites(&self, _side: Side, _table: &Name) -> Vec<Site> {
        Vec::new()
    }
    /// Old code lines that write `table`.
    fn old_write_sites(&self, _table: &Name) -> Vec<Site> {
        Vec::new()
    }
}

/// Which code version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Old,
    New,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }
}

/// A code line behind a use: where, and what it does ("reads users.name").
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub span: crate::span::Span,
    pub what: String,
}

/// Old code uses all of S0, new code all of S1.
pub struct AssumedUsage<'a> {
    pub old: &'a Schema,
    pub new: &'a Schema,
}

fn schema_has(s: &Schema, table: &Name, column: Option<&str>) -> bool {
    match column {
        None => s.tables.contains_key(table) || s.views.contains_key(table),
        Some(c) => s.column(table, c).is_some(),
    }
}

impl Usage for AssumedUsage<'_> {
    fn old_uses(&self, table: &Name, column: Option<&str>) -> bool {
        schema_has(self.old, table, column)
    }
    fn new_uses(&self, table: &Name, column: Option<&str>) -> bool {
        schema_has(self.new, table, column)
    }
    fn old_inserts_without(&self, table: &Name, column: &str) -> bool {
        // Old code lists the columns it knew: a column it did not know is left out.
        self.old.tables.contains_key(table) && self.old.column(table, column).is_none()
    }
    fn old_writes(&self, table: &Name) -> bool {
        self.old.tables.contains_key(table)
    }
}

/// When an op can run relative to the rollout.
#[derive(Debug, Clone, PartialEq)]
pub enum PhaseNeed {
    /// Old code is unaffected and new code may need it: before the rollout.
    Pre,
    /// Old code needs what it removes or may violate what it adds: after.
    Post { why: String },
    /// Neither: old code breaks on the new shape and new code on the old one.
    Neither { why: String },
    /// Data is copied from a structure old code still writes: needs sync.
    DataSync { why: String },
}

/// " (at file:line)" when the use was seen in code, for messages.
fn at(site: Option<String>) -> String {
    site.map(|s| format!(" (at {s})")).unwrap_or_default()
}

/// Decides the phase of `op` given `before` (the schema it runs on).
pub fn phase_need(op: &Op, before: &Schema, usage: &dyn Usage) -> PhaseNeed {
    let old_at = |t: &Name, c: Option<&str>| at(usage.old_use_site(t, c));
    let new_at = |t: &Name, c: Option<&str>| at(usage.new_use_site(t, c));
    let post = |why: String| PhaseNeed::Post { why };
    let neither = |why: String| PhaseNeed::Neither { why };
    let existed = |t: &Name| before.tables.contains_key(t);
    match op {
        Op::AddColumn { table, column, .. } if existed(table) => {
            let required = column.not_null && column.default.is_none() && column.generated.is_none() && column.auto.is_none();
            if usage.old_inserts_positionally(table) {
                if usage.new_uses(table, Some(&column.name)) {
                    neither(format!(
                        "old code inserts into {table} by position, which an added column breaks, and new code needs {}",
                        column.name
                    ))
                } else {
                    post(format!("old code inserts into {table} by position, which an added column breaks"))
                }
            } else if required && usage.old_inserts_without(table, &column.name) {
                if usage.new_uses(table, Some(&column.name)) {
                    neither(format!(
                        "old code inserts into {table} without {col}, which the new NOT NULL column without a default rejects, and new code needs {col}",
                        col = column.name
                    ))
                } else {
                    post(format!("old code inserts into {table} without {}", column.name))
                }
            } else {
                PhaseNeed::Pre
            }
        }
        Op::DropColumn { table, column, .. } => {
            if usage.old_uses(table, Some(column)) {
                post(format!("old code{} uses {table}.{column}", old_at(table, Some(column))))
            } else {
                PhaseNeed::Pre
            }
        }
        Op::DropTable { tables, .. } => match tables.iter().find(|t| usage.old_uses(t, None)) {
            Some(t) => post(format!("old code{} uses {t}", old_at(t, None))),
            None => PhaseNeed::Pre,
        },
        Op::DropView { names, .. } => match names.iter().find(|t| usage.old_uses(t, None)) {
            Some(t) => post(format!("old code uses {t}")),
            None => PhaseNeed::Pre,
        },
        Op::RenameColumn { table, from, to } => {
            let old = usage.old_uses(table, Some(from));
            let new = usage.new_uses(table, Some(to));
            match (old, new) {
                (true, true) => neither(format!(
                    "old code{} uses {table}.{from} and new code{} uses {table}.{to}",
                    old_at(table, Some(from)),
                    new_at(table, Some(to))
                )),
                (true, false) => post(format!("old code{} uses {table}.{from}", old_at(table, Some(from)))),
                _ => PhaseNeed::Pre,
            }
        }
        Op::RenameTable { from, to } => {
            let old = usage.old_uses(from, None);
            let new = usage.new_uses(to, None);
            match (old, new) {
                (true, true) => neither(format!(
                    "old code{} uses {from} and new code{} uses {to}",
                    old_at(from, None),
                    new_at(to, None)
                )),
                (true, false) => post(format!("old code{} uses {from}", old_at(from, None))),
                _ => PhaseNeed::Pre,
            }
        }
        Op::RedefineColumn { table, from, column, .. } if !from.eq_ignore_ascii_case(&column.name) => {
            let old = usage.old_uses(table, Some(from));
            let new = usage.new_uses(table, Some(&column.name));
            match (old, new) {
                (true, true) => neither(format!(
                    "old code uses {table}.{from} and new code uses {table}.{}",
                    column.name
                )),
                (true, false) => post(format!("old code uses {table}.{from}")),
                _ => PhaseNeed::Pre,
            }
        }
        Op::RedefineColumn { table, from, column, .. } => {
            let was_nullable = before.column(table, from).is_some_and(|c| !c.not_null);
            let values_removed = before
                .column(table, from)
                .is_some_and(|c| !c.ty.values.is_empty() && !c.ty.values.iter().all(|v| column.ty.values.contains(v)));
            if (was_nullable && column.not_null || values_removed) && usage.old_writes(table) {
                post(format!("old code writes {table}.{from} with values the new definition rejects"))
            } else {
                PhaseNeed::Pre
            }
        }
        Op::SetNotNull { table, column } if usage.old_writes(table) => {
            post(format!("old code may write NULL into {table}.{column}"))
        }
        Op::DropDefault { table, column } => {
            let required = before.column(table, column).is_some_and(|c| c.not_null && c.auto.is_none());
            if required && usage.old_inserts_without(table, column) {
                post(format!("old code inserts into {table} relying on the default of {column}"))
            } else {
                PhaseNeed::Pre
            }
        }
        Op::AddConstraint { table, constraint, .. } if existed(table) && usage.old_writes(table) => match &constraint.kind {
            ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } | ConstraintKind::Unique { .. } | ConstraintKind::PrimaryKey { .. } | ConstraintKind::Exclusion => {
                post(format!("old code may write rows into {table} that the new constraint rejects"))
            }
        },
        Op::RenameEnumValue { name, from, to } => neither(format!(
            "old code reads and writes the label '{from}' of {name}, new code '{to}'"
        )),
        Op::Dml {
            kind: DmlKind::Insert | DmlKind::Update,
            target,
            sources,
            ..
        } => {
            let written_sources: Vec<&Name> = sources.iter().filter(|s| existed(s) && usage.old_writes(s)).collect();
            if let Some(src) = written_sources.first() {
                PhaseNeed::DataSync {
                    why: format!(
                        "data is copied from {src}, which old code keeps writing while both versions run"
                    ),
                }
            } else if let (Op::Dml { kind: DmlKind::Update, .. }, Some(t)) = (op, target) {
                if existed(t) && usage.old_writes(t) {
                    PhaseNeed::DataSync {
                        why: format!("rows of {t} are rewritten while old code keeps writing them"),
                    }
                } else {
                    PhaseNeed::Pre
                }
            } else {
                PhaseNeed::Pre
            }
        }
        Op::CreateTable {
            from_query: Some(sources),
            ..
        } => match sources.iter().find(|s| existed(s) && usage.old_writes(s)) {
            Some(src) => PhaseNeed::DataSync {
                why: format!("data is copied from {src}, which old code keeps writing while both versions run"),
            },
            None => PhaseNeed::Pre,
        },
        Op::DropSchema { names, .. } => {
            // Dropping a schema drops every table in it.
            let used = names.iter().find_map(|n| {
                let prefix = format!("{}.", n.as_str());
                before
                    .tables
                    .keys()
                    .find(|t| t.as_str().starts_with(&prefix) && usage.old_uses(t, None))
            });
            match used {
                Some(t) => post(format!("old code uses {t}")),
                None => PhaseNeed::Pre,
            }
        }
        Op::Truncate { tables, .. } => match tables.iter().find(|t| usage.old_uses(t, None)) {
            Some(t) => post(format!("old code uses the rows of {t}")),
            None => PhaseNeed::Pre,
        },
        _ => PhaseNeed::Pre,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::sql::ir::Op;

    #[test]
    fn dropping_a_schema_old_code_uses_waits_for_the_deploy() {
        let mut s = Schema::default();
        let create = Op::CreateTable {
            table: Name::new("reporting.daily"),
            columns: Vec::new(),
            constraints: Vec::new(),
            if_not_exists: false,
            from_query: None,
            like: None,
            partitioned: false,
        };
        crate::schema::replay::apply(&mut s, &create, Engine::Postgres).unwrap();
        let after = Schema::default();
        let usage = AssumedUsage {
            old: &s,
            new: &after,
        };
        let drop = |n: &str| Op::DropSchema {
            names: vec![Name::new(n)],
            cascade: true,
        };
        assert!(matches!(
            phase_need(&drop("reporting"), &s, &usage),
            PhaseNeed::Post { .. }
        ));
        assert_eq!(phase_need(&drop("archive"), &s, &usage), PhaseNeed::Pre);
    }
}
