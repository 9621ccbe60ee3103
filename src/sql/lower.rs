//! Lowering sqlparser's AST to shipgate's [`Op`] model. Only what the
//! analysis needs is kept; anything else becomes `Op::Other` (understood,
//! no modelled effect) so no statement is ever dropped.

use super::ir::*;
use crate::engine::Engine;
use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, DataType, Expr, ObjectName,
    ObjectNamePart, ObjectType, TableConstraint,
};
use std::ops::ControlFlow;

/// Context for lowering: the engine (identifier folding, default schema) and
/// the functions the engine evaluates per row in a default.
pub struct Lowering<'a> {
    pub engine: Engine,
    pub volatile_functions: &'a [String],
}

impl Lowering<'_> {
    pub fn ident(&self, i: &ast::Ident) -> String {
        let s = if i.quote_style.is_some() {
            i.value.clone()
        } else {
            i.value.to_lowercase()
        };
        self.stored(s)
    }

    /// A name as the engine stores it: PostgreSQL cuts identifiers to 63
    /// bytes (with a NOTICE), so a long name and its cut form are one object.
    pub fn stored(&self, s: String) -> String {
        if self.engine == Engine::Postgres && s.len() > super::pg_names::MAX_NAME_BYTES {
            super::pg_names::truncate_identifier(&s).to_string()
        } else {
            s
        }
    }

    pub fn name(&self, n: &ObjectName) -> Name {
        let parts: Vec<String> =
            n.0.iter()
                .map(|p| match p {
                    ObjectNamePart::Identifier(i) => self.ident(i),
                    other => other.to_string().to_lowercase(),
                })
                .collect();
        self.name_from_parts(parts)
    }

    pub fn name_from_parts(&self, mut parts: Vec<String>) -> Name {
        let default_schema = match self.engine {
            Engine::Postgres => Some("public"),
            Engine::Sqlite => Some("main"),
            _ => None,
        };
        if parts.len() == 2 && default_schema.is_some_and(|d| parts[0] == d) {
            parts.remove(0);
        }
        Name(parts.join("."))
    }

    fn sql_type(&self, dt: &DataType) -> SqlType {
        sql_type_from_text(&dt.to_string(), enum_values(dt))
    }

    fn default_value(&self, e: &Expr) -> DefaultValue {
        let mut volatile = false;
        let _ = ast::visit_expressions(e, |expr| {
            if let Expr::Function(f) = expr {
                let name = f.name.to_string().to_lowercase();
                let last = name.rsplit('.').next().unwrap_or(&name).to_string();
                if self.volatile_functions.contains(&last) {
                    volatile = true;
                }
            }
            ControlFlow::<()>::Continue(())
        });
        DefaultValue {
            text: e.to_string(),
            volatility: if volatile {
                Volatility::Volatile
            } else {
                Volatility::Constant
            },
        }
    }

    fn column(&self, c: &ast::ColumnDef) -> ColumnSpec {
        let mut spec = ColumnSpec {
            name: self.ident(&c.name),
            ty: self.sql_type(&c.data_type),
            not_null: false,
            default: None,
            generated: None,
            auto: None,
            charset: None,
            collation: None,
            constraints: Vec::new(),
        };
        if matches!(
            spec.ty.base.as_str(),
            "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
        ) {
            spec.auto = Some(AutoKind::Serial);
            spec.not_null = true;
        }
        for opt in &c.options {
            let cname = opt.name.as_ref().map(|n| self.ident(n));
            match &opt.option {
                ColumnOption::NotNull => spec.not_null = true,
                ColumnOption::Null => spec.not_null = false,
                ColumnOption::Default(e) => spec.default = Some(self.default_value(e)),
                ColumnOption::Generated {
                    generation_expr,
                    generation_expr_mode,
                    ..
                } => {
                    if generation_expr.is_some() {
                        let stored = matches!(
                            generation_expr_mode,
                            Some(ast::GeneratedExpressionMode::Stored)
                        );
                        spec.generated = Some(if stored {
                            Generated::Stored
                        } else if self.engine == Engine::Postgres {
                            // PostgreSQL before 18 only has stored generated columns.
                            Generated::Stored
                        } else {
                            Generated::Virtual
                        });
                    } else {
                        spec.auto = Some(AutoKind::Identity);
                        spec.not_null = true;
                    }
                }
                ColumnOption::Identity(_) => {
                    spec.auto = Some(AutoKind::Identity);
                    spec.not_null = true;
                }
                ColumnOption::DialectSpecific(tokens) => {
                    let text = tokens
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<String>()
                        .to_uppercase();
                    if text.contains("AUTO_INCREMENT") || text.contains("AUTOINCREMENT") {
                        spec.auto = Some(AutoKind::AutoIncrement);
                    }
                }
                ColumnOption::CharacterSet(n) => spec.charset = Some(charset_name(n)),
                ColumnOption::Collation(n) => spec.collation = Some(charset_name(n)),
                ColumnOption::PrimaryKey(_) => {
                    spec.not_null = true;
                    spec.constraints.push(ConstraintSpec {
                        name: cname,
                        kind: ConstraintKind::PrimaryKey {
                            columns: vec![spec.name.clone()],
                        },
                        using_index: None,
                    });
                }
                ColumnOption::Unique(_) => spec.constraints.push(ConstraintSpec {
                    name: cname,
                    kind: ConstraintKind::Unique {
                        columns: vec![spec.name.clone()],
                    },
                    using_index: None,
                }),
                ColumnOption::ForeignKey(fk) => spec.constraints.push(ConstraintSpec {
                    name: cname,
                    kind: ConstraintKind::ForeignKey {
                        columns: vec![spec.name.clone()],
                        ref_table: self.name(&fk.foreign_table),
                        ref_columns: fk.referred_columns.iter().map(|i| self.ident(i)).collect(),
                    },
                    using_index: None,
                }),
                ColumnOption::Check(ck) => spec.constraints.push(ConstraintSpec {
                    name: cname.or_else(|| ck.name.as_ref().map(|n| self.ident(n))),
                    kind: ConstraintKind::Check {
                        expr: ck.expr.to_string(),
                    },
                    using_index: None,
                }),
                _ => {}
            }
        }
        if spec.charset.is_none() {
            spec.charset = spec.collation.as_deref().map(charset_of);
        }
        spec
    }

    fn index_columns(&self, cols: &[ast::IndexColumn]) -> (Vec<String>, bool) {
        let mut has_expr = false;
        let names = cols
            .iter()
            .map(|c| match &c.column.expr {
                Expr::Identifier(i) => self.ident(i),
                e => {
                    has_expr = true;
                    e.to_string()
                }
            })
            .collect();
        (names, has_expr)
    }

    /// A table constraint, or for MySQL `INDEX`/`KEY` a plain index.
    fn constraint(&self, table: &Name, c: &TableConstraint) -> Result<ConstraintSpec, IndexSpec> {
        let ident_opt = |n: &Option<ast::Ident>| n.as_ref().map(|n| self.ident(n));
        let spec = |name, kind| ConstraintSpec {
            name,
            kind,
            using_index: None,
        };
        Ok(match c {
            TableConstraint::PrimaryKey(pk) => spec(
                ident_opt(&pk.name),
                ConstraintKind::PrimaryKey {
                    columns: self.index_columns(&pk.columns).0,
                },
            ),
            // MySQL `[CONSTRAINT c] UNIQUE KEY k (…)`: the key is named k, else c.
            TableConstraint::Unique(u) => spec(
                ident_opt(&u.index_name).or_else(|| ident_opt(&u.name)),
                ConstraintKind::Unique {
                    columns: self.index_columns(&u.columns).0,
                },
            ),
            TableConstraint::ForeignKey(fk) => spec(
                ident_opt(&fk.name),
                ConstraintKind::ForeignKey {
                    columns: fk.columns.iter().map(|i| self.ident(i)).collect(),
                    ref_table: self.name(&fk.foreign_table),
                    ref_columns: fk.referred_columns.iter().map(|i| self.ident(i)).collect(),
                },
            ),
            TableConstraint::Check(ck) => spec(
                ident_opt(&ck.name),
                ConstraintKind::Check {
                    expr: ck.expr.to_string(),
                },
            ),
            TableConstraint::Index(ix) => {
                let (columns, has_expressions) = self.index_columns(&ix.columns);
                return Err(IndexSpec {
                    name: ix.name.as_ref().map(|n| Name(self.ident(n))),
                    table: table.clone(),
                    columns,
                    unique: false,
                    predicate: None,
                    has_expressions,
                });
            }
            TableConstraint::FulltextOrSpatial(f) => {
                let (columns, has_expressions) = self.index_columns(&f.columns);
                return Err(IndexSpec {
                    name: f.opt_index_name.as_ref().map(|n| Name(self.ident(n))),
                    table: table.clone(),
                    columns,
                    unique: false,
                    predicate: None,
                    has_expressions,
                });
            }
            TableConstraint::PrimaryKeyUsingIndex(u) => ConstraintSpec {
                name: ident_opt(&u.name),
                kind: ConstraintKind::PrimaryKey {
                    columns: Vec::new(),
                },
                using_index: Some(self.ident(&u.index_name)),
            },
            TableConstraint::UniqueUsingIndex(u) => ConstraintSpec {
                name: ident_opt(&u.name),
                kind: ConstraintKind::Unique {
                    columns: Vec::new(),
                },
                using_index: Some(self.ident(&u.index_name)),
            },
            TableConstraint::Exclude(x) => spec(ident_opt(&x.name), ConstraintKind::Exclusion),
        })
    }

    fn position(&self, p: &Option<ast::MySQLColumnPosition>) -> Option<Position> {
        p.as_ref().map(|p| match p {
            ast::MySQLColumnPosition::First => Position::First,
            ast::MySQLColumnPosition::After(i) => Position::After(self.ident(i)),
        })
    }

    fn relations(&self, node: &impl ast::Visit) -> Vec<Name> {
        let mut out: Vec<Name> = Vec::new();
        let _ = ast::visit_relations(node, |r| {
            let n = self.name(r);
            if !out.contains(&n) {
                out.push(n);
            }
            ControlFlow::<()>::Continue(())
        });
        out
    }

    /// Lowers one parsed statement.
    pub fn lower(&self, stmt: &ast::Statement) -> (Vec<Op>, AlterOptions) {
        use ast::Statement as S;
        let mut options = AlterOptions::default();
        let other = |what: &str| {
            vec![Op::Other {
                what: what.to_string(),
            }]
        };
        let ops = match stmt {
            S::CreateTable(ct) => {
                let table = self.name(&ct.name);
                let mut columns: Vec<ColumnSpec> =
                    ct.columns.iter().map(|c| self.column(c)).collect();
                inherit_table_charset(&mut columns, &ct.table_options);
                let mut constraints = Vec::new();
                let mut indexes = Vec::new();
                for c in &ct.constraints {
                    match self.constraint(&table, c) {
                        Ok(c) => constraints.push(c),
                        Err(ix) => indexes.push(ix),
                    }
                }
                let like = ct.like.as_ref().map(|l| match l {
                    ast::CreateTableLikeKind::Parenthesized(l)
                    | ast::CreateTableLikeKind::Plain(l) => self.name(&l.name),
                });
                let partitioned = ct.partition_by.is_some();
                let mut ops = vec![Op::CreateTable {
                    table: table.clone(),
                    columns,
                    constraints,
                    if_not_exists: ct.if_not_exists,
                    from_query: ct.query.as_ref().map(|q| self.relations(q.as_ref())),
                    like,
                    partitioned,
                }];
                if ct.temporary {
                    return (other("temporary table"), options);
                }
                ops.extend(indexes.into_iter().map(|index| Op::CreateIndex {
                    index,
                    concurrently: false,
                    if_not_exists: false,
                }));
                ops
            }
            S::AlterTable(at) => {
                let table = self.name(&at.name);
                let mut ops = Vec::new();
                for op in &at.operations {
                    self.alter_op(&table, op, &mut ops, &mut options);
                }
                ops
            }
            S::CreateIndex(ci) => {
                let (columns, has_expressions) = self.index_columns(&ci.columns);
                vec![Op::CreateIndex {
                    index: IndexSpec {
                        name: ci.name.as_ref().map(|n| self.name(n)),
                        table: self.name(&ci.table_name),
                        columns,
                        unique: ci.unique,
                        predicate: ci.predicate.as_ref().map(|p| p.to_string()),
                        has_expressions,
                    },
                    concurrently: ci.concurrently,
                    if_not_exists: ci.if_not_exists,
                }]
            }
            S::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                table,
                ..
            } => {
                let names: Vec<Name> = names.iter().map(|n| self.name(n)).collect();
                match object_type {
                    ObjectType::Table => vec![Op::DropTable {
                        tables: names,
                        if_exists: *if_exists,
                        cascade: *cascade,
                    }],
                    ObjectType::View | ObjectType::MaterializedView => vec![Op::DropView {
                        names,
                        materialized: *object_type == ObjectType::MaterializedView,
                    }],
                    ObjectType::Index => vec![Op::DropIndex {
                        names,
                        table: table.as_ref().map(|t| self.name(t)),
                        concurrently: false,
                        if_exists: *if_exists,
                    }],
                    ObjectType::Schema => vec![Op::DropSchema {
                        names,
                        cascade: *cascade,
                    }],
                    ObjectType::Database => names
                        .into_iter()
                        .map(|name| Op::DropDatabase { name })
                        .collect(),
                    ObjectType::Sequence => vec![Op::DropSequence { names }],
                    ObjectType::Type => vec![Op::DropType {
                        names,
                        cascade: *cascade,
                    }],
                    _ => other("drop"),
                }
            }
            S::DropDomain(d) => vec![Op::DropType {
                names: vec![self.name(&d.name)],
                cascade: matches!(d.drop_behavior, Some(ast::DropBehavior::Cascade)),
            }],
            S::AlterIndex {
                name,
                operation: ast::AlterIndexOperation::RenameIndex { index_name },
            } => {
                let from = self.name(name);
                vec![Op::RenameIndex {
                    to: renamed_in_place(&from, &self.name(index_name)),
                    from,
                    if_exists: false,
                }]
            }
            S::RenameTable(renames) => renames
                .iter()
                .map(|r| Op::RenameTable {
                    from: self.name(&r.old_name),
                    to: self.name(&r.new_name),
                })
                .collect(),
            S::Truncate(t) => vec![Op::Truncate {
                tables: t.table_names.iter().map(|n| self.name(&n.name)).collect(),
                cascade: matches!(t.cascade, Some(ast::CascadeOption::Cascade)),
            }],
            S::CreateView(v) => vec![Op::CreateView {
                name: self.name(&v.name),
                depends_on: self.relations(v.query.as_ref()),
                or_replace: v.or_replace,
                materialized: v.materialized,
            }],
            S::CreateType {
                name,
                representation,
            } => match representation {
                Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => vec![Op::CreateEnum {
                    name: self.name(name),
                    values: labels.iter().map(|l| l.value.clone()).collect(),
                }],
                _ => other("create type"),
            },
            S::AlterType(at) => {
                let name = self.name(&at.name);
                match &at.operation {
                    ast::AlterTypeOperation::AddValue(v) => vec![Op::AddEnumValue {
                        name,
                        value: v.value.value.clone(),
                        positioned: v.position.is_some(),
                    }],
                    ast::AlterTypeOperation::RenameValue(v) => vec![Op::RenameEnumValue {
                        name,
                        from: v.from.value.clone(),
                        to: v.to.value.clone(),
                    }],
                    _ => other("alter type"),
                }
            }
            S::CreateDomain(d) => vec![Op::CreateDomain {
                name: self.name(&d.name),
                has_check: !d.constraints.is_empty(),
            }],
            S::CreateSequence { name, .. } => vec![Op::CreateSequence {
                name: self.name(name),
            }],
            S::CreateSchema { schema_name, .. } => vec![Op::CreateSchema {
                name: Name(schema_name.to_string().to_lowercase()),
            }],
            S::Vacuum(v) if v.full => vec![Op::VacuumFull {
                table: v.table_name.as_ref().map(|t| self.name(t)),
            }],
            S::Set(set) => match set {
                ast::Set::SingleAssignment {
                    variable, values, ..
                } => vec![Op::SetSetting {
                    name: variable.to_string().to_lowercase(),
                    value: values
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                        .trim_matches('\'')
                        .to_string(),
                }],
                // MySQL `SET @old = @@foreign_key_checks, foreign_key_checks = 0`.
                ast::Set::MultipleAssignments { assignments } => assignments
                    .iter()
                    .map(|a| Op::SetSetting {
                        name: a.name.to_string().to_lowercase(),
                        value: a.value.to_string().trim_matches('\'').to_string(),
                    })
                    .collect(),
                _ => other("set"),
            },
            S::StartTransaction { .. } => vec![Op::Transaction {
                control: TxControl::Begin,
            }],
            S::Commit { .. } => vec![Op::Transaction {
                control: TxControl::Commit,
            }],
            S::Rollback { .. } => vec![Op::Transaction {
                control: TxControl::Rollback,
            }],
            S::Insert(ins) => {
                let target = match &ins.table {
                    ast::TableObject::TableName(n) => Some(self.name(n)),
                    _ => None,
                };
                let sources = ins
                    .source
                    .as_ref()
                    .map(|q| self.relations(q.as_ref()))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| Some(s) != target.as_ref())
                    .collect();
                vec![Op::Dml {
                    kind: DmlKind::Insert,
                    target,
                    sources,
                    has_where: false,
                }]
            }
            S::Update(u) => {
                let target = match &u.table.relation {
                    ast::TableFactor::Table { name, .. } => Some(self.name(name)),
                    _ => None,
                };
                let sources = self
                    .relations(stmt)
                    .into_iter()
                    .filter(|s| Some(s) != target.as_ref())
                    .collect();
                vec![Op::Dml {
                    kind: DmlKind::Update,
                    target,
                    sources,
                    has_where: u.selection.is_some(),
                }]
            }
            S::Delete(d) => {
                let rels = self.relations(stmt);
                let target = rels.first().cloned();
                vec![Op::Dml {
                    kind: DmlKind::Delete,
                    sources: rels.into_iter().skip(1).collect(),
                    target,
                    has_where: d.selection.is_some(),
                }]
            }
            S::Query(q) if set_config_name(&q.to_string()).is_some() => vec![Op::SetSetting {
                name: set_config_name(&q.to_string()).unwrap_or_default(),
                value: String::new(),
            }],
            S::Query(q) => vec![Op::Dml {
                kind: DmlKind::Select,
                target: None,
                sources: self.relations(q.as_ref()),
                has_where: false,
            }],
            S::Copy { source, to, .. } => match source {
                ast::CopySource::Table { table_name, .. } if !to => vec![Op::Dml {
                    kind: DmlKind::Insert,
                    target: Some(self.name(table_name)),
                    sources: Vec::new(),
                    has_where: false,
                }],
                _ => other("copy"),
            },
            S::Comment { .. } => other("comment"),
            S::AlterView(v) => match &v.operation {
                ast::AlterViewOperation::RenameTo { new_name } => vec![Op::RenameTable {
                    from: self.name(&v.name),
                    to: self.name(new_name),
                }],
                _ => vec![Op::Other {
                    what: statement_keyword(stmt),
                }],
            },
            S::CreateExtension(_) => other("create extension"),
            S::CreateFunction(_) | S::CreateProcedure { .. } => other("create function"),
            S::CreateTrigger(_) | S::DropTrigger(_) => other("trigger"),
            S::Grant(_) | S::Revoke(_) | S::CreateRole(_) => other("privileges"),
            S::LockTables { .. } | S::UnlockTables => other("lock tables"),
            S::Pragma { .. } => other("pragma"),
            S::Analyze(_) => other("analyze"),
            S::CreatePolicy(_) | S::DropPolicy(_) => other("policy"),
            S::DropFunction(_) | S::DropExtension(_) => other("drop function"),
            S::Use(_) => other("use"),
            _ => vec![Op::Other {
                what: statement_keyword(stmt),
            }],
        };
        (ops, options)
    }

    /// MySQL `CHANGE`/`MODIFY COLUMN`: the column's full new definition.
    fn redefine(
        &self,
        table: &Name,
        from: &ast::Ident,
        name: &ast::Ident,
        data_type: &DataType,
        options: &[ColumnOption],
        position: &Option<ast::MySQLColumnPosition>,
    ) -> Op {
        let def = ast::ColumnDef {
            name: name.clone(),
            data_type: data_type.clone(),
            options: options
                .iter()
                .map(|o| ast::ColumnOptionDef {
                    name: None,
                    option: o.clone(),
                })
                .collect(),
        };
        Op::RedefineColumn {
            table: table.clone(),
            from: self.ident(from),
            column: self.column(&def),
            position: self.position(position),
        }
    }

    fn alter_op(
        &self,
        table: &Name,
        op: &AlterTableOperation,
        out: &mut Vec<Op>,
        options: &mut AlterOptions,
    ) {
        use AlterTableOperation as A;
        match op {
            A::AddColumn {
                if_not_exists,
                column_def,
                column_position,
                ..
            } => out.push(Op::AddColumn {
                table: table.clone(),
                column: self.column(column_def),
                position: self.position(column_position),
                if_not_exists: *if_not_exists,
            }),
            A::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                for c in column_names {
                    out.push(Op::DropColumn {
                        table: table.clone(),
                        column: self.ident(c),
                        if_exists: *if_exists,
                        cascade: matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
                    });
                }
            }
            A::RenameColumn {
                old_column_name,
                new_column_name,
            } => out.push(Op::RenameColumn {
                table: table.clone(),
                from: self.ident(old_column_name),
                to: self.ident(new_column_name),
            }),
            A::RenameTable { table_name } => {
                let to = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => {
                        self.name(n)
                    }
                };
                out.push(Op::RenameTable {
                    from: table.clone(),
                    to,
                });
            }
            A::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options: col_options,
                column_position,
            } => out.push(self.redefine(
                table,
                old_name,
                new_name,
                data_type,
                col_options,
                column_position,
            )),
            A::ModifyColumn {
                col_name,
                data_type,
                options: col_options,
                column_position,
            } => out.push(self.redefine(
                table,
                col_name,
                col_name,
                data_type,
                col_options,
                column_position,
            )),
            A::AlterColumn { column_name, op } => {
                let column = self.ident(column_name);
                let table = table.clone();
                out.push(match op {
                    AlterColumnOperation::SetNotNull => Op::SetNotNull { table, column },
                    AlterColumnOperation::DropNotNull => Op::DropNotNull { table, column },
                    AlterColumnOperation::SetDefault { value } => Op::SetDefault {
                        table,
                        column,
                        default: self.default_value(value),
                    },
                    AlterColumnOperation::DropDefault => Op::DropDefault { table, column },
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => Op::AlterColumnType {
                        table,
                        column,
                        collation: None,
                        ty: self.sql_type(data_type),
                        using: using.as_ref().map(|u| u.to_string()),
                    },
                    AlterColumnOperation::AddGenerated {
                        sequence_options, ..
                    } => Op::AddIdentity {
                        table,
                        column,
                        has_start: sequence_options
                            .iter()
                            .flatten()
                            .any(|o| matches!(o, ast::SequenceOptions::StartWith(..))),
                    },
                    other => Op::Other {
                        what: format!("alter column {other}"),
                    },
                });
            }
            A::AddConstraint {
                constraint,
                not_valid,
            } => match self.constraint(table, constraint) {
                Ok(c) => out.push(Op::AddConstraint {
                    table: table.clone(),
                    constraint: c,
                    not_valid: *not_valid,
                }),
                Err(index) => out.push(Op::CreateIndex {
                    index,
                    concurrently: false,
                    if_not_exists: false,
                }),
            },
            A::DropConstraint {
                if_exists, name, ..
            } => out.push(Op::DropConstraint {
                table: table.clone(),
                name: self.ident(name),
                if_exists: *if_exists,
            }),
            A::RenameConstraint { old_name, new_name } => out.push(Op::RenameConstraint {
                table: table.clone(),
                from: self.ident(old_name),
                to: self.ident(new_name),
            }),
            A::DropForeignKey { name, .. } => out.push(Op::DropConstraint {
                table: table.clone(),
                name: self.ident(name),
                if_exists: false,
            }),
            A::DropPrimaryKey { .. } => out.push(Op::DropPrimaryKey {
                table: table.clone(),
            }),
            A::DropIndex { name } => out.push(Op::DropIndex {
                names: vec![Name(self.ident(name))],
                table: Some(table.clone()),
                concurrently: false,
                if_exists: false,
            }),
            A::ValidateConstraint { name } => out.push(Op::ValidateConstraint {
                table: table.clone(),
                name: self.ident(name),
            }),
            A::Algorithm { algorithm, .. } => {
                options.algorithm = Some(algorithm.to_string().to_lowercase());
            }
            A::Lock { lock, .. } => {
                options.lock = Some(lock.to_string().to_lowercase());
            }
            // SET LOGGED/UNLOGGED rewrites the whole table under ACCESS
            // EXCLUSIVE (https://www.postgresql.org/docs/current/sql-altertable.html);
            // no op models it yet, so it must not pass as harmless.
            A::SetLogged | A::SetUnlogged => out.push(Op::Unknown {
                reason: format!(
                    "{} rewrites {table}, and shipgate has no cost model for it",
                    op
                ),
            }),
            other => out.push(Op::Other {
                what: format!("alter table {}", first_words(&other.to_string(), 3)),
            }),
        }
    }
}

/// The setting a `SELECT set_config('name', value, is_local)` changes: the
/// function form of `SET`, common in pg_dump output and migration tools.
/// A character set or collation name as MySQL compares it: unquoted, lower case.
/// `utf8` is MySQL's alias of `utf8mb3` (and `utf8_bin` of `utf8mb3_bin`).
fn charset_name(n: &ObjectName) -> String {
    charset_text(&n.to_string())
}

pub(crate) fn charset_text(s: &str) -> String {
    let s = s
        .trim_matches(|c| matches!(c, '`' | '"' | '\''))
        .to_lowercase();
    match s.strip_prefix("utf8") {
        Some("") => "utf8mb3".into(),
        Some(rest) if rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => s,
    }
}

/// The character set a collation belongs to (`utf8mb4_bin` → `utf8mb4`).
fn charset_of(collation: &str) -> String {
    collation.split('_').next().unwrap_or(collation).to_string()
}

/// Columns of a MySQL CREATE TABLE that name no character set or collation
/// take the table's `DEFAULT CHARSET` / `COLLATE`: recorded on the column,
/// so a later `MODIFY … COLLATE` can be compared with what the column had.
/// A column with its own character set keeps it (and takes the table's
/// collation only when that collation belongs to its character set).
fn inherit_table_charset(columns: &mut [ColumnSpec], options: &ast::CreateTableOptions) {
    let opts = match options {
        ast::CreateTableOptions::Plain(o)
        | ast::CreateTableOptions::With(o)
        | ast::CreateTableOptions::Options(o) => o.as_slice(),
        _ => &[],
    };
    let (mut charset, mut collation) = (None, None);
    for o in opts {
        if let ast::SqlOption::KeyValue { key, value } = o {
            let key = key.to_string().to_uppercase();
            let value = charset_text(&value.to_string());
            if key.ends_with("CHARSET") || key.ends_with("CHARACTER SET") {
                charset = Some(value);
            } else if key.ends_with("COLLATE") {
                collation = Some(value);
            }
        }
    }
    let charset = charset.or_else(|| collation.as_deref().map(charset_of));
    for c in columns.iter_mut() {
        match (&c.charset, &c.collation) {
            (None, None) => {
                c.charset = charset.clone();
                c.collation = collation.clone();
            }
            (Some(cs), None) if collation.as_deref().is_some_and(|t| &charset_of(t) == cs) => {
                c.collation = collation.clone();
            }
            _ => {}
        }
    }
}

pub fn set_config_name(sql: &str) -> Option<String> {
    let lower = sql.to_lowercase();
    let at = lower.find("set_config")?;
    let rest = lower[at + "set_config".len()..].trim_start();
    let rest = rest.strip_prefix('(')?.trim_start();
    let rest = rest.strip_prefix('\'')?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_string())
}

fn first_words(s: &str, n: usize) -> String {
    s.split_whitespace()
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn statement_keyword(stmt: &ast::Statement) -> String {
    first_words(&stmt.to_string(), 2)
}

fn enum_values(dt: &DataType) -> Vec<String> {
    match dt {
        DataType::Enum(members, _) => members
            .iter()
            .map(|m| match m {
                ast::EnumMember::Name(n) => n.clone(),
                ast::EnumMember::NamedValue(n, _) => n.clone(),
            })
            .collect(),
        DataType::Set(values) => values.clone(),
        _ => Vec::new(),
    }
}

/// Builds a [`SqlType`] from a type's text (`VARCHAR(255)`, `numeric(10, 2)`).
pub fn sql_type_from_text(text: &str, values: Vec<String>) -> SqlType {
    let lower = text.trim().to_lowercase();
    let (base, args) = match lower.find('(') {
        Some(p) => {
            let inner = lower[p + 1..]
                .trim_end_matches(|c| c != ')')
                .trim_end_matches(')');
            let args = inner
                .split(',')
                .filter_map(|a| a.trim().parse::<u64>().ok())
                .collect();
            let after = lower[lower.rfind(')').map(|i| i + 1).unwrap_or(lower.len())..].trim();
            let base = format!("{} {}", lower[..p].trim(), after)
                .trim()
                .to_string();
            (base, args)
        }
        None => (lower.clone(), Vec::new()),
    };
    SqlType {
        text: lower.replace(", ", ","),
        base,
        args,
        values,
    }
}

/// The new name of a renamed object, which stays in its schema
/// (`ALTER INDEX s.a RENAME TO b` names `s.b`).
pub fn renamed_in_place(from: &Name, to: &Name) -> Name {
    match from.as_str().rsplit_once('.') {
        Some((schema, _)) if !to.as_str().contains('.') => {
            Name(format!("{schema}.{}", to.as_str()))
        }
        _ => to.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::parser::Parser;

    fn lower(engine: Engine, sql: &str) -> (Vec<Op>, AlterOptions) {
        let stmts = Parser::parse_sql(&*engine.dialect(), sql).unwrap();
        let v = vec!["random".to_string()];
        Lowering {
            engine,
            volatile_functions: &v,
        }
        .lower(&stmts[0])
    }

    #[test]
    fn set_unlogged_is_not_taken_as_harmless() {
        for sql in ["ALTER TABLE t SET UNLOGGED", "ALTER TABLE t SET LOGGED"] {
            let (ops, _) = lower(Engine::Postgres, sql);
            assert!(matches!(&ops[..], [Op::Unknown { .. }]), "{sql}: {ops:?}");
        }
    }

    #[test]
    fn alter_table_lowers_each_action() {
        let (ops, _) = lower(
            Engine::Postgres,
            "ALTER TABLE public.\"Users\" ADD COLUMN a int NOT NULL DEFAULT random(), DROP COLUMN b, ALTER COLUMN c TYPE bigint",
        );
        assert_eq!(ops.len(), 3);
        match &ops[0] {
            Op::AddColumn { table, column, .. } => {
                assert_eq!(table.as_str(), "Users");
                assert!(column.not_null);
                assert_eq!(
                    column.default.as_ref().unwrap().volatility,
                    Volatility::Volatile
                );
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(&ops[2], Op::AlterColumnType { ty, .. } if ty.base == "bigint"));
    }

    #[test]
    fn mysql_alter_options_and_indexes() {
        let (ops, opts) = lower(
            Engine::Mysql,
            "ALTER TABLE t ADD COLUMN c INT AFTER b, ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE",
        );
        assert_eq!(opts.algorithm.as_deref(), Some("inplace"));
        assert_eq!(opts.lock.as_deref(), Some("none"));
        assert!(
            matches!(&ops[0], Op::AddColumn { position: Some(Position::After(b)), .. } if b == "b")
        );
        assert!(matches!(&ops[1], Op::CreateIndex { .. }));
    }

    #[test]
    fn add_identity_to_an_existing_column() {
        let (ops, _) = lower(
            Engine::Postgres,
            "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 1000)",
        );
        assert!(matches!(
            &ops[0],
            Op::AddIdentity { column, has_start: true, .. } if column == "id"
        ));
        let (ops, _) = lower(
            Engine::Postgres,
            "ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
        );
        assert!(matches!(
            &ops[0],
            Op::AddIdentity {
                has_start: false,
                ..
            }
        ));
    }

    #[test]
    fn set_config_is_a_setting() {
        let (ops, _) = lower(
            Engine::Postgres,
            "SELECT pg_catalog.set_config('lock_timeout', '2s', false)",
        );
        assert!(matches!(&ops[0], Op::SetSetting { name, .. } if name == "lock_timeout"));
        let (ops, _) = lower(Engine::Postgres, "SELECT 1");
        assert!(matches!(&ops[0], Op::Dml { .. }));
    }

    #[test]
    fn mysql_multiple_assignments_are_settings() {
        let (ops, _) = lower(
            Engine::Mysql,
            "SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0",
        );
        assert_eq!(ops.len(), 2);
        assert!(
            matches!(&ops[1], Op::SetSetting { name, value } if name == "foreign_key_checks" && value == "0")
        );
    }

    #[test]
    fn types_keep_their_arguments() {
        let t = sql_type_from_text("NUMERIC(10, 2)", vec![]);
        assert_eq!(t.base, "numeric");
        assert_eq!(t.args, vec![10, 2]);
        assert_eq!(t.text, "numeric(10,2)");
        let t = sql_type_from_text("INT(11) UNSIGNED", vec![]);
        assert_eq!(t.base, "int unsigned");
    }

    #[test]
    fn serial_and_identity_are_auto_columns() {
        let (ops, _) = lower(
            Engine::Postgres,
            "CREATE TABLE t (id bigserial PRIMARY KEY, x int GENERATED ALWAYS AS IDENTITY)",
        );
        match &ops[0] {
            Op::CreateTable { columns, .. } => {
                assert_eq!(columns[0].auto, Some(AutoKind::Serial));
                assert_eq!(columns[1].auto, Some(AutoKind::Identity));
            }
            o => panic!("{o:?}"),
        }
    }
}
