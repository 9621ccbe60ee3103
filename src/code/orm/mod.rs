//! ORM model declarations read as usage: a table an ORM maps is used by the
//! application (with the declared columns) even though no SQL text for it
//! appears in the code. One file per ORM.

pub mod diesel;
pub mod django;
pub mod gorm;
pub mod prisma;
pub mod rails;
pub mod sqlalchemy;

use crate::span::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Orm {
    Diesel,
    Prisma,
    SqlAlchemy,
    Django,
    Rails,
    Gorm,
}

/// A table (and its columns) an ORM declaration maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrmUsage {
    /// The declaration (model, `table!`, `create_table`).
    pub span: Span,
    pub orm: Orm,
    /// Lower-cased, schema-qualified when the declaration says so.
    pub table: String,
    /// Lower-cased column names, in declaration order.
    pub columns: Vec<String>,
}

/// Lower-cases and strips quotes from an identifier.
pub(crate) fn norm(s: &str) -> String {
    s.trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .to_lowercase()
}
