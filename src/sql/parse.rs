//! Parsing a script: split it, parse each piece in the engine's dialect,
//! fall back to the recogniser, and attach `shipgate:allow` comments.

use super::fallback;
use super::ir::*;
use super::lower::Lowering;
use super::split::{split, PieceKind};
use crate::engine::Engine;
use crate::span::{LineIndex, Span};
use sqlparser::parser::Parser;
use std::ops::Range;
use std::sync::Arc;

/// Parses `text[range]` of `file` into statements. Never fails.
pub fn parse_script(
    file: &Arc<str>,
    text: &str,
    range: Range<usize>,
    low: &Lowering,
) -> Vec<Statement> {
    let index = LineIndex::new(text);
    let dialect = low.engine.dialect();
    split(text, range, low.engine)
        .into_iter()
        .map(|piece| {
            let span = index.span(text, file, piece.start, piece.end);
            let raw = &text[piece.start..piece.end];
            let allows = piece
                .comments
                .iter()
                .filter_map(|&(s, e)| {
                    parse_allow(&text[s..e]).map(|(rule, reason)| Allow {
                        rule,
                        reason,
                        span: index.span(text, file, s, e),
                    })
                })
                .collect();
            let mut stmt = Statement {
                span,
                text: raw.to_string(),
                ops: Vec::new(),
                alter_options: AlterOptions::default(),
                recognised: Recognised::Parser,
                parse_error: None,
                allows,
            };
            match piece.kind {
                PieceKind::PsqlMeta => {
                    stmt.ops = vec![Op::Other {
                        what: "psql meta-command".into(),
                    }];
                    stmt.recognised = Recognised::Fallback;
                }
                PieceKind::CopyData => {
                    stmt.ops = vec![Op::Other {
                        what: "copy data".into(),
                    }];
                    stmt.recognised = Recognised::Fallback;
                }
                PieceKind::Delimiter => {
                    stmt.ops = vec![Op::Other {
                        what: "client delimiter".into(),
                    }];
                    stmt.recognised = Recognised::Fallback;
                }
                PieceKind::Sql => parse_one(&mut stmt, &*dialect, low),
            }
            stmt
        })
        .collect()
}

fn parse_one(stmt: &mut Statement, dialect: &dyn sqlparser::dialect::Dialect, low: &Lowering) {
    let text = template_qualifiers_blanked(&stmt.text);
    let text = sqlite_bracket_type_sizes(&text, low.engine);
    let sql = strip_mysql_executable_comment(&text, low.engine);
    let (sql, nocopy) = mariadb_nocopy(&sql, low.engine);
    let (sql, collations) = pg_type_collations(&sql, low.engine);
    let sql = matview_without_data_clause(sql);
    let parsed = Parser::new(dialect)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statements());
    match parsed {
        Ok(asts) if !asts.is_empty() => {
            for ast in &asts {
                let (ops, options) = low.lower(ast);
                stmt.ops.extend(ops);
                if options != AlterOptions::default() {
                    stmt.alter_options = options;
                }
            }
            if nocopy {
                stmt.alter_options.algorithm = Some("nocopy".into());
            }
            set_type_collations(&mut stmt.ops, collations);
            if stmt.alter_options == AlterOptions::default() {
                // CREATE/DROP INDEX … ALGORITHM= LOCK=: parsed, options not kept.
                stmt.alter_options = mysql_ddl_options(&stmt.text, low.engine);
            }
        }
        Ok(_) => {
            stmt.ops = vec![Op::Other {
                what: "empty".into(),
            }];
        }
        Err(e) => {
            stmt.parse_error = Some(file_relative_position(
                e.to_string().trim_start_matches("sql parser error: "),
                &stmt.span,
            ));
            match fallback::recognise(low, &sql) {
                Some(ops) => {
                    stmt.recognised = if ops.iter().any(|o| matches!(o, Op::Unknown { .. })) {
                        Recognised::Unknown
                    } else {
                        Recognised::Fallback
                    };
                    stmt.ops = ops;
                    stmt.alter_options = mysql_ddl_options(&stmt.text, low.engine);
                }
                None => {
                    stmt.recognised = Recognised::Unknown;
                    stmt.ops = vec![Op::Unknown {
                        reason: stmt.parse_error.clone().unwrap_or_default(),
                    }];
                }
            }
        }
    }
}

/// sqlparser counts `Line: L, Column: C` from the statement's start; say
/// where that is in the file instead.
fn file_relative_position(message: &str, span: &Span) -> String {
    let Some(at) = message.find(" at Line: ") else {
        return message.to_string();
    };
    let pos = &message[at + " at Line: ".len()..];
    let mut parts = pos.split(", Column: ");
    let line: Option<u32> = parts.next().and_then(|l| l.trim().parse().ok());
    let column: Option<u32> = parts.next().and_then(|c| c.trim().parse().ok());
    match (line, column) {
        (Some(l), Some(c)) if l >= 1 && c >= 1 => {
            let file_line = span.line + l - 1;
            let file_col = if l == 1 { span.column + c - 1 } else { c };
            format!("{} at line {file_line}, column {file_col}", &message[..at])
        }
        _ => message.to_string(),
    }
}

/// `/*!40101 SET NAMES utf8 */` → `SET NAMES utf8` (MySQL executes the inside).
/// A Go `text/template` action used as a schema qualifier
/// (`{{ index .Options "Namespace" }}.users`, as supabase/auth's migrations
/// write it) is filled in by the migration runner, so the statement is about
/// the unqualified table: the action and its dot become spaces (offsets and
/// columns stay). `{{` inside a string literal, a quoted name or a comment
/// (a PostgreSQL array literal `'{{1,2}}'`) is left alone.
fn template_qualifiers_blanked(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains("{{") {
        return sql.into();
    }
    rewrite_code(sql, |b, i, out| {
        if b[i] != b'{' || b.get(i + 1) != Some(&b'{') {
            return None;
        }
        let close = sql[i + 2..].find("}}").map(|e| i + 2 + e + 2);
        match close {
            Some(end) if b.get(end) == Some(&b'.') && !sql[i..end].contains('\n') => {
                out[i..=end].fill(b' ');
                Some(end + 1 - i)
            }
            _ => Some(2),
        }
    })
}

/// SQLite takes any words as a type name, and `[...]` is one of its name
/// quotes, so `varchar[10]` (stashapp/stash's migrations) is a valid
/// column type there that sqlparser does not read. A `[digits]` right after
/// a letter can only be part of a type name: it becomes `(digits)`, the
/// same length, outside literals and comments.
fn sqlite_bracket_type_sizes(sql: &str, engine: Engine) -> std::borrow::Cow<'_, str> {
    if engine != Engine::Sqlite || !sql.contains('[') {
        return sql.into();
    }
    rewrite_code(sql, |b, i, out| {
        if b[i] != b'[' || i == 0 || !b[i - 1].is_ascii_alphabetic() {
            return None;
        }
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && b.get(i + 1 + digits) == Some(&b']') {
            out[i] = b'(';
            out[i + 1 + digits] = b')';
        }
        Some(1 + digits)
    })
}

/// Rewrites `sql` byte for byte outside string literals, quoted names and
/// comments: `at(bytes, i, out)` looks at the code byte `i` and may change
/// `out` (ASCII for ASCII only, so the text stays UTF-8 and every offset
/// stays where it was); it returns how many bytes it took, or `None` to
/// move on by one.
fn rewrite_code(
    sql: &str,
    mut at: impl FnMut(&[u8], usize, &mut [u8]) -> Option<usize>,
) -> std::borrow::Cow<'_, str> {
    let b = sql.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            _ => i += at(b, i, &mut out).unwrap_or(1),
        }
    }
    String::from_utf8(out).map_or(sql.into(), Into::into)
}

fn strip_mysql_executable_comment(sql: &str, engine: Engine) -> std::borrow::Cow<'_, str> {
    if !engine.is_mysql_family() || !sql.contains("/*!") {
        return std::borrow::Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(p) = rest.find("/*!") {
        out.push_str(&rest[..p]);
        let after = &rest[p + 3..];
        let digits = after.chars().take_while(|c| c.is_ascii_digit()).count();
        let inner = &after[digits..];
        match inner.find("*/") {
            Some(e) => {
                out.push_str(&inner[..e]);
                rest = &inner[e + 2..];
            }
            None => {
                out.push_str(inner);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// MariaDB's `ALGORITHM=NOCOPY` (10.3.7+), which sqlparser does not know:
/// parsed as `INPLACE`, and reported back as `nocopy` by the caller.
fn mariadb_nocopy(sql: &str, engine: Engine) -> (String, bool) {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    if !engine.is_mysql_family() {
        return (sql.to_string(), false);
    }
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\bALGORITHM(\s*=\s*|\s+)NOCOPY\b").expect("valid regex")
    });
    if re.is_match(sql) {
        (re.replace_all(sql, "ALGORITHM=INPLACE").into_owned(), true)
    } else {
        (sql.to_string(), false)
    }
}

/// PostgreSQL `ALTER COLUMN c TYPE text COLLATE "C"`: sqlparser stops at
/// the COLLATE, so it is taken out of the text and given back to the
/// statement's `AlterColumnType` ops, in order, once parsed.
fn pg_type_collations(sql: &str, engine: Engine) -> (String, Vec<Option<String>>) {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    if engine != Engine::Postgres || !sql.to_ascii_uppercase().contains("COLLATE") {
        return (sql.to_string(), Vec::new());
    }
    let (clause, collate) = RE.get_or_init(|| {
        let name = r#"(?:"(?:[^"]|"")+"|\w+)"#;
        (
            regex::Regex::new(&format!(
                r"(?i)\bALTER\s+(?:COLUMN\s+)?{name}\s+(?:SET\s+DATA\s+)?TYPE\s+(?:\([^)]*\)|[^,;()])*"
            ))
            .expect("valid regex"),
            regex::Regex::new(&format!(r"(?i)\s+COLLATE\s+({name}(?:\.{name})*)"))
                .expect("valid regex"),
        )
    });
    let mut found = Vec::new();
    let out = clause.replace_all(sql, |c: &regex::Captures| {
        let text = &c[0];
        match collate.captures(text) {
            Some(m) => {
                found.push(Some(super::lower::charset_text(&m[1].replace('"', ""))));
                collate.replace(text, "").into_owned()
            }
            None => {
                found.push(None);
                text.to_string()
            }
        }
    });
    (out.into_owned(), found)
}

fn set_type_collations(ops: &mut [Op], collations: Vec<Option<String>>) {
    let mut targets: Vec<&mut Option<String>> = ops
        .iter_mut()
        .filter_map(|op| match op {
            Op::AlterColumnType { collation, .. } => Some(collation),
            _ => None,
        })
        .collect();
    if targets.len() == collations.len() {
        for (t, c) in targets.iter_mut().zip(collations) {
            **t = c;
        }
    }
}

/// PostgreSQL's `CREATE MATERIALIZED VIEW … AS query WITH [NO] DATA`:
/// sqlparser stops at the trailing clause, which changes only whether the
/// view is filled now, not what it is; the clause is dropped before parsing.
/// <https://www.postgresql.org/docs/current/sql-creatematerializedview.html>
fn matview_without_data_clause(sql: String) -> String {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    let (head, tail) = RE.get_or_init(|| {
        (
            regex::Regex::new(r"(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\b").expect("valid regex"),
            regex::Regex::new(r"(?is)\s+WITH\s+(NO\s+)?DATA\s*;?\s*$").expect("valid regex"),
        )
    });
    if !head.is_match(&sql) {
        return sql;
    }
    match tail.find(&sql) {
        Some(m) => sql[..m.start()].to_string(),
        None => sql,
    }
}

/// MySQL/MariaDB `ALGORITHM=` and `LOCK=` clauses of a DDL statement read
/// from its text, for statements the lowering did not take them from
/// (`CREATE INDEX … ALGORITHM=INPLACE LOCK=NONE`, fallback-recognised ALTERs).
fn mysql_ddl_options(sql: &str, engine: Engine) -> AlterOptions {
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    let head = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
    if !engine.is_mysql_family()
        || !matches!(head.as_str(), "ALTER " | "CREATE" | "DROP I" | "OPTIMI")
    {
        return AlterOptions::default();
    }
    let (algo, lock) = RE.get_or_init(|| {
        (
            regex::Regex::new(r"(?i)\bALGORITHM\s*=?\s*(DEFAULT|INSTANT|INPLACE|NOCOPY|COPY)\b")
                .expect("valid regex"),
            regex::Regex::new(r"(?i)\bLOCK\s*=?\s*(DEFAULT|NONE|SHARED|EXCLUSIVE)\b")
                .expect("valid regex"),
        )
    });
    let grab = |re: &regex::Regex| {
        re.captures(sql)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_ascii_lowercase())
    };
    AlterOptions {
        algorithm: grab(algo),
        lock: grab(lock),
    }
}

/// `-- shipgate:allow RULE reason` → (RULE, reason).
fn parse_allow(comment: &str) -> Option<(String, String)> {
    let body = comment
        .trim_start_matches("--")
        .trim_start_matches('#')
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim();
    let rest = body.strip_prefix("shipgate:allow")?;
    let mut parts = rest.trim().splitn(2, char::is_whitespace);
    let rule = parts.next()?.trim().to_string();
    if rule.is_empty() {
        return None;
    }
    Some((rule, parts.next().unwrap_or("").trim().to_string()))
}

/// The span of a statement's first line, as a short excerpt for messages.
pub fn excerpt(stmt: &Statement) -> &str {
    stmt.text.lines().next().unwrap_or("")
}

/// A helper for callers that only need spans: the statement's span.
pub fn span_of(stmt: &Statement) -> &Span {
    &stmt.span
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(engine: Engine, sql: &str) -> Vec<Statement> {
        let low = Lowering {
            engine,
            volatile_functions: &[],
        };
        parse_script(&Arc::from("m.sql"), sql, 0..sql.len(), &low)
    }

    #[test]
    fn spans_point_at_statement_start() {
        let s = parse(
            Engine::Postgres,
            "-- hi\n\nCREATE TABLE a (id int);\n  DROP TABLE a;",
        );
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].span.line, s[0].span.column), (3, 1));
        assert_eq!((s[1].span.line, s[1].span.column), (4, 3));
    }

    #[test]
    fn unparseable_statements_are_kept_as_unknown() {
        let s = parse(
            Engine::Postgres,
            "CREATE TABLE a (id int);\nTHIS IS NOT SQL;\nDROP TABLE a;",
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].recognised, Recognised::Unknown);
        assert!(s[1].parse_error.is_some());
        assert!(matches!(s[2].ops[0], Op::DropTable { .. }));
    }

    #[test]
    fn allow_comments_attach_to_the_next_statement() {
        let s = parse(
            Engine::Postgres,
            "SELECT 1;\n-- shipgate:allow drop-column the column is unused since v3\nALTER TABLE a DROP COLUMN b;",
        );
        assert!(s[0].allows.is_empty());
        assert_eq!(s[1].allows[0].rule, "drop-column");
        assert_eq!(s[1].allows[0].reason, "the column is unused since v3");
    }

    #[test]
    fn postgres_type_collation_is_parsed_and_kept() {
        let s = parse(
            Engine::Postgres,
            "ALTER TABLE t ALTER COLUMN a TYPE varchar(10) COLLATE \"C\", ALTER COLUMN b SET DATA TYPE numeric(10,2), ALTER COLUMN c TYPE text COLLATE pg_catalog.\"default\";",
        );
        let collations: Vec<Option<String>> = s[0]
            .ops
            .iter()
            .filter_map(|o| match o {
                Op::AlterColumnType { collation, .. } => Some(collation.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(s[0].parse_error, None);
        assert_eq!(
            collations,
            vec![
                Some("c".to_string()),
                None,
                Some("pg_catalog.default".to_string())
            ]
        );
    }

    #[test]
    fn materialized_views_are_modelled() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, a text);\n\
                   CREATE MATERIALIZED VIEW mv AS SELECT id, a FROM t WITH NO DATA;\n\
                   CREATE UNIQUE INDEX mv_id ON mv (id);\n\
                   CREATE INDEX CONCURRENTLY IF NOT EXISTS mv_a ON mv (a);\n\
                   REFRESH MATERIALIZED VIEW CONCURRENTLY mv;\n\
                   ALTER MATERIALIZED VIEW mv RENAME TO mv2;\n\
                   DROP INDEX mv_a;\n\
                   CREATE MATERIALIZED VIEW mv3 AS SELECT id FROM t WITH DATA;";
        let stmts = parse(Engine::Postgres, sql);
        assert!(stmts.iter().all(|s| s.recognised != Recognised::Unknown));
        let mut schema = crate::schema::Schema::default();
        for s in &stmts {
            let errors = crate::schema::replay_statement(&mut schema, s, Engine::Postgres);
            assert!(errors.is_empty(), "{}: {errors:?}", s.text);
        }
        let mv = &schema.views[&Name::new("mv2")];
        assert!(mv.materialized);
        assert_eq!(mv.indexes, vec![Name::new("mv_id")]);
        assert!(schema.views.contains_key(&Name::new("mv3")));
        assert!(!schema.views.contains_key(&Name::new("mv")));
        // An index the view does not have is still an error.
        let drop = parse(Engine::Postgres, "DROP INDEX mv_a;");
        assert!(
            !crate::schema::replay_statement(&mut schema, &drop[0], Engine::Postgres).is_empty()
        );
    }

    #[test]
    fn go_template_schema_qualifiers_are_blanked_outside_literals() {
        let sql = "alter table {{ index .Options \"Namespace\" }}.users add column a text[] default '{{1}}.x'";
        let out = template_qualifiers_blanked(sql);
        assert_eq!(out.len(), sql.len());
        assert!(out.starts_with("alter table "), "{out}");
        assert_eq!(out.split_whitespace().nth(2), Some("users"), "{out}");
        assert!(out.ends_with("default '{{1}}.x'"), "{out}");
        let plain = "select '{{a}}.b' -- {{ x }}.y";
        assert_eq!(template_qualifiers_blanked(plain), plain);
    }

    #[test]
    fn sqlite_bracket_type_sizes_become_parenthesised() {
        let sql = "ALTER TABLE `p` ADD COLUMN `c` varchar[10] DEFAULT '[1]'";
        assert_eq!(
            sqlite_bracket_type_sizes(sql, Engine::Sqlite),
            "ALTER TABLE `p` ADD COLUMN `c` varchar(10) DEFAULT '[1]'"
        );
        // A bracket-quoted name stays one.
        let named = "SELECT [order] FROM t";
        assert_eq!(sqlite_bracket_type_sizes(named, Engine::Sqlite), named);
        assert_eq!(sqlite_bracket_type_sizes(sql, Engine::Postgres), sql);
        let file: Arc<str> = Arc::from("m.sql");
        let low = Lowering {
            engine: Engine::Sqlite,
            volatile_functions: &[],
        };
        let stmts = parse_script(&file, sql, 0..sql.len(), &low);
        assert!(stmts[0].parse_error.is_none(), "{:?}", stmts[0].parse_error);
        assert!(
            matches!(stmts[0].ops[0], Op::AddColumn { .. }),
            "{:?}",
            stmts[0].ops
        );
    }

    #[test]
    fn mariadb_nocopy_is_kept_as_the_requested_algorithm() {
        let s = parse(
            Engine::Mariadb,
            "ALTER TABLE t ADD COLUMN c int, ALGORITHM=NOCOPY, LOCK=NONE;",
        );
        assert_eq!(s[0].recognised, Recognised::Parser);
        assert_eq!(s[0].alter_options.algorithm.as_deref(), Some("nocopy"));
        assert_eq!(s[0].alter_options.lock.as_deref(), Some("none"));
        assert!(matches!(s[0].ops[0], Op::AddColumn { .. }));
    }

    #[test]
    fn mysql_index_and_fallback_statements_keep_their_algorithm_and_lock() {
        let s = parse(
            Engine::Mysql,
            "CREATE INDEX i ON t (c) ALGORITHM=INPLACE LOCK=NONE;\nALTER TABLE t ENGINE=InnoDB, LOCK=SHARED;\nLOCK TABLES t WRITE;",
        );
        assert_eq!(s[0].alter_options.algorithm.as_deref(), Some("inplace"));
        assert_eq!(s[0].alter_options.lock.as_deref(), Some("none"));
        assert_eq!(s[1].recognised, Recognised::Fallback);
        assert!(matches!(s[1].ops[0], Op::RebuildTable { copy: false, .. }));
        assert_eq!(s[1].alter_options.lock.as_deref(), Some("shared"));
        assert_eq!(s[2].alter_options, AlterOptions::default());
    }

    #[test]
    fn mysql_executable_comments_are_parsed() {
        let s = parse(Engine::Mysql, "/*!40101 SET NAMES utf8mb4 */;");
        assert_ne!(s[0].recognised, Recognised::Unknown);
    }
}
