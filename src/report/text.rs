//! The text format, for people. The check report: a summary line with the
//! verdict and why, the findings grouped by file with their source excerpt
//! (`excerpt`: rustc's renderer), then the plan's phase for every new
//! statement. The
//! rule list: one rule per two lines. `explain`: a rule's doc sections, in
//! the Markdown-like shape `docs/rules.md` is generated from.

use super::excerpt::excerpt;
use super::words::{count, reason};
use super::Emitter;
use crate::analysis::Phase;
use crate::check::CheckReport;
use crate::rules::Rule;
use crate::verdict::{Finding, Severity, Verdict};
use std::fmt::Write;

/// The text emitter; `color` adds ANSI colours (a terminal without `NO_COLOR`).
pub struct Text {
    pub color: bool,
}

impl Emitter for Text {
    fn check(&self, r: &CheckReport) -> String {
        check(r, self.color)
    }

    fn rules(&self, rules: &[&'static Rule]) -> String {
        let mut out = String::new();
        for r in rules {
            let _ = writeln!(
                out,
                "{}  {:<44} {:<8} {:<19} {}\n    {}",
                r.id,
                r.name,
                r.severity.name(),
                r.class.name(),
                r.engine_names().join(","),
                r.summary
            );
        }
        out
    }

    fn explain(&self, rule: &Rule) -> String {
        format!(
            "{id} {name}\n\n{summary}\n\nEngines: {engines}\nSeverity: {sev}\nImplies: {class}\n\n## What it does\n{what}\n\n## Why is this bad?\n{why}\n\n## Example\n```sql\n{example}\n```\n\n## Use instead\n{instead}\n",
            id = rule.id,
            name = rule.name,
            summary = rule.summary,
            engines = rule.engine_names().join(", "),
            sev = rule.severity.name(),
            class = rule.class,
            what = rule.what,
            why = rule.why,
            example = rule.example.trim(),
            instead = rule.instead,
        )
    }
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        match sev {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Warning => self.paint("1;33", "warning"),
            Severity::Info => self.paint("1;36", "info"),
        }
    }
    fn verdict(&self, v: Verdict) -> String {
        let code = match v {
            Verdict::ZeroDowntime => "1;32",
            Verdict::ExpandContract => "1;33",
            Verdict::MaintenanceWindow => "1;35",
            Verdict::Blocked => "1;31",
        };
        self.paint(code, v.name())
    }
}

fn check(r: &CheckReport, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    let assumed = if r.version_assumed { " (assumed)" } else { "" };
    let _ = writeln!(
        out,
        "{}: {} on {} {}{assumed}, {}, {}",
        st.paint("1", "verdict"),
        st.verdict(r.verdict),
        r.engine,
        r.version,
        count(r.new_migrations.len(), "new migration", "new migrations"),
        count(r.findings.len(), "finding", "findings")
    );
    for why in &r.reasons {
        let _ = writeln!(out, "  because {}", reason(why));
    }
    for note in &r.notes {
        let _ = writeln!(out, "{}: {note}", st.paint("1;36", "note"));
    }
    for f in &r.findings {
        out.push('\n');
        finding(&mut out, &st, r, f);
    }
    if !r.statements.is_empty() {
        let _ = writeln!(out, "\n{}", st.paint("1", "plan"));
        for s in &r.statements {
            let first = s.sql.lines().next().unwrap_or("");
            let short: String = first.chars().take(72).collect();
            let ell = if first.chars().count() > 72 || s.sql.lines().count() > 1 {
                " …"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {:<12} {}:{}  {short}{ell}",
                s.phase.name(),
                s.span.file,
                s.span.line
            );
            if let Some(rw) = &s.rewrite {
                let _ = writeln!(out, "  {:<12} └ runs as: {rw}", "");
            }
        }
        let phases: Vec<&str> = [
            Phase::PreDeploy,
            Phase::Expand,
            Phase::Backfill,
            Phase::Contract,
            Phase::PostDeploy,
            Phase::Maintenance,
        ]
        .into_iter()
        .filter(|p| r.statements.iter().any(|s| s.phase == *p))
        .map(|p| p.name())
        .collect();
        let _ = writeln!(out, "  phases: {}", phases.join(" → "));
    }
    let _ = writeln!(
        out,
        "\n{} {} (exit code {})",
        st.paint("1", "verdict:"),
        st.verdict(r.verdict),
        r.verdict.exit_code()
    );
    out
}

fn finding(out: &mut String, st: &Style, r: &CheckReport, f: &Finding) {
    let _ = writeln!(
        out,
        "{}[{}] {}: {}",
        st.severity(f.severity),
        f.rule,
        f.name,
        f.message
    );
    let text = r.sources.get(&*f.span.file).map(|t| &**t);
    out.push_str(&excerpt(&f.span, text, f.severity, st.color));
    let implies = match f.class {
        Verdict::ZeroDowntime => "zero-downtime".to_string(),
        c => st.verdict(c),
    };
    let _ = writeln!(out, "   = implies: {implies}");
    let _ = writeln!(out, "   = help: {}", f.help);
}
