//! shipgate: a schema-aware migration and deploy gatekeeper.
//!
//! See ARCHITECTURE.md for the data flow and the code map.

pub mod analysis;
pub mod check;
pub mod cli;
pub mod code;
pub mod config;
pub mod engine;
pub mod exit;
pub mod facts;
pub mod migrations;
pub mod osc;
pub mod report;
pub mod rules;
pub mod schema;
pub mod settings;
pub mod source;
pub mod span;
pub mod sql;
pub mod synth;
pub mod verdict;
