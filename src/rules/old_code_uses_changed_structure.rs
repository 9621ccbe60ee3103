//! SG410 old-code-uses-changed-structure: the code line of the old version
//! that decides when a statement can run (its use of a column the statement
//! drops or renames, an insert the statement would reject, a write into a
//! table whose data the statement copies).

use super::*;
use crate::analysis::compat::{PhaseNeed, Side, Site};
use crate::sql::ir::{DmlKind, Name, Op};

pub static RULE: Rule = Rule {
    id: "SG410",
    name: "old-code-uses-changed-structure",
    engines: ALL_ENGINES,
    severity: Severity::Info,
    class: Verdict::ZeroDowntime,
    summary: "Old code uses what a statement removes or changes, so the statement waits for the deploy (or needs expand/contract)",
    what: "Points at the old (running) code that sends SQL using a table or column a new statement drops, renames or constrains, or that keeps writing a table whose data the release copies, and says where the statement runs because of it. When new code needs the new shape too, the new code's line is reported as well.",
    why: "During a rolling or blue/green deploy the old code keeps running. A statement it cannot live with must run after the deploy; if the new code cannot live without it either, only an expand/contract keeps both working.",
    example: "-- migration: ALTER TABLE users DROP COLUMN name;\n-- app/repo.py (old): SELECT id, name FROM users",
    instead: "Nothing to do when the statement runs after the deploy; shipgate plans it there. For expand/contract, follow the plan (expand, sync, deploy, contract).",
    check,
    // Fires only with code: the fixtures exercise it.
    fires: &[],
    quiet: &[],
};

/// The old (and, for `Neither`, new) code lines behind the op's phase.
fn sites(ctx: &Ctx) -> (Vec<Site>, Vec<Site>) {
    let u = ctx.usage;
    let old = |t: &Name, c: Option<&str>| u.sites(Side::Old, t, c);
    let new = |t: &Name, c: Option<&str>| u.sites(Side::New, t, c);
    match ctx.op {
        Op::DropColumn { table, column, .. } => (old(table, Some(column)), Vec::new()),
        Op::RenameColumn { table, from, to } => (old(table, Some(from)), new(table, Some(to))),
        Op::RedefineColumn {
            table,
            from,
            column,
            ..
        } if !from.eq_ignore_ascii_case(&column.name) => {
            (old(table, Some(from)), new(table, Some(&column.name)))
        }
        Op::RenameTable { from, to } => (old(from, None), new(to, None)),
        Op::DropTable { tables, .. } | Op::Truncate { tables, .. } => (
            tables.iter().flat_map(|t| old(t, None)).collect(),
            Vec::new(),
        ),
        Op::DropView { names, .. } => (
            names.iter().flat_map(|t| old(t, None)).collect(),
            Vec::new(),
        ),
        Op::AddColumn { table, column, .. } => {
            let mut s = u.old_positional_sites(table);
            if s.is_empty() {
                s = u.old_insert_sites_without(table, &column.name);
            }
            (s, new(table, Some(&column.name)))
        }
        Op::DropDefault { table, column } => {
            (u.old_insert_sites_without(table, column), Vec::new())
        }
        Op::SetNotNull { table, .. }
        | Op::AddConstraint { table, .. }
        | Op::RedefineColumn { table, .. } => (u.old_write_sites(table), Vec::new()),
        Op::Dml {
            kind: DmlKind::Insert | DmlKind::Update,
            target,
            sources,
            ..
        } => {
            let mut s: Vec<Site> = sources.iter().flat_map(|t| u.old_write_sites(t)).collect();
            if s.is_empty() {
                if let Some(t) = target {
                    s = u.old_write_sites(t);
                }
            }
            (s, Vec::new())
        }
        Op::CreateTable {
            from_query: Some(sources),
            ..
        } => (
            sources.iter().flat_map(|t| u.old_write_sites(t)).collect(),
            Vec::new(),
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// The statement's first line, short, for messages.
fn short(sql: &str) -> String {
    let first = sql
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches(';');
    let s: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        format!("{s}…")
    } else {
        s
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let expand = "follow the expand/contract plan: expand (add the new shape and keep it in sync with the old one), deploy, then contract once no old code runs";
    let (when, severity, with_new, help) = match ctx.phase {
        PhaseNeed::Post { .. } => (
            "runs after the deploy",
            Severity::Info,
            false,
            "nothing to do: shipgate plans the statement after the deploy (for blue/green, after the blue group is terminated)",
        ),
        PhaseNeed::Neither { .. } => (
            "cannot run before or after the deploy: it needs an expand/contract",
            Severity::Warning,
            true,
            expand,
        ),
        PhaseNeed::DataSync { .. } => (
            "copies data old code keeps writing: it needs sync while both versions run (expand/contract)",
            Severity::Warning,
            false,
            expand,
        ),
        PhaseNeed::Pre => return,
    };
    let (old, new) = sites(ctx);
    let stmt = short(&ctx.stmt.text);
    let at = |s: &Site| format!("{}:{}", s.span.file, s.span.line);
    for s in &old {
        out.push(Finding {
            span: s.span.clone(),
            ..ctx.finding_with(
                &RULE,
                severity,
                Verdict::ZeroDowntime,
                format!("old code {} {}; `{stmt}` {when}", at(s), s.what),
                help.to_string(),
            )
        });
    }
    if with_new {
        for s in &new {
            out.push(Finding {
                span: s.span.clone(),
                ..ctx.finding_with(
                    &RULE,
                    severity,
                    Verdict::ZeroDowntime,
                    format!(
                        "new code {} {}, which `{stmt}` brings; old code needs the old shape",
                        at(s),
                        s.what
                    ),
                    help.to_string(),
                )
            });
        }
    }
}
