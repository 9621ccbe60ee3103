//! Classifying an op into the variants the engine facts are keyed by
//! (`rules/README.md`): the shape of the operation that decides its cost,
//! judged against the schema it runs on.

use crate::facts::EngineFacts;
use crate::schema::{Column, Schema};
use crate::sql::ir::{AutoKind, ColumnSpec, ConstraintKind, Generated, Op, SqlType, Volatility};

/// The variants of `op`, most specific first.
pub fn variants(op: &Op, before: &Schema, facts: &EngineFacts) -> Vec<String> {
    let v = |s: &str| vec![s.to_string()];
    match op {
        Op::AddColumn {
            column, position, ..
        } => {
            let mut out = Vec::new();
            // Inline keys first (SQLite cannot add such a column; MySQL builds
            // an index), unless the column numbers rows, which costs more.
            for c in column.constraints.iter().filter(|_| column.auto.is_none()) {
                match c.kind {
                    ConstraintKind::PrimaryKey { .. } => out.push("primary-key".to_string()),
                    ConstraintKind::Unique { .. } => out.push("unique".to_string()),
                    _ => {}
                }
            }
            if position.is_some() {
                out.push("positioned".to_string());
            }
            out.push(add_column_variant(column).to_string());
            out
        }
        Op::AlterColumnType {
            table,
            column,
            ty,
            collation,
            ..
        } => match before.column(table, column) {
            // PostgreSQL keeps the rows but rebuilds every index on a column
            // whose collation changes (measured on PostgreSQL 17: the index
            // gets a new relfilenode, the table keeps its own).
            Some(old)
                if type_change_is_coercible(&old.ty, ty, facts)
                    && old.collation != *collation
                    && column_is_indexed(before, table, column) =>
            {
                v("collation-indexed")
            }
            Some(old) if type_change_is_coercible(&old.ty, ty, facts) => v("coercible"),
            _ => v("rewrite"),
        },
        Op::RedefineColumn {
            table,
            from,
            column,
            position,
        } => match before.column(table, from) {
            Some(old) => match redefine_variant(old, column, position.is_some(), facts) {
                // A rebuild or copy for another reason covers the new collation.
                variant @ ("rewrite" | "nullability" | "reorder") => v(variant),
                variant => match charset_change(old, column) {
                    // The engine re-sorts every index on the column: a copy.
                    Some(_) if column_is_indexed(before, table, from) => {
                        vec!["collation-indexed".into(), "rewrite".into()]
                    }
                    Some(change) => vec![change.into(), "rewrite".into()],
                    // ENUM/SET members appended: instant where a VARCHAR growth is not.
                    None if variant == "coercible" && !old.ty.values.is_empty() => {
                        vec!["enum-append".into(), "coercible".into()]
                    }
                    None => v(variant),
                },
            },
            None => v("rewrite"),
        },
        Op::SetNotNull { table, column } => {
            let has_check = before.table(table).is_some_and(|t| {
                t.constraints.iter().any(|c| {
                    c.valid
                        && matches!(&c.kind, ConstraintKind::Check { expr } if is_not_null_check(expr, column))
                })
            });
            if has_check {
                vec!["with-valid-check".into(), "plain".into()]
            } else {
                v("plain")
            }
        }
        Op::AddConstraint {
            constraint,
            not_valid,
            ..
        } => {
            let base = match &constraint.kind {
                ConstraintKind::PrimaryKey { .. } => "primary-key",
                ConstraintKind::Unique { .. } => "unique",
                ConstraintKind::ForeignKey { .. } => "foreign-key",
                ConstraintKind::Check { .. } => "check",
                ConstraintKind::Exclusion => "exclusion",
            };
            if constraint.using_index.is_some() {
                vec![format!("{base}-using-index")]
            } else if *not_valid {
                vec![format!("{base}-not-valid"), base.to_string()]
            } else {
                v(base)
            }
        }
        Op::CreateIndex { concurrently, .. }
        | Op::DropIndex { concurrently, .. }
        | Op::Reindex { concurrently, .. } => {
            if *concurrently {
                v("concurrently")
            } else {
                v("plain")
            }
        }
        Op::AddDomainConstraint {
            not_valid: true, ..
        } => v("not-valid"),
        Op::RebuildTable { copy, .. } => {
            if *copy {
                v("copy")
            } else {
                v("plain")
            }
        }
        Op::AddEnumValue { positioned, .. } => {
            if *positioned {
                v("positioned")
            } else {
                v("append")
            }
        }
        _ => v("plain"),
    }
}

fn add_column_variant(c: &ColumnSpec) -> &'static str {
    if c.auto.is_some() {
        return "auto";
    }
    match c.generated {
        Some(Generated::Stored) => return "generated-stored",
        Some(Generated::Virtual) => return "generated-virtual",
        None => {}
    }
    match &c.default {
        Some(d) if d.volatility == Volatility::Volatile => "default-volatile",
        Some(_) => "default-constant",
        None if c.not_null => "not-null-no-default",
        None => "nullable",
    }
}

/// Whether `expr` is `col IS NOT NULL` (the CHECK that lets PostgreSQL 12+
/// skip the SET NOT NULL scan).
pub fn is_not_null_check(expr: &str, column: &str) -> bool {
    let norm: String = expr
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '"'))
        .collect();
    norm.split_whitespace().collect::<Vec<_>>()
        == [column.to_lowercase().as_str(), "is", "not", "null"]
}

/// Whether changing `old` to `new` is in place (no rewrite), per the facts.
pub fn type_change_is_coercible(old: &SqlType, new: &SqlType, facts: &EngineFacts) -> bool {
    if same_type(old, new, facts) {
        return true;
    }
    let ob = facts.canonical_type(&old.base);
    let nb = facts.canonical_type(&new.base);
    facts.type_changes.iter().any(|tc| {
        tc.from.iter().any(|f| f == ob)
            && tc.to.iter().any(|t| t == nb)
            && match tc.when.as_str() {
                "always" => true,
                "length-grows" => grows(&old.args, &new.args, 0) && !new.args.is_empty(),
                "length-removed" => !old.args.is_empty() && new.args.is_empty(),
                "precision-grows" => {
                    grows(&old.args, &new.args, 0)
                        && old.args.get(1).copied().unwrap_or(0)
                            == new.args.get(1).copied().unwrap_or(0)
                }
                "length-grows-same-class" => {
                    let bpc = facts.bytes_per_char.max(1);
                    match (old.args.first(), new.args.first()) {
                        (Some(&o), Some(&n)) => n >= o && ((o * bpc < 256) == (n * bpc < 256)),
                        _ => false,
                    }
                }
                "values-appended" => {
                    new.values.len() >= old.values.len() && new.values.starts_with(&old.values)
                }
                _ => false,
            }
    })
}

/// The same type, spelled alike or not: aliases (`integer`/`int`, MySQL
/// `boolean`/`tinyint(1)`) and MySQL integer display widths (`int(11)` is an
/// `int`; the width does not change storage) compare equal.
pub fn same_type(old: &SqlType, new: &SqlType, facts: &EngineFacts) -> bool {
    // An alias may be written with its arguments (`tinyint(1)`): look the
    // whole text up first, then keep the name without arguments.
    let key = |t: &SqlType| -> String {
        let name = if facts.type_aliases.iter().flatten().any(|a| *a == t.text) {
            facts.canonical_type(&t.text)
        } else {
            facts.canonical_type(&t.base)
        };
        name.split('(').next().unwrap_or(name).trim().to_string()
    };
    let (ok, nk) = (key(old), key(new));
    if ok != nk || old.values != new.values {
        return false;
    }
    let width_only = facts
        .display_width_types
        .iter()
        .any(|w| ok.split_whitespace().next() == Some(w.as_str()));
    width_only || old.args == new.args
}

fn grows(old: &[u64], new: &[u64], i: usize) -> bool {
    match (old.get(i), new.get(i)) {
        (Some(o), Some(n)) => n >= o,
        (None, Some(_)) => false,
        (_, None) => true,
    }
}

/// Whether a MySQL `MODIFY`/`CHANGE` changes the column's character set
/// (`"charset"`) or only its collation (`"collation"`). A character set or
/// collation the new definition names is a change unless the old column is
/// known to have had the same one; one the new definition leaves out (the
/// table default) is not judged, since the table default is not modelled
/// past CREATE TABLE.
pub fn charset_change(old: &Column, new: &ColumnSpec) -> Option<&'static str> {
    let differs = |o: &Option<String>, n: &Option<String>| match (o, n) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(o), Some(n)) => o != n,
    };
    if differs(&old.charset, &new.charset) {
        Some("charset")
    } else if differs(&old.collation, &new.collation) {
        Some("collation")
    } else {
        None
    }
}

/// `column` is part of an index or key of `table` (primary, unique, foreign
/// key, or a plain index).
pub fn column_is_indexed(schema: &Schema, table: &crate::sql::ir::Name, column: &str) -> bool {
    let Some(t) = schema.table(table) else {
        return false;
    };
    let has = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
    t.indexes.iter().any(|i| has(&i.columns))
        || t.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns }
            | ConstraintKind::ForeignKey { columns, .. } => has(columns),
            _ => false,
        })
}

/// MySQL `MODIFY`/`CHANGE`: what changed decides the algorithm.
fn redefine_variant(
    old: &Column,
    new: &ColumnSpec,
    positioned: bool,
    facts: &EngineFacts,
) -> &'static str {
    let same_type = same_type(&old.ty, &new.ty, facts);
    let coercible = same_type || type_change_is_coercible(&old.ty, &new.ty, facts);
    let renamed = !old.name.eq_ignore_ascii_case(&new.name);
    let null_changed = old.not_null != new.not_null;
    let default_changed =
        old.default.as_ref().map(|d| &d.text) != new.default.as_ref().map(|d| &d.text);
    let auto_added = new.auto == Some(AutoKind::AutoIncrement) && old.auto.is_none();
    if !coercible || auto_added {
        "rewrite"
    } else if null_changed {
        "nullability"
    } else if positioned {
        "reorder"
    } else if !same_type {
        "coercible"
    } else if renamed {
        "rename-only"
    } else if default_changed {
        "default-only"
    } else {
        "rename-only"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::facts::facts;
    use crate::sql::lower::sql_type_from_text;

    fn t(s: &str) -> SqlType {
        sql_type_from_text(s, vec![])
    }

    #[test]
    fn postgres_varchar_widening_and_text_are_coercible() {
        let f = facts(Engine::Postgres);
        assert!(type_change_is_coercible(
            &t("varchar(10)"),
            &t("varchar(20)"),
            f
        ));
        assert!(!type_change_is_coercible(
            &t("varchar(20)"),
            &t("varchar(10)"),
            f
        ));
        assert!(type_change_is_coercible(&t("varchar(20)"), &t("text"), f));
        assert!(type_change_is_coercible(
            &t("numeric(10,2)"),
            &t("numeric(12,2)"),
            f
        ));
        assert!(!type_change_is_coercible(
            &t("numeric(10,2)"),
            &t("numeric(12,3)"),
            f
        ));
        assert!(!type_change_is_coercible(&t("int"), &t("bigint"), f));
        assert!(type_change_is_coercible(&t("int4"), &t("integer"), f));
    }

    #[test]
    fn mysql_varchar_growth_only_within_length_class() {
        let f = facts(Engine::Mysql);
        assert!(type_change_is_coercible(
            &t("varchar(10)"),
            &t("varchar(60)"),
            f
        ));
        assert!(!type_change_is_coercible(
            &t("varchar(60)"),
            &t("varchar(100)"),
            f
        ));
        assert!(type_change_is_coercible(
            &t("varchar(100)"),
            &t("varchar(200)"),
            f
        ));
    }

    #[test]
    fn enum_append_and_inline_key_variants() {
        let f = facts(Engine::Mysql);
        let mut schema = Schema::default();
        let low = crate::sql::lower::Lowering {
            engine: Engine::Mysql,
            volatile_functions: &[],
        };
        let file: std::sync::Arc<str> = std::sync::Arc::from("t.sql");
        let parse = |sql: &str| crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low);
        for s in parse("CREATE TABLE t (id int PRIMARY KEY, e enum('a','b'), v varchar(10));") {
            crate::schema::replay_statement(&mut schema, &s, Engine::Mysql);
        }
        let op = |sql: &str| parse(sql).remove(0).ops.remove(0);
        assert_eq!(
            variants(&op("ALTER TABLE t MODIFY e enum('a','b','c');"), &schema, f),
            vec!["enum-append", "coercible"]
        );
        assert_eq!(
            variants(&op("ALTER TABLE t MODIFY v varchar(20);"), &schema, f),
            vec!["coercible"]
        );
        assert_eq!(
            variants(&op("ALTER TABLE t MODIFY e enum('b','a');"), &schema, f),
            vec!["rewrite"]
        );
        assert_eq!(
            variants(&op("ALTER TABLE t ADD COLUMN u int UNIQUE;"), &schema, f),
            vec!["unique", "nullable"]
        );
    }

    #[test]
    fn collation_and_charset_changes_are_variants_of_their_own() {
        let f = facts(Engine::Mysql);
        let mut schema = Schema::default();
        let low = crate::sql::lower::Lowering {
            engine: Engine::Mysql,
            volatile_functions: &[],
        };
        let file: std::sync::Arc<str> = std::sync::Arc::from("t.sql");
        let parse = |sql: &str| crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low);
        let before = "CREATE TABLE t (k varchar(20) NOT NULL PRIMARY KEY, a varchar(20), \
            b varchar(20) CHARACTER SET latin1, c varchar(20)) DEFAULT CHARSET=utf8 COLLATE=utf8_general_ci;\n\
            CREATE TABLE u (k varchar(20) NOT NULL, a varchar(20), KEY u_a (a));";
        for s in parse(before) {
            crate::schema::replay_statement(&mut schema, &s, Engine::Mysql);
        }
        // The table default is recorded on its columns; `utf8` is `utf8mb3`.
        let a = schema.column(&crate::sql::ir::Name::new("t"), "a").unwrap();
        assert_eq!(a.charset.as_deref(), Some("utf8mb3"));
        assert_eq!(a.collation.as_deref(), Some("utf8mb3_general_ci"));
        let b = schema.column(&crate::sql::ir::Name::new("t"), "b").unwrap();
        assert_eq!(
            (b.charset.as_deref(), b.collation.as_deref()),
            (Some("latin1"), None)
        );
        let op = |sql: &str| parse(sql).remove(0).ops.remove(0);
        let var = |sql: &str| variants(&op(sql), &schema, f);
        assert_eq!(
            var("ALTER TABLE t MODIFY a varchar(20) COLLATE utf8mb3_bin;"),
            vec!["collation", "rewrite"]
        );
        assert_eq!(
            var("ALTER TABLE t MODIFY k varchar(20) COLLATE utf8_bin NOT NULL;"),
            vec!["collation-indexed", "rewrite"]
        );
        assert_eq!(
            var("ALTER TABLE t MODIFY a varchar(20) CHARACTER SET utf8mb4;"),
            vec!["charset", "rewrite"]
        );
        // Restated as it is: no change; left out: the table default, not judged.
        assert_eq!(
            var("ALTER TABLE t MODIFY a varchar(20) CHARACTER SET utf8 COLLATE utf8_general_ci;"),
            vec!["rename-only"]
        );
        assert_eq!(
            var("ALTER TABLE t MODIFY c varchar(20);"),
            vec!["rename-only"]
        );
        // A type change that copies anyway stays a rewrite.
        assert_eq!(
            var("ALTER TABLE t MODIFY a varchar(10) COLLATE utf8mb3_bin;"),
            vec!["rewrite"]
        );
        // Unknown before (no table default) and named now: taken as a change.
        assert_eq!(
            var("ALTER TABLE u MODIFY a varchar(20) COLLATE utf8mb4_bin;"),
            vec!["collation-indexed", "rewrite"]
        );
    }

    #[test]
    fn mysql_display_width_and_boolean_alias_are_the_same_type() {
        let f = facts(Engine::Mysql);
        assert!(same_type(&t("int(11)"), &t("int"), f));
        assert!(same_type(&t("int(10) unsigned"), &t("int unsigned"), f));
        assert!(same_type(&t("tinyint(1)"), &t("boolean"), f));
        assert!(same_type(&t("tinyint(1)"), &t("tinyint(4)"), f));
        assert!(!same_type(&t("int"), &t("bigint"), f));
        assert!(!same_type(&t("int"), &t("int unsigned"), f));
        assert!(!same_type(&t("varchar(10)"), &t("varchar(20)"), f));
        // PostgreSQL has no display widths: numeric(10,2) is not numeric(12,2).
        let pg = facts(Engine::Postgres);
        assert!(!same_type(&t("numeric(10,2)"), &t("numeric(12,2)"), pg));
    }

    #[test]
    fn not_null_check_is_recognised() {
        assert!(is_not_null_check("(\"email\" IS NOT NULL)", "email"));
        assert!(!is_not_null_check("email IS NULL", "email"));
    }
}
