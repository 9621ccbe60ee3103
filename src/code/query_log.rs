//! Captured query logs as the observed SQL of the running (old) version:
//! PostgreSQL `pg_stat_statements` exports (CSV with a header holding a
//! `query` column, or JSON: an array of objects or one object per line with
//! `query`) and MySQL `performance_schema.events_statements_summary_by_digest`
//! exports (`DIGEST_TEXT` column; CSV, tab-separated as `mysql -B` prints
//! it, or JSON). Rows whose text does not parse (digests truncated with
//! `...`, utility commands) are skipped; a file that cannot be read as any of
//! these formats is an error naming file and line.

use super::{CodeQuery, Language};
use crate::engine::Engine;
use crate::span::Span;
use serde_json::Value;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum QueryLogError {
    #[error("{file}:{line}: {message}")]
    Malformed {
        file: String,
        line: usize,
        message: String,
    },
}

/// Column / key names that hold the statement text.
const QUERY_KEYS: &[&str] = &["query", "digest_text", "query_sample_text"];

/// Reads a query log. `path` names the file in messages and spans.
pub fn read_query_log(
    path: &str,
    text: &str,
    engine: Engine,
) -> Result<Vec<CodeQuery>, QueryLogError> {
    let file: Arc<str> = Arc::from(path);
    let err = |line: usize, message: String| QueryLogError::Malformed {
        file: path.to_string(),
        line,
        message,
    };
    let t = text.trim_start_matches('\u{feff}');
    let first = t.trim_start();
    let rows: Vec<(usize, String)> = if first.starts_with('[') {
        let lead_lines = t[..t.len() - first.len()].matches('\n').count();
        let v: Value = serde_json::from_str(t)
            .map_err(|e| err(e.line() + lead_lines, format!("not valid JSON: {e}")))?;
        let items = v
            .as_array()
            .ok_or_else(|| err(1, "expected a JSON array".into()))?;
        let lines = element_lines(t);
        let mut rows = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let line = lines.get(i).copied().unwrap_or(1);
            rows.push((
                line,
                json_query(item).ok_or_else(|| {
                    err(
                        line,
                        "object without a `query` or `DIGEST_TEXT` string".into(),
                    )
                })?,
            ));
        }
        rows
    } else if first.starts_with('{') {
        let mut rows = Vec::new();
        for (i, l) in t.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            let v: Value =
                serde_json::from_str(l).map_err(|e| err(i + 1, format!("not valid JSON: {e}")))?;
            rows.push((
                i + 1,
                json_query(&v).ok_or_else(|| {
                    err(
                        i + 1,
                        "object without a `query` or `DIGEST_TEXT` string".into(),
                    )
                })?,
            ));
        }
        rows
    } else {
        delimited(t).map_err(|(line, m)| err(line, m))?
    };
    let mut out = Vec::new();
    for (line, sql) in rows {
        // Digests abbreviate value lists as `(...)`; a trailing `...` means
        // the digest was truncated and the statement is incomplete.
        let elided_values = sql.contains("(...)");
        let sql = sql.replace("(...)", "(?)");
        let sql = sql.trim();
        if sql.is_empty() || sql.ends_with("...") {
            continue;
        }
        if let Ok(statements) = super::sql_detect::parse(sql, engine) {
            out.push(CodeQuery {
                span: Span {
                    file: file.clone(),
                    start: 0,
                    end: 0,
                    line: line as u32,
                    column: 1,
                },
                sql: sql.to_string(),
                language: Language::QueryLog,
                statements,
                elided_values,
            });
        }
    }
    Ok(out)
}

/// The 1-based line where each element of a top-level JSON array starts.
fn element_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_str, mut esc) = (false, false);
    let mut expect_elem = false;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if expect_elem && depth == 1 && !c.is_whitespace() && c != ']' {
            out.push(line);
            expect_elem = false;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expect_elem = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expect_elem = true,
            _ => {}
        }
    }
    out
}

fn json_query(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    obj.iter()
        .find(|(k, _)| QUERY_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

/// CSV (RFC 4180 quoting) or TSV (`mysql -B` backslash escapes); the header
/// row names the query column. Returns (line of the row, query text).
fn delimited(text: &str) -> Result<Vec<(usize, String)>, (usize, String)> {
    let header_line = text.lines().next().unwrap_or("");
    let tab = header_line.contains('\t');
    let records = if tab { tsv(text) } else { csv(text)? };
    let mut it = records.into_iter();
    let Some((_, header)) = it.next() else {
        return Err((1, "empty query log".into()));
    };
    let col = header
        .iter()
        .position(|h| QUERY_KEYS.contains(&h.trim().to_ascii_lowercase().as_str()))
        .ok_or_else(|| {
            (
                1,
                format!(
                    "no `query` or `DIGEST_TEXT` column in the header (found: {})",
                    header.join(", ")
                ),
            )
        })?;
    let mut rows = Vec::new();
    for (line, rec) in it {
        if rec.len() == 1 && rec[0].is_empty() {
            continue;
        }
        let q = rec.get(col).ok_or_else(|| {
            (
                line,
                format!("row has {} fields, the header {}", rec.len(), header.len()),
            )
        })?;
        if tab && q == "NULL" {
            continue;
        }
        rows.push((line, q.clone()));
    }
    Ok(rows)
}

type Records = Vec<(usize, Vec<String>)>;

fn csv(text: &str) -> Result<Records, (usize, String)> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut rec_line = 1;
    let mut quoted = false;
    let mut quote_start = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_start = line;
            }
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((rec_line, std::mem::take(&mut fields)));
                line += 1;
                rec_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err((quote_start, "unterminated quoted field".into()));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((rec_line, fields));
    }
    Ok(out)
}

fn tsv(text: &str) -> Records {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let fields = l
                .trim_end_matches('\r')
                .split('\t')
                .map(|f| {
                    let mut s = String::with_capacity(f.len());
                    let mut it = f.chars();
                    while let Some(c) = it.next() {
                        if c == '\\' {
                            match it.next() {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some('0') => s.push('\0'),
                                Some(o) => s.push(o),
                                None => s.push('\\'),
                            }
                        } else {
                            s.push(c);
                        }
                    }
                    s
                })
                .collect();
            (i + 1, fields)
        })
        .collect()
}
