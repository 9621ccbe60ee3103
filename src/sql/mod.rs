//! The SQL front end: splitting scripts into statements with exact spans,
//! parsing each in the engine's dialect, recovering from what the parser
//! does not know, and lowering everything to the [`ir::Op`] model; and
//! [`resolve`]: what one statement reads and writes against a schema.
//! Invariant: it never fails and never drops a statement.

pub mod clauses;
pub mod fallback;
pub mod ir;
pub mod lower;
pub mod parse;
pub mod pg_names;
pub mod resolve;
pub mod split;
