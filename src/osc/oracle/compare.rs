//! Comparing two scratch tables row by row, joined by the shadow's key,
//! on exact forms of their values.

use super::{sq, Scratch};
use crate::engine::Engine;
use crate::osc::copy::text_of;
use crate::osc::db::Conn;
use crate::osc::plan::{Column, Plan};
use crate::osc::Result;

const SPATIAL: &[&str] = &[
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

fn is_spatial(ty: &str) -> bool {
    SPATIAL.contains(&ty.to_ascii_lowercase().as_str())
}

/// A value in a form equal only for equal values (case, trailing spaces
/// and bytes count): PostgreSQL's text output; MySQL's bytes.
fn exact(plan: &Plan, c: &Column, expr: &str) -> String {
    match plan.engine {
        Engine::Postgres => format!("({expr})::text"),
        _ if is_spatial(&c.ty) => format!("ST_AsBinary({expr})"),
        _ => format!("CAST({expr} AS BINARY)"),
    }
}

/// A value as text to show.
fn shown(plan: &Plan, c: &Column, expr: &str) -> String {
    match plan.engine {
        Engine::Postgres => format!("({expr})::text"),
        _ if is_spatial(&c.ty) => format!("ST_AsText({expr})"),
        _ => format!("CAST({expr} AS CHAR)"),
    }
}

pub(super) struct Difference {
    /// None: the row is missing on the right.
    pub(super) column: Option<String>,
    key: Vec<String>,
    left: Option<String>,
    right: Option<String>,
}

impl Difference {
    pub(super) fn message(&self, plan: &Plan, n: u64) -> String {
        let key: Vec<String> = plan
            .shadow_key
            .iter()
            .zip(&self.key)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "NULL".into());
        match &self.column {
            Some(c) => format!(
                "the shadow copy would not give what the engine's own ALTER gives: column {c} differs on a sample of {n} rows of {}.{}; nothing was created.\n  row {}: engine's ALTER {c} = {}, shadow copy {c} = {}",
                plan.schema,
                plan.table,
                key.join(", "),
                v(&self.left),
                v(&self.right)
            ),
            None => format!(
                "the shadow copy would not give what the engine's own ALTER gives: the row {} is missing from the copy of a sample of {n} rows of {}.{}; nothing was created",
                key.join(", "),
                plan.schema,
                plan.table
            ),
        }
    }
}

/// The first row of `left` whose values differ from the row with the same
/// key in `right`, and the first column that differs (`skip` left out).
#[allow(clippy::too_many_arguments)]
pub(super) async fn first_difference(
    conn: &mut Conn,
    plan: &Plan,
    s: &Scratch,
    left: &str,
    right: &str,
    shape: &[Column],
    skip: &[String],
) -> Result<Option<Difference>> {
    let cols: Vec<&Column> = shape.iter().filter(|c| !skip.contains(&c.name)).collect();
    let eq = if plan.engine == Engine::Postgres {
        "IS NOT DISTINCT FROM"
    } else {
        "<=>"
    };
    let flags: Vec<String> = cols
        .iter()
        .map(|c| {
            let q = plan.q(&c.name);
            format!(
                "({} {eq} {})",
                exact(plan, c, &format!("l.{q}")),
                exact(plan, c, &format!("r.{q}"))
            )
        })
        .collect();
    let flag_text: Vec<String> = flags
        .iter()
        .map(|f| {
            if plan.engine == Engine::Postgres {
                format!("({f})::text")
            } else {
                format!("CAST({f} AS CHAR)")
            }
        })
        .collect();
    let join: Vec<String> = plan
        .shadow_key
        .iter()
        .map(|k| format!("l.{0} = r.{0}", plan.q(k)))
        .collect();
    let key_text: Vec<String> = plan
        .shadow_key
        .iter()
        .map(|k| text_of(plan, &format!("l.{}", plan.q(k))))
        .collect();
    let present = text_of(
        plan,
        &format!("r.{} IS NOT NULL", plan.q(&plan.shadow_key[0])),
    );
    let mut sel = vec![present];
    sel.extend(key_text);
    sel.extend(flag_text);
    for side in ["l", "r"] {
        sel.extend(
            cols.iter()
                .map(|c| shown(plan, c, &format!("{side}.{}", plan.q(&c.name)))),
        );
    }
    let all = if flags.is_empty() {
        "TRUE".to_string()
    } else {
        flags.join(" AND ")
    };
    let sql = format!(
        "SELECT {} FROM {} l LEFT JOIN {} r ON {} WHERE NOT ({all}) ORDER BY {} LIMIT 1",
        sel.join(", "),
        sq(plan, s, left),
        sq(plan, s, right),
        join.join(" AND "),
        plan.shadow_key
            .iter()
            .map(|k| format!("l.{}", plan.q(k)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let Some(row) = conn.rows(&sql).await?.into_iter().next() else {
        return Ok(None);
    };
    let nk = plan.shadow_key.len();
    let nc = cols.len();
    let truthy = |v: &Option<String>| matches!(v.as_deref(), Some("true" | "1" | "t"));
    let key: Vec<String> = row[1..1 + nk]
        .iter()
        .map(|v| v.clone().unwrap_or_default())
        .collect();
    if !truthy(&row[0]) {
        return Ok(Some(Difference {
            column: None,
            key,
            left: None,
            right: None,
        }));
    }
    let at = (0..nc).find(|i| !truthy(&row[1 + nk + i])).unwrap_or(0);
    Ok(Some(Difference {
        column: Some(cols[at].name.clone()),
        key,
        left: row[1 + nk + nc + at].clone(),
        right: row[1 + nk + 2 * nc + at].clone(),
    }))
}
