//! diesel's `table!` macro (usually in `schema.rs`):
//! `table! { [schema.]users (id) { id -> Int4, #[sql_name = "x"] y -> Text } }`.
//! The macro body is a token tree; its grammar is simple enough to read with
//! a small tokenizer rather than a second parser.

use super::{norm, Orm, OrmUsage};
use crate::span::LineIndex;
use std::sync::Arc;

/// Reads the tables of one `table!` body (`start..end` in `text`).
pub fn read(
    file: &Arc<str>,
    text: &str,
    start: usize,
    end: usize,
    index: &LineIndex,
) -> Vec<OrmUsage> {
    let Some(body) = text.get(start..end) else {
        return Vec::new();
    };
    let toks = tokens(body);
    let mut out = Vec::new();
    let mut i = 0;
    // Skip the opening delimiter of the macro body.
    if matches!(toks.first(), Some((_, "{" | "(" | "["))) {
        i = 1;
    }
    let mut pending_sql_name: Option<String> = None;
    while i < toks.len() {
        // attributes: #[sql_name = "x"], #[derive(...)], use statements
        if toks[i].1 == "#" {
            let (name, next) = attribute(&toks, i);
            if name.is_some() {
                pending_sql_name = name;
            }
            i = next;
            continue;
        }
        if toks[i].1 == "use" {
            while i < toks.len() && toks[i].1 != ";" {
                i += 1;
            }
            i += 1;
            continue;
        }
        if !is_ident(toks[i].1) {
            i += 1;
            continue;
        }
        // [schema .] table ( pk ) { cols }
        let decl_at = toks[i].0;
        let mut name = toks[i].1.to_string();
        i += 1;
        if toks.get(i).map(|t| t.1) == Some(".") && toks.get(i + 1).is_some_and(|t| is_ident(t.1)) {
            name = format!("{}.{}", name, toks[i + 1].1);
            i += 2;
        }
        let table = pending_sql_name.take().unwrap_or(name);
        // primary key list
        if toks.get(i).map(|t| t.1) == Some("(") {
            while i < toks.len() && toks[i].1 != ")" {
                i += 1;
            }
            i += 1;
        }
        if toks.get(i).map(|t| t.1) != Some("{") {
            continue;
        }
        i += 1;
        let mut columns = Vec::new();
        let mut col_sql_name: Option<String> = None;
        while i < toks.len() && toks[i].1 != "}" {
            if toks[i].1 == "#" {
                let (n, next) = attribute(&toks, i);
                if n.is_some() {
                    col_sql_name = n;
                }
                i = next;
                continue;
            }
            if is_ident(toks[i].1) && toks.get(i + 1).map(|t| t.1) == Some("->") {
                let col = col_sql_name.take().unwrap_or_else(|| toks[i].1.to_string());
                columns.push(norm(col.trim_start_matches("r#")));
                // skip the type up to the next top-level comma
                let mut depth = 0i32;
                i += 2;
                while i < toks.len() {
                    match toks[i].1 {
                        "<" | "(" => depth += 1,
                        ">" | ")" => depth -= 1,
                        "," if depth <= 0 => break,
                        "}" if depth <= 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                if toks.get(i).map(|t| t.1) == Some(",") {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        i += 1;
        out.push(OrmUsage {
            span: index.span(text, file, start + decl_at, end),
            orm: Orm::Diesel,
            table: norm(&table),
            columns,
        });
    }
    out
}

/// Reads `#[...]` at `i`; returns a `sql_name = "..."` value if there is one
/// and the index after the attribute.
fn attribute(toks: &[(usize, &str)], mut i: usize) -> (Option<String>, usize) {
    let mut name = None;
    i += 1;
    if toks.get(i).map(|t| t.1) != Some("[") {
        return (None, i);
    }
    let mut depth = 0;
    while i < toks.len() {
        match toks[i].1 {
            "[" => depth += 1,
            "]" => {
                depth -= 1;
                if depth == 0 {
                    return (name, i + 1);
                }
            }
            "sql_name" => {
                if let Some(v) = toks.get(i + 2).filter(|t| t.1.starts_with('"')) {
                    name = Some(v.1.trim_matches('"').to_string());
                }
            }
            _ => {}
        }
        i += 1;
    }
    (name, i)
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Splits a token tree into (offset, token): identifiers, strings, `->`,
/// single punctuation. Comments are skipped.
fn tokens(s: &str) -> Vec<(usize, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if s[i..].starts_with("//") {
            i = s[i..].find('\n').map(|p| i + p).unwrap_or(b.len());
        } else if s[i..].starts_with("/*") {
            i = s[i + 2..].find("*/").map(|p| i + p + 4).unwrap_or(b.len());
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let j = (j + 1).min(b.len());
            out.push((i, &s[i..j]));
            i = j;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let mut j = i;
            while j < b.len()
                && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'#' || b[j] >= 0x80)
            {
                j += 1;
            }
            out.push((i, &s[i..j]));
            i = j;
        } else if s[i..].starts_with("->") {
            out.push((i, "->"));
            i += 2;
        } else {
            out.push((i, &s[i..i + 1]));
            i += 1;
        }
    }
    out
}
