//! The verdict of a release and what follows from it: the worst class of
//! its findings, the phase of every statement in a maintenance window, and
//! the reasons behind it (as data: `report` words them).

use crate::analysis::{Phase, StatementReport};
use crate::verdict::{Finding, Verdict};
use std::sync::Arc;

/// The verdict: the worst class any finding has (zero-downtime without
/// findings). In a maintenance window the plan stops every version and runs
/// the migrations in their order: no statement runs before or after a
/// rolling deploy. Sorts the findings.
pub fn decide(
    findings: &mut [Finding],
    statements: &mut [StatementReport],
) -> (Verdict, Vec<Reason>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let verdict = findings
        .iter()
        .map(|f| f.class)
        .max()
        .unwrap_or(Verdict::ZeroDowntime);
    if verdict == Verdict::MaintenanceWindow {
        for s in statements.iter_mut() {
            s.phase = Phase::Maintenance;
        }
    }
    let reasons = reasons(verdict, findings, statements);
    (verdict, reasons)
}

/// Why a release got its verdict, as data (`report` words it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Zero-downtime: the release adds no statement.
    NoMigrations,
    /// Zero-downtime: every one of the release's `statements` runs online
    /// while old and new code both work.
    RunOnline { statements: usize },
    /// Zero-downtime: this many statements run as their lock-safe rewrite.
    Rewritten { statements: usize },
    /// Zero-downtime: this many statements run after the deploy.
    AfterDeploy { statements: usize },
    /// A finding of the verdict's class: where, and its message.
    Finding {
        file: Arc<str>,
        line: u32,
        message: String,
    },
}

/// Why the release got its verdict: the findings of the verdict's class
/// (each place and message once), or what keeps a zero-downtime release so.
fn reasons(verdict: Verdict, findings: &[Finding], statements: &[StatementReport]) -> Vec<Reason> {
    if verdict == Verdict::ZeroDowntime {
        let rewrites = statements.iter().filter(|s| s.rewrite.is_some()).count();
        let post = statements
            .iter()
            .filter(|s| s.phase == Phase::PostDeploy)
            .count();
        let mut r = vec![if statements.is_empty() {
            Reason::NoMigrations
        } else {
            Reason::RunOnline {
                statements: statements.len(),
            }
        }];
        if rewrites > 0 {
            r.push(Reason::Rewritten {
                statements: rewrites,
            });
        }
        if post > 0 {
            r.push(Reason::AfterDeploy { statements: post });
        }
        return r;
    }
    let mut seen = Vec::new();
    for f in findings.iter().filter(|f| f.class == verdict) {
        let reason = Reason::Finding {
            file: f.span.file.clone(),
            line: f.span.line,
            message: f.message.clone(),
        };
        if !seen.contains(&reason) {
            seen.push(reason);
        }
    }
    seen
}
