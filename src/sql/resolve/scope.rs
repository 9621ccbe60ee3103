//! The scope of a query: the tables, derived tables and functions its FROM
//! clause brings in (under their alias), its CTEs and output aliases, and
//! the enclosing scope a correlated reference is looked up in next; joins,
//! their ON and USING conditions.

use super::{ident, last_part, object_name, ColumnRef, Resolver};
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, Join, JoinConstraint, JoinOperator, ObjectName,
    TableFactor, TableWithJoins,
};

#[derive(Debug, Clone)]
pub(super) enum Kind {
    Table(String),
    /// A CTE, derived table or table function; its columns if known.
    Derived(Option<Vec<String>>),
}

#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The name the query refers to it by (alias, or the table's last part).
    pub(super) name: String,
    /// The full table name (for `schema.table.column` references).
    pub(super) full: String,
    pub(super) kind: Kind,
}

#[derive(Default)]
pub(super) struct Scope<'a> {
    pub(super) sources: Vec<Source>,
    pub(super) ctes: Vec<(String, Option<Vec<String>>)>,
    pub(super) aliases: Vec<String>,
    pub(super) parent: Option<&'a Scope<'a>>,
}

impl<'a> Scope<'a> {
    pub(super) fn child(parent: Option<&'a Scope<'a>>) -> Scope<'a> {
        Scope {
            parent,
            ..Scope::default()
        }
    }

    pub(super) fn cte(&self, name: &str) -> Option<Option<Vec<String>>> {
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

pub(super) fn find_source<'s>(scope: &'s Scope, qual: &str) -> Option<&'s Source> {
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

impl<'c> Resolver<'c> {
    pub(super) fn table_with_joins<'q>(
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

    pub(super) fn factor_joined<'q>(
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
    pub(super) fn factor(&mut self, f: &TableFactor, scope: &mut Scope) {
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

    pub(super) fn function_args(&mut self, args: &[FunctionArg], scope: &Scope) {
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

    pub(super) fn using(&mut self, cols: &[ObjectName], scope: &Scope) {
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
}
