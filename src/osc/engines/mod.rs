//! Engine-specific parts of the temp-table migration: catalog reading,
//! refusals, setup of shadow + change capture, the cut-over, and clean-up.

pub mod mysql;
pub mod postgres;
