//! The verdict of a release and what follows from it: the worst class of
//! its findings, the phase of every statement in a maintenance window, and
//! the reasons the report gives.

use crate::analysis::{Phase, StatementReport};
use crate::verdict::{Finding, Verdict};

/// The verdict: the worst class any finding has (zero-downtime without
/// findings). In a maintenance window the plan stops every version and runs
/// the migrations in their order: no statement runs before or after a
/// rolling deploy. Sorts the findings.
pub fn decide(
    findings: &mut [Finding],
    statements: &mut [StatementReport],
) -> (Verdict, Vec<String>) {
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

/// Why the release got its verdict: the findings of the verdict's class.
fn reasons(verdict: Verdict, findings: &[Finding], statements: &[StatementReport]) -> Vec<String> {
    if verdict == Verdict::ZeroDowntime {
        let rewrites = statements.iter().filter(|s| s.rewrite.is_some()).count();
        let post = statements
            .iter()
            .filter(|s| s.phase == Phase::PostDeploy)
            .count();
        let mut r = vec![if statements.is_empty() {
            "the release adds no migrations".to_string()
        } else {
            match statements.len() {
                1 => "the new statement runs online while old and new code both work".to_string(),
                n => format!("all {n} new statements run online while old and new code both work"),
            }
        }];
        if rewrites > 0 {
            r.push(format!(
                "{} as {} lock-safe rewrite",
                count(rewrites, "statement runs", "statements run"),
                if rewrites == 1 { "its" } else { "their" }
            ));
        }
        if post > 0 {
            r.push(format!(
                "{} after the deploy, once old code is gone",
                count(post, "statement runs", "statements run")
            ));
        }
        return r;
    }
    let mut seen = Vec::new();
    for f in findings.iter().filter(|f| f.class == verdict) {
        let line = format!("{}:{}: {}", f.span.file, f.span.line, f.message);
        if !seen.contains(&line) {
            seen.push(line);
        }
    }
    seen
}

/// `1 statement runs` / `3 statements run`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
