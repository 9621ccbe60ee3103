//! Shared reading of MySQL/MariaDB `ALTER TABLE` clauses for the SG2xx
//! rules: the `ALGORITHM=` ladder and which op of a multi-action ALTER
//! speaks for the statement. Not a rule itself.

use crate::analysis::context::Ctx;
use crate::facts::{OpFact, Work};
use crate::sql::ir::Op;

/// Position on the algorithm ladder, cheapest first
/// (INSTANT < NOCOPY < INPLACE < COPY). `None` for `DEFAULT` or unknown.
pub fn requested_rank(algorithm: &str) -> Option<u8> {
    match algorithm {
        "instant" => Some(0),
        "nocopy" => Some(1),
        "inplace" => Some(2),
        "copy" => Some(3),
        _ => None,
    }
}

/// The cheapest rung the op can use, from the facts. An in-place change of
/// metadata only is what MariaDB accepts as `NOCOPY`.
pub fn supported_rank(fact: &OpFact) -> Option<u8> {
    match fact.algorithm.as_deref()? {
        "inplace" if fact.work == Work::Metadata => Some(1),
        other => requested_rank(other),
    }
}

/// This op is the first of its statement that touches a table: clauses
/// that apply to the whole ALTER are reported once, on it.
pub fn speaks_for_statement(ctx: &Ctx) -> bool {
    ctx.stmt
        .ops
        .iter()
        .find(|o| o.table().is_some())
        .is_some_and(|o| std::ptr::eq(o, ctx.op))
}

/// Whether any op of the statement does more than a metadata change
/// (judged against the schema before the statement's current op).
pub fn statement_does_work(ctx: &Ctx) -> bool {
    ctx.stmt.ops.iter().any(|o| {
        let variants = crate::analysis::variant::variants(o, ctx.before, ctx.facts);
        match ctx.facts.first_op(o.kind(), &variants, ctx.version) {
            Some(f) => f.work != Work::Metadata,
            None => o.table().is_some(),
        }
    })
}

/// The op as the ALTER TABLE clause that wrote it, for messages.
pub fn clause(op: &Op) -> String {
    match op {
        Op::AddColumn { column, .. } => format!("ADD COLUMN {}", column.name),
        Op::DropColumn { column, .. } => format!("DROP COLUMN {column}"),
        Op::RenameColumn { from, .. } => format!("RENAME COLUMN {from}"),
        Op::RedefineColumn { from, .. } => format!("MODIFY/CHANGE COLUMN {from}"),
        Op::SetDefault { column, .. } | Op::DropDefault { column, .. } => {
            format!("ALTER COLUMN {column} … DEFAULT")
        }
        Op::AddConstraint { .. } => "ADD CONSTRAINT".into(),
        Op::DropConstraint { name, .. } => format!("DROP CONSTRAINT {name}"),
        Op::DropPrimaryKey { .. } => "DROP PRIMARY KEY".into(),
        Op::CreateIndex { .. } => "ADD INDEX".into(),
        Op::DropIndex { .. } => "DROP INDEX".into(),
        Op::RenameIndex { .. } => "RENAME INDEX".into(),
        Op::RenameTable { .. } => "RENAME TO".into(),
        other => other.kind().replace('-', " "),
    }
}
