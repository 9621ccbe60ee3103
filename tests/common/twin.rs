//! The engine as the reference: a table migrated by `shipgate osc` next to
//! an identical twin changed by the engine's own `ALTER TABLE`, compared
//! row for row and by definition (MySQL `SHOW CREATE TABLE`, PostgreSQL
//! columns, indexes, constraints and storage parameters), each modulo the
//! table's name.

use super::db::{Kind, TestDb};
use super::osc::{osc, text};
use shipgate::osc::db::Conn;
use std::process::Output;

/// `{t}` in a template replaced by a table name.
pub fn named(template: &str, t: &str) -> String {
    template.replace("{t}", t)
}

/// The table's definition as text, its own name replaced by `T`.
pub async fn definition(c: &mut Conn, kind: Kind, table: &str) -> String {
    let raw = match kind {
        Kind::My => c
            .rows(&format!("SHOW CREATE TABLE `{table}`"))
            .await
            .unwrap()
            .remove(0)
            .remove(1)
            .unwrap_or_default(),
        Kind::Pg => {
            let lit = format!("'{table}'");
            let mut out = vec![];
            for sql in [
                format!("SELECT column_name || ' ' || data_type || ' ' || coalesce(character_maximum_length::text, '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' ' || coalesce(collation_name, '') FROM information_schema.columns WHERE table_schema = current_schema AND table_name = {lit} ORDER BY ordinal_position"),
                format!("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema AND tablename = {lit} ORDER BY indexname"),
                format!("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {lit}::regclass ORDER BY conname"),
                format!("SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = {lit}::regclass"),
            ] {
                for r in c.rows(&sql).await.unwrap() {
                    out.push(
                        r.into_iter()
                            .map(|v| v.unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
            out.join("\n")
        }
    };
    raw.replace(table, "T")
}

/// Every row, every column as text, sorted.
pub async fn all_rows(c: &mut Conn, kind: Kind, table: &str) -> Vec<Vec<Option<String>>> {
    let q = kind.engine().quote_ident(table);
    let mut rows = c.rows(&format!("SELECT * FROM {q}")).await.unwrap();
    rows.sort();
    rows
}

/// Creates `<name>_osc` and `<name>_eng` with `setup` (statements with
/// `{t}`), runs `alter` through `shipgate osc --drop-old` on the first and
/// as it is on the second. Ok: the osc run's output, both tables equal;
/// Err: what differed (or the run's failure).
pub async fn osc_vs_engine(
    db: &TestDb,
    name: &str,
    setup: &[&str],
    alter: &str,
) -> Result<Output, String> {
    let (o, e) = (format!("{name}_osc"), format!("{name}_eng"));
    let mut c = db.conn().await;
    for s in setup {
        c.exec(&named(s, &o)).await.unwrap();
        c.exec(&named(s, &e)).await.unwrap();
    }
    let out = osc(&db.url, &["--yes", "--drop-old", &named(alter, &o)]);
    if !out.status.success() {
        return Err(format!("{alter}: the osc run failed: {}", text(&out)));
    }
    c.exec(&named(alter, &e)).await.unwrap();
    compare(&mut c, db.kind, &o, &e)
        .await
        .map_err(|d| format!("{alter}: {d}"))?;
    Ok(out)
}

/// Ok when both tables have the same definition (modulo their names) and
/// the same rows.
pub async fn compare(c: &mut Conn, kind: Kind, o: &str, e: &str) -> Result<(), String> {
    let (d_osc, d_eng) = (definition(c, kind, o).await, definition(c, kind, e).await);
    if d_osc != d_eng {
        return Err(format!(
            "definitions differ\nosc:\n{d_osc}\nengine:\n{d_eng}"
        ));
    }
    let (r_osc, r_eng) = (all_rows(c, kind, o).await, all_rows(c, kind, e).await);
    if r_osc != r_eng {
        let first = r_osc
            .iter()
            .zip(&r_eng)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("osc {a:?} / engine {b:?}"))
            .unwrap_or_else(|| format!("{} rows / {} rows", r_osc.len(), r_eng.len()));
        return Err(format!("rows differ: {first}"));
    }
    Ok(())
}
