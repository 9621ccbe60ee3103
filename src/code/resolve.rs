//! Resolving one statement against a schema: which tables it touches, which
//! columns it reads and writes, where it reads every column (`*`), the
//! shape of an INSERT, and which column references no table in scope has.
//!
//! Scoping follows SQL: CTEs are visible to the query that declares them and
//! its subqueries; a FROM clause brings tables, derived tables and table
//! functions into scope under their alias; an unqualified column is looked
//! up in the innermost scope first (through the [`Catalog`]) and then
//! outwards (correlated subqueries). A column no table in any scope has is
//! *unresolved* (code that sends it breaks); a column two tables of the
//! innermost scope both have is *ambiguous*. Pure: no IO, no panics.

use serde::Serialize;
use sqlparser::ast::{
    AccessExpr, AssignmentTarget, ConflictTarget, Expr, FromTable, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, Join, JoinConstraint, JoinOperator,
    ObjectName, OnConflictAction, OnInsert, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, TableObject, TableWithJoins,
    UpdateTableFromKind, Visit, Visitor,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

mod names;

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

#[derive(Debug, Clone)]
enum Kind {
    Table(String),
    /// A CTE, derived table or table function; its columns if known.
    Derived(Option<Vec<String>>),
}

#[derive(Debug, Clone)]
struct Source {
    /// The name the query refers to it by (alias, or the table's last part).
    name: String,
    /// The full table name (for `schema.table.column` references).
    full: String,
    kind: Kind,
}

#[derive(Default)]
struct Scope<'a> {
    sources: Vec<Source>,
    ctes: Vec<(String, Option<Vec<String>>)>,
    aliases: Vec<String>,
    parent: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    fn child(parent: Option<&'a Scope<'a>>) -> Scope<'a> {
        Scope {
            parent,
            ..Scope::default()
        }
    }

    fn cte(&self, name: &str) -> Option<Option<Vec<String>>> {
        let mut s = Some(self);
        while let Some(sc) = s {
            if let Some((_, cols)) = sc
                .ctes
                .iter()
                .rev()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                return Some(cols.clone());
            }
            s = sc.parent;
        }
        None
    }
}

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

/// Unquoted words the parser reads as identifiers that are not columns.
const NOT_COLUMNS: &[&str] = &[
    "default",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "session_user",
    "current_role",
    "current_schema",
    "current_catalog",
    "sysdate",
    "true",
    "false",
    "null",
];

/// Columns every table has without declaring them (PostgreSQL system
/// columns, SQLite row ids): never unresolved.
/// <https://www.postgresql.org/docs/current/ddl-system-columns.html>
const SYSTEM_COLUMNS: &[&str] = &[
    "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid", "rowid", "_rowid_",
];

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
            Statement::Merge(m) => {
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
            _ => {}
        }
        self.depth -= 1;
        out
    }

    /// Resolves a query; returns its output column names when known.
    fn query(&mut self, q: &Query, parent: Option<&Scope>) -> Option<Vec<String>> {
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

    fn set_expr(
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

    fn select(&mut self, s: &Select, parent: &Scope, q: Option<&Query>) -> Option<Vec<String>> {
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
    fn output_columns(&mut self, items: &[SelectItem], scope: &Scope) -> Option<Vec<String>> {
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

    fn projection(&mut self, items: &[SelectItem], scope: &Scope) {
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
    fn whole_row(&mut self, scope: &Scope, q: &str) {
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

    fn table_with_joins<'q>(
        &mut self,
        twj: &'q TableWithJoins,
        scope: &mut Scope,
        ons: &mut Vec<&'q Expr>,
        usings: &mut Vec<&'q [ObjectName]>,
    ) {
        self.factor_joined(&twj.relation, scope, ons, usings);
        for j in &twj.joins {
            self.factor_joined(&j.relation, scope, ons, usings);
            match constraint(j) {
                Some(JoinConstraint::On(e)) => ons.push(e),
                Some(JoinConstraint::Using(cols)) | Some(JoinConstraint::UsingAlias(cols, _)) => {
                    usings.push(cols)
                }
                _ => {}
            }
            if let JoinOperator::AsOf {
                match_condition, ..
            } = &j.join_operator
            {
                ons.push(match_condition);
            }
        }
    }

    fn factor_joined<'q>(
        &mut self,
        f: &'q TableFactor,
        scope: &mut Scope,
        ons: &mut Vec<&'q Expr>,
        usings: &mut Vec<&'q [ObjectName]>,
    ) {
        if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = f
        {
            self.table_with_joins(table_with_joins, scope, ons, usings);
        } else {
            self.factor(f, scope);
        }
    }

    /// Brings one FROM item into scope. A subquery or function is resolved
    /// where it stands: a derived table sees the enclosing query's scope,
    /// and with LATERAL (implicit for functions) also the FROM items before
    /// it.
    fn factor(&mut self, f: &TableFactor, scope: &mut Scope) {
        match f {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                let full = object_name(name);
                let alias_name = alias.as_ref().map(|a| ident(&a.name));
                if let Some(a) = args {
                    self.function_args(&a.args, scope);
                    scope.sources.push(Source {
                        name: alias_name.unwrap_or_else(|| last_part(name)),
                        full,
                        kind: Kind::Derived(None),
                    });
                    return;
                }
                let kind = match (name.0.len(), scope.cte(&full)) {
                    (1, Some(cols)) => Kind::Derived(cols),
                    _ => {
                        self.tables.insert(full.clone());
                        Kind::Table(full.clone())
                    }
                };
                scope.sources.push(Source {
                    name: alias_name.unwrap_or_else(|| last_part(name)),
                    full,
                    kind,
                });
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                let out = if *lateral {
                    self.query(subquery, Some(&*scope))
                } else {
                    self.query(subquery, scope.parent)
                };
                let cols = match alias {
                    Some(a) if !a.columns.is_empty() => {
                        Some(a.columns.iter().map(|c| ident(&c.name)).collect())
                    }
                    _ => out,
                };
                let name = alias.as_ref().map(|a| ident(&a.name)).unwrap_or_default();
                scope.sources.push(Source {
                    full: name.clone(),
                    name,
                    kind: Kind::Derived(cols),
                });
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => {
                let mut ons = Vec::new();
                let mut usings = Vec::new();
                self.table_with_joins(table_with_joins, scope, &mut ons, &mut usings);
                for e in ons {
                    self.expr(e, scope);
                }
                for cols in usings {
                    self.using(cols, scope);
                }
            }
            other => {
                // Table functions, UNNEST, JSON_TABLE, PIVOT …: columns
                // unknown; their arguments are expressions of this scope.
                let (name, alias) = match other {
                    TableFactor::Function {
                        name, args, alias, ..
                    } => {
                        self.function_args(args, scope);
                        (Some(last_part(name)), alias)
                    }
                    TableFactor::UNNEST {
                        array_exprs, alias, ..
                    } => {
                        for e in array_exprs {
                            self.expr(e, scope);
                        }
                        (Some("unnest".to_string()), alias)
                    }
                    TableFactor::TableFunction { expr, alias } => {
                        self.expr(expr, scope);
                        (None, alias)
                    }
                    TableFactor::JsonTable {
                        json_expr, alias, ..
                    } => {
                        self.expr(json_expr, scope);
                        (None, alias)
                    }
                    _ => (None, &None),
                };
                // PostgreSQL names an unaliased function in FROM after the
                // function (`SELECT unnest.x FROM unnest(…)`).
                let name = match alias {
                    Some(a) => ident(&a.name),
                    None => table_factor_alias(other).or(name).unwrap_or_default(),
                };
                scope.sources.push(Source {
                    full: name.clone(),
                    name,
                    kind: Kind::Derived(None),
                });
            }
        }
    }

    fn function_args(&mut self, args: &[FunctionArg], scope: &Scope) {
        for a in args {
            let (FunctionArg::Named { arg, .. }
            | FunctionArg::ExprNamed { arg, .. }
            | FunctionArg::Unnamed(arg)) = a;
            match arg {
                FunctionArgExpr::Expr(e) => self.expr(e, scope),
                FunctionArgExpr::QualifiedWildcard(q) => self.whole_row(scope, &object_name(q)),
                _ => {}
            }
        }
    }

    fn using(&mut self, cols: &[ObjectName], scope: &Scope) {
        for c in cols {
            let col = last_part(c);
            let mut hit = false;
            let mut unknown = false;
            for s in &scope.sources {
                match &s.kind {
                    Kind::Table(t) => match self.columns_of(t) {
                        Some(list) if list.contains(&col) => {
                            hit = true;
                            self.reads.insert(ColumnRef {
                                table: t.clone(),
                                column: col.clone(),
                            });
                        }
                        Some(_) => {}
                        None => unknown = true,
                    },
                    Kind::Derived(Some(list)) if list.contains(&col) => hit = true,
                    Kind::Derived(_) => unknown = true,
                }
            }
            if !hit && !unknown {
                self.unresolved.insert(col);
            }
        }
    }

    fn insert(
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
    fn returning(&mut self, ret: Option<&[SelectItem]>, scope: &Scope) -> Option<Vec<String>> {
        let ret = ret?;
        self.projection(ret, scope);
        self.output_columns(ret, scope)
    }

    fn update(
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

    fn delete(
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

    fn assignment_target(&mut self, t: &AssignmentTarget, scope: &Scope, access: Access) {
        match t {
            AssignmentTarget::ColumnName(n) => self.assignment_name(n, scope, access),
            AssignmentTarget::Tuple(ns) => {
                for n in ns {
                    self.assignment_name(n, scope, access);
                }
            }
        }
    }

    fn assignment_name(&mut self, n: &ObjectName, scope: &Scope, access: Access) {
        let parts: Vec<Ident> = n.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
        self.column(scope, &parts, access);
    }

    /// Resolves the column references and subqueries of one expression.
    fn expr(&mut self, e: &Expr, scope: &Scope) {
        if self.depth > MAX_DEPTH {
            return;
        }
        let mut c = Collector::default();
        let _ = e.visit(&mut c);
        for parts in c.idents {
            self.column(scope, &parts, Access::Read);
        }
        for q in c.rows {
            self.whole_row(scope, &object_name(&q));
        }
        for q in c.subqueries {
            self.query(&q, Some(scope));
        }
    }

    fn column(&mut self, scope: &Scope, parts: &[Ident], access: Access) {
        let Some(last) = parts.last() else {
            return;
        };
        let col = ident(last);
        if parts.len() == 1 {
            if last.quote_style.is_none() && NOT_COLUMNS.contains(&col.as_str()) {
                return;
            }
            return self.unqualified(scope, &col, access);
        }
        let qual = parts[..parts.len() - 1]
            .iter()
            .map(ident)
            .collect::<Vec<_>>()
            .join(".");
        match find_source(scope, &qual) {
            Some(s) => {
                let s = s.clone();
                self.attribute(&s, &col, access)
            }
            None => {
                self.unresolved.insert(format!("{qual}.{col}"));
            }
        }
    }

    fn unqualified(&mut self, scope: &Scope, col: &str, access: Access) {
        let mut sc = Some(scope);
        while let Some(s) = sc {
            let mut hits: Vec<Source> = Vec::new();
            let mut unknown: Vec<Source> = Vec::new();
            for src in &s.sources {
                match &src.kind {
                    Kind::Table(t) => match self.columns_of(t) {
                        Some(list) if list.iter().any(|c| c == col) => hits.push(src.clone()),
                        Some(_) => {}
                        None => unknown.push(src.clone()),
                    },
                    Kind::Derived(Some(list)) if list.iter().any(|c| c == col) => {
                        hits.push(src.clone())
                    }
                    Kind::Derived(Some(_)) => {}
                    Kind::Derived(None) => unknown.push(src.clone()),
                }
            }
            match (hits.len(), unknown.len()) {
                (1, _) => return self.attribute(&hits[0], col, access),
                (0, 1) => return self.attribute(&unknown[0], col, access),
                (0, 0) => {}
                _ => {
                    let tables = hits
                        .iter()
                        .chain(&unknown)
                        .map(|s| match &s.kind {
                            Kind::Table(t) => t.clone(),
                            Kind::Derived(_) => s.name.clone(),
                        })
                        .collect();
                    self.ambiguous.insert(Ambiguous {
                        column: col.to_string(),
                        tables,
                    });
                    return;
                }
            }
            if s.aliases.iter().any(|a| a == col) {
                return;
            }
            sc = s.parent;
        }
        // PostgreSQL reads a bare name that no column in any scope has as
        // the whole row of the table or alias it names (`f(t)`,
        // `row_to_json(t)`): columns first, then relations.
        // <https://www.postgresql.org/docs/current/rowtypes.html#ROWTYPES-USAGE>
        if find_source(scope, col).is_some() {
            return self.whole_row(scope, col);
        }
        if !SYSTEM_COLUMNS.contains(&col) {
            self.unresolved.insert(col.to_string());
        }
    }

    fn attribute(&mut self, src: &Source, col: &str, access: Access) {
        match &src.kind {
            Kind::Table(t) => {
                let t = t.clone();
                let cols = self.columns_of(&t);
                let shown = if src.name == t {
                    col.to_string()
                } else {
                    format!("{}.{col}", src.name)
                };
                self.record(&t, col, cols.as_deref(), access, &shown);
            }
            Kind::Derived(Some(list)) => {
                if !list.iter().any(|c| c == col) {
                    self.unresolved.insert(format!("{}.{col}", src.name));
                }
            }
            Kind::Derived(None) => {}
        }
    }

    fn record(
        &mut self,
        table: &str,
        col: &str,
        known: Option<&[String]>,
        access: Access,
        shown: &str,
    ) {
        if let Some(list) = known {
            if !list.iter().any(|c| c == col) {
                if !SYSTEM_COLUMNS.contains(&col) {
                    self.unresolved.insert(shown.to_string());
                }
                return;
            }
        }
        let r = ColumnRef {
            table: table.to_string(),
            column: col.to_string(),
        };
        match access {
            Access::Read => self.reads.insert(r),
            Access::Write => self.writes.insert(r),
        };
    }
}

fn find_source<'s>(scope: &'s Scope, qual: &str) -> Option<&'s Source> {
    let mut sc = Some(scope);
    while let Some(s) = sc {
        if let Some(src) = s
            .sources
            .iter()
            .rev()
            .find(|x| x.name.eq_ignore_ascii_case(qual) || x.full.eq_ignore_ascii_case(qual))
        {
            return Some(src);
        }
        sc = s.parent;
    }
    None
}

fn constraint(j: &Join) -> Option<&JoinConstraint> {
    use JoinOperator::*;
    match &j.join_operator {
        Join(c) | Inner(c) | Left(c) | LeftOuter(c) | Right(c) | RightOuter(c) | FullOuter(c)
        | CrossJoin(c) | Semi(c) | LeftSemi(c) | RightSemi(c) | Anti(c) | LeftAnti(c)
        | RightAnti(c) | StraightJoin(c) => Some(c),
        AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}

fn table_factor_alias(f: &TableFactor) -> Option<String> {
    // Every variant but a few carries `alias: Option<TableAlias>`; reading it
    // through Display keeps this independent of the variant list.
    let text = f.to_string();
    // ASCII lower-casing keeps byte offsets valid for `text`.
    let lower = text.to_ascii_lowercase();
    let at = lower.rfind(" as ")?;
    let alias = text[at + 4..].trim();
    let alias = alias.split(['(', ' ']).next()?;
    Some(alias.trim_matches(['"', '`']).to_lowercase())
}

/// Collects the column references of an expression and its direct
/// subqueries (whose own references are resolved in their own scope).
///
/// Names that are not column references are left out: field names of a
/// composite or array access (`r.col[1].field`, `(r.col).field`), and
/// argument names of a function call (`make_interval(secs => $1)`,
/// `f(a := 1)`). The visitor walks into those nodes too, so they are
/// remembered by address and passed over when reached.
#[derive(Default)]
struct Collector {
    idents: Vec<Vec<Ident>>,
    /// `q.*` passed as a function argument (`row_to_json(t.*)`).
    rows: Vec<ObjectName>,
    subqueries: Vec<Query>,
    not_columns: HashSet<*const Expr>,
    depth: usize,
}

impl Collector {
    /// `root.a.b[1].c`: the column is the root's name and the dotted names
    /// before the first subscript (`root.a.b`); every later name is a field.
    fn field_access(&mut self, root: &Expr, chain: &[AccessExpr]) {
        let mut parts = match root {
            Expr::Identifier(i) => Some(vec![i.clone()]),
            Expr::CompoundIdentifier(p) => Some(p.clone()),
            _ => None,
        };
        if parts.is_some() {
            self.not_columns.insert(root as *const Expr);
        }
        for a in chain {
            match a {
                AccessExpr::Dot(e) => {
                    match (&mut parts, e) {
                        (Some(p), Expr::Identifier(i)) => p.push(i.clone()),
                        _ => {
                            if let Some(p) = parts.take() {
                                self.idents.push(p);
                            }
                        }
                    }
                    if matches!(e, Expr::Identifier(_)) {
                        self.not_columns.insert(e as *const Expr);
                    }
                }
                AccessExpr::Subscript(_) => {
                    if let Some(p) = parts.take() {
                        self.idents.push(p);
                    }
                }
            }
        }
        if let Some(p) = parts {
            self.idents.push(p);
        }
    }

    fn function_args(&mut self, f: &Function) {
        let FunctionArguments::List(list) = &f.args else {
            return;
        };
        for a in &list.args {
            match a {
                FunctionArg::ExprNamed { name, arg, .. } => {
                    self.not_columns.insert(name as *const Expr);
                    if let FunctionArgExpr::QualifiedWildcard(q) = arg {
                        self.rows.push(q.clone());
                    }
                }
                FunctionArg::Named { arg, .. } | FunctionArg::Unnamed(arg) => {
                    if let FunctionArgExpr::QualifiedWildcard(q) = arg {
                        self.rows.push(q.clone());
                    }
                }
            }
        }
    }
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            self.subqueries.push(q.clone());
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if self.depth > 0 || self.not_columns.contains(&(e as *const Expr)) {
            return ControlFlow::Continue(());
        }
        match e {
            Expr::Identifier(i) => self.idents.push(vec![i.clone()]),
            Expr::CompoundIdentifier(p) => self.idents.push(p.clone()),
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.field_access(root, access_chain)
            }
            Expr::Function(f) => self.function_args(f),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
