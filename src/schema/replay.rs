//! Applying statements to a schema. A statement that cannot apply (alters a
//! missing table, adds a column that exists) yields a [`ReplayError`]; the
//! schema keeps every op that did apply, so one bad statement does not hide
//! the rest of the history.

use super::model::*;
use crate::engine::Engine;
use crate::sql::ir::{ColumnSpec, ConstraintKind, ConstraintSpec, IndexSpec, Name, Op, Statement};
use crate::sql::pg_names;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplayError {
    #[error("table {0} does not exist")]
    MissingTable(String),
    #[error("table {0} already exists")]
    TableExists(String),
    #[error("column {1} does not exist in table {0}")]
    MissingColumn(String, String),
    #[error("column {1} already exists in table {0}")]
    ColumnExists(String, String),
    #[error("index {0} does not exist")]
    MissingIndex(String),
    #[error("index {0} already exists")]
    IndexExists(String),
    #[error("constraint {1} does not exist on table {0}")]
    MissingConstraint(String, String),
    #[error("type {0} does not exist")]
    MissingType(String),
    #[error("enum {0} has no value '{1}'")]
    MissingEnumValue(String, String),
    #[error("view {0} does not exist")]
    MissingView(String),
    #[error("table {0} has no primary key")]
    MissingPrimaryKey(String),
}

impl ReplayError {
    /// The object the error is about, and the part of it (column,
    /// constraint, enum value) when there is one.
    pub fn subject(&self) -> (&str, Option<&str>) {
        use ReplayError::*;
        match self {
            MissingTable(t) | TableExists(t) | MissingIndex(t) | IndexExists(t)
            | MissingType(t) | MissingView(t) | MissingPrimaryKey(t) => (t, None),
            MissingColumn(t, c)
            | ColumnExists(t, c)
            | MissingConstraint(t, c)
            | MissingEnumValue(t, c) => (t, Some(c)),
        }
    }
}

/// Applies every op of `stmt`; returns the errors of the ops that could not apply.
pub fn replay_statement(schema: &mut Schema, stmt: &Statement, engine: Engine) -> Vec<ReplayError> {
    stmt.ops
        .iter()
        .filter_map(|op| apply(schema, op, engine).err())
        .collect()
}

fn column_from(spec: &ColumnSpec) -> Column {
    Column {
        name: spec.name.clone(),
        ty: spec.ty.clone(),
        not_null: spec.not_null,
        default: spec.default.clone(),
        generated: spec.generated,
        auto: spec.auto,
        charset: spec.charset.clone(),
        collation: spec.collation.clone(),
    }
}

/// A name for an unnamed constraint, as the engine would make it.
/// `indexes` is the schema's index-name map (PostgreSQL: a generated name
/// must not be the name of another index).
fn constraint_name(
    table: &Table,
    c: &ConstraintSpec,
    engine: Engine,
    indexes: &BTreeMap<Name, Name>,
) -> String {
    if let Some(n) = &c.name {
        return n.clone();
    }
    let t = table
        .name
        .as_str()
        .rsplit('.')
        .next()
        .unwrap_or(table.name.as_str());
    if engine.is_mysql_family() {
        // https://dev.mysql.com/doc/refman/8.0/en/create-table.html: the key
        // is named after its first column, a foreign key `<t>_ibfk_<n>`, a
        // check `<t>_chk_<n>`, the primary key PRIMARY.
        let count = |pred: fn(&ConstraintKind) -> bool| {
            table.constraints.iter().filter(|x| pred(&x.kind)).count() + 1
        };
        return match &c.kind {
            ConstraintKind::PrimaryKey { .. } => "PRIMARY".to_string(),
            ConstraintKind::Unique { columns } => mysql_key_name(table, columns),
            ConstraintKind::ForeignKey { .. } => format!(
                "{t}_ibfk_{}",
                count(|k| matches!(k, ConstraintKind::ForeignKey { .. }))
            ),
            ConstraintKind::Check { .. } => format!(
                "{t}_chk_{}",
                count(|k| matches!(k, ConstraintKind::Check { .. }))
            ),
            ConstraintKind::Exclusion => format!("{t}_excl"),
        };
    }
    // PostgreSQL: `<table>[_<columns>]_<label>`, shortened to 63 bytes,
    // numbered while taken. A check constraint names its column when its
    // expression reads exactly one.
    let (cols, label) = match &c.kind {
        ConstraintKind::PrimaryKey { .. } => (None, "pkey"),
        ConstraintKind::Unique { columns } => (Some(pg_names::columns_addition(columns)), "key"),
        ConstraintKind::ForeignKey { columns, .. } => {
            (Some(pg_names::columns_addition(columns)), "fkey")
        }
        ConstraintKind::Check { .. } => {
            let read: BTreeSet<&str> = table
                .columns
                .iter()
                .filter(|col| mentions(&c.kind, &col.name))
                .map(|col| col.name.as_str())
                .collect();
            let only = (read.len() == 1).then(|| read.first().unwrap().to_string());
            (only, "check")
        }
        ConstraintKind::Exclusion => (None, "excl"),
    };
    let taken = |n: &str| {
        table.constraints.iter().any(|x| x.name == n)
            || table.indexes.iter().any(|i| i.name.as_str() == n)
            || (owns_index(&c.kind) && indexes.contains_key(&Name(n.to_string())))
    };
    pg_names::choose_name(t, cols.as_deref(), label, &taken)
}

/// MySQL names an unnamed key after its first column, `_2`, `_3`… when taken.
fn mysql_key_name(table: &Table, columns: &[String]) -> String {
    let base = columns.first().cloned().unwrap_or_else(|| "key".into());
    let taken = |n: &str| {
        table
            .indexes
            .iter()
            .any(|i| i.name.as_str().eq_ignore_ascii_case(n))
            || table
                .constraints
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(n))
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken(n))
        .expect("an unused name exists")
}

fn table_mut<'a>(schema: &'a mut Schema, name: &Name) -> Result<&'a mut Table, ReplayError> {
    schema
        .tables
        .get_mut(name)
        .ok_or_else(|| ReplayError::MissingTable(name.to_string()))
}

/// A column of a table, or the error naming what is missing.
fn column_mut<'a>(
    schema: &'a mut Schema,
    table: &Name,
    column: &str,
) -> Result<&'a mut Column, ReplayError> {
    table_mut(schema, table)?
        .column_mut(column)
        .ok_or_else(|| ReplayError::MissingColumn(table.to_string(), column.to_string()))
}

fn index_name(
    spec: &IndexSpec,
    engine: Engine,
    table: Option<&Table>,
    indexes: &BTreeMap<Name, Name>,
) -> Name {
    spec.name.clone().unwrap_or_else(|| {
        if let (true, Some(t)) = (engine.is_mysql_family(), table) {
            return Name(mysql_key_name(t, &spec.columns));
        }
        let t = spec
            .table
            .as_str()
            .rsplit('.')
            .next()
            .unwrap_or(spec.table.as_str());
        // PostgreSQL: `<table>_<keys>_idx` within 63 bytes, numbered while
        // another index (or a key constraint's index) has the name.
        let keys: Vec<String> = spec
            .columns
            .iter()
            .map(|k| pg_names::index_key_name(k))
            .collect();
        let taken = |n: &str| {
            indexes.contains_key(&Name(n.to_string()))
                || table.is_some_and(|t| {
                    t.constraints
                        .iter()
                        .any(|c| c.name == n && owns_index(&c.kind))
                })
        };
        Name(pg_names::choose_name(
            t,
            Some(&pg_names::columns_addition(&keys)),
            "idx",
            &taken,
        ))
    })
}

fn add_constraint(
    table: &mut Table,
    c: &ConstraintSpec,
    valid: bool,
    engine: Engine,
    indexes: &BTreeMap<Name, Name>,
) {
    let mut kind = c.kind.clone();
    // `… USING INDEX i`: the constraint takes the index's columns.
    if let Some(ix) = &c.using_index {
        if let Some(pos) = table.indexes.iter().position(|i| i.name.as_str() == ix) {
            let index = table.indexes.remove(pos);
            kind = match kind {
                ConstraintKind::PrimaryKey { .. } => ConstraintKind::PrimaryKey {
                    columns: index.columns,
                },
                ConstraintKind::Unique { .. } => ConstraintKind::Unique {
                    columns: index.columns,
                },
                k => k,
            };
        }
    }
    if let ConstraintKind::PrimaryKey { columns } = &kind {
        for col in columns {
            if let Some(c) = table.column_mut(col) {
                c.not_null = true;
            }
        }
    }
    let name = constraint_name(table, c, engine, indexes);
    table.constraints.retain(|x| x.name != name);
    table.constraints.push(Constraint { name, kind, valid });
}

/// MySQL (before 9.0) parses a `REFERENCES` clause in a column definition
/// and creates no foreign key; the schema must not have one either.
/// (MariaDB creates it from 10.5; replay has no version and keeps it.)
fn inline_constraint_ignored(c: &ConstraintSpec, engine: Engine) -> bool {
    engine == Engine::Mysql && matches!(c.kind, ConstraintKind::ForeignKey { .. })
}

/// PostgreSQL keeps an index in its table's schema, and `CREATE INDEX`
/// names it without one; `DROP INDEX s.i` and `ALTER INDEX s.i …` name it
/// with the schema. Such a name is turned into the one the model stores.
fn stored_index_names<'o>(schema: &Schema, op: &'o Op, engine: Engine) -> Cow<'o, Op> {
    if engine != Engine::Postgres {
        return Cow::Borrowed(op);
    }
    let stored = |n: &Name| -> Option<Name> {
        if schema.index_owner(n).is_some() {
            return None;
        }
        let (Some(ns), last) = split_schema(n) else {
            return None;
        };
        let last = Name(last.to_string());
        let owner = schema.index_owner(&last)?;
        (split_schema(&owner.name).0 == Some(ns)).then_some(last)
    };
    match op {
        Op::DropIndex {
            names,
            table: None,
            concurrently,
            if_exists,
        } if names.iter().any(|n| stored(n).is_some()) => Cow::Owned(Op::DropIndex {
            names: names
                .iter()
                .map(|n| stored(n).unwrap_or_else(|| n.clone()))
                .collect(),
            table: None,
            concurrently: *concurrently,
            if_exists: *if_exists,
        }),
        Op::RenameIndex {
            from,
            to,
            if_exists,
        } => match stored(from) {
            Some(from) => Cow::Owned(Op::RenameIndex {
                from,
                to: Name(split_schema(to).1.to_string()),
                if_exists: *if_exists,
            }),
            None => Cow::Borrowed(op),
        },
        _ => Cow::Borrowed(op),
    }
}

/// The constraint is enforced by an index of the same name (PostgreSQL).
fn owns_index(kind: &ConstraintKind) -> bool {
    matches!(
        kind,
        ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclusion
    )
}

/// `schema.name` → (`Some(schema)`, `name`).
fn split_schema(n: &Name) -> (Option<&str>, &str) {
    match n.as_str().rsplit_once('.') {
        Some((s, last)) => (Some(s), last),
        None => (None, n.as_str()),
    }
}

fn mentions(kind: &ConstraintKind, column: &str) -> bool {
    let has = |cols: &Vec<String>| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
    match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => has(columns),
        ConstraintKind::ForeignKey { columns, .. } => has(columns),
        ConstraintKind::Check { expr } => expr
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w.eq_ignore_ascii_case(column)),
        ConstraintKind::Exclusion => false,
    }
}

/// Applies one op.
pub fn apply(schema: &mut Schema, op: &Op, engine: Engine) -> Result<(), ReplayError> {
    let op: &Op = &stored_index_names(schema, op, engine);
    // Keep the index-name map in step with the tables the op touches, at a
    // cost proportional to those tables' indexes.
    let touched: Vec<Name> = match op {
        Op::DropTable { tables, .. } => tables.clone(),
        Op::RenameTable { from, to } => vec![from.clone(), to.clone()],
        Op::DropIndex { names, table, .. } => {
            let mut v: Vec<Name> = names
                .iter()
                .filter_map(|n| schema.index_tables.get(n).cloned())
                .collect();
            v.extend(table.iter().cloned());
            v
        }
        Op::RenameIndex { from, .. } => {
            schema.index_tables.get(from).cloned().into_iter().collect()
        }
        Op::DropSchema { .. } => schema.tables.keys().cloned().collect(),
        // Ops that add, remove or adopt indexes of their table.
        Op::CreateIndex { index, .. } => vec![index.table.clone()],
        Op::DropColumn { table, .. }
        | Op::AddConstraint { table, .. }
        | Op::CreateTable { table, .. } => vec![table.clone()],
        _ => Vec::new(),
    };
    let before: Vec<(Name, Vec<Name>)> = touched
        .iter()
        .map(|t| {
            (
                t.clone(),
                schema
                    .tables
                    .get(t)
                    .map(|t| t.indexes.iter().map(|i| i.name.clone()).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let result = apply_op(schema, op, engine);
    for (table, names) in before {
        for n in names {
            if schema.index_tables.get(&n) == Some(&table) {
                schema.index_tables.remove(&n);
            }
        }
        if let Some(t) = schema.tables.get(&table) {
            for i in &t.indexes {
                schema.index_tables.insert(i.name.clone(), table.clone());
            }
        }
    }
    result
}

fn apply_op(schema: &mut Schema, op: &Op, engine: Engine) -> Result<(), ReplayError> {
    match op {
        Op::CreateTable {
            table,
            columns,
            constraints,
            if_not_exists,
            like,
            partitioned,
            ..
        } => {
            if schema.tables.contains_key(table) {
                return if *if_not_exists {
                    Ok(())
                } else {
                    Err(ReplayError::TableExists(table.to_string()))
                };
            }
            let mut t = match like.as_ref().and_then(|l| schema.tables.get(l)) {
                Some(src) => {
                    let mut t = src.clone();
                    t.indexes.clear();
                    t
                }
                None => Table {
                    name: table.clone(),
                    columns: Vec::new(),
                    constraints: Vec::new(),
                    indexes: Vec::new(),
                    partitioned: *partitioned,
                },
            };
            t.name = table.clone();
            for c in columns {
                t.columns.push(column_from(c));
            }
            for c in columns
                .iter()
                .flat_map(|c| c.constraints.iter())
                .filter(|c| !inline_constraint_ignored(c, engine))
                .chain(constraints)
            {
                add_constraint(&mut t, c, true, engine, &schema.index_tables);
            }
            schema.tables.insert(table.clone(), t);
            Ok(())
        }
        Op::DropTable {
            tables, if_exists, ..
        } => {
            for t in tables {
                if schema.tables.remove(t).is_none() && !if_exists {
                    return Err(ReplayError::MissingTable(t.to_string()));
                }
                schema.views.retain(|_, v| !v.depends_on.contains(t));
            }
            Ok(())
        }
        Op::RenameTable { from, to } if !schema.tables.contains_key(from) => {
            // `ALTER [MATERIALIZED] VIEW a RENAME TO b`.
            let mut v = schema
                .views
                .remove(from)
                .ok_or_else(|| ReplayError::MissingTable(from.to_string()))?;
            if schema.views.contains_key(to) || schema.tables.contains_key(to) {
                schema.views.insert(from.clone(), v);
                return Err(ReplayError::TableExists(to.to_string()));
            }
            v.name = to.clone();
            schema.views.insert(to.clone(), v);
            Ok(())
        }
        Op::RenameTable { from, to } => {
            let mut t = schema
                .tables
                .remove(from)
                .ok_or_else(|| ReplayError::MissingTable(from.to_string()))?;
            if schema.tables.contains_key(to) {
                schema.tables.insert(from.clone(), t);
                return Err(ReplayError::TableExists(to.to_string()));
            }
            t.name = to.clone();
            schema.tables.insert(to.clone(), t);
            for other in schema.tables.values_mut() {
                for c in &mut other.constraints {
                    if let ConstraintKind::ForeignKey { ref_table, .. } = &mut c.kind {
                        if ref_table == from {
                            *ref_table = to.clone();
                        }
                    }
                }
            }
            for v in schema.views.values_mut() {
                for d in &mut v.depends_on {
                    if d == from {
                        *d = to.clone();
                    }
                }
            }
            Ok(())
        }
        Op::AddColumn {
            table,
            column,
            if_not_exists,
            position,
        } => {
            let Schema {
                tables,
                index_tables,
                ..
            } = schema;
            let t = tables
                .get_mut(table)
                .ok_or_else(|| ReplayError::MissingTable(table.to_string()))?;
            if t.column(&column.name).is_some() {
                return if *if_not_exists {
                    Ok(())
                } else {
                    Err(ReplayError::ColumnExists(
                        table.to_string(),
                        column.name.clone(),
                    ))
                };
            }
            let col = column_from(column);
            let at = match position {
                Some(crate::sql::ir::Position::First) => 0,
                Some(crate::sql::ir::Position::After(a)) => t
                    .columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(a))
                    .map(|p| p + 1)
                    .unwrap_or(t.columns.len()),
                None => t.columns.len(),
            };
            t.columns.insert(at, col);
            for c in column
                .constraints
                .iter()
                .filter(|c| !inline_constraint_ignored(c, engine))
            {
                add_constraint(t, c, true, engine, index_tables);
            }
            Ok(())
        }
        Op::DropColumn {
            table,
            column,
            if_exists,
            ..
        } => {
            let t = table_mut(schema, table)?;
            let before = t.columns.len();
            t.columns.retain(|c| !c.name.eq_ignore_ascii_case(column));
            if t.columns.len() == before {
                return if *if_exists {
                    Ok(())
                } else {
                    Err(ReplayError::MissingColumn(
                        table.to_string(),
                        column.clone(),
                    ))
                };
            }
            // Indexes and constraints over the column go with it.
            t.indexes
                .retain(|i| !i.columns.iter().any(|c| c.eq_ignore_ascii_case(column)));
            t.constraints.retain(|c| !mentions(&c.kind, column));
            Ok(())
        }
        Op::RenameColumn { table, from, to } => {
            let t = table_mut(schema, table)?;
            if t.column(to).is_some() {
                return Err(ReplayError::ColumnExists(table.to_string(), to.clone()));
            }
            let c = t
                .column_mut(from)
                .ok_or_else(|| ReplayError::MissingColumn(table.to_string(), from.clone()))?;
            c.name = to.clone();
            rename_in_keys(t, from, to);
            Ok(())
        }
        Op::AlterColumnType {
            table,
            column,
            ty,
            collation,
            ..
        } => {
            let c = column_mut(schema, table, column)?;
            c.ty = ty.clone();
            c.collation = collation.clone();
            Ok(())
        }
        Op::RedefineColumn {
            table,
            from,
            column,
            position,
        } => {
            let t = table_mut(schema, table)?;
            let pos = t
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(from))
                .ok_or_else(|| ReplayError::MissingColumn(table.to_string(), from.clone()))?;
            if !from.eq_ignore_ascii_case(&column.name) && t.column(&column.name).is_some() {
                return Err(ReplayError::ColumnExists(
                    table.to_string(),
                    column.name.clone(),
                ));
            }
            let mut col = column_from(column);
            // MODIFY keeps the AUTO_INCREMENT only if restated, like MySQL.
            if col.auto.is_none() && t.columns[pos].auto.is_some() && engine != Engine::Postgres {
                col.auto = None;
            }
            t.columns.remove(pos);
            let at = match position {
                Some(crate::sql::ir::Position::First) => 0,
                Some(crate::sql::ir::Position::After(a)) => t
                    .columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(a))
                    .map(|p| p + 1)
                    .unwrap_or(t.columns.len()),
                None => pos,
            };
            t.columns.insert(at.min(t.columns.len()), col);
            if !from.eq_ignore_ascii_case(&column.name) {
                rename_in_keys(t, from, &column.name);
            }
            Ok(())
        }
        Op::AddIdentity { table, column, .. } => {
            let c = column_mut(schema, table, column)?;
            // An INSERT may now leave the column out.
            c.auto = Some(crate::sql::ir::AutoKind::Identity);
            Ok(())
        }
        Op::SetNotNull { table, column } | Op::DropNotNull { table, column } => {
            let not_null = matches!(op, Op::SetNotNull { .. });
            let c = column_mut(schema, table, column)?;
            c.not_null = not_null;
            Ok(())
        }
        Op::SetDefault {
            table,
            column,
            default,
        } => {
            let c = column_mut(schema, table, column)?;
            c.default = Some(default.clone());
            Ok(())
        }
        Op::DropDefault { table, column } => {
            let c = column_mut(schema, table, column)?;
            c.default = None;
            Ok(())
        }
        Op::AddConstraint {
            table,
            constraint,
            not_valid,
        } => {
            if let ConstraintKind::ForeignKey { ref_table, .. } = &constraint.kind {
                if ref_table != table && !schema.tables.contains_key(ref_table) {
                    return Err(ReplayError::MissingTable(ref_table.to_string()));
                }
            }
            let Schema {
                tables,
                index_tables,
                ..
            } = schema;
            let t = tables
                .get_mut(table)
                .ok_or_else(|| ReplayError::MissingTable(table.to_string()))?;
            for col in constraint_columns(&constraint.kind) {
                if t.column(col).is_none() {
                    return Err(ReplayError::MissingColumn(table.to_string(), col.clone()));
                }
            }
            if let Some(ix) = &constraint.using_index {
                if !t.indexes.iter().any(|i| i.name.as_str() == ix) {
                    return Err(ReplayError::MissingIndex(ix.clone()));
                }
            }
            add_constraint(t, constraint, !not_valid, engine, index_tables);
            Ok(())
        }
        Op::DropConstraint {
            table,
            name,
            if_exists,
        } => {
            let t = table_mut(schema, table)?;
            let before = (t.constraints.len(), t.indexes.len());
            t.constraints.retain(|c| !c.name.eq_ignore_ascii_case(name));
            // MySQL drops a UNIQUE constraint through its index name.
            t.indexes.retain(|i| {
                !i.name.as_str().eq_ignore_ascii_case(name) || engine == Engine::Postgres
            });
            if before == (t.constraints.len(), t.indexes.len()) && !if_exists {
                return Err(ReplayError::MissingConstraint(
                    table.to_string(),
                    name.clone(),
                ));
            }
            Ok(())
        }
        Op::ValidateConstraint { table, name } => {
            let t = table_mut(schema, table)?;
            match t
                .constraints
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                Some(c) => {
                    c.valid = true;
                    Ok(())
                }
                None => Err(ReplayError::MissingConstraint(
                    table.to_string(),
                    name.clone(),
                )),
            }
        }
        Op::DropPrimaryKey { table } => {
            let t = table_mut(schema, table)?;
            let before = t.constraints.len();
            t.constraints
                .retain(|c| !matches!(c.kind, ConstraintKind::PrimaryKey { .. }));
            if before == t.constraints.len() {
                return Err(ReplayError::MissingPrimaryKey(table.to_string()));
            }
            Ok(())
        }
        Op::CreateIndex {
            index,
            if_not_exists,
            ..
        } => {
            let name = index_name(
                index,
                engine,
                schema.tables.get(&index.table),
                &schema.index_tables,
            );
            if let Some(v) = schema
                .views
                .get_mut(&index.table)
                .filter(|v| v.materialized)
            {
                // An index on a materialized view: its columns come from the
                // view's query, which the model does not keep.
                if v.indexes.contains(&name) {
                    return if *if_not_exists {
                        Ok(())
                    } else {
                        Err(ReplayError::IndexExists(name.to_string()))
                    };
                }
                v.indexes.push(name);
                return Ok(());
            }
            let exists = if engine.is_mysql_family() || matview_index(schema, &name).is_some() {
                schema
                    .tables
                    .get(&index.table)
                    .is_some_and(|t| t.indexes.iter().any(|i| i.name == name))
            } else {
                schema.index_owner(&name).is_some()
            };
            if exists {
                return if *if_not_exists {
                    Ok(())
                } else {
                    Err(ReplayError::IndexExists(name.to_string()))
                };
            }
            let t = table_mut(schema, &index.table)?;
            for col in &index.columns {
                if !index.has_expressions && t.column(col).is_none() {
                    return Err(ReplayError::MissingColumn(
                        index.table.to_string(),
                        col.clone(),
                    ));
                }
            }
            t.indexes.push(Index {
                name,
                columns: index.columns.clone(),
                unique: index.unique,
                predicate: index.predicate.clone(),
                has_expressions: index.has_expressions,
            });
            Ok(())
        }
        Op::DropIndex {
            names,
            table,
            if_exists,
            ..
        } => {
            for n in names {
                let owner = match table {
                    Some(t) => Some(t.clone()),
                    None => schema.index_owner(n).map(|t| t.name.clone()),
                };
                let removed = owner
                    .and_then(|o| schema.tables.get_mut(&o))
                    .map(|t| {
                        let before = t.indexes.len();
                        t.indexes.retain(|i| &i.name != n);
                        // MySQL: a UNIQUE constraint is its index.
                        let c_before = t.constraints.len();
                        if engine.is_mysql_family() {
                            t.constraints.retain(|c| c.name != n.as_str());
                        }
                        before != t.indexes.len() || c_before != t.constraints.len()
                    })
                    .unwrap_or(false);
                let removed = removed || {
                    let on_view = matview_index(schema, n);
                    if let Some(v) = on_view.as_ref().and_then(|v| schema.views.get_mut(v)) {
                        v.indexes.retain(|i| i != n);
                    }
                    on_view.is_some()
                };
                if !removed && !if_exists {
                    return Err(ReplayError::MissingIndex(n.to_string()));
                }
            }
            Ok(())
        }
        Op::RenameIndex {
            from,
            to,
            if_exists,
        } => {
            if let Some(owner) = schema.index_owner(from).map(|t| t.name.clone()) {
                let t = table_mut(schema, &owner)?;
                if let Some(i) = t.indexes.iter_mut().find(|i| &i.name == from) {
                    i.name = to.clone();
                }
                return Ok(());
            }
            // PostgreSQL: the index of a key or exclusion constraint, which
            // the model keeps as the constraint; renaming the index renames
            // the constraint. <https://www.postgresql.org/docs/current/sql-alterindex.html>
            if engine == Engine::Postgres {
                let (schema_part, from_last) = split_schema(from);
                let (_, to_last) = split_schema(to);
                let owned = schema.tables.values_mut().find_map(|t| {
                    if split_schema(&t.name).0 != schema_part {
                        return None;
                    }
                    t.constraints
                        .iter_mut()
                        .find(|c| c.name.eq_ignore_ascii_case(from_last) && owns_index(&c.kind))
                });
                if let Some(c) = owned {
                    c.name = to_last.to_string();
                    return Ok(());
                }
            }
            if *if_exists {
                Ok(())
            } else {
                Err(ReplayError::MissingIndex(from.to_string()))
            }
        }
        Op::RenameConstraint { table, from, to } => {
            let t = table_mut(schema, table)?;
            match t
                .constraints
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(from))
            {
                Some(c) => {
                    c.name = to.clone();
                    Ok(())
                }
                None => Err(ReplayError::MissingConstraint(
                    table.to_string(),
                    from.clone(),
                )),
            }
        }
        Op::CreateView {
            name,
            depends_on,
            materialized,
            ..
        } => {
            schema.views.insert(
                name.clone(),
                View {
                    name: name.clone(),
                    depends_on: depends_on.clone(),
                    materialized: *materialized,
                    indexes: schema
                        .views
                        .get(name)
                        .map(|v| v.indexes.clone())
                        .unwrap_or_default(),
                },
            );
            Ok(())
        }
        Op::DropView { names, .. } => {
            for n in names {
                schema.views.remove(n);
            }
            Ok(())
        }
        Op::CreateEnum { name, values } => {
            schema.enums.insert(name.clone(), values.clone());
            Ok(())
        }
        Op::AddEnumValue { name, value, .. } => {
            let vals = schema
                .enums
                .get_mut(name)
                .ok_or_else(|| ReplayError::MissingType(name.to_string()))?;
            if !vals.contains(value) {
                vals.push(value.clone());
            }
            Ok(())
        }
        Op::RenameEnumValue { name, from, to } => {
            let vals = schema
                .enums
                .get_mut(name)
                .ok_or_else(|| ReplayError::MissingType(name.to_string()))?;
            match vals.iter_mut().find(|v| *v == from) {
                Some(v) => {
                    *v = to.clone();
                    Ok(())
                }
                None => Err(ReplayError::MissingEnumValue(
                    name.to_string(),
                    from.clone(),
                )),
            }
        }
        Op::CreateDomain { name, .. } => {
            schema.domains.insert(name.clone());
            Ok(())
        }
        Op::DropType { names, .. } => {
            for n in names {
                schema.enums.remove(n);
                schema.domains.remove(n);
            }
            Ok(())
        }
        Op::CreateSequence { name } => {
            schema.sequences.insert(name.clone());
            Ok(())
        }
        Op::DropSequence { names } => {
            for n in names {
                schema.sequences.remove(n);
            }
            Ok(())
        }
        Op::CreateSchema { name } => {
            schema.schemas.insert(name.clone());
            Ok(())
        }
        Op::DropSchema { names, .. } => {
            for n in names {
                schema.schemas.remove(n);
                let prefix = format!("{}.", n.as_str());
                schema
                    .tables
                    .retain(|t, _| !t.as_str().starts_with(&prefix));
                schema.views.retain(|t, _| !t.as_str().starts_with(&prefix));
            }
            Ok(())
        }
        Op::Truncate { tables, .. } => {
            for t in tables {
                if !schema.tables.contains_key(t) {
                    return Err(ReplayError::MissingTable(t.to_string()));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The materialized view an index (by name) belongs to.
fn matview_index(schema: &Schema, index: &Name) -> Option<Name> {
    schema
        .views
        .values()
        .find(|v| v.indexes.contains(index))
        .map(|v| v.name.clone())
}

fn constraint_columns(kind: &ConstraintKind) -> &[String] {
    match kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => columns,
        ConstraintKind::ForeignKey { columns, .. } => columns,
        _ => &[],
    }
}

fn rename_in_keys(t: &mut Table, from: &str, to: &str) {
    let fix = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c.eq_ignore_ascii_case(from) {
                *c = to.to_string();
            }
        }
    };
    for i in &mut t.indexes {
        fix(&mut i.columns);
    }
    for c in &mut t.constraints {
        match &mut c.kind {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => {
                fix(columns)
            }
            ConstraintKind::ForeignKey { columns, .. } => fix(columns),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lower::Lowering;
    use std::sync::Arc;

    fn replay(engine: Engine, sql: &str) -> Schema {
        let low = Lowering {
            engine,
            volatile_functions: &[],
        };
        let file: Arc<str> = Arc::from("t.sql");
        let mut schema = Schema::default();
        for s in crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low) {
            replay_statement(&mut schema, &s, engine);
        }
        schema
    }

    /// Replays `sql` statement by statement; the errors of each.
    fn replay_errors(engine: Engine, sql: &str) -> (Schema, Vec<Vec<ReplayError>>) {
        let low = Lowering {
            engine,
            volatile_functions: &[],
        };
        let file: Arc<str> = Arc::from("t.sql");
        let mut schema = Schema::default();
        let errors = crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low)
            .iter()
            .map(|s| replay_statement(&mut schema, s, engine))
            .collect();
        (schema, errors)
    }

    #[test]
    fn postgres_renames_indexes_and_the_constraints_they_back() {
        let (s, errors) = replay_errors(
            Engine::Postgres,
            "CREATE TABLE ideas (id SERIAL PRIMARY KEY, tenant_id INT NOT NULL, slug TEXT NOT NULL);\n\
             CREATE UNIQUE INDEX idea_slug_tenant_key ON ideas (tenant_id, slug);\n\
             ALTER INDEX idea_slug_tenant_key RENAME TO post_slug_tenant_key;\n\
             ALTER TABLE ideas ADD CONSTRAINT ideas_slug_uq UNIQUE (slug);\n\
             ALTER TABLE ideas RENAME CONSTRAINT ideas_slug_uq TO ideas_slug_key;\n\
             ALTER INDEX ideas_pkey RENAME TO ideas_pk;\n\
             ALTER INDEX IF EXISTS nothing_here RENAME TO still_nothing;\n\
             CREATE SCHEMA s;\n\
             CREATE TABLE s.t (id int, CONSTRAINT t_id_key UNIQUE (id));\n\
             CREATE INDEX t_idx ON s.t (id);\n\
             ALTER INDEX s.t_idx RENAME TO t_idx2;\n\
             ALTER INDEX s.t_id_key RENAME TO t_key;\n\
             DROP INDEX post_slug_tenant_key;\n\
             DROP INDEX s.t_idx2;\n\
             ALTER TABLE ideas DROP CONSTRAINT ideas_slug_key;",
        );
        assert!(errors.iter().all(|e| e.is_empty()), "{errors:?}");
        let ideas = s.table(&Name::new("ideas")).unwrap();
        let names: Vec<&str> = ideas.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["ideas_pk"]);
        assert!(ideas.indexes.is_empty());
        let t = s.table(&Name::new("s.t")).unwrap();
        assert_eq!(t.constraints[0].name, "t_key");
        assert!(t.indexes.is_empty());
        // Without IF EXISTS, renaming what is not there does not apply.
        let (_, errors) = replay_errors(
            Engine::Postgres,
            "CREATE TABLE a (id int CHECK (id > 0));\n\
             ALTER INDEX a_check RENAME TO b;\n\
             ALTER TABLE a RENAME CONSTRAINT nope TO b;",
        );
        assert_eq!(
            errors[1..],
            [
                vec![ReplayError::MissingIndex("a_check".into())],
                vec![ReplayError::MissingConstraint("a".into(), "nope".into())]
            ]
        );
    }

    #[test]
    fn mysql_names_unnamed_keys_like_mysql() {
        let s = replay(
            Engine::Mysql,
            "CREATE TABLE u (id int PRIMARY KEY, email varchar(50), org int, UNIQUE (email), UNIQUE KEY by_org (org));\n\
             ALTER TABLE u ADD UNIQUE (email, org), ADD INDEX (org);",
        );
        let t = s.table(&Name::new("u")).unwrap();
        let names: Vec<&str> = t.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["PRIMARY", "email", "by_org", "email_2"]);
        assert_eq!(t.indexes[0].name.as_str(), "org");
        // The names MySQL gave are the ones later migrations drop.
        let mut s = s;
        for sql in [
            "ALTER TABLE u DROP INDEX email_2;",
            "DROP INDEX by_org ON u;",
        ] {
            let low = Lowering {
                engine: Engine::Mysql,
                volatile_functions: &[],
            };
            let file: Arc<str> = Arc::from("t.sql");
            for st in crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low) {
                assert!(
                    replay_statement(&mut s, &st, Engine::Mysql).is_empty(),
                    "{sql}"
                );
            }
        }
    }

    #[test]
    fn mysql_inline_references_create_no_foreign_key() {
        let sql = "CREATE TABLE p (id int PRIMARY KEY);\n\
                   CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p(id));\n\
                   ALTER TABLE c ADD COLUMN q_id int REFERENCES p(id);";
        let my = replay(Engine::Mysql, sql);
        assert!(my.referencing(&Name::new("p")).is_empty());
        let pg = replay(Engine::Postgres, sql);
        assert_eq!(pg.referencing(&Name::new("p")).len(), 1);
    }
}
