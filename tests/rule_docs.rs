//! `docs/rules.md` is generated from the rule catalog (each rule's own doc
//! sections); this test fails when it is stale. Regenerate with
//! `SHIPGATE_UPDATE_DOCS=1 cargo test --test rule_docs`.

use std::path::Path;

fn generate() -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule catalog (`src/rules/`); do not edit by hand.\nRegenerate with `SHIPGATE_UPDATE_DOCS=1 cargo test --test rule_docs`.\n\n| id | name | engines | severity | implies |\n|---|---|---|---|---|\n",
    );
    let rules = shipgate::rules::all();
    // The text emitter's `explain`, as `shipgate explain` prints it.
    let text = shipgate::report::emitter(shipgate::report::Format::Text, false);
    for r in &rules {
        let engines: Vec<&str> = r.engines.iter().map(|e| e.name()).collect();
        let anchor = format!("{}-{}", r.id.to_lowercase(), r.name);
        out.push_str(&format!(
            "| [{id}](#{anchor}) | {name} | {engines} | {sev} | {class} |\n",
            id = r.id,
            name = r.name,
            engines = engines.join(", "),
            sev = r.severity.name(),
            class = r.class.name(),
        ));
    }
    for r in &rules {
        let doc = text.explain(r);
        let mut lines = doc.lines();
        let title = lines.next().unwrap_or_default();
        out.push_str(&format!("\n## {title}\n"));
        for l in lines {
            // Section headings nest under the rule's heading.
            if let Some(h) = l.strip_prefix("## ") {
                out.push_str(&format!("### {h}\n"));
            } else {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn rules_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = generate();
    if std::env::var_os("SHIPGATE_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `SHIPGATE_UPDATE_DOCS=1 cargo test --test rule_docs`"
    );
}
