//! Verdicts, severities and findings: the vocabulary every layer reports in.

use crate::exit;
use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// The class of the cheapest safe plan for a release (DESIGN.md, "Verdicts").
/// Ordered from cheapest to worst, so the release's verdict is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    ZeroDowntime,
    ExpandContract,
    MaintenanceWindow,
    Blocked,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::ZeroDowntime,
        Verdict::ExpandContract,
        Verdict::MaintenanceWindow,
        Verdict::Blocked,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::ZeroDowntime => "zero-downtime",
            Verdict::ExpandContract => "expand-contract",
            Verdict::MaintenanceWindow => "maintenance-window",
            Verdict::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == s)
    }

    /// The process exit code of this verdict (DESIGN.md).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::ZeroDowntime => exit::ZERO_DOWNTIME,
            Verdict::ExpandContract => exit::EXPAND_CONTRACT,
            Verdict::MaintenanceWindow => exit::MAINTENANCE_WINDOW,
            Verdict::Blocked => exit::BLOCKED,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding: a rule that fired on a statement (or a code line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id (`SG105`).
    pub rule: &'static str,
    /// Rule name describing the hazard (`index-build-blocks-writes`).
    pub name: &'static str,
    pub severity: Severity,
    /// The verdict class this finding implies for the release.
    pub class: Verdict,
    #[serde(skip)]
    pub span: Span,
    /// The consequence.
    pub message: String,
    /// The safe alternative.
    pub help: String,
}

impl Finding {
    /// Deterministic report order: file, offset, rule.
    pub fn sort_key(&self) -> (&str, usize, &str) {
        (&self.span.file, self.span.start, self.rule)
    }
}
