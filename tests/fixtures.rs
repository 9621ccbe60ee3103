//! Fixture scenarios: `fixtures/<case>/{old,new}` (or `v1`/`v2`) with an
//! `expected.toml` (verdict, rules that must fire and stay quiet, extra
//! arguments), run through the real binary. The text and JSON reports are
//! snapshotted with insta after the assertions, so an empty snapshot
//! cannot pass.

use assert_cmd::Command;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    verdict: String,
    #[serde(default)]
    fires: Vec<String>,
    #[serde(default)]
    quiet: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    /// Phases that some statement must have.
    #[serde(default)]
    phases: Vec<String>,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.toml").exists())
        .collect();
    v.sort();
    v
}

fn revisions(case: &Path) -> (PathBuf, PathBuf) {
    if case.join("old").exists() {
        (case.join("old"), case.join("new"))
    } else {
        (case.join("v1"), case.join("v2"))
    }
}

fn run(case: &Path, exp: &Expected, format: &str) -> (String, i32) {
    let (old, new) = revisions(case);
    let out = Command::cargo_bin("shipgate")
        .unwrap()
        .current_dir(case)
        .arg("check")
        .arg("--old")
        .arg(old.file_name().unwrap())
        .arg("--new")
        .arg(new.file_name().unwrap())
        .args(["--format", format, "--fail-on", "zero-downtime"])
        .args(&exp.args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.is_empty() || !stderr.contains("panicked"),
        "{}: {stderr}",
        case.display()
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn there_are_enough_fixtures() {
    assert!(cases().len() >= 30, "only {} fixture cases", cases().len());
}

#[test]
fn every_fixture_gets_its_expected_verdict() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let exp: Expected =
            toml::from_str(&std::fs::read_to_string(case.join("expected.toml")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
        let (json, code) = run(&case, &exp, "json");
        let doc: serde_json::Value = match serde_json::from_str(&json) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!(
                    "{name}: exit {code}, output is not JSON ({e}): {json}"
                ));
                continue;
            }
        };
        let verdict = doc["verdict"].as_str().unwrap_or("?");
        if verdict != exp.verdict {
            failures.push(format!(
                "{name}: expected {}, got {verdict}; reasons: {}",
                exp.verdict, doc["reasons"]
            ));
        }
        let expected_code = match exp.verdict.as_str() {
            "zero-downtime" => 0,
            "expand-contract" => 10,
            "maintenance-window" => 20,
            "blocked" => 30,
            other => panic!("{name}: unknown verdict {other}"),
        };
        if verdict == exp.verdict && code != expected_code {
            failures.push(format!(
                "{name}: exit code {code}, expected {expected_code}"
            ));
        }
        let fired: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        for r in &exp.fires {
            if !fired.contains(&r.as_str()) {
                failures.push(format!("{name}: {r} did not fire (fired: {fired:?})"));
            }
        }
        for r in &exp.quiet {
            if fired.contains(&r.as_str()) {
                failures.push(format!("{name}: {r} fired but must stay quiet"));
            }
        }
        let phases: Vec<&str> = doc["statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["phase"].as_str().unwrap())
            .collect();
        for p in &exp.phases {
            if !phases.contains(&p.as_str()) {
                failures.push(format!(
                    "{name}: no statement in phase {p} (phases: {phases:?})"
                ));
            }
        }
        if failures.is_empty() {
            let (text, _) = run(&case, &exp, "text");
            insta::assert_snapshot!(format!("{name}.text"), text);
            insta::assert_snapshot!(format!("{name}.json"), json);
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
