//! Queries: CTEs (recursive ones see their own names), set operations,
//! VALUES, the select list (`*` and `t.*` read every column) and the names
//! of a query's output columns, which a CTE or derived table is read by.

use super::scope::{find_source, Kind, Scope, Source};
use super::{ident, names, object_name, Resolver, MAX_DEPTH};
use sqlparser::ast::{
    Expr, GroupByExpr, ObjectName, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr,
};

impl<'c> Resolver<'c> {
    /// Resolves a query; returns its output column names when known.
    pub(super) fn query(&mut self, q: &Query, parent: Option<&Scope>) -> Option<Vec<String>> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let mut scope = Scope::child(parent);
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let name = ident(&cte.alias.name);
                let alias_cols: Option<Vec<String>> = if cte.alias.columns.is_empty() {
                    None
                } else {
                    Some(cte.alias.columns.iter().map(|c| ident(&c.name)).collect())
                };
                if with.recursive {
                    scope.ctes.push((
                        name.clone(),
                        alias_cols
                            .clone()
                            .or_else(|| names::query_names(&cte.query)),
                    ));
                }
                let cols = self.query(&cte.query, Some(&scope));
                scope.ctes.push((name, alias_cols.or(cols)));
            }
        }
        let out = self.set_expr(&q.body, &scope, Some(q));
        self.depth -= 1;
        out
    }

    pub(super) fn set_expr(
        &mut self,
        body: &SetExpr,
        scope: &Scope,
        q: Option<&Query>,
    ) -> Option<Vec<String>> {
        match body {
            SetExpr::Select(s) => self.select(s, scope, q),
            SetExpr::Query(inner) => self.query(inner, Some(scope)),
            SetExpr::SetOperation { left, right, .. } => {
                let l = self.set_expr(left, scope, None);
                self.set_expr(right, scope, None);
                l
            }
            SetExpr::Values(v) => {
                for row in &v.rows {
                    for e in &row.content {
                        self.expr(e, scope);
                    }
                }
                let n = v.rows.first().map(|r| r.content.len())?;
                Some(names::values_names(n))
            }
            SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
                self.statement(s, Some(scope))
            }
            SetExpr::Table(t) => {
                let name = ident(t.table_name.as_ref()?);
                let full = match &t.schema_name {
                    Some(s) => format!("{}.{}", ident(s), name),
                    None => name,
                };
                if scope.cte(&full).is_none() {
                    self.tables.insert(full.clone());
                    self.stars.insert(full.clone());
                    return self.columns_of(&full);
                }
                None
            }
        }
    }

    pub(super) fn select(
        &mut self,
        s: &Select,
        parent: &Scope,
        q: Option<&Query>,
    ) -> Option<Vec<String>> {
        let mut scope = Scope::child(Some(parent));
        let mut ons: Vec<&Expr> = Vec::new();
        let mut usings: Vec<&[ObjectName]> = Vec::new();
        for twj in &s.from {
            self.table_with_joins(twj, &mut scope, &mut ons, &mut usings);
        }
        for item in &s.projection {
            if let SelectItem::ExprWithAlias { alias, .. } = item {
                scope.aliases.push(ident(alias));
            }
        }
        for e in ons {
            self.expr(e, &scope);
        }
        for cols in usings {
            self.using(cols, &scope);
        }
        self.projection(&s.projection, &scope);
        for e in s
            .selection
            .iter()
            .chain(&s.having)
            .chain(&s.qualify)
            .chain(&s.prewhere)
        {
            self.expr(e, &scope);
        }
        if let GroupByExpr::Expressions(exprs, _) = &s.group_by {
            for e in exprs {
                self.expr(e, &scope);
            }
        }
        for o in &s.sort_by {
            self.expr(&o.expr, &scope);
        }
        if let Some(OrderByKind::Expressions(list)) =
            q.and_then(|q| q.order_by.as_ref()).map(|o| &o.kind)
        {
            for o in list {
                self.expr(&o.expr, &scope);
            }
        }
        self.output_columns(&s.projection, &scope)
    }

    /// The names of a select list (or RETURNING list): `*` and `t.*` stand
    /// for the columns of the FROM items, in order, when all are known.
    pub(super) fn output_columns(
        &mut self,
        items: &[SelectItem],
        scope: &Scope,
    ) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for item in items {
            let sources: Vec<Source> = match item {
                SelectItem::Wildcard(_) => scope.sources.clone(),
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    vec![find_source(scope, &object_name(n))?.clone()]
                }
                SelectItem::QualifiedWildcard(..) => return None,
                other => {
                    out.extend(names::item_names(std::slice::from_ref(other))?);
                    continue;
                }
            };
            for src in sources {
                match &src.kind {
                    Kind::Table(t) => out.extend(self.columns_of(t)?),
                    Kind::Derived(cols) => out.extend(cols.clone()?),
                }
            }
        }
        Some(out)
    }

    pub(super) fn projection(&mut self, items: &[SelectItem], scope: &Scope) {
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e)
                | SelectItem::ExprWithAlias { expr: e, .. }
                | SelectItem::ExprWithAliases { expr: e, .. } => self.expr(e, scope),
                SelectItem::Wildcard(_) => {
                    for s in &scope.sources {
                        if let Kind::Table(t) = &s.kind {
                            self.stars.insert(t.clone());
                        }
                    }
                }
                SelectItem::QualifiedWildcard(kind, _) => {
                    let q = match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n),
                        SelectItemQualifiedWildcardKind::Expr(e) => e.to_string().to_lowercase(),
                    };
                    self.whole_row(scope, &q);
                }
            }
        }
    }

    /// `q.*`, or a bare `q` that names no column: every column of the table
    /// (or derived table) `q`, as one row value.
    pub(super) fn whole_row(&mut self, scope: &Scope, q: &str) {
        match find_source(scope, q) {
            Some(Source {
                kind: Kind::Table(t),
                ..
            }) => {
                self.stars.insert(t.clone());
            }
            Some(_) => {}
            None => {
                self.unresolved.insert(format!("{q}.*"));
            }
        }
    }
}
