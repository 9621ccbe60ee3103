//! Deciding whether a string is SQL. A cheap test on the first keyword runs
//! first (most literals are not SQL and never reach the parser); a literal
//! that passes is SQL when, with its parameters normalised, it parses as one
//! or more statements in the engine's dialect.

use super::literal::HOLE;
use super::placeholders::{normalize, skip_blank};
use crate::engine::Engine;
use once_cell::sync::Lazy;
use regex::Regex;
use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
use sqlparser::parser::Parser;

/// Statement keywords a query sent by application code starts with.
const LEADING: &[&str] = &[
    "select", "insert", "update", "delete", "with", "replace", "merge", "upsert", "values",
    "table", "call",
];

/// Second words that make a statement shape likely (used for strings that do
/// not parse, to tell SQL we cannot read from prose).
static SQL_SHAPE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?is)^\s*(select\b.*\bfrom\b|insert\s+into\b|update\b.*\bset\b|delete\s+from\b|replace\s+into\b|with\b.*\bas\s*\(|merge\s+into\b)")
        .expect("valid regex")
});

/// Identifiers after FROM / JOIN / INTO / UPDATE / TABLE.
static TABLE_AFTER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r#"(?i)\b(?:from|join|into|update|table)\s+((?:[A-Za-z_][\w$]*|"[^"]+"|`[^`]+`)(?:\.(?:[A-Za-z_][\w$]*|"[^"]+"|`[^`]+`))?)"#,
    )
    .expect("valid regex")
});

/// The cheap test: does the text start (after blanks, comments and opening
/// parentheses) with a statement keyword followed by a word boundary?
pub fn starts_like_sql(text: &str) -> bool {
    let t = skip_blank(text);
    let word_len = t.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    if !(4..=7).contains(&word_len) {
        return false;
    }
    let word = &t[..word_len];
    let next = t[word_len..].chars().next();
    if !matches!(next, Some(c) if c.is_whitespace() || c == '(' || c == '*') {
        return false;
    }
    LEADING.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// A cheaper test on a literal's source text (quotes and prefix included),
/// before its value is built: `false` only when the text after the opening
/// quote certainly does not start with a statement keyword. Forms it does
/// not recognise (heredocs, a leading comment or interpolation) say `true`.
pub fn literal_may_be_sql(raw: &str) -> bool {
    let Some(q) = raw.find(['"', '\'', '`']) else {
        return true;
    };
    if q > 4 {
        return true;
    }
    let mut rest = raw[q..].trim_start_matches(['"', '\'', '`']);
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        match rest
            .strip_prefix("\\n")
            .or_else(|| rest.strip_prefix("\\t"))
        {
            Some(r) => rest = r,
            None => break,
        }
    }
    if rest.starts_with(['-', '/', '{', '$', '#', '\\']) {
        return true;
    }
    let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    LEADING.iter().any(|k| k.eq_ignore_ascii_case(&rest[..n]))
}

/// Whether a string that does not parse still has the shape of a statement.
pub fn has_sql_shape(text: &str) -> bool {
    SQL_SHAPE.is_match(skip_blank(text))
}

/// Parses `text` (parameters in any style) as statements of the engine.
/// `None` when it is not SQL the engine's parser accepts.
pub fn parse(text: &str, engine: Engine) -> Result<Vec<Statement>, String> {
    let normalized = normalize(text, engine);
    let dialect = engine.dialect();
    match Parser::parse_sql(&*dialect, &normalized) {
        Ok(stmts) if !stmts.is_empty() => Ok(stmts),
        Ok(_) => Err("empty".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Words that name no table in SQL application code but start English
/// sentences ("delete from the list").
const PROSE_WORDS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "your", "my", "our", "their", "its", "it",
    "all", "each", "every", "any", "some", "here", "there",
];

/// Whether a string that parses is SQL rather than prose that happens to
/// parse ("Select one", "select a color", "delete from the list"):
/// a capitalised keyword needs a full statement shape, a SELECT without FROM
/// may not name columns, and no table may be an English article or pronoun.
pub fn plausible(text: &str, stmts: &[Statement]) -> bool {
    let t = skip_blank(text);
    let word: &str = &t[..t.bytes().take_while(|b| b.is_ascii_alphabetic()).count()];
    let mixed = word.chars().any(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase());
    if mixed && !has_sql_shape(text) {
        return false;
    }
    for st in stmts {
        if let Statement::Query(q) = st {
            if let SetExpr::Select(sel) = &*q.body {
                if sel.from.is_empty() && sel.projection.iter().any(names_a_column) {
                    return false;
                }
            }
        }
    }
    !tables_mentioned(text)
        .iter()
        .any(|t| PROSE_WORDS.contains(&t.as_str()))
}

fn names_a_column(item: &SelectItem) -> bool {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
            matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
        }
        _ => false,
    }
}

/// Best-effort table names a (possibly dynamic) SQL text mentions: the
/// identifiers after FROM / JOIN / INTO / UPDATE, lower-cased, unquoted. A
/// name followed directly by a run-time hole is left out (it is incomplete).
pub fn tables_mentioned(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cap in TABLE_AFTER.captures_iter(text) {
        let m = cap.get(1).expect("group 1");
        if text[m.end()..].starts_with(HOLE) {
            continue;
        }
        let name: String = m
            .as_str()
            .chars()
            .filter(|c| !matches!(c, '"' | '`'))
            .collect::<String>()
            .to_lowercase();
        if matches!(
            name.as_str(),
            "select" | "lateral" | "only" | "unnest" | "set" | "values" | "where"
        ) {
            continue;
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefilter() {
        assert!(literal_may_be_sql("r#\"SELECT 1\"#"));
        assert!(literal_may_be_sql("f'''\n  (select a"));
        assert!(literal_may_be_sql("\"\\nUPDATE t"));
        assert!(literal_may_be_sql("\"-- name: X\nSELECT"));
        assert!(literal_may_be_sql("\n  SELECT a\n  SQL"));
        assert!(!literal_may_be_sql("\"loading\""));
        assert!(!literal_may_be_sql("@\"Selected\""));
    }

    #[test]
    fn keyword_prefilter() {
        assert!(starts_like_sql("  -- q\n (SELECT 1)"));
        assert!(starts_like_sql("select*from t"));
        assert!(!starts_like_sql("selection of items"));
        assert!(!starts_like_sql("Updated!"));
        assert!(!starts_like_sql(""));
    }

    #[test]
    fn parse_accepts_any_parameter_style() {
        assert!(parse("SELECT a FROM t WHERE id = %s AND b = :b", Engine::Postgres).is_ok());
        assert!(parse("SELECT a FROM t WHERE id = $1", Engine::Mysql).is_ok());
        assert!(parse("Select the rows you want", Engine::Postgres).is_err());
    }

    #[test]
    fn prose_that_parses_is_not_sql() {
        for prose in [
            "Select one",
            "select a color",
            "delete from the list",
            "Select it",
        ] {
            let stmts = parse(prose, Engine::Postgres);
            assert!(
                stmts.as_ref().is_err() || !plausible(prose, stmts.as_ref().unwrap()),
                "{prose}"
            );
        }
        let sql = "SELECT id FROM users";
        assert!(plausible(sql, &parse(sql, Engine::Postgres).unwrap()));
        let sql = "SELECT 1";
        assert!(plausible(sql, &parse(sql, Engine::Postgres).unwrap()));
    }

    #[test]
    fn mentioned_tables_skip_holes() {
        let t =
            format!("SELECT * FROM users u JOIN {HOLE} ON x WHERE a IN (SELECT b FROM \"Orders\")");
        assert_eq!(tables_mentioned(&t), vec!["users", "orders"]);
        let t = format!("SELECT * FROM tenant_{HOLE}");
        assert!(tables_mentioned(&t).is_empty());
    }
}
