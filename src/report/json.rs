//! The JSON report (`--format json`), versioned by `schema_version`.

use crate::check::CheckReport;
use serde_json::{json, Value};

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(r: &CheckReport) -> String {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "name": f.name,
                "severity": f.severity.name(),
                "class": f.class.name(),
                "file": &*f.span.file,
                "line": f.span.line,
                "column": f.span.column,
                "message": f.message,
                "help": f.help,
            })
        })
        .collect();
    let statements: Vec<Value> = r
        .statements
        .iter()
        .map(|s| {
            json!({
                "file": &*s.span.file,
                "line": s.span.line,
                "sql": s.sql,
                "phase": s.phase.name(),
                "rewrite": s.rewrite,
                "class": s.class.name(),
            })
        })
        .collect();
    let usage: Vec<Value> = r
        .usage
        .iter()
        .map(|u| {
            json!({
                "file": u.file,
                "line": u.line,
                "side": u.side,
                "tables": u.tables,
                "reads": u.reads,
                "writes": u.writes,
            })
        })
        .collect();
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "verdict": r.verdict.name(),
        "exit_code": r.verdict.exit_code(),
        "engine": {
            "name": r.engine.name(),
            "version": r.version.to_string(),
            "version_assumed": r.version_assumed,
        },
        "findings": findings,
        "statements": statements,
        "usage": usage,
        "reasons": r.reasons,
        "notes": r.notes,
    });
    if !r.code_skipped.is_empty() {
        // Present only when code was left out, so reports of releases
        // without such code keep their shape.
        let skipped: Vec<Value> = r
            .code_skipped
            .iter()
            .map(|(side, why, files)| json!({"side": side, "reason": why, "files": files}))
            .collect();
        doc["code_skipped"] = Value::Array(skipped);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
