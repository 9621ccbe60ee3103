//! The migration's names and SQL fragments, built from what introspection
//! found: which key orders the copy, which shadow column each source column
//! feeds, and the text form each side is checksummed in.

use super::db::literal;
use super::mapping::{fold, ColumnMap};
use super::{OscError, Result};
use crate::engine::Engine;
use std::collections::BTreeMap;

/// A column as the catalog describes it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Engine type name (PostgreSQL `format_type`, MySQL `COLUMN_TYPE`).
    pub ty: String,
    /// False for generated columns, which cannot be written.
    pub writable: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub engine: Engine,
    pub statement: String,
    /// PostgreSQL schema or MySQL database holding the table.
    pub schema: String,
    pub table: String,
    pub shadow: String,
    pub changes: String,
    pub old: String,
    pub journal: String,
    /// Key columns on the source (and in the change table), in key order.
    pub key: Vec<Column>,
    /// The same key columns as named in the shadow.
    pub shadow_key: Vec<String>,
    /// Shadow columns written by the copy, and the source expression for each.
    pub copy_cols: Vec<String>,
    pub copy_exprs: Vec<String>,
    /// Values compared by verification (source side, shadow side): typed
    /// on PostgreSQL, text forms on MySQL/MariaDB.
    pub verify_src: Vec<String>,
    pub verify_dst: Vec<String>,
    /// Settings every session that copies or replays runs after the
    /// engine's own (`mysql::SESSION_SQL`), see [`Plan::tz_note`].
    pub session_sql: Vec<String>,
}

/// Prefixes of the objects shipgate creates next to the table.
pub const SHADOW_PREFIX: &str = "_sg_new_";
pub const CHANGES_PREFIX: &str = "_sg_chg_";
pub const OLD_PREFIX: &str = "_sg_old_";
/// After the swap: keys written to the new table, for `osc revert`.
pub const REVERSE_PREFIX: &str = "_sg_rev_";
/// After a revert: the migrated table, set aside until `osc cleanup`. It
/// sorts after `_sg_old_` (see `mysql::RenameProbe`).
pub const REVERTED_PREFIX: &str = "_sg_rvt_";
pub const JOURNAL_TABLE: &str = "_sg_osc_journal";

/// Longest identifier both engines accept (PostgreSQL 63, MySQL 64).
const MAX_IDENT: usize = 63;

pub struct Names {
    pub shadow: String,
    pub changes: String,
    pub old: String,
    pub reverse: String,
    pub reverted: String,
}

pub fn names_for(table: &str) -> Result<Names> {
    let n = Names {
        shadow: format!("{SHADOW_PREFIX}{table}"),
        changes: format!("{CHANGES_PREFIX}{table}"),
        old: format!("{OLD_PREFIX}{table}"),
        reverse: format!("{REVERSE_PREFIX}{table}"),
        reverted: format!("{REVERTED_PREFIX}{table}"),
    };
    if n.shadow.len() > MAX_IDENT {
        return Err(OscError::Refused(format!(
            "table name {table:?} is too long for the shadow name {:?} (limit {MAX_IDENT} bytes)",
            n.shadow
        )));
    }
    Ok(n)
}

pub struct PlanInput<'a> {
    pub engine: Engine,
    pub statement: &'a str,
    pub schema: &'a str,
    pub table: &'a str,
    pub source: &'a [Column],
    pub shadow: &'a [Column],
    pub key: &'a [String],
    pub shadow_key: &'a [String],
    /// Which source column feeds each shadow column.
    pub map: &'a ColumnMap,
}

pub fn build(i: PlanInput<'_>) -> Result<Plan> {
    let e = i.engine;
    let names = names_for(i.table)?;
    let src_by_name: BTreeMap<String, &Column> =
        i.source.iter().map(|c| (fold(e, &c.name), c)).collect();
    let key: Vec<Column> = i
        .key
        .iter()
        .map(|k| {
            src_by_name
                .get(&fold(e, k))
                .map(|c| (*c).clone())
                .ok_or_else(|| OscError::Failed(format!("key column {k} not found")))
        })
        .collect::<Result<_>>()?;
    // The shadow must be keyed by the same columns (possibly renamed or retyped),
    // or the replay could not find a changed row in it.
    let mapped_key: Vec<Option<String>> = i.shadow_key.iter().map(|k| i.map.source_of(k)).collect();
    let want: Vec<Option<String>> = i.key.iter().map(|k| Some(fold(e, k))).collect();
    if mapped_key != want {
        return Err(OscError::Refused(format!(
            "the ALTER changes the key columns ({} -> {}); shipgate osc needs the same primary key on both sides",
            i.key.join(", "),
            i.shadow_key.join(", ")
        )));
    }
    let mut plan = Plan {
        engine: e,
        statement: i.statement.to_string(),
        schema: i.schema.to_string(),
        table: i.table.to_string(),
        shadow: names.shadow,
        changes: names.changes,
        old: names.old,
        journal: JOURNAL_TABLE.to_string(),
        key,
        shadow_key: i.shadow_key.to_vec(),
        copy_cols: vec![],
        copy_exprs: vec![],
        verify_src: vec![],
        verify_dst: vec![],
        session_sql: vec![],
    };
    for c in i.shadow.iter().filter(|c| c.writable) {
        // A new column (or one dropped and added again): its default fills it.
        let Some(src) = i.map.source_of(&c.name).and_then(|s| src_by_name.get(&s)) else {
            continue;
        };
        if !src.writable {
            continue;
        }
        let expr = match i.map.using(&c.name) {
            Some(u) => format!("({u})"),
            None => e.quote_ident(&src.name),
        };
        let qdst = e.quote_ident(&c.name);
        if e == Engine::Postgres {
            // Typed values: verification hashes the row as a record, or
            // falls back to the values' text (see verify.rs).
            plan.verify_src.push(format!("CAST({expr} AS {})", c.ty));
            plan.verify_dst.push(qdst.clone());
        } else {
            let (vs, vd) = super::mysql_forms::verify_forms(&src.ty, &c.ty, &expr, &qdst);
            plan.verify_src.push(vs);
            plan.verify_dst.push(vd);
        }
        plan.copy_cols.push(qdst);
        plan.copy_exprs.push(expr);
        if e != Engine::Postgres && is_timestamp(&src.ty) != is_timestamp(&c.ty) {
            plan.session_sql = vec![TZ_AS_SERVER.into()];
        }
    }
    Ok(plan)
}

/// The key a run tracks rows by, as (source columns, the same columns as
/// the shadow names them): the first of the source's keys (primary key
/// first) whose columns, through the ALTER's renames, are also a unique
/// key over NOT NULL columns of the shadow. Chunks, replay and
/// verification all go by it, so the primary key itself may change as long
/// as such a key exists on both sides. `fixed` (the change table's key
/// columns, once the capture exists) wins: the shadow's own keys are
/// dropped during the copy.
pub fn choose_key(
    engine: Engine,
    map: &ColumnMap,
    source: &[Vec<String>],
    shadow: &[Vec<String>],
    fixed: Option<Vec<String>>,
) -> Result<(Vec<String>, Vec<String>)> {
    if let Some(k) = fixed {
        let sk = k
            .iter()
            .map(|c| map.target_of(c).unwrap_or_else(|| c.clone()))
            .collect();
        return Ok((k, sk));
    }
    for k in source {
        let Some(targets) = k
            .iter()
            .map(|c| map.target_of(c))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let mut want: Vec<&String> = targets.iter().collect();
        want.sort();
        for d in shadow {
            let mut have: Vec<String> = d.iter().map(|c| fold(engine, c)).collect();
            have.sort();
            if have.iter().collect::<Vec<_>>() == want {
                let sk = targets
                    .iter()
                    .map(|t| {
                        d.iter()
                            .find(|c| fold(engine, c) == *t)
                            .cloned()
                            .unwrap_or_else(|| t.clone())
                    })
                    .collect();
                return Ok((k.clone(), sk));
            }
        }
    }
    let show = |ks: &[Vec<String>]| {
        if ks.is_empty() {
            "none".to_string()
        } else {
            ks.iter()
                .map(|k| format!("({})", k.join(", ")))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Err(OscError::Refused(format!(
        "no unique key over NOT NULL columns exists both before and after the ALTER (before: {}; after: {}); \
         shipgate osc copies, replays and verifies rows by such a key",
        show(source),
        show(shadow)
    )))
}

/// The key columns recorded by a change table: all but its own.
pub fn key_of_changes(cols: Vec<Column>) -> Vec<String> {
    cols.into_iter()
        .map(|c| c.name)
        .filter(|n| n != "_sg_seq" && n != "op")
        .collect()
}

/// MySQL/MariaDB sessions copy in UTC (`mysql::SESSION_SQL`), except when
/// a column turns from or into a TIMESTAMP: that conversion reads the
/// session's zone, and the engine's own ALTER would use the server's.
pub const TZ_AS_SERVER: &str = "SET SESSION time_zone = @@GLOBAL.time_zone";

fn is_timestamp(ty: &str) -> bool {
    ty.to_ascii_lowercase().starts_with("timestamp")
}

/// The plan of a revert: rows flow from the migrated table (`i.table`, its
/// columns in `i.source`) back into the kept old table (`i.shadow`: its
/// columns), driven by the reverse change table; the migrated table is set
/// aside under the `_sg_rvt_` name. `i.renamed` maps old names to new ones.
pub fn reverse(i: PlanInput<'_>) -> Result<Plan> {
    let names = names_for(i.table)?;
    let mut p = build(i)?;
    p.shadow = names.old;
    p.old = names.reverted;
    p.changes = names.reverse;
    Ok(p)
}

impl Plan {
    pub fn q(&self, name: &str) -> String {
        self.engine.quote_ident(name)
    }

    /// Schema-qualified, quoted.
    pub fn qt(&self, name: &str) -> String {
        format!("{}.{}", self.q(&self.schema), self.q(name))
    }

    /// The source key as a quoted column list, optionally with a table prefix.
    pub fn key_list(&self, prefix: &str) -> String {
        list(
            self.key
                .iter()
                .map(|k| format!("{prefix}{}", self.q(&k.name))),
        )
    }

    pub fn shadow_key_list(&self, prefix: &str) -> String {
        list(
            self.shadow_key
                .iter()
                .map(|k| format!("{prefix}{}", self.q(k))),
        )
    }

    /// MySQL/MariaDB binary key columns travel as hex: their bytes need
    /// not be valid text in the connection's character set.
    fn key_is_binary(&self, i: usize) -> bool {
        let ty = self.key[i].ty.to_ascii_lowercase();
        self.engine != Engine::Postgres
            && (ty.starts_with("binary") || ty.starts_with("varbinary") || ty.contains("blob"))
    }

    /// Key column `i`'s value of `expr` read back as text that
    /// [`Plan::key_literal`] turns into the same value.
    pub fn key_text(&self, i: usize, expr: &str) -> String {
        if self.key_is_binary(i) {
            format!("HEX({expr})")
        } else {
            text_of(self, expr)
        }
    }

    /// One key value as a literal of the key column's type.
    pub fn key_literal(&self, i: usize, v: &str) -> String {
        if self.key_is_binary(i) {
            return format!("X'{v}'");
        }
        let is_int = !v.is_empty()
            && v.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit())
            && v != "-";
        match self.engine {
            Engine::Postgres => format!("{}::{}", literal(self.engine, v), self.key[i].ty),
            _ if is_int => v.to_string(),
            _ => literal(self.engine, v),
        }
    }

    /// A key tuple as literals: `(1)` or `(1, 'a')`.
    pub fn key_tuple(&self, vals: &[String]) -> String {
        list(vals.iter().enumerate().map(|(i, v)| self.key_literal(i, v)))
    }

    /// `key > (values)` on the source, with a prefix for the columns.
    pub fn key_after(&self, prefix: &str, vals: &[String]) -> String {
        format!("{} > {}", self.key_list(prefix), self.key_tuple(vals))
    }

    pub fn key_upto(&self, prefix: &str, vals: &[String]) -> String {
        format!("{} <= {}", self.key_list(prefix), self.key_tuple(vals))
    }

    /// The range condition `lower < key <= upper` (either end open).
    pub fn range(
        &self,
        prefix: &str,
        lower: Option<&[String]>,
        upper: Option<&[String]>,
    ) -> String {
        self.range_on(prefix, false, lower, upper)
    }

    /// The same range, written over the shadow's key names.
    pub fn range_on(
        &self,
        prefix: &str,
        shadow: bool,
        lower: Option<&[String]>,
        upper: Option<&[String]>,
    ) -> String {
        let cols = if shadow {
            self.shadow_key_list(prefix)
        } else {
            self.key_list(prefix)
        };
        let mut parts = vec![];
        if let Some(l) = lower {
            parts.push(format!("{cols} > {}", self.key_tuple(l)));
        }
        if let Some(u) = upper {
            parts.push(format!("{cols} <= {}", self.key_tuple(u)));
        }
        if parts.is_empty() {
            "TRUE".into()
        } else {
            parts.join(" AND ")
        }
    }

    /// `INSERT INTO shadow (cols) SELECT exprs FROM source WHERE cond`.
    pub fn insert_select(&self, cond: &str) -> String {
        let overriding = if self.engine == Engine::Postgres {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        format!(
            "INSERT INTO {} ({}){overriding} SELECT {} FROM {} WHERE {cond}",
            self.qt(&self.shadow),
            self.copy_cols.join(", "),
            self.copy_exprs.join(", "),
            self.qt(&self.table)
        )
    }

    /// The journal's key for this table.
    pub fn journal_key(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

/// `(a, b)` for several items, `a` for one.
pub fn list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.len() == 1 {
        v[0].clone()
    } else {
        format!("({})", v.join(", "))
    }
}

/// A value read back as text in the engine's syntax.
pub fn text_of(plan: &Plan, expr: &str) -> String {
    if plan.engine == crate::engine::Engine::Postgres {
        format!("({expr})::text")
    } else {
        format!("CAST({expr} AS CHAR)")
    }
}
