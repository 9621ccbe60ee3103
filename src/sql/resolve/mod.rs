//! Resolving one statement against a schema: which tables it touches, which
//! columns it reads and writes, where it reads every column (`*`), the
//! shape of an INSERT, and which column references no table in scope has.
//! What application code sends is resolved here (`analysis::usage`), as
//! the SQL semantics it is; `code` only finds the statements.
//!
//! Scoping follows SQL: CTEs are visible to the query that declares them and
//! its subqueries; a FROM clause brings tables, derived tables and table
//! functions into scope under their alias; an unqualified column is looked
//! up in the innermost scope first (through the [`Catalog`]) and then
//! outwards (correlated subqueries). A column no table in any scope has is
//! *unresolved* (code that sends it breaks); a column two tables of the
//! innermost scope both have is *ambiguous*. Pure: no IO, no panics.
//!
//! By part: `scope` (the scope of a query and what its FROM clause brings
//! into it), `query` (queries, select lists and the names of their output
//! columns, with `names`), `dml` (INSERT, UPDATE, DELETE, MERGE and their
//! RETURNING lists), `expr` (the column references of an expression, and
//! recording a read or write against the catalog).

use serde::Serialize;
use sqlparser::ast::{Ident, ObjectName, Statement};
use std::collections::{BTreeSet, HashMap};

mod dml;
mod expr;
mod names;
mod query;
mod scope;

use scope::Scope;

/// The schema a query is resolved against.
pub trait Catalog {
    /// The columns of `table` (lower-case, possibly `schema.table`), or `None`
    /// when the schema has no such table.
    fn columns(&self, table: &str) -> Option<Vec<String>>;
}

/// A column of a base table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

/// How an INSERT supplies its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsertShape {
    pub table: String,
    /// The explicit column list, or `None` for a positional insert.
    pub columns: Option<Vec<String>>,
    /// Values per row (`VALUES` rows, or the SELECT's output columns when
    /// countable); `None` when unknown (e.g. `INSERT … SELECT *`).
    pub values_per_row: Option<usize>,
    /// `INSERT … SELECT`: data copied from other tables.
    pub from_select: bool,
}

/// An unqualified column several tables in scope have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Ambiguous {
    pub column: String,
    pub tables: Vec<String>,
}

/// What one statement uses. All lists are sorted and free of duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Base tables referenced anywhere (CTE names excluded).
    pub tables: Vec<String>,
    /// Tables the statement inserts into, updates or deletes from.
    pub written_tables: Vec<String>,
    pub reads: Vec<ColumnRef>,
    pub writes: Vec<ColumnRef>,
    /// Tables read with `*` or `t.*` (every column, by position).
    pub star_tables: Vec<String>,
    pub insert: Option<InsertShape>,
    /// Column references no table in scope has (`col` or `qualifier.col`).
    pub unresolved: Vec<String>,
    pub ambiguous: Vec<Ambiguous>,
}

/// Resolves one statement.
pub fn resolve(stmt: &Statement, catalog: &dyn Catalog) -> Usage {
    let mut r = Resolver {
        catalog,
        cache: HashMap::new(),
        tables: BTreeSet::new(),
        written: BTreeSet::new(),
        reads: BTreeSet::new(),
        writes: BTreeSet::new(),
        stars: BTreeSet::new(),
        insert: None,
        unresolved: BTreeSet::new(),
        ambiguous: BTreeSet::new(),
        depth: 0,
    };
    r.statement(stmt, None);
    Usage {
        tables: r.tables.into_iter().collect(),
        written_tables: r.written.into_iter().collect(),
        reads: r.reads.into_iter().collect(),
        writes: r.writes.into_iter().collect(),
        star_tables: r.stars.into_iter().collect(),
        insert: r.insert,
        unresolved: r.unresolved.into_iter().collect(),
        ambiguous: r.ambiguous.into_iter().collect(),
    }
}

/// Deeper nesting is not followed (bounded recursion on any input).
const MAX_DEPTH: usize = 48;

#[derive(Clone, Copy, PartialEq)]
enum Access {
    Read,
    Write,
}

struct Resolver<'c> {
    catalog: &'c dyn Catalog,
    cache: HashMap<String, Option<Vec<String>>>,
    tables: BTreeSet<String>,
    written: BTreeSet<String>,
    reads: BTreeSet<ColumnRef>,
    writes: BTreeSet<ColumnRef>,
    stars: BTreeSet<String>,
    insert: Option<InsertShape>,
    unresolved: BTreeSet<String>,
    ambiguous: BTreeSet<Ambiguous>,
    depth: usize,
}

fn ident(i: &Ident) -> String {
    i.value.to_lowercase()
}

/// A table's name as written: quoted parts keep their case (as the
/// schema's replay keeps them), unquoted ones are folded to lower case.
fn object_name(n: &ObjectName) -> String {
    n.0.iter()
        .map(|p| match p.as_ident() {
            Some(i) if i.quote_style.is_some() => i.value.clone(),
            Some(i) => ident(i),
            None => p.to_string().to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn last_part(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(ident)
        .unwrap_or_default()
}

impl<'c> Resolver<'c> {
    fn columns_of(&mut self, table: &str) -> Option<Vec<String>> {
        if let Some(c) = self.cache.get(table) {
            return c.clone();
        }
        let c = self
            .catalog
            .columns(table)
            .map(|v| v.into_iter().map(|s| s.to_lowercase()).collect::<Vec<_>>());
        self.cache.insert(table.to_string(), c.clone());
        c
    }

    /// Resolves a statement; returns its output column names when known (a
    /// query's, or a data-modifying statement's RETURNING list).
    fn statement(&mut self, stmt: &Statement, parent: Option<&Scope>) -> Option<Vec<String>> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let mut out = None;
        match stmt {
            Statement::Query(q) => out = self.query(q, parent),
            Statement::Insert(ins) => out = self.insert(ins, parent),
            Statement::Update(u) => out = self.update(u, parent),
            Statement::Delete(d) => out = self.delete(d, parent),
            Statement::Merge(m) => self.merge(m, parent),
            _ => {}
        }
        self.depth -= 1;
        out
    }
}
