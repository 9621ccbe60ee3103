//! PostgreSQL: setup runs in one transaction (DDL is transactional there),
//! the cut-over is one transaction under `lock_timeout`
//! (<https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT>)
//! that replays the last changes, swaps the names, re-points foreign keys
//! (added `NOT VALID`, validated after the lock is gone), views and owned
//! sequences, and moves identity positions.

use crate::engine::Engine;
use crate::osc::alter::Alter;
use crate::osc::db::{literal, Conn};
use crate::osc::journal::{Extra, Journal};
use crate::osc::mapping::ColumnMap;
use crate::osc::plan::{self, Column, Plan, PlanInput};
use crate::osc::{OscError, Result};

const E: Engine = Engine::Postgres;

/// Marks a statement that may fail and then runs the following fallback.
pub const VIEW_MARK: &str = "/*sg:try*/";
/// Marks the fallback of the statement before; skipped when that one worked.
pub const VIEW_FALLBACK: &str = "/*sg:fallback*/";

fn lit(s: &str) -> String {
    literal(E, s)
}

fn q(s: &str) -> String {
    E.quote_ident(s)
}

fn qt(schema: &str, t: &str) -> String {
    format!("{}.{}", q(schema), q(t))
}

/// `regclass` literal for a table.
fn reg(schema: &str, t: &str) -> String {
    format!("{}::regclass", lit(&qt(schema, t)))
}

/// `lock_timeout` for the transaction (`local`) or the session, in whole
/// milliseconds, at least one (zero would mean no limit).
pub fn lock_timeout_sql(wait: std::time::Duration, local: bool) -> String {
    let ms = wait.as_millis().max(1);
    let scope = if local { "LOCAL" } else { "SESSION" };
    format!("SET {scope} lock_timeout = '{ms}ms'")
}

/// Rows in the table by the catalog (`reltuples`), or for a table never
/// vacuumed or analysed by the planner (its size-based EXPLAIN estimate).
pub async fn estimate_rows(conn: &mut Conn, schema: &str, t: &str) -> Result<i64> {
    let n = conn
        .scalar_i64(&format!(
            "SELECT greatest(reltuples, 0)::bigint::text FROM pg_class WHERE oid = {}",
            reg(schema, t)
        ))
        .await?;
    if n > 0 {
        return Ok(n);
    }
    // "Seq Scan on t  (cost=0.00..1.00 rows=123 width=0)"
    let line = conn
        .scalar(&format!("EXPLAIN SELECT 1 FROM {}", qt(schema, t)))
        .await?
        .unwrap_or_default();
    Ok(line
        .split("rows=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .unwrap_or(0))
}

/// The advisory lock id for a table: one run per table at a time.
pub fn lock_sql(schema: &str, table: &str, unlock: bool) -> String {
    let f = if unlock {
        "pg_advisory_unlock"
    } else {
        "pg_try_advisory_lock"
    };
    format!(
        "SELECT {f}(hashtextextended({}, 0))::text",
        lit(&format!("shipgate-osc:{schema}.{table}"))
    )
}

pub async fn current_schema(conn: &mut Conn) -> Result<String> {
    Ok(conn
        .scalar("SELECT current_schema()")
        .await?
        .unwrap_or_else(|| "public".into()))
}

pub async fn table_exists(conn: &mut Conn, schema: &str, t: &str) -> Result<bool> {
    Ok(conn
        .scalar_i64(&format!(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {} AND c.relname = {}",
            lit(schema),
            lit(t)
        ))
        .await?
        > 0)
}

pub async fn columns(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<Column>> {
    let rows = conn
        .rows(&format!(
            "SELECT attname, format_type(atttypid, atttypmod), (attgenerated = '')::text \
             FROM pg_attribute WHERE attrelid = {} AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            reg(schema, t)
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Column {
            name: r[0].clone().unwrap_or_default(),
            ty: r[1].clone().unwrap_or_default(),
            writable: r[2].as_deref() == Some("true"),
        })
        .collect())
}

/// Primary key columns, or those of a non-partial unique index over NOT NULL columns.
pub async fn key(conn: &mut Conn, schema: &str, t: &str) -> Result<Option<Vec<String>>> {
    Ok(unique_keys(conn, schema, t).await?.into_iter().next())
}

/// Every key that identifies a row: the primary key first, then each
/// valid, non-partial unique index on plain columns that are all NOT NULL.
pub async fn unique_keys(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<Vec<String>>> {
    let rows = conn
        .rows(&format!(
            "SELECT i.indexrelid::text, a.attname, i.indisprimary::text, \
               (SELECT bool_and(x.attnotnull) FROM pg_attribute x WHERE x.attrelid = i.indrelid AND x.attnum = ANY(i.indkey))::text \
             FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = {} AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid \
             ORDER BY i.indisprimary DESC, i.indexrelid, k.ord",
            reg(schema, t)
        ))
        .await?;
    let mut out: Vec<(String, Vec<String>)> = vec![];
    for r in rows {
        let id = r[0].clone().unwrap_or_default();
        let ok = r[2].as_deref() == Some("true") || r[3].as_deref() == Some("true");
        if !ok {
            continue;
        }
        let col = r[1].clone().unwrap_or_default();
        match out.last_mut() {
            Some((b, cols)) if *b == id => cols.push(col),
            _ => out.push((id, vec![col])),
        }
    }
    Ok(out.into_iter().map(|b| b.1).collect())
}

/// Reasons the table cannot be migrated online, checked before anything is created.
pub async fn refusals(conn: &mut Conn, schema: &str, t: &str) -> Result<Vec<String>> {
    let mut out = vec![];
    let r = reg(schema, t);
    let kind = conn
        .rows(&format!(
            "SELECT relkind::text, relispartition::text FROM pg_class WHERE oid = {r}"
        ))
        .await?;
    let kind = kind.first().cloned().unwrap_or_default();
    if kind.first().cloned().flatten().as_deref() == Some("p") {
        out.push("the table is partitioned; shipgate osc copies plain tables only".into());
    } else if kind.first().cloned().flatten().as_deref() != Some("r") {
        out.push("not an ordinary table".into());
    }
    if kind.get(1).cloned().flatten().as_deref() == Some("true") {
        out.push("the table is a partition; migrate the partitioned parent instead".into());
    }
    let trg = conn
        .rows(&format!(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = {r} AND NOT tgisinternal AND tgname NOT LIKE '\\_sg\\_%'"
        ))
        .await?;
    if !trg.is_empty() {
        let names: Vec<String> = trg.into_iter().filter_map(|x| x[0].clone()).collect();
        out.push(format!(
            "the table has triggers ({}) that shipgate osc cannot carry to the new table",
            names.join(", ")
        ));
    }
    let selffk = conn
        .scalar_i64(&format!("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = {r} AND confrelid = {r}"))
        .await?;
    if selffk > 0 {
        out.push("the table has a self-referencing foreign key".into());
    }
    let mv = conn
        .rows(&format!(
            "SELECT DISTINCT v.oid::regclass::text FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid \
             JOIN pg_class v ON v.oid = w.ev_class WHERE d.classid = 'pg_rewrite'::regclass \
             AND d.refobjid = {r} AND v.relkind = 'm'"
        ))
        .await?;
    if !mv.is_empty() {
        out.push(format!(
            "materialized views depend on the table ({})",
            mv.into_iter()
                .filter_map(|x| x[0].clone())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if key(conn, schema, t).await?.is_none() {
        out.push("the table has no primary key and no unique index over NOT NULL columns; rows cannot be tracked".into());
    }
    Ok(out)
}

/// Builds the plan from the live table and its (existing) shadow.
pub async fn plan(conn: &mut Conn, alter: &Alter, statement: &str, schema: &str) -> Result<Plan> {
    let names = plan::names_for(&alter.table)?;
    let src = columns(conn, schema, &alter.table).await?;
    let sh = columns(conn, schema, &names.shadow).await?;
    let map = ColumnMap::of(E, alter);
    let fixed = if table_exists(conn, schema, &names.changes).await? {
        Some(plan::key_of_changes(
            columns(conn, schema, &names.changes).await?,
        ))
    } else {
        None
    };
    let (k, sk) = plan::choose_key(
        E,
        &map,
        &unique_keys(conn, schema, &alter.table).await?,
        &unique_keys(conn, schema, &names.shadow).await?,
        fixed,
    )?;
    plan::build(PlanInput {
        engine: E,
        statement,
        schema,
        table: &alter.table,
        source: &src,
        shadow: &sh,
        key: &k,
        shadow_key: &sk,
        map: &map,
    })
}

/// Setup statements, run in one transaction by the caller: shadow with the new
/// shape; the secondary indexes are recorded and removed so the copy only
/// maintains the primary key. Returns (statements before planning, extra).
pub async fn create_shadow(conn: &mut Conn, alter: &Alter, schema: &str) -> Result<Vec<String>> {
    let names = plan::names_for(&alter.table)?;
    let create = format!(
        "CREATE TABLE {} (LIKE {} INCLUDING ALL)",
        qt(schema, &names.shadow),
        qt(schema, &alter.table)
    );
    conn.exec(&create).await?;
    let mut setup = vec![create];
    // LIKE copies no storage parameters (`WITH (fillfactor=80)`, and the
    // TOAST table's `toast.…`): the shadow gets the table's before the
    // ALTER, which may change them.
    let opts: Vec<String> = conn
        .rows(&format!(
            "SELECT o FROM pg_class c, unnest(c.reloptions) o WHERE c.oid = {r} \
             UNION ALL SELECT 'toast.' || o FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid, \
             unnest(t.reloptions) o WHERE c.oid = {r}",
            r = reg(schema, &alter.table)
        ))
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .filter_map(|o| {
            let (name, value) = o.split_once('=')?;
            let name: Vec<String> = name.split('.').map(q).collect();
            Some(format!("{} = {}", name.join("."), lit(value)))
        })
        .collect();
    if !opts.is_empty() {
        let set = format!(
            "ALTER TABLE {} SET ({})",
            qt(schema, &names.shadow),
            opts.join(", ")
        );
        conn.exec(&set).await?;
        setup.push(set);
    }
    // LIKE copies no foreign keys: the shadow gets the table's after the
    // copy, read from the table itself, so dropping one cannot be carried.
    let fks: Vec<String> = conn
        .rows(&format!(
            "SELECT conname FROM pg_constraint WHERE conrelid = {} AND contype = 'f'",
            reg(schema, &alter.table)
        ))
        .await?
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    for op in &alter.stmt.operations {
        if let sqlparser::ast::AlterTableOperation::DropConstraint { name, .. } = op {
            let n = crate::osc::alter::ident_name(E, name);
            if fks.contains(&n) {
                return Err(OscError::Refused(format!(
                    "DROP CONSTRAINT {n} drops a foreign key, which shipgate osc does not carry to the new table; \
                     drop it first with a plain ALTER TABLE (no rewrite, a short lock), then run the rest"
                )));
            }
        }
    }
    let alter = constraints_renamed_for(conn, alter, schema, schema, &names.shadow).await?;
    let retargeted = alter.retarget(E, Some(schema), &names.shadow);
    conn.exec(&retargeted).await?;
    setup.push(retargeted);
    Ok(setup)
}

/// `alter` with the key, unique and exclusion constraints it names by the
/// table's name (`t_pkey`) renamed to their counterparts on `copy`, a table
/// made `LIKE` it (`alter`'s table in `schema`, `copy` in `copy_schema`): `LIKE` gives the copy's constraints names
/// of its own (`_sg_new_t_pkey`), the counterpart is the one with the same
/// kind and definition. Used for the shadow and the oracle's scratch tables.
pub async fn constraints_renamed_for(
    conn: &mut Conn,
    alter: &Alter,
    schema: &str,
    copy_schema: &str,
    copy: &str,
) -> Result<Alter> {
    let cons = |schema: &str, t: &str| {
        format!(
            "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = {} AND contype IN ('p', 'u', 'x') ORDER BY oid",
            reg(schema, t)
        )
    };
    let src = conn.rows(&cons(schema, &alter.table)).await?;
    let dst = conn.rows(&cons(copy_schema, copy)).await?;
    let mut used = vec![false; dst.len()];
    let mut rename = std::collections::BTreeMap::new();
    for c in &src {
        if let Some((i, d)) = dst
            .iter()
            .enumerate()
            .find(|(i, d)| !used[*i] && d[1] == c[1] && d[2] == c[2])
        {
            used[i] = true;
            rename.insert(
                c[0].clone().unwrap_or_default(),
                d[0].clone().unwrap_or_default(),
            );
        }
    }
    let mut alter = alter.clone();
    let to_copy = |i: &mut sqlparser::ast::Ident| {
        if let Some(n) = rename.get(&crate::osc::alter::ident_name(E, i)) {
            *i = sqlparser::ast::Ident::with_quote('"', n);
        }
    };
    for op in &mut alter.stmt.operations {
        match op {
            sqlparser::ast::AlterTableOperation::DropConstraint { name, .. } => to_copy(name),
            sqlparser::ast::AlterTableOperation::RenameConstraint { old_name, .. } => {
                to_copy(old_name)
            }
            _ => {}
        }
    }
    Ok(alter)
}

/// Reads the shadow's secondary indexes and the source's outgoing foreign
/// keys; returns the statements that drop them now and those that rebuild
/// them after the copy.
pub async fn defer_indexes(conn: &mut Conn, p: &Plan) -> Result<(Vec<String>, Extra)> {
    let sh = reg(&p.schema, &p.shadow);
    let mut drop = vec![];
    let mut extra = Extra::default();
    // Constraint-backed indexes, the primary key first: the copy writes a
    // bare heap (a chunk and its journal position commit together, so no key
    // is needed to avoid duplicates) and the indexes are built sorted afterwards.
    let cons = conn
        .rows(&format!(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {sh} AND contype IN ('p', 'u', 'x') ORDER BY contype <> 'p', conname"
        ))
        .await?;
    for c in &cons {
        let name = c[0].clone().unwrap_or_default();
        drop.push(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            p.qt(&p.shadow),
            q(&name)
        ));
        extra.post_copy.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            p.qt(&p.shadow),
            q(&name),
            c[1].clone().unwrap_or_default()
        ));
    }
    let idx = conn
        .rows(&format!(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE i.indrelid = {sh} AND NOT i.indisprimary AND NOT EXISTS \
             (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname"
        ))
        .await?;
    for i in &idx {
        drop.push(format!(
            "DROP INDEX {}",
            p.qt(&i[0].clone().unwrap_or_default())
        ));
        extra.post_copy.push(i[1].clone().unwrap_or_default());
    }
    // Foreign keys from the table: LIKE does not copy them; add them after the copy.
    let fks = conn
        .rows(&format!(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {} AND contype = 'f' ORDER BY conname",
            reg(&p.schema, &p.table)
        ))
        .await?;
    for f in &fks {
        let name = q(&f[0].clone().unwrap_or_default());
        extra.post_copy.push(format!(
            "ALTER TABLE {} ADD CONSTRAINT {name} {} NOT VALID",
            p.qt(&p.shadow),
            f[1].clone().unwrap_or_default()
        ));
        extra.post_copy.push(format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {name}",
            p.qt(&p.shadow)
        ));
    }
    Ok((drop, extra))
}

/// The change table, the capture function and its trigger.
pub fn capture_sql(p: &Plan) -> Vec<String> {
    let mut v = capture_objects_sql(p);
    v.push(capture_trigger_sql(p));
    v
}

/// The trigger on `p.table` that feeds the change table.
pub fn capture_trigger_sql(p: &Plan) -> String {
    format!(
        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
        q(&format!("{}_trg", p.changes)),
        p.qt(&p.table),
        qt(&p.schema, &format!("{}_fn", p.changes))
    )
}

/// The change table and the capture function, without the trigger.
pub fn capture_objects_sql(p: &Plan) -> Vec<String> {
    let cols: Vec<String> = p
        .key
        .iter()
        .map(|k| format!("{} {}", q(&k.name), k.ty))
        .collect();
    let klist: Vec<String> = p.key.iter().map(|k| q(&k.name)).collect();
    let vals = |rec: &str| -> String {
        p.key
            .iter()
            .map(|k| format!("{rec}.{}", q(&k.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ins = |rec: &str, op: &str| {
        format!(
            "INSERT INTO {} ({}, op) VALUES ({}, '{op}');",
            p.qt(&p.changes),
            klist.join(", "),
            vals(rec)
        )
    };
    let func = qt(&p.schema, &format!("{}_fn", p.changes));
    vec![
        format!(
            "CREATE TABLE {} (_sg_seq bigserial PRIMARY KEY, {}, op char(1) NOT NULL)",
            p.qt(&p.changes),
            cols.join(", ")
        ),
        format!(
            "CREATE INDEX ON {} ({})",
            p.qt(&p.changes),
            klist.join(", ")
        ),
        format!(
            "CREATE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $sg$\nBEGIN\n\
             IF TG_OP = 'INSERT' THEN {}\n\
             ELSIF TG_OP = 'DELETE' THEN {}\n\
             ELSE {} IF ROW({}) IS DISTINCT FROM ROW({}) THEN {} END IF;\n\
             END IF;\nRETURN NULL;\nEND\n$sg$",
            ins("NEW", "I"),
            ins("OLD", "D"),
            ins("OLD", "U"),
            vals("NEW"),
            vals("OLD"),
            ins("NEW", "U")
        ),
    ]
}

/// Everything shipgate created for this table, dropped (the old table only if asked).
/// Takes the capture trigger off the live table.
pub fn capture_off_sql(schema: &str, table: &str) -> String {
    let n = plan::names_for(table).expect("names were valid at setup");
    format!(
        "DROP TRIGGER IF EXISTS {} ON {}",
        q(&format!("{}_trg", n.changes)),
        qt(schema, table)
    )
}

pub fn teardown_sql(schema: &str, table: &str, drop_old: bool) -> Vec<String> {
    let n = plan::names_for(table).expect("names were valid at setup");
    let mut v = vec![
        capture_off_sql(schema, table),
        format!(
            "DROP TRIGGER IF EXISTS {} ON {}",
            q(&format!("{}_trg", n.changes)),
            qt(schema, &n.old)
        ),
        format!("DROP TABLE IF EXISTS {}", qt(schema, &n.shadow)),
        format!("DROP TABLE IF EXISTS {}", qt(schema, &n.changes)),
        format!(
            "DROP FUNCTION IF EXISTS {}()",
            qt(schema, &format!("{}_fn", n.changes))
        ),
    ];
    if drop_old {
        v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.old)));
        v.extend(reverse_teardown_sql(schema, table, &[table, &n.reverted]));
        v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.reverted)));
    }
    v
}

/// The reverse capture (`osc revert`): its trigger on each of `on` (the
/// table it may sit on), its function and its change table.
pub fn reverse_teardown_sql(schema: &str, table: &str, on: &[&str]) -> Vec<String> {
    let n = plan::names_for(table).expect("names were valid at setup");
    let mut v: Vec<String> = on
        .iter()
        .map(|t| {
            format!(
                "DROP TRIGGER IF EXISTS {} ON {}",
                q(&format!("{}_trg", n.reverse)),
                qt(schema, t)
            )
        })
        .collect();
    v.push(format!("DROP TABLE IF EXISTS {}", qt(schema, &n.reverse)));
    v.push(format!(
        "DROP FUNCTION IF EXISTS {}()",
        qt(schema, &format!("{}_fn", n.reverse))
    ));
    v
}

/// Pairs (index on the old table, index on the shadow) to rename at cut-over:
/// a shadow index takes the name of the old index with the same definition,
/// or its own name with the shadow prefix replaced by the table's name.
async fn index_renames(conn: &mut Conn, p: &Plan) -> Result<Vec<(String, String)>> {
    let defs = |t: &str| {
        format!(
            "SELECT c.relname, i.indisunique::text, regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', '') \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = {} ORDER BY c.relname",
            reg(&p.schema, t)
        )
    };
    let old = conn.rows(&defs(&p.table)).await?;
    let new = conn.rows(&defs(&p.shadow)).await?;
    let mut used = vec![false; old.len()];
    let mut out = vec![];
    for n in &new {
        let name = n[0].clone().unwrap_or_default();
        // An index the ALTER named itself keeps that name (shipgate's own
        // start with `_sg`: the shadow's, or those a swap moved aside).
        if !name.starts_with("_sg") {
            continue;
        }
        let found = old
            .iter()
            .enumerate()
            .find(|(i, o)| !used[*i] && o[1] == n[1] && o[2] == n[2]);
        let target = match found {
            Some((i, o)) => {
                used[i] = true;
                o[0].clone().unwrap_or_default()
            }
            None => match name.strip_prefix(&p.shadow) {
                Some(rest) => format!("{}{rest}", p.table),
                None => name.clone(),
            },
        };
        if target != name {
            out.push((target, name));
        }
    }
    Ok(out)
}

/// Statements of the cut-over transaction after the lock and the final replay.
pub async fn swap_sql(conn: &mut Conn, p: &Plan) -> Result<(Vec<String>, Vec<String>)> {
    let t = reg(&p.schema, &p.table);
    let mut sql = vec![];
    let mut after = vec![];
    // Sequences: serial columns share the sequence (move its ownership);
    // identity columns have their own (carry the position over).
    let seqs = conn
        .rows(&format!(
            "SELECT a.attname, pg_get_serial_sequence({0}, a.attname), a.attidentity::text FROM pg_attribute a \
             WHERE a.attrelid = {1} AND a.attnum > 0 AND NOT a.attisdropped AND pg_get_serial_sequence({0}, a.attname) IS NOT NULL",
            lit(&qt(&p.schema, &p.table)),
            t
        ))
        .await?;
    let mut owned = vec![];
    for s in &seqs {
        let col = s[0].clone().unwrap_or_default();
        let seq = s[1].clone().unwrap_or_default();
        let new_col = p
            .copy_cols
            .iter()
            .zip(&p.copy_exprs)
            .find(|(_, e)| **e == q(&col))
            .map(|(c, _)| c.clone());
        let Some(new_col) = new_col else { continue };
        let new_seq = conn
            .scalar(&format!(
                "SELECT pg_get_serial_sequence({}, {})",
                lit(&qt(&p.schema, &p.shadow)),
                lit(new_col.trim_matches('"'))
            ))
            .await?;
        match new_seq {
            Some(ns) if ns != seq => sql.push(format!(
                "SELECT setval({}, last_value, is_called) FROM {seq}",
                lit(&ns)
            )),
            _ => owned.push(format!(
                "ALTER SEQUENCE {seq} OWNED BY {}.{new_col}",
                p.qt(&p.table)
            )),
        }
    }
    let views = conn
        .rows(&format!(
            "SELECT DISTINCT v.oid::regclass::text, pg_get_viewdef(v.oid) FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid \
             JOIN pg_class v ON v.oid = w.ev_class WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = {t} \
             AND v.oid <> {t} AND v.relkind = 'v'"
        ))
        .await?;
    let fks = conn
        .rows(&format!(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND confrelid = {t} AND conrelid <> {t} ORDER BY 2, 1"
        ))
        .await?;
    for f in &fks {
        let (name, child) = (
            q(&f[0].clone().unwrap_or_default()),
            f[1].clone().unwrap_or_default(),
        );
        sql.push(format!("ALTER TABLE {child} DROP CONSTRAINT {name}"));
    }
    let renames = index_renames(conn, p).await?;
    // The capture trigger stays on the old table until `finish`: a write
    // that reached it after the swap would be recorded, and is checked for.
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        p.qt(&p.table),
        q(&p.old)
    ));
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        p.qt(&p.shadow),
        q(&p.table)
    ));
    for (target, _) in &renames {
        let exists = conn
            .scalar_i64(&format!(
                "SELECT count(*) FROM pg_class WHERE relname = {} AND relnamespace = {}::regnamespace",
                lit(target),
                lit(&q(&p.schema))
            ))
            .await?;
        if exists > 0 {
            // Out of the way under a name no index being renamed holds (a
            // revert renames the `_sgo_` indexes of the forward swap back).
            let moved: String = ["_sgo_", "_sgp_", "_sgq_"]
                .iter()
                .map(|pre| {
                    format!("{pre}{target}")
                        .chars()
                        .take(63)
                        .collect::<String>()
                })
                .find(|m| !renames.iter().any(|(_, cur)| cur == m))
                .unwrap_or_else(|| format!("_sgr_{target}").chars().take(63).collect());
            sql.push(format!(
                "ALTER INDEX {} RENAME TO {}",
                p.qt(target),
                q(&moved)
            ));
        }
    }
    for (target, current) in &renames {
        sql.push(format!(
            "ALTER INDEX {} RENAME TO {}",
            p.qt(current),
            q(target)
        ));
    }
    sql.extend(owned);
    for v in &views {
        let (name, def) = (
            v[0].clone().unwrap_or_default(),
            v[1].clone().unwrap_or_default(),
        );
        let def = def.trim_end_matches(';');
        // CREATE OR REPLACE keeps grants but cannot change a column's type;
        // then the view is dropped and created again (a view that other
        // views depend on makes the whole cut-over fail and roll back).
        sql.push("SAVEPOINT sg_view".into());
        sql.push(format!("{VIEW_MARK}CREATE OR REPLACE VIEW {name} AS {def}"));
        sql.push(format!(
            "{VIEW_FALLBACK}DROP VIEW {name}; CREATE VIEW {name} AS {def}"
        ));
        sql.push("RELEASE SAVEPOINT sg_view".into());
    }
    for f in &fks {
        let (name, child, def) = (
            q(&f[0].clone().unwrap_or_default()),
            f[1].clone().unwrap_or_default(),
            f[2].clone().unwrap_or_default(),
        );
        sql.push(format!(
            "ALTER TABLE {child} ADD CONSTRAINT {name} {def} NOT VALID"
        ));
        after.push(format!("ALTER TABLE {child} VALIDATE CONSTRAINT {name}"));
    }
    Ok((sql, after))
}

/// Foreign keys into the table still waiting for validation (after a crash
/// between the cut-over and the validation).
pub async fn pending_validations(
    conn: &mut Conn,
    schema: &str,
    table: &str,
) -> Result<Vec<String>> {
    let rows = conn
        .rows(&format!(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = {} AND NOT convalidated",
            reg(schema, table)
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            format!(
                "ALTER TABLE {} VALIDATE CONSTRAINT {}",
                r[1].clone().unwrap_or_default(),
                q(&r[0].clone().unwrap_or_default())
            )
        })
        .collect())
}

pub fn journal(schema: &str) -> Journal {
    Journal::new(E, schema)
}
