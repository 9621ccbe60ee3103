//! Expressions: the column references of an expression (field accesses and
//! named function arguments are not columns), looked up innermost scope
//! first, and each read or write recorded against the catalog — or kept as
//! unresolved or ambiguous.

use super::scope::{find_source, Kind, Scope, Source};
use super::{ident, object_name, Access, Ambiguous, ColumnRef, Resolver, MAX_DEPTH};
use sqlparser::ast::{
    AccessExpr, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    Query, Visit, Visitor,
};
use std::collections::HashSet;
use std::ops::ControlFlow;

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
    /// Resolves the column references and subqueries of one expression.
    pub(super) fn expr(&mut self, e: &Expr, scope: &Scope) {
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

    pub(super) fn column(&mut self, scope: &Scope, parts: &[Ident], access: Access) {
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

    pub(super) fn unqualified(&mut self, scope: &Scope, col: &str, access: Access) {
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

    pub(super) fn attribute(&mut self, src: &Source, col: &str, access: Access) {
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

    pub(super) fn record(
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
