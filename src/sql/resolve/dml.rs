//! Data-modifying statements: the table an INSERT, UPDATE, DELETE or MERGE
//! writes and the columns it sets, an INSERT's shape (column list, values
//! per row, from a SELECT), `ON CONFLICT` / `ON DUPLICATE KEY UPDATE`, and
//! RETURNING lists.

use super::scope::{find_source, Kind, Scope, Source};
use super::{ident, last_part, object_name, Access, ColumnRef, InsertShape, Resolver};
use sqlparser::ast::{
    AssignmentTarget, ConflictTarget, FromTable, Ident, ObjectName, OnConflictAction, OnInsert,
    SelectItem, SetExpr, TableObject, UpdateTableFromKind,
};

impl<'c> Resolver<'c> {
    /// MERGE: the target is written; the source and the ON condition read.
    pub(super) fn merge(&mut self, m: &sqlparser::ast::Merge, parent: Option<&Scope>) {
        let mut scope = Scope::child(parent);
        self.factor(&m.table, &mut scope);
        if let Some(Source {
            kind: Kind::Table(t),
            ..
        }) = scope.sources.first()
        {
            self.written.insert(t.clone());
        }
        self.factor(&m.source, &mut scope);
        self.expr(&m.on, &scope);
    }

    pub(super) fn insert(
        &mut self,
        ins: &sqlparser::ast::Insert,
        parent: Option<&Scope>,
    ) -> Option<Vec<String>> {
        let TableObject::TableName(name) = &ins.table else {
            return None;
        };
        let table = object_name(name);
        self.tables.insert(table.clone());
        self.written.insert(table.clone());
        let mut scope = Scope::child(parent);
        scope.sources.push(Source {
            name: ins
                .table_alias
                .as_ref()
                .map(|a| ident(&a.alias))
                .unwrap_or_else(|| last_part(name)),
            full: table.clone(),
            kind: Kind::Table(table.clone()),
        });
        let columns: Option<Vec<String>> = if ins.columns.is_empty() {
            None
        } else {
            Some(ins.columns.iter().map(last_part).collect())
        };
        let (values_per_row, from_select) = match &ins.source {
            Some(src) => {
                let is_values = matches!(&*src.body, SetExpr::Values(_));
                let per_row = match &*src.body {
                    SetExpr::Values(v) => {
                        let n = v.rows.first().map(|r| r.content.len());
                        n.filter(|n| v.rows.iter().all(|r| r.content.len() == *n))
                    }
                    _ => None,
                };
                let out = self.query(src, parent);
                (
                    per_row.or(if is_values {
                        None
                    } else {
                        out.map(|o| o.len())
                    }),
                    !is_values,
                )
            }
            None => (None, false),
        };
        let target_cols = self.columns_of(&table);
        match &columns {
            Some(cols) => {
                for c in cols {
                    self.record(&table, c, target_cols.as_deref(), Access::Write, c);
                }
            }
            None => {
                if let (Some(all), Some(n)) = (&target_cols, values_per_row) {
                    for c in all.iter().take(n) {
                        self.writes.insert(ColumnRef {
                            table: table.clone(),
                            column: c.clone(),
                        });
                    }
                }
            }
        }
        for a in &ins.assignments {
            self.assignment_target(&a.target, &scope, Access::Write);
            self.expr(&a.value, &scope);
        }
        match &ins.on {
            Some(OnInsert::DuplicateKeyUpdate(assignments)) => {
                // MySQL 8.0.19+: `INSERT … AS new ON DUPLICATE KEY UPDATE a = new.a`.
                let mut up = Scope::child(Some(&scope));
                up.sources = scope.sources.clone();
                if let Some(alias) = &ins.insert_alias {
                    let name = last_part(&alias.row_alias);
                    let cols = match &alias.col_aliases {
                        Some(c) if !c.is_empty() => Some(c.iter().map(ident).collect()),
                        _ => target_cols.clone(),
                    };

                    up.sources.push(Source {
                        full: name.clone(),
                        name,
                        kind: Kind::Derived(cols),
                    });
                }
                for a in assignments {
                    self.assignment_target(&a.target, &scope, Access::Write);
                    self.expr(&a.value, &up);
                }
            }
            Some(OnInsert::OnConflict(oc)) => {
                if let Some(ConflictTarget::Columns { columns, predicate }) = &oc.conflict_target {
                    for c in columns {
                        self.column(&scope, std::slice::from_ref(c), Access::Read);
                    }
                    if let Some(p) = predicate {
                        self.expr(p, &scope);
                    }
                }
                if let OnConflictAction::DoUpdate(du) = &oc.action {
                    let mut up = Scope::child(Some(&scope));
                    up.sources = scope.sources.clone();
                    up.sources.push(Source {
                        name: "excluded".into(),
                        full: "excluded".into(),
                        kind: Kind::Derived(target_cols.clone()),
                    });
                    for a in &du.assignments {
                        self.assignment_target(&a.target, &scope, Access::Write);
                        self.expr(&a.value, &up);
                    }
                    if let Some(sel) = &du.selection {
                        self.expr(sel, &up);
                    }
                }
            }
            _ => {}
        }
        if self.insert.is_none() {
            self.insert = Some(InsertShape {
                table,
                columns,
                values_per_row,
                from_select,
            });
        }
        self.returning(ins.returning.as_deref(), &scope)
    }

    /// A RETURNING list: resolved like a select list, and the statement's
    /// output columns (a data-modifying CTE is read by them).
    pub(super) fn returning(
        &mut self,
        ret: Option<&[SelectItem]>,
        scope: &Scope,
    ) -> Option<Vec<String>> {
        let ret = ret?;
        self.projection(ret, scope);
        self.output_columns(ret, scope)
    }

    pub(super) fn update(
        &mut self,
        u: &sqlparser::ast::Update,
        parent: Option<&Scope>,
    ) -> Option<Vec<String>> {
        let mut scope = Scope::child(parent);
        let mut ons = Vec::new();
        let mut usings = Vec::new();
        self.table_with_joins(&u.table, &mut scope, &mut ons, &mut usings);
        let target = scope.sources.first().cloned();
        if let Some(Source {
            kind: Kind::Table(t),
            ..
        }) = &target
        {
            self.written.insert(t.clone());
        }
        if let Some(UpdateTableFromKind::BeforeSet(f) | UpdateTableFromKind::AfterSet(f)) = &u.from
        {
            for twj in f {
                self.table_with_joins(twj, &mut scope, &mut ons, &mut usings);
            }
        }
        for e in ons {
            self.expr(e, &scope);
        }
        for cols in usings {
            self.using(cols, &scope);
        }
        for a in &u.assignments {
            let names: Vec<&ObjectName> = match &a.target {
                AssignmentTarget::ColumnName(n) => vec![n],
                AssignmentTarget::Tuple(ns) => ns.iter().collect(),
            };
            for n in names {
                // PostgreSQL: a bare SET column belongs to the updated table.
                match (&target, n.0.len()) {
                    (Some(t), 1) if scope.sources.len() > 1 => {
                        self.attribute(t, &last_part(n), Access::Write)
                    }
                    _ => self.assignment_name(n, &scope, Access::Write),
                }
            }
            self.expr(&a.value, &scope);
        }
        if let Some(sel) = &u.selection {
            self.expr(sel, &scope);
        }
        self.returning(u.returning.as_deref(), &scope)
    }

    pub(super) fn delete(
        &mut self,
        d: &sqlparser::ast::Delete,
        parent: Option<&Scope>,
    ) -> Option<Vec<String>> {
        let mut scope = Scope::child(parent);
        let mut ons = Vec::new();
        let mut usings = Vec::new();
        let from = match &d.from {
            FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
        };
        for twj in from {
            self.table_with_joins(twj, &mut scope, &mut ons, &mut usings);
        }
        if d.tables.is_empty() {
            if let Some(Source {
                kind: Kind::Table(t),
                ..
            }) = scope.sources.first()
            {
                self.written.insert(t.clone());
            }
        }
        for t in &d.tables {
            let q = object_name(t);
            if let Some(Source {
                kind: Kind::Table(t),
                ..
            }) = find_source(&scope, &q)
            {
                self.written.insert(t.clone());
            }
        }
        for twj in d.using.iter().flatten() {
            self.table_with_joins(twj, &mut scope, &mut ons, &mut usings);
        }
        for e in ons {
            self.expr(e, &scope);
        }
        for cols in usings {
            self.using(cols, &scope);
        }
        if let Some(sel) = &d.selection {
            self.expr(sel, &scope);
        }
        for o in &d.order_by {
            self.expr(&o.expr, &scope);
        }
        self.returning(d.returning.as_deref(), &scope)
    }

    pub(super) fn assignment_target(
        &mut self,
        t: &AssignmentTarget,
        scope: &Scope,
        access: Access,
    ) {
        match t {
            AssignmentTarget::ColumnName(n) => self.assignment_name(n, scope, access),
            AssignmentTarget::Tuple(ns) => {
                for n in ns {
                    self.assignment_name(n, scope, access);
                }
            }
        }
    }

    pub(super) fn assignment_name(&mut self, n: &ObjectName, scope: &Scope, access: Access) {
        let parts: Vec<Ident> = n.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
        self.column(scope, &parts, access);
    }
}
