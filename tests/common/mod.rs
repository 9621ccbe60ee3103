//! Helpers shared by the integration tests: on-disk and in-memory trees
//! (discovery), real database connections (osc).
#![allow(dead_code)]

pub mod db;
pub mod osc;
pub mod trees;
pub mod twin;

#[allow(unused_imports)]
pub use trees::*;
