//! Rendering a check for people (text, with source excerpts) and machines
//! (JSON). The only layer that knows output formats and colours.
//! Output is deterministic: findings sorted by file, offset and rule.

pub mod json;
pub mod text;

use std::io::IsTerminal;

/// Whether to colour stdout: a terminal, and `NO_COLOR` unset.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}
