//! The JSON format (`--format json`), for machines: the check report, the
//! rule catalog and one rule's documentation, each an object carrying
//! `schema_version`.

use super::words::reason;
use super::Emitter;
use crate::check::CheckReport;
use crate::rules::Rule;
use serde_json::{json, Value};

/// The version of every JSON document shipgate writes; raised when a field
/// changes meaning or goes away (new fields keep it).
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON emitter.
pub struct Json;

impl Emitter for Json {
    fn check(&self, r: &CheckReport) -> String {
        check(r)
    }

    fn rules(&self, rules: &[&'static Rule]) -> String {
        let rules: Vec<Value> = rules.iter().map(|r| rule(r)).collect();
        pretty(&json!({"schema_version": SCHEMA_VERSION, "rules": rules}))
    }

    fn explain(&self, r: &Rule) -> String {
        let mut doc = json!({"schema_version": SCHEMA_VERSION});
        if let (Value::Object(d), Value::Object(fields)) = (&mut doc, rule(r)) {
            d.extend(fields);
        }
        pretty(&doc)
    }
}

/// A rule with its documentation sections (`example` is SQL).
fn rule(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "engines": r.engine_names(),
        "severity": r.severity.name(),
        "class": r.class.name(),
        "summary": r.summary,
        "what": r.what,
        "why": r.why,
        "example": r.example.trim(),
        "instead": r.instead,
    })
}

/// The document, pretty-printed, with a final newline.
fn pretty(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

fn check(r: &CheckReport) -> String {
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
        "reasons": r.reasons.iter().map(reason).collect::<Vec<_>>(),
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
    pretty(&doc)
}
