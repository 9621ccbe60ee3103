//! The schema model a replay builds.

use crate::sql::ir::{AutoKind, ConstraintKind, DefaultValue, Generated, Name, SqlType};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    pub tables: BTreeMap<Name, Table>,
    pub views: BTreeMap<Name, View>,
    pub enums: BTreeMap<Name, Vec<String>>,
    pub domains: BTreeSet<Name>,
    pub sequences: BTreeSet<Name>,
    pub schemas: BTreeSet<Name>,
    /// Index name → table, kept by replay so looking an index up by name
    /// does not scan every table (histories have thousands).
    #[serde(skip)]
    pub index_tables: BTreeMap<Name, Name>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: Name,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub partitioned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub not_null: bool,
    pub default: Option<DefaultValue>,
    pub generated: Option<Generated>,
    pub auto: Option<AutoKind>,
    /// MySQL/MariaDB character set and collation, where known (see
    /// [`crate::sql::ir::ColumnSpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

impl Column {
    /// An INSERT may leave this column out.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.generated.is_some() || self.auto.is_some()
    }
    /// An INSERT that leaves this column out fails.
    pub fn required_on_insert(&self) -> bool {
        self.not_null && !self.has_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// False for a PostgreSQL `NOT VALID` constraint not yet validated.
    pub valid: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: Name,
    pub columns: Vec<String>,
    pub unique: bool,
    pub predicate: Option<String>,
    pub has_expressions: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: Name,
    pub depends_on: Vec<Name>,
    pub materialized: bool,
    /// Indexes built on a materialized view.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Name>,
}

impl Schema {
    pub fn table(&self, name: &Name) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn column(&self, table: &Name, column: &str) -> Option<&Column> {
        self.tables.get(table)?.column(column)
    }

    /// The table an index (by name) belongs to.
    pub fn index_owner(&self, index: &Name) -> Option<&Table> {
        self.index_tables
            .get(index)
            .and_then(|t| self.tables.get(t))
            .filter(|t| t.indexes.iter().any(|i| &i.name == index))
    }

    /// Tables with a foreign key that references `table`.
    pub fn referencing(&self, table: &Name) -> Vec<&Table> {
        self.tables
            .values()
            .filter(|t| {
                t.constraints.iter().any(|c| {
                    matches!(&c.kind, ConstraintKind::ForeignKey { ref_table, .. } if ref_table == table)
                })
            })
            .collect()
    }

    /// Views that read `table`.
    pub fn dependent_views(&self, table: &Name) -> Vec<&View> {
        self.views
            .values()
            .filter(|v| v.depends_on.contains(table))
            .collect()
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn primary_key(&self) -> Option<&Vec<String>> {
        self.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } => Some(columns),
            _ => None,
        })
    }

    /// A primary key, or a unique key over NOT NULL columns: what a
    /// shadow-table copy needs to walk the table and replay changes.
    pub fn has_copy_key(&self) -> bool {
        if self.primary_key().is_some() {
            return true;
        }
        let all_not_null = |cols: &Vec<String>| {
            !cols.is_empty()
                && cols
                    .iter()
                    .all(|c| self.column(c).is_some_and(|c| c.not_null))
        };
        self.constraints
            .iter()
            .any(|c| matches!(&c.kind, ConstraintKind::Unique { columns } if all_not_null(columns)))
            || self.indexes.iter().any(|i| {
                i.unique && i.predicate.is_none() && !i.has_expressions && all_not_null(&i.columns)
            })
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}
