//! The statement model the analysis works on: each SQL statement of a
//! migration is lowered to one or more [`Op`]s, independent of the parser
//! that recognised it (sqlparser, or the fallback recogniser for what
//! sqlparser misses). Rules, replay and the verdict read only this model.

use crate::span::Span;
use serde::Serialize;

/// A table, index, type or other object name, normalised: unquoted
/// identifiers folded to lower case, the engine's default schema dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Name(pub String);

impl Name {
    pub fn new(s: impl Into<String>) -> Name {
        Name(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A column type as written, normalised to lower case (`varchar(255)`,
/// `numeric(10,2)`, `int`, `enum('a','b')`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SqlType {
    /// Canonical text, e.g. `varchar(255)`.
    pub text: String,
    /// The base name without arguments, e.g. `varchar`.
    pub base: String,
    /// Numeric arguments (length, precision, scale).
    pub args: Vec<u64>,
    /// Values of an inline `ENUM(...)`/`SET(...)` (MySQL).
    pub values: Vec<String>,
}

/// How a default expression behaves when a column is added with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Volatility {
    /// A literal or an immutable/stable expression: evaluated once.
    Constant,
    /// `random()`, `gen_random_uuid()`, `clock_timestamp()`, … : evaluated per row.
    Volatile,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DefaultValue {
    pub text: String,
    pub volatility: Volatility,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generated {
    Stored,
    Virtual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AutoKind {
    /// PostgreSQL `serial`/`bigserial`/`smallserial`.
    Serial,
    /// `GENERATED … AS IDENTITY`.
    Identity,
    /// MySQL `AUTO_INCREMENT`, SQLite `AUTOINCREMENT`.
    AutoIncrement,
}

/// A column definition (CREATE TABLE, ADD COLUMN, MySQL MODIFY/CHANGE).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ColumnSpec {
    pub name: String,
    pub ty: SqlType,
    pub not_null: bool,
    pub default: Option<DefaultValue>,
    pub generated: Option<Generated>,
    pub auto: Option<AutoKind>,
    /// MySQL/MariaDB `CHARACTER SET` and `COLLATE` (lower case): written on
    /// the column, or the table's default for a column of a CREATE TABLE.
    pub charset: Option<String>,
    pub collation: Option<String>,
    /// Inline constraints (`PRIMARY KEY`, `UNIQUE`, `REFERENCES`, `CHECK`),
    /// as table constraints over this one column.
    pub constraints: Vec<ConstraintSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_table: Name,
        ref_columns: Vec<String>,
    },
    Check {
        expr: String,
    },
    Exclusion,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ConstraintSpec {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// `USING INDEX name` (PostgreSQL): the constraint adopts an existing index.
    pub using_index: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IndexSpec {
    pub name: Option<Name>,
    pub table: Name,
    /// Column names; expressions are kept as their text.
    pub columns: Vec<String>,
    pub unique: bool,
    /// A partial index (`WHERE …`).
    pub predicate: Option<String>,
    /// Some key parts are expressions, not plain columns.
    pub has_expressions: bool,
}

/// MySQL `FIRST` / `AFTER col` in ADD/MODIFY/CHANGE COLUMN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    First,
    After(String),
}

/// MySQL `ALGORITHM=` and `LOCK=` clauses of one ALTER TABLE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct AlterOptions {
    /// `instant`, `inplace`, `copy`, `default`.
    pub algorithm: Option<String>,
    /// `none`, `shared`, `exclusive`, `default`.
    pub lock: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxControl {
    Begin,
    Commit,
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DmlKind {
    Insert,
    Update,
    Delete,
    Select,
}

/// One schema or data operation. An ALTER TABLE with several actions lowers
/// to several ops, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    CreateTable {
        table: Name,
        columns: Vec<ColumnSpec>,
        constraints: Vec<ConstraintSpec>,
        if_not_exists: bool,
        /// `CREATE TABLE … AS SELECT`: tables the data comes from.
        from_query: Option<Vec<Name>>,
        /// `CREATE TABLE … (LIKE t)` / `CREATE TABLE … LIKE t`.
        like: Option<Name>,
        /// SQLite `WITHOUT ROWID`, PostgreSQL `PARTITION BY`, … kept as flags.
        partitioned: bool,
    },
    DropTable {
        tables: Vec<Name>,
        if_exists: bool,
        cascade: bool,
    },
    RenameTable {
        from: Name,
        to: Name,
    },
    AddColumn {
        table: Name,
        column: ColumnSpec,
        position: Option<Position>,
        if_not_exists: bool,
    },
    DropColumn {
        table: Name,
        column: String,
        if_exists: bool,
        cascade: bool,
    },
    RenameColumn {
        table: Name,
        from: String,
        to: String,
    },
    /// PostgreSQL `ALTER COLUMN … TYPE`.
    AlterColumnType {
        table: Name,
        column: String,
        /// `COLLATE` given with the new type (lower case, unquoted); without
        /// it the column takes the type's default collation.
        collation: Option<String>,
        ty: SqlType,
        using: Option<String>,
    },
    /// MySQL `MODIFY`/`CHANGE COLUMN`: a full redefinition, maybe renamed or moved.
    RedefineColumn {
        table: Name,
        from: String,
        column: ColumnSpec,
        position: Option<Position>,
    },
    /// PostgreSQL `ALTER COLUMN … ADD GENERATED … AS IDENTITY` on an
    /// existing column.
    AddIdentity {
        table: Name,
        column: String,
        /// `START WITH` was given.
        has_start: bool,
    },
    SetNotNull {
        table: Name,
        column: String,
    },
    DropNotNull {
        table: Name,
        column: String,
    },
    SetDefault {
        table: Name,
        column: String,
        default: DefaultValue,
    },
    DropDefault {
        table: Name,
        column: String,
    },
    AddConstraint {
        table: Name,
        constraint: ConstraintSpec,
        not_valid: bool,
    },
    DropConstraint {
        table: Name,
        name: String,
        if_exists: bool,
    },
    ValidateConstraint {
        table: Name,
        name: String,
    },
    DropPrimaryKey {
        table: Name,
    },
    CreateIndex {
        index: IndexSpec,
        concurrently: bool,
        if_not_exists: bool,
    },
    DropIndex {
        names: Vec<Name>,
        /// MySQL `DROP INDEX i ON t` / `ALTER TABLE t DROP INDEX i`.
        table: Option<Name>,
        concurrently: bool,
        if_exists: bool,
    },
    /// PostgreSQL `ALTER INDEX [IF EXISTS] a RENAME TO b` (also renames the
    /// constraint the index backs); MySQL `ALTER TABLE t RENAME INDEX a TO b`.
    RenameIndex {
        from: Name,
        to: Name,
        if_exists: bool,
    },
    /// PostgreSQL `ALTER TABLE t RENAME CONSTRAINT a TO b` (also renames the
    /// index a key or exclusion constraint owns).
    RenameConstraint {
        table: Name,
        from: String,
        to: String,
    },
    Reindex {
        target: String,
        concurrently: bool,
    },
    CreateView {
        name: Name,
        depends_on: Vec<Name>,
        or_replace: bool,
        materialized: bool,
    },
    DropView {
        names: Vec<Name>,
        materialized: bool,
    },
    CreateEnum {
        name: Name,
        values: Vec<String>,
    },
    AddEnumValue {
        name: Name,
        value: String,
        /// `BEFORE`/`AFTER` an existing value: not an append.
        positioned: bool,
    },
    RenameEnumValue {
        name: Name,
        from: String,
        to: String,
    },
    CreateDomain {
        name: Name,
        has_check: bool,
    },
    /// PostgreSQL `ALTER DOMAIN … ADD [CONSTRAINT c] CHECK (…) [NOT VALID]`.
    AddDomainConstraint {
        name: Name,
        not_valid: bool,
    },
    DropType {
        names: Vec<Name>,
        cascade: bool,
    },
    CreateSequence {
        name: Name,
    },
    AlterSequence {
        name: Name,
    },
    DropSequence {
        names: Vec<Name>,
    },
    CreateSchema {
        name: Name,
    },
    DropSchema {
        names: Vec<Name>,
        cascade: bool,
    },
    DropDatabase {
        name: Name,
    },
    Truncate {
        tables: Vec<Name>,
        cascade: bool,
    },
    VacuumFull {
        table: Option<Name>,
    },
    /// MySQL/MariaDB table rebuilds: `ALTER TABLE … ENGINE=`, `FORCE`,
    /// `ROW_FORMAT=`, `OPTIMIZE TABLE` (in place), and `CONVERT TO
    /// CHARACTER SET` (a copy).
    RebuildTable {
        table: Name,
        /// The rebuild converts data (a copy), rather than reorganising it.
        copy: bool,
        what: String,
    },
    Cluster {
        table: Option<Name>,
    },
    /// `SET lock_timeout`, `SET statement_timeout`, `SET lock_wait_timeout`, …
    SetSetting {
        name: String,
        value: String,
    },
    Transaction {
        control: TxControl,
    },
    /// Data manipulation inside a migration (backfills, copies).
    Dml {
        kind: DmlKind,
        target: Option<Name>,
        /// Tables read, other than the target.
        sources: Vec<Name>,
        has_where: bool,
    },
    /// MySQL `ALTER TABLE t DISABLE/ENABLE KEYS`, `LOCK TABLES`, SQLite
    /// `PRAGMA`, psql meta-commands, `COPY … FROM stdin`, comments, grants,
    /// functions, triggers, extensions: understood, no schema effect we model.
    Other {
        what: String,
    },
    /// Not understood: kept with its span, classified conservatively.
    Unknown {
        reason: String,
    },
}

impl Op {
    /// The table this op changes, when it changes exactly one.
    pub fn table(&self) -> Option<&Name> {
        match self {
            Op::CreateTable { table, .. }
            | Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::RenameColumn { table, .. }
            | Op::AlterColumnType { table, .. }
            | Op::RedefineColumn { table, .. }
            | Op::AddIdentity { table, .. }
            | Op::SetNotNull { table, .. }
            | Op::DropNotNull { table, .. }
            | Op::SetDefault { table, .. }
            | Op::DropDefault { table, .. }
            | Op::AddConstraint { table, .. }
            | Op::DropConstraint { table, .. }
            | Op::ValidateConstraint { table, .. }
            | Op::RenameConstraint { table, .. }
            | Op::DropPrimaryKey { table }
            | Op::RebuildTable { table, .. } => Some(table),
            Op::RenameTable { from, .. } => Some(from),
            Op::CreateIndex { index, .. } => Some(&index.table),
            Op::DropIndex { table, .. } => table.as_ref(),
            Op::Dml { target, .. } => target.as_ref(),
            Op::VacuumFull { table } | Op::Cluster { table } => table.as_ref(),
            _ => None,
        }
    }

    /// A short kebab-case name of the operation, for messages and facts lookup.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::CreateTable { .. } => "create-table",
            Op::DropTable { .. } => "drop-table",
            Op::RenameTable { .. } => "rename-table",
            Op::AddColumn { .. } => "add-column",
            Op::DropColumn { .. } => "drop-column",
            Op::RenameColumn { .. } => "rename-column",
            Op::AlterColumnType { .. } => "alter-column-type",
            Op::RedefineColumn { .. } => "redefine-column",
            Op::AddIdentity { .. } => "add-identity",
            Op::SetNotNull { .. } => "set-not-null",
            Op::DropNotNull { .. } => "drop-not-null",
            Op::SetDefault { .. } => "set-default",
            Op::DropDefault { .. } => "drop-default",
            Op::AddConstraint { .. } => "add-constraint",
            Op::DropConstraint { .. } => "drop-constraint",
            Op::ValidateConstraint { .. } => "validate-constraint",
            Op::DropPrimaryKey { .. } => "drop-primary-key",
            Op::CreateIndex { .. } => "create-index",
            Op::DropIndex { .. } => "drop-index",
            Op::RenameIndex { .. } => "rename-index",
            Op::RenameConstraint { .. } => "rename-constraint",
            Op::Reindex { .. } => "reindex",
            Op::CreateView { .. } => "create-view",
            Op::DropView { .. } => "drop-view",
            Op::CreateEnum { .. } => "create-enum",
            Op::AddEnumValue { .. } => "add-enum-value",
            Op::RenameEnumValue { .. } => "rename-enum-value",
            Op::CreateDomain { .. } => "create-domain",
            Op::AddDomainConstraint { .. } => "add-domain-constraint",
            Op::DropType { .. } => "drop-type",
            Op::CreateSequence { .. } => "create-sequence",
            Op::AlterSequence { .. } => "alter-sequence",
            Op::DropSequence { .. } => "drop-sequence",
            Op::CreateSchema { .. } => "create-schema",
            Op::DropSchema { .. } => "drop-schema",
            Op::DropDatabase { .. } => "drop-database",
            Op::Truncate { .. } => "truncate",
            Op::VacuumFull { .. } => "vacuum-full",
            Op::RebuildTable { .. } => "rebuild-table",
            Op::Cluster { .. } => "cluster",
            Op::SetSetting { .. } => "set",
            Op::Transaction { .. } => "transaction",
            Op::Dml { .. } => "dml",
            Op::Other { .. } => "other",
            Op::Unknown { .. } => "unknown",
        }
    }
}

/// How a statement came to be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recognised {
    /// Parsed by sqlparser in the engine's dialect.
    Parser,
    /// Recognised by shipgate's own fallback for syntax sqlparser misses.
    Fallback,
    /// Not understood.
    Unknown,
}

/// One statement of a migration file.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub span: Span,
    /// The statement's text, without the terminating delimiter.
    pub text: String,
    pub ops: Vec<Op>,
    /// MySQL `ALGORITHM=`/`LOCK=` clauses, when an ALTER TABLE carried them.
    pub alter_options: AlterOptions,
    pub recognised: Recognised,
    /// Why the parser failed, when it did.
    pub parse_error: Option<String>,
    /// `-- shipgate:allow RULE reason` comments attached to this statement.
    pub allows: Vec<Allow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    pub rule: String,
    pub reason: String,
    pub span: Span,
}

/// The op changes the schema (as opposed to data, session or transaction
/// control): what MySQL commits implicitly.
pub fn is_ddl(op: &Op) -> bool {
    !matches!(
        op,
        Op::Dml { .. }
            | Op::SetSetting { .. }
            | Op::Transaction { .. }
            | Op::Other { .. }
            | Op::Unknown { .. }
    )
}
