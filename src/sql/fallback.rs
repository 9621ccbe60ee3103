//! Recognising statements sqlparser does not parse but real migration files
//! contain: `DROP INDEX CONCURRENTLY`, `REINDEX`, `DO $$…$$`, `ALTER SEQUENCE`,
//! `CLUSTER`, `VACUUM (FULL)`, MySQL `DISABLE/ENABLE KEYS`, SQLite `PRAGMA x = OFF`.
//! Works on sqlparser's tokens, which exist even where the grammar fails.

use super::ir::*;
use super::lower::Lowering;
use sqlparser::tokenizer::{Token, Tokenizer};

/// A word of the statement: upper-cased keyword form and identifier form.
struct Word {
    upper: String,
    ident: String,
}

fn words(low: &Lowering, sql: &str) -> Option<Vec<Word>> {
    let dialect = low.engine.dialect();
    let tokens = Tokenizer::new(&*dialect, sql).tokenize().ok()?;
    Some(
        tokens
            .into_iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(Word {
                    upper: w.value.to_uppercase(),
                    ident: low.stored(if w.quote_style.is_some() {
                        w.value
                    } else {
                        w.value.to_lowercase()
                    }),
                }),
                Token::Period => Some(Word {
                    upper: ".".into(),
                    ident: ".".into(),
                }),
                Token::Comma => Some(Word {
                    upper: ",".into(),
                    ident: ",".into(),
                }),
                Token::LParen => Some(Word {
                    upper: "(".into(),
                    ident: "(".into(),
                }),
                Token::RParen => Some(Word {
                    upper: ")".into(),
                    ident: ")".into(),
                }),
                _ => None,
            })
            .collect(),
    )
}

/// Reads a possibly qualified name starting at `i`; returns it and the next index.
fn name_at(low: &Lowering, w: &[Word], mut i: usize) -> Option<(Name, usize)> {
    let mut parts = vec![w.get(i)?.ident.clone()];
    i += 1;
    while w.get(i).is_some_and(|x| x.upper == ".") {
        parts.push(w.get(i + 1)?.ident.clone());
        i += 2;
    }
    Some((low.name_from_parts(parts), i))
}

fn is(w: &[Word], i: usize, kw: &str) -> bool {
    w.get(i).is_some_and(|x| x.upper == kw)
}

/// Words that, anywhere in a DO block's body, make it more than inserts and
/// reads: schema changes, row changes that rewrite or remove, dynamic SQL,
/// calls of code shipgate cannot see, locks, transaction control, settings.
const DO_UNSAFE: &[&str] = &[
    "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE", "EXECUTE", "PERFORM",
    "CALL", "LOCK", "COMMIT", "ROLLBACK", "UPDATE", "DELETE", "MERGE", "COPY", "VACUUM", "REINDEX",
    "CLUSTER", "REFRESH", "COMMENT", "SET", "RESET", "ANALYZE",
];

/// A PostgreSQL DO block whose body only reads and inserts (a conditional
/// seed row, as goharbor/harbor writes them): one insert op per `INSERT
/// INTO`, its sources the tables read after it in the same statement.
/// `None` (unknown) for anything else, or a body that cannot be read.
fn do_block(low: &Lowering, sql: &str) -> Option<Vec<Op>> {
    let body = dollar_body(sql)?;
    let mut ops = Vec::new();
    for piece in statements_of(body) {
        let w = words(low, piece)?;
        if w.iter().any(|x| DO_UNSAFE.contains(&x.upper.as_str())) {
            return None;
        }
        for i in 0..w.len() {
            if !(is(&w, i, "INSERT") && is(&w, i + 1, "INTO")) {
                continue;
            }
            let (target, next) = name_at(low, &w, i + 2)?;
            let mut sources = Vec::new();
            for j in next..w.len() {
                if is(&w, j, "FROM") || is(&w, j, "JOIN") {
                    if let Some((n, _)) = name_at(low, &w, j + 1) {
                        if n != target && !sources.contains(&n) {
                            sources.push(n);
                        }
                    }
                }
            }
            ops.push(Op::Dml {
                kind: DmlKind::Insert,
                target: Some(target),
                sources,
                has_where: false,
            });
        }
    }
    if ops.is_empty() {
        ops.push(Op::Other {
            what: "DO block that only reads".into(),
        });
    }
    Some(ops)
}

/// `body` cut at each `;` outside a single-quoted string.
fn statements_of(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in body.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

/// The text between a DO block's dollar quotes (`$$` or `$tag$`).
fn dollar_body(sql: &str) -> Option<&str> {
    let open = sql.find('$')?;
    let close_tag = sql[open + 1..].find('$')? + open + 2;
    let tag = &sql[open..close_tag];
    if !tag[1..tag.len() - 1]
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    let end = sql[close_tag..].find(tag)? + close_tag;
    Some(&sql[close_tag..end])
}

/// Recognises `sql`, or returns `None` when it is not one of the known shapes.
pub fn recognise(low: &Lowering, sql: &str) -> Option<Vec<Op>> {
    let head = sql.trim_start();
    let upper_head: String = head.chars().take(40).collect::<String>().to_uppercase();
    if upper_head.starts_with("DO ") || upper_head.starts_with("DO$") || upper_head == "DO" {
        return Some(do_block(low, head).unwrap_or_else(|| {
            vec![Op::Unknown {
                reason:
                    "an anonymous code block (DO) runs arbitrary statements that are not analysed"
                        .into(),
            }]
        }));
    }
    let w = words(low, sql)?;
    let kw = |i: usize, k: &str| is(&w, i, k);
    if kw(0, "DROP") && kw(1, "INDEX") {
        let mut i = 2;
        let concurrently = kw(i, "CONCURRENTLY");
        if concurrently {
            i += 1;
        }
        let if_exists = kw(i, "IF") && kw(i + 1, "EXISTS");
        if if_exists {
            i += 2;
        }
        let mut names = Vec::new();
        while let Some((n, next)) = name_at(low, &w, i) {
            if matches!(n.as_str(), "cascade" | "restrict") {
                break;
            }
            names.push(n);
            i = next;
            if kw(i, ",") {
                i += 1;
            } else {
                break;
            }
        }
        return Some(vec![Op::DropIndex {
            names,
            table: None,
            concurrently,
            if_exists,
        }]);
    }
    if kw(0, "REINDEX") {
        let mut i = 1;
        if kw(i, "(") {
            while i < w.len() && !kw(i, ")") {
                i += 1;
            }
            i += 1;
        }
        let kind = w.get(i).map(|x| x.ident.clone()).unwrap_or_default();
        i += 1;
        let concurrently = kw(i, "CONCURRENTLY") || sql.to_uppercase().contains("CONCURRENTLY");
        if kw(i, "CONCURRENTLY") {
            i += 1;
        }
        let target = name_at(low, &w, i)
            .map(|(n, _)| format!("{kind} {n}"))
            .unwrap_or(kind);
        return Some(vec![Op::Reindex {
            target,
            concurrently,
        }]);
    }
    if kw(0, "ALTER") && kw(1, "INDEX") && low.engine == crate::engine::Engine::Postgres {
        // `ALTER INDEX IF EXISTS a RENAME TO b`, which sqlparser does not read.
        let if_exists = kw(2, "IF") && kw(3, "EXISTS");
        let (from, i) = name_at(low, &w, if if_exists { 4 } else { 2 })?;
        if kw(i, "RENAME") && kw(i + 1, "TO") && w.len() == i + 3 {
            let to = Name(w[i + 2].ident.clone());
            return Some(vec![Op::RenameIndex {
                to: super::lower::renamed_in_place(&from, &to),
                from,
                if_exists,
            }]);
        }
    }
    if kw(0, "ALTER") && kw(1, "SEQUENCE") {
        let i = if kw(2, "IF") { 4 } else { 2 };
        let (name, _) = name_at(low, &w, i)?;
        return Some(vec![Op::AlterSequence { name }]);
    }
    if kw(0, "ALTER") && kw(1, "DOMAIN") {
        let (name, i) = name_at(low, &w, 2)?;
        if kw(i, "ADD") {
            let n = w.len();
            let not_valid = n >= 2 && kw(n - 2, "NOT") && kw(n - 1, "VALID");
            return Some(vec![Op::AddDomainConstraint { name, not_valid }]);
        }
        return Some(vec![Op::Other {
            what: "alter domain".into(),
        }]);
    }
    if kw(0, "CLUSTER") {
        let table = if kw(1, "VERBOSE") {
            name_at(low, &w, 2)
        } else {
            name_at(low, &w, 1)
        };
        return Some(vec![Op::Cluster {
            table: table.map(|(n, _)| n),
        }]);
    }
    if kw(0, "VACUUM") {
        let upper = sql.to_uppercase();
        let mut i = 1;
        if kw(i, "(") {
            while i < w.len() && !kw(i, ")") {
                i += 1;
            }
            i += 1;
        }
        while w
            .get(i)
            .is_some_and(|x| matches!(x.upper.as_str(), "FULL" | "FREEZE" | "VERBOSE" | "ANALYZE"))
        {
            i += 1;
        }
        let table = name_at(low, &w, i).map(|(n, _)| n);
        if upper.contains("FULL") {
            return Some(vec![Op::VacuumFull { table }]);
        }
        return Some(vec![Op::Other {
            what: "vacuum".into(),
        }]);
    }
    if kw(0, "ALTER") && kw(1, "TABLE") {
        let upper = sql.to_uppercase();
        if upper.contains("DISABLE KEYS") || upper.contains("ENABLE KEYS") {
            return Some(vec![Op::Other {
                what: "alter table disable/enable keys".into(),
            }]);
        }
        if low.engine.is_mysql_family() {
            if let Some(ops) = mysql_alter_table(low, sql, &w) {
                return Some(ops);
            }
        }
    }
    if kw(0, "OPTIMIZE")
        && (kw(1, "TABLE") || kw(1, "LOCAL") || kw(1, "NO_WRITE_TO_BINLOG"))
        && low.engine.is_mysql_family()
    {
        // InnoDB maps OPTIMIZE TABLE to an in-place rebuild (ALTER TABLE … FORCE).
        let mut i = if kw(1, "TABLE") { 2 } else { 3 };
        let mut ops = Vec::new();
        while let Some((table, next)) = name_at(low, &w, i) {
            ops.push(Op::RebuildTable {
                table,
                copy: false,
                what: "OPTIMIZE TABLE".into(),
            });
            if !kw(next, ",") {
                break;
            }
            i = next + 1;
        }
        if !ops.is_empty() {
            return Some(ops);
        }
    }
    if kw(0, "PRAGMA") {
        return Some(vec![Op::Other {
            what: "pragma".into(),
        }]);
    }
    if kw(0, "SET") {
        // `SET [SESSION|LOCAL] name {=|TO} value`: keep the setting's name, so
        // a `lock_timeout` the parser missed still counts.
        let i = if kw(1, "SESSION") || kw(1, "LOCAL") || kw(1, "GLOBAL") {
            2
        } else {
            1
        };
        return Some(match w.get(i) {
            Some(name) if !matches!(name.upper.as_str(), "(" | "," | ")") => {
                vec![Op::SetSetting {
                    name: name.ident.clone(),
                    value: String::new(),
                }]
            }
            _ => vec![Op::Other { what: "set".into() }],
        });
    }
    if kw(0, "SELECT") {
        if let Some(name) = super::lower::set_config_name(sql) {
            return Some(vec![Op::SetSetting {
                name,
                value: String::new(),
            }]);
        }
    }
    if (kw(0, "CREATE") || kw(0, "ALTER") || kw(0, "DROP"))
        && (kw(1, "FUNCTION") || kw(1, "PROCEDURE") || kw(1, "TRIGGER") || kw(1, "EVENT"))
        || (kw(0, "CREATE")
            && kw(1, "OR")
            && kw(2, "REPLACE")
            && (kw(3, "FUNCTION") || kw(3, "PROCEDURE") || kw(3, "TRIGGER")))
        || (kw(0, "CREATE") && kw(1, "DEFINER"))
    {
        return Some(vec![Op::Other {
            what: "function, procedure or trigger".into(),
        }]);
    }
    if kw(0, "COMMENT")
        || kw(0, "GRANT")
        || kw(0, "REVOKE")
        || (kw(0, "ALTER") && w.iter().any(|x| x.upper == "OWNER"))
    {
        return Some(vec![Op::Other {
            what: "comment, privilege or ownership".into(),
        }]);
    }
    None
}

/// MySQL/MariaDB `ALTER TABLE t …` sqlparser does not parse: table options
/// that rebuild, `FORCE` and `CONVERT TO CHARACTER SET` (any number of
/// them, read by [`super::clauses`]: one rebuild), or a single
/// `RENAME INDEX|KEY a TO b` / `ALTER INDEX i [IN]VISIBLE`. `ALGORITHM=`/
/// `LOCK=` clauses are allowed (parse.rs reads them).
fn mysql_alter_table(low: &Lowering, sql: &str, w: &[Word]) -> Option<Vec<Op>> {
    let kw = |i: usize, k: &str| is(w, i, k);
    let (table, i) = name_at(low, w, 2)?;
    if let Some(Ok(split)) = super::clauses::split(&*low.engine.dialect(), sql) {
        if split.parsed.is_empty() && !split.parts.is_empty() {
            let mut what: Option<&str> = None;
            let mut copy = false;
            for p in &split.parts {
                let super::clauses::Part::Raw(_, raw) = p else {
                    return None;
                };
                use super::clauses::Raw;
                let this = match raw {
                    Raw::Convert => {
                        copy = true;
                        "CONVERT TO CHARACTER SET"
                    }
                    Raw::Force => "FORCE",
                    // Options that only change metadata are not a rebuild;
                    // such a statement stays unrecognised here.
                    Raw::Options(o) => o
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .find(|n| matches!(*n, "ENGINE" | "ROW_FORMAT" | "KEY_BLOCK_SIZE"))?,
                };
                what = what.or(Some(this));
            }
            let what = if copy {
                "CONVERT TO CHARACTER SET"
            } else {
                what?
            };
            return Some(vec![Op::RebuildTable {
                table,
                copy,
                what: what.to_string(),
            }]);
        }
    }
    // Actions other than the one recognised, apart from ALGORITHM/LOCK,
    // make the statement one this recogniser does not understand.
    let only_options_after = |from: usize| {
        w[from.min(w.len())..]
            .split(|x| x.upper == ",")
            .skip(1)
            .all(|part| {
                part.first()
                    .is_some_and(|x| x.upper == "ALGORITHM" || x.upper == "LOCK")
            })
    };
    if kw(i, "RENAME") && (kw(i + 1, "INDEX") || kw(i + 1, "KEY")) && kw(i + 3, "TO") {
        let from = Name(w.get(i + 2)?.ident.clone());
        let to = Name(w.get(i + 4)?.ident.clone());
        if only_options_after(i) {
            return Some(vec![Op::RenameIndex {
                from,
                to,
                if_exists: false,
            }]);
        }
    }
    if kw(i, "ALTER")
        && kw(i + 1, "INDEX")
        && (kw(i + 3, "VISIBLE") || kw(i + 3, "INVISIBLE"))
        && only_options_after(i)
    {
        return Some(vec![Op::Other {
            what: "alter index visibility".into(),
        }]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;

    fn rec(engine: Engine, sql: &str) -> Option<Vec<Op>> {
        recognise(
            &Lowering {
                engine,
                volatile_functions: &[],
            },
            sql,
        )
    }

    #[test]
    fn do_block_that_only_reads_and_inserts_is_an_insert() {
        let sql = "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM properties WHERE k = 'x; drop') THEN\n    RETURN;\n  END IF;\n  IF (SELECT last_value FROM audit_seq) > 1 THEN\n    INSERT INTO properties (k, v) VALUES ('x', 'false');\n  END IF;\nEND $$";
        let ops = rec(Engine::Postgres, sql).unwrap();
        assert_eq!(ops.len(), 1, "{ops:?}");
        match &ops[0] {
            Op::Dml {
                kind: DmlKind::Insert,
                target: Some(t),
                sources,
                ..
            } => {
                assert_eq!(t.as_str(), "properties");
                assert!(sources.is_empty(), "{sources:?}");
            }
            other => panic!("{other:?}"),
        }
        let copy = "DO $body$ BEGIN INSERT INTO b (id) SELECT id FROM a; END $body$";
        match &rec(Engine::Postgres, copy).unwrap()[0] {
            Op::Dml { sources, .. } => assert_eq!(sources[0].as_str(), "a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn do_block_with_ddl_dynamic_sql_or_updates_stays_unknown() {
        for body in [
            "ALTER TABLE t ADD COLUMN c int;",
            "EXECUTE 'ALTER TABLE ' || tbl || ' ADD c int';",
            "UPDATE t SET c = 1;",
            "PERFORM my_function();",
        ] {
            let sql = format!("DO $$ BEGIN {body} END $$");
            let ops = rec(Engine::Postgres, &sql).unwrap();
            assert!(matches!(ops[0], Op::Unknown { .. }), "{body}: {ops:?}");
        }
    }

    #[test]
    fn drop_index_concurrently() {
        let ops = rec(
            Engine::Postgres,
            "DROP INDEX CONCURRENTLY IF EXISTS public.idx_a, \"B\"",
        )
        .unwrap();
        match &ops[0] {
            Op::DropIndex {
                names,
                concurrently,
                if_exists,
                ..
            } => {
                assert!(*concurrently && *if_exists);
                assert_eq!(names, &vec![Name::new("idx_a"), Name::new("B")]);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn reindex_and_cluster_and_sequence() {
        assert!(matches!(
            &rec(Engine::Postgres, "REINDEX INDEX CONCURRENTLY i").unwrap()[0],
            Op::Reindex {
                concurrently: true,
                ..
            }
        ));
        assert!(matches!(
            &rec(Engine::Postgres, "REINDEX TABLE t").unwrap()[0],
            Op::Reindex {
                concurrently: false,
                ..
            }
        ));
        assert!(matches!(
            &rec(Engine::Postgres, "CLUSTER t USING i").unwrap()[0],
            Op::Cluster { table: Some(_) }
        ));
        assert!(matches!(
            &rec(Engine::Postgres, "ALTER SEQUENCE s OWNED BY t.id").unwrap()[0],
            Op::AlterSequence { .. }
        ));
    }

    #[test]
    fn alter_domain_add_constraint() {
        assert!(matches!(
            &rec(Engine::Postgres, "ALTER DOMAIN public.email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%') NOT VALID").unwrap()[0],
            Op::AddDomainConstraint { name, not_valid: true } if name.as_str() == "email"
        ));
        assert!(matches!(
            &rec(
                Engine::Postgres,
                "ALTER DOMAIN email ADD CHECK (VALUE <> '')"
            )
            .unwrap()[0],
            Op::AddDomainConstraint {
                not_valid: false,
                ..
            }
        ));
        assert!(matches!(
            &rec(
                Engine::Postgres,
                "ALTER DOMAIN email VALIDATE CONSTRAINT email_at"
            )
            .unwrap()[0],
            Op::Other { .. }
        ));
    }

    #[test]
    fn set_keeps_the_setting_name() {
        assert!(matches!(
            &rec(Engine::Postgres, "SET LOCAL lock_timeout TO '2s'").unwrap()[0],
            Op::SetSetting { name, .. } if name == "lock_timeout"
        ));
    }

    #[test]
    fn mysql_table_rebuilds_and_index_renames() {
        let one = |sql: &str| {
            let mut ops = rec(Engine::Mysql, sql).unwrap_or_else(|| panic!("{sql}"));
            assert_eq!(ops.len(), 1, "{sql}");
            ops.remove(0)
        };
        assert!(matches!(
            one("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"),
            Op::RebuildTable { copy: true, .. }
        ));
        assert!(matches!(
            one("ALTER TABLE t ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE"),
            Op::RebuildTable { copy: false, .. }
        ));
        assert!(matches!(
            one("ALTER TABLE `t` FORCE"),
            Op::RebuildTable { copy: false, .. }
        ));
        assert!(matches!(
            one("OPTIMIZE TABLE t"),
            Op::RebuildTable { copy: false, .. }
        ));
        match one("ALTER TABLE t RENAME INDEX a TO b") {
            Op::RenameIndex { from, to, .. } => {
                assert_eq!((from.0, to.0), ("a".into(), "b".into()))
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            one("ALTER TABLE t ALTER INDEX i INVISIBLE"),
            Op::Other { .. }
        ));
        // Several rebuilding clauses are one rebuild; CONVERT makes it a copy.
        assert!(matches!(
            one("ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=DYNAMIC, FORCE, CONVERT TO CHARSET utf8mb4, LOCK=SHARED"),
            Op::RebuildTable { copy: true, .. }
        ));
        // Mixed with another action, or metadata only: not understood
        // here, so not hidden.
        assert!(rec(
            Engine::Mysql,
            "ALTER TABLE t ENGINE=InnoDB, ADD COLUMN c int"
        )
        .is_none());
        assert!(rec(Engine::Mysql, "ALTER TABLE t COMMENT='x'").is_none());
        assert!(rec(Engine::Postgres, "ALTER TABLE t FORCE").is_none());
    }

    #[test]
    fn do_blocks_are_unknown_and_gibberish_is_none() {
        assert!(matches!(
            &rec(Engine::Postgres, "DO $$ BEGIN EXECUTE 'x'; END $$").unwrap()[0],
            Op::Unknown { .. }
        ));
        assert!(matches!(
            &rec(Engine::Postgres, "DO $$ BEGIN END $$").unwrap()[0],
            Op::Other { .. }
        ));
        assert!(matches!(
            &rec(Engine::Postgres, "DO LANGUAGE plpgsql").unwrap()[0],
            Op::Unknown { .. }
        ));
        assert!(rec(Engine::Postgres, "FROBNICATE the widgets").is_none());
    }
}
