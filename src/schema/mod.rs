//! The schema model (tables, columns, constraints, indexes, views, enums,
//! sequences), replaying migrations into it, rendering it as canonical DDL
//! and diffing two renderings. Pure: no IO.

pub mod derive;
pub mod model;
pub mod render;
pub mod replay;

pub use model::*;
pub use replay::{replay_statement, ReplayError};
