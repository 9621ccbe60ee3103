//! Every output of the check, the rule list and `explain`, one file per
//! format behind one [`Emitter`] trait: `text` (for people: rustc-style
//! source excerpts, colour when asked) and `json` (for machines, versioned
//! by `schema_version`). The only layer that knows output formats, colours
//! and the English of counts and reasons (`words`); it returns strings and
//! `cli` prints them. Output is deterministic: findings sorted by file,
//! offset and rule, no timestamps.

mod excerpt;
mod json;
mod text;
pub mod words;

use crate::check::CheckReport;
use crate::rules::Rule;
use std::io::IsTerminal;

/// An output format. The next formats (SARIF, GitHub, GitLab, Markdown)
/// are one variant and one file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::Text, Format::Json];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
        }
    }
}

/// Renders each result of a command in one format.
pub trait Emitter {
    /// The report of one release (`shipgate check`).
    fn check(&self, r: &CheckReport) -> String;
    /// The rule catalog (`shipgate rules`).
    fn rules(&self, rules: &[&'static Rule]) -> String;
    /// One rule's documentation (`shipgate explain`).
    fn explain(&self, rule: &Rule) -> String;
}

/// The emitter of `format`; `color` is read only by formats for terminals.
pub fn emitter(format: Format, color: bool) -> Box<dyn Emitter> {
    match format {
        Format::Text => Box::new(text::Text { color }),
        Format::Json => Box::new(json::Json),
    }
}

/// Whether to colour stdout: a terminal, and `NO_COLOR` unset.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}
