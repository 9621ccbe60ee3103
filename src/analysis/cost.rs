//! What an op costs on the table it touches, and the cheapest technique
//! that keeps the table online: as written, the engine's lock-safe rewrite
//! of the same operation, a shadow-table copy, or a maintenance window.

use super::stats::Stats;
use crate::engine::Version;
use crate::facts::{Blocks, EngineFacts, OpFact, Work};
use crate::schema::Schema;
use crate::sql::ir::{Name, Op};
use crate::verdict::Verdict;
use std::collections::BTreeSet;

/// How big the table an op touches is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// Created in this release: empty while the migration runs.
    New,
    /// Known from statistics; the lock would be held about `seconds`.
    Small { rows: u64, seconds: f64 },
    /// Known to be large, or unknown (conservative).
    Large { rows: Option<u64> },
}

/// A lock held longer than this on a table counts as downtime.
pub const ONLINE_LOCK_SECONDS: f64 = 1.0;

#[derive(Debug, Clone)]
pub struct Assessment<'f> {
    pub variants: Vec<String>,
    pub fact: Option<&'f OpFact>,
    pub table: Option<Name>,
    pub size: Size,
}

/// The cheapest way to run an op without blocking its table for long.
#[derive(Debug, Clone, PartialEq)]
pub enum Technique {
    /// Runs online as written.
    AsWritten,
    /// The same operation in its lock-safe form (`CONCURRENTLY`, `NOT VALID` + `VALIDATE`, …).
    SafeRewrite { variant: String, hint: String },
    /// A shadow-table copy with change capture, then a cut-over.
    ShadowCopy { hint: String },
    /// No online path: the table must be taken offline.
    Maintenance { why: String },
}

impl Technique {
    pub fn class(&self) -> Verdict {
        match self {
            Technique::AsWritten | Technique::SafeRewrite { .. } => Verdict::ZeroDowntime,
            Technique::ShadowCopy { .. } => Verdict::ExpandContract,
            Technique::Maintenance { .. } => Verdict::MaintenanceWindow,
        }
    }
}

pub fn size_of(
    table: Option<&Name>,
    new_tables: &BTreeSet<Name>,
    stats: Option<&Stats>,
    fact: Option<&OpFact>,
    facts: &EngineFacts,
) -> Size {
    let Some(table) = table else {
        return Size::Large { rows: None };
    };
    if new_tables.contains(table) {
        return Size::New;
    }
    let rows = stats.and_then(|s| s.rows(table.as_str()));
    match rows {
        Some(rows) => {
            let rate = match fact.map(|f| f.work) {
                Some(Work::Scan) => facts.scan_rows_per_second,
                Some(Work::IndexBuild) => facts.index_rows_per_second,
                _ => facts.rewrite_rows_per_second,
            };
            let seconds = rows as f64 / rate.max(1.0);
            if seconds < ONLINE_LOCK_SECONDS {
                Size::Small { rows, seconds }
            } else {
                Size::Large { rows: Some(rows) }
            }
        }
        None => Size::Large { rows: None },
    }
}

impl<'f> Assessment<'f> {
    /// The op blocks traffic on an existing, large table for the length of a
    /// scan, an index build or a rewrite.
    pub fn blocks_for_long(&self) -> bool {
        match self.fact {
            Some(f) => {
                f.blocks != Blocks::None
                    && f.work != Work::Metadata
                    && matches!(self.size, Size::Large { .. })
            }
            None => false,
        }
    }

    /// The cheapest technique for this op.
    pub fn technique(
        &self,
        facts: &'f EngineFacts,
        version: &Version,
        op: &Op,
        before: &Schema,
    ) -> Technique {
        let Some(fact) = self.fact else {
            return Technique::AsWritten;
        };
        // An existing table's blocking op with a lock-safe form of the same
        // operation (DROP INDEX CONCURRENTLY) runs as that form even when the
        // lock is brief: waiting for it queues every query on the table.
        let existing = !matches!(self.size, Size::New);
        if !self.blocks_for_long() && !fact.unsupported {
            if let (true, Blocks::All, Some(variant)) = (existing, fact.blocks, &fact.rewrite_to) {
                if let Some(safe) = facts.op(&fact.kind, variant, version) {
                    if safe.blocks == Blocks::None {
                        return Technique::SafeRewrite {
                            variant: variant.clone(),
                            hint: fact.rewrite_hint.clone().unwrap_or_else(|| variant.clone()),
                        };
                    }
                }
            }
            return Technique::AsWritten;
        }
        if fact.unsupported && !matches!(self.size, Size::Large { .. }) {
            // A rebuild of a new or small table takes a moment.
            return Technique::AsWritten;
        }
        if let Some(variant) = &fact.rewrite_to {
            if let Some(safe) = facts.op(&fact.kind, variant, version) {
                if safe.blocks == Blocks::None || safe.work == Work::Metadata {
                    return Technique::SafeRewrite {
                        variant: variant.clone(),
                        hint: fact.rewrite_hint.clone().unwrap_or_else(|| variant.clone()),
                    };
                }
            }
        }
        let has_key = self
            .table
            .as_ref()
            .and_then(|t| before.table(t))
            .is_some_and(|t| t.has_copy_key());
        let copyable = matches!(fact.work, Work::Rewrite | Work::Scan | Work::IndexBuild)
            && !matches!(op, Op::DropTable { .. } | Op::Truncate { .. });
        if facts.online_shadow_copy && copyable && has_key {
            return Technique::ShadowCopy {
                hint: fact.rewrite_hint.clone().unwrap_or_else(|| {
                    "copy into a shadow table with change capture and cut over (shipgate osc)"
                        .to_string()
                }),
            };
        }
        let why = if !facts.online_shadow_copy {
            format!(
                "{} holds {} for the whole operation and {} has no online copy",
                op.kind(),
                fact.lock,
                facts.engine
            )
        } else if self.table.is_none() {
            // No single table (REINDEX SCHEMA, a database-wide VACUUM FULL):
            // there is no one table to copy online.
            format!(
                "{} holds {} on every table it touches and has no online alternative",
                op.kind(),
                fact.lock
            )
        } else if !has_key {
            "the table has no primary key or non-null unique key to copy it online by".to_string()
        } else {
            format!(
                "{} holds {} and has no online alternative",
                op.kind(),
                fact.lock
            )
        };
        Technique::Maintenance { why }
    }
}
