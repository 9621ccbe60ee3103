//! The names a query gives its output columns, which a CTE or derived table
//! is then read by (`WITH q AS (SELECT e.task_id::bigint …) SELECT q.task_id`).
//!
//! An alias names its column; an unaliased expression is named the way
//! PostgreSQL's `FigureColname` names it: a column reference by its column,
//! a field access by its last field, a function call by the function, a
//! cast by what it casts (or its type when that names nothing), `CASE` as
//! `case`, `EXISTS` as `exists`, `ARRAY[…]` as `array`, a scalar subquery by
//! its own first column; anything else is `?column?`, which no reference
//! matches. <https://www.postgresql.org/docs/current/sql-select.html#SQL-SELECT-LIST>

use super::{ident, last_part};
use sqlparser::ast::{AccessExpr, DataType, Expr, Query, SelectItem, SetExpr};

/// Output column names of a query, when every one is known without a
/// catalog (a `*` makes them unknown).
pub(super) fn query_names(q: &Query) -> Option<Vec<String>> {
    set_names(&q.body)
}

fn set_names(body: &SetExpr) -> Option<Vec<String>> {
    match body {
        SetExpr::Select(s) => item_names(&s.projection),
        SetExpr::Query(inner) => query_names(inner),
        SetExpr::SetOperation { left, .. } => set_names(left),
        SetExpr::Values(v) => Some(values_names(v.rows.first()?.content.len())),
        _ => None,
    }
}

/// `VALUES` columns: `column1`, `column2`, …
pub(super) fn values_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("column{i}")).collect()
}

/// The names of select items; `None` when one is a `*`.
pub(super) fn item_names(items: &[SelectItem]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            SelectItem::ExprWithAlias { alias, .. } => out.push(ident(alias)),
            SelectItem::ExprWithAliases { aliases, .. } => out.extend(aliases.iter().map(ident)),
            SelectItem::UnnamedExpr(e) => out.push(expr_name(e).0),
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => return None,
        }
    }
    Some(out)
}

/// Strength of a name, as in PostgreSQL: a type name (1) gives way to
/// anything better; `?column?` (0) is no name at all.
type Named = (String, u8);

fn unnamed() -> Named {
    ("?column?".into(), 0)
}

fn named(s: &str) -> Named {
    (s.to_string(), 2)
}

fn expr_name(e: &Expr) -> Named {
    match e {
        Expr::Identifier(i) => (ident(i), 2),
        Expr::CompoundIdentifier(p) => p.last().map(|i| (ident(i), 2)).unwrap_or_else(unnamed),
        Expr::CompoundFieldAccess { root, access_chain } => {
            // The last field name, subscripts passed over (`a.b[1]` → b).
            let field = access_chain.iter().rev().find_map(|a| match a {
                AccessExpr::Dot(Expr::Identifier(i)) => Some(ident(i)),
                _ => None,
            });
            match field {
                Some(f) => (f, 2),
                None => expr_name(root),
            }
        }
        Expr::Nested(inner) => expr_name(inner),
        Expr::Cast {
            expr, data_type, ..
        } => {
            let inner = expr_name(expr);
            if inner.1 > 1 {
                inner
            } else {
                type_name(data_type).unwrap_or(inner)
            }
        }
        Expr::TypedString(t) => type_name(&t.data_type).unwrap_or_else(unnamed),
        Expr::Function(f) => (last_part(&f.name), 2),
        Expr::Case { .. } => named("case"),
        Expr::Exists { .. } => named("exists"),
        Expr::Array(_) => named("array"),
        Expr::Subquery(q) => match query_names(q).and_then(|n| n.into_iter().next()) {
            Some(n) if n != "?column?" => (n, 2),
            _ => unnamed(),
        },
        Expr::Extract { .. } => named("extract"),
        Expr::Position { .. } => named("position"),
        Expr::Substring { .. } => named("substring"),
        Expr::Overlay { .. } => named("overlay"),
        Expr::Ceil { .. } => named("ceil"),
        Expr::Floor { .. } => named("floor"),
        Expr::Interval(_) => named("interval"),
        _ => unnamed(),
    }
}

/// A cast's type as a column name: a one-word type as written. PostgreSQL
/// uses the internal name (`int4` for `int`, `timestamptz` for `timestamp
/// with time zone`); a multi-word type names nothing here, and the
/// built-in synonyms are left as written (no query reads a column by them).
fn type_name(t: &DataType) -> Option<Named> {
    let text = match t {
        DataType::Custom(name, _) => last_part(name),
        other => other.to_string().to_lowercase(),
    };
    let word = text.split(['(', '[']).next()?.trim();
    (!word.is_empty() && !word.contains(char::is_whitespace)).then(|| (word.to_string(), 1))
}
