//! `.sql` query files. A file with `-- name: X :one` markers (sqlc, and the
//! yesql/HugSQL/PugSQL family) holds one named query per marker. A `.sql`
//! file without markers is a query file only under a `queries/` or `query/`
//! folder (then each statement is one query); any other `.sql` file is left
//! to the migration reader.

use super::{CodeQuery, Language};
use crate::engine::Engine;
use crate::span::LineIndex;
use std::sync::Arc;

pub fn read(file: &Arc<str>, text: &str, engine: Engine) -> Vec<CodeQuery> {
    let index = LineIndex::new(text);
    let mut out = Vec::new();
    let mut push = |start: usize, end: usize| {
        let body = &text[start..end];
        let lead = body.len() - body.trim_start().len();
        let body_trim = body.trim().trim_end_matches(';').trim_end();
        if body_trim.is_empty() {
            return;
        }
        if let Ok(statements) = super::sql_detect::parse(body_trim, engine) {
            out.push(CodeQuery {
                span: index.span(text, file, start + lead, end),
                sql: body_trim.to_string(),
                language: Language::Sql,
                statements,
                elided_values: false,
            });
        }
    };
    let markers: Vec<(usize, usize)> = marker_lines(text);
    if !markers.is_empty() {
        for (i, (_, body_start)) in markers.iter().enumerate() {
            let end = markers.get(i + 1).map(|m| m.0).unwrap_or(text.len());
            push(*body_start, end);
        }
        return out;
    }
    let in_query_dir = file
        .split('/')
        .rev()
        .skip(1)
        .any(|d| d == "queries" || d == "query");
    if in_query_dir {
        for (s, e) in super::placeholders::split_statements(text) {
            // Skip leading comment lines so the span points at the statement.
            let mut s = s;
            while text[s..e].trim_start().starts_with("--") {
                let t = &text[s..e];
                let at = t.len() - t.trim_start().len();
                s += at + t[at..].find('\n').map(|p| p + 1).unwrap_or(t.len() - at);
            }
            push(s, e);
        }
    }
    out
}

/// (start of the marker line, start of the line after it) for each
/// `-- name:` marker.
fn marker_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("--") {
            if rest.trim_start().starts_with("name:") {
                out.push((pos, pos + line.len()));
            }
        }
        pos += line.len();
    }
    out
}
