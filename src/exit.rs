//! The process exit-code contract, in one place (DESIGN.md, "Verdicts"):
//! a check exits with its verdict's code (at and above `--fail-on`), every
//! command exits 2 on invalid input or usage and 1 on an internal failure.
//! `cli` maps results to these codes; `verdict` and `osc` name them here
//! instead of reaching up into `cli`.

/// Success, and a verdict below `--fail-on`.
pub const SUCCESS: u8 = 0;
/// An internal failure (a bug, a database that stopped answering, …).
pub const INTERNAL: u8 = 1;
/// Invalid input or usage: the message names the file and line.
pub const USAGE: u8 = 2;
/// The verdict `zero-downtime`.
pub const ZERO_DOWNTIME: u8 = 0;
/// The verdict `expand-contract`.
pub const EXPAND_CONTRACT: u8 = 10;
/// The verdict `maintenance-window`.
pub const MAINTENANCE_WINDOW: u8 = 20;
/// The verdict `blocked`.
pub const BLOCKED: u8 = 30;
