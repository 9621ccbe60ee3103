//! Which rows the oracle samples: both ends of the key order, a zero key,
//! the NULL, smallest and largest value of every column an index leads
//! with, and the first NULL of each other column near the start. Every
//! lookup is an index scan or a bounded key range.

use crate::engine::Engine;
use crate::osc::db::{literal, Conn};
use crate::osc::plan::{Column, Plan};
use crate::osc::Result;
use std::collections::BTreeSet;

/// Rows taken from each end of the key order.
pub const ENDS: u64 = 1000;
/// Rows (from the start, by key) searched for NULLs in unindexed columns.
pub const NULL_SCAN: u64 = 50_000;
/// Indexed columns looked up for NULL/min/max, at most.
const MAX_INDEXED: usize = 16;

/// The keys of the sample, as text, each once.
pub(super) async fn keys(conn: &mut Conn, plan: &Plan, src: &[Column]) -> Result<Vec<Vec<String>>> {
    let t = plan.qt(&plan.table);
    let keys: Vec<String> = plan.key.iter().map(|k| plan.q(&k.name)).collect();
    let sel: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{} AS _sg_k{i}", plan.key_text(i, k)))
        .collect();
    let sel = sel.join(", ");
    let asc = keys.join(", ");
    let desc = keys
        .iter()
        .map(|k| format!("{k} DESC"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut queries = vec![
        format!("SELECT {sel} FROM {t} ORDER BY {asc} LIMIT {ENDS}"),
        format!("SELECT {sel} FROM {t} ORDER BY {desc} LIMIT {ENDS}"),
    ];
    let k0 = &plan.key[0];
    let base = k0.ty.to_ascii_lowercase();
    let base = base.split(['(', ' ']).next().unwrap_or_default();
    let numeric = matches!(
        base,
        "int" | "integer" | "bigint" | "smallint" | "tinyint" | "mediumint" | "numeric" | "decimal"
    );
    if numeric {
        queries.push(format!(
            "SELECT {sel} FROM {t} WHERE {} = 0 ORDER BY {asc} LIMIT 10",
            keys[0]
        ));
    }
    let key_names: BTreeSet<&str> = plan.key.iter().map(|k| k.name.as_str()).collect();
    let indexed = leading_index_columns(conn, plan).await?;
    for c in indexed
        .iter()
        .filter(|c| !key_names.contains(c.as_str()))
        .take(MAX_INDEXED)
    {
        let q = plan.q(c);
        for cond in [
            format!("{q} IS NULL LIMIT 1"),
            format!("{q} IS NOT NULL ORDER BY {q} LIMIT 1"),
            format!("{q} IS NOT NULL ORDER BY {q} DESC LIMIT 1"),
        ] {
            queries.push(format!("SELECT {sel} FROM {t} WHERE {cond}"));
        }
    }
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for q in &queries {
        for r in conn.rows(q).await? {
            out.insert(r.into_iter().map(|v| v.unwrap_or_default()).collect());
        }
    }
    // NULLs in the other columns, among the first rows by key.
    let others: Vec<&Column> = src
        .iter()
        .filter(|c| !key_names.contains(c.name.as_str()) && !indexed.contains(&c.name))
        .collect();
    if plan.key.len() == 1 && !others.is_empty() {
        let k = &keys[0];
        // The first NULL of each column by key order: ORDER BY … LIMIT 1
        // works for every orderable key type (there is no min(bytea)).
        let firsts: Vec<String> = others
            .iter()
            .map(|c| {
                format!(
                    "(SELECT {} FROM s WHERE {} IS NULL ORDER BY {k} LIMIT 1)",
                    plan.key_text(0, k),
                    plan.q(&c.name)
                )
            })
            .collect();
        let cols: Vec<String> = others.iter().map(|c| plan.q(&c.name)).collect();
        let sql = format!(
            "WITH s AS (SELECT {k}, {} FROM {t} ORDER BY {k} LIMIT {NULL_SCAN}) SELECT {}",
            cols.join(", "),
            firsts.join(", ")
        );
        if let Some(r) = conn.rows(&sql).await?.into_iter().next() {
            for v in r.into_iter().flatten() {
                out.insert(vec![v]);
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// Columns that lead a plain B-tree index (their NULL, min and max are
/// index lookups).
async fn leading_index_columns(conn: &mut Conn, plan: &Plan) -> Result<Vec<String>> {
    let sql = if plan.engine == Engine::Postgres {
        format!(
            "SELECT DISTINCT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_am am ON am.oid = c.relam \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE i.indrelid = {}::regclass AND am.amname = 'btree' AND i.indpred IS NULL ORDER BY 1",
            literal(plan.engine, &plan.qt(&plan.table))
        )
    } else {
        format!(
            "SELECT DISTINCT column_name FROM information_schema.statistics \
             WHERE table_schema = {} AND table_name = {} AND seq_in_index = 1 \
             AND index_type = 'BTREE' AND sub_part IS NULL ORDER BY 1",
            literal(plan.engine, &plan.schema),
            literal(plan.engine, &plan.table)
        )
    };
    Ok(conn
        .rows(&sql)
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}
