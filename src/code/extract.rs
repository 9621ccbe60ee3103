//! Finding string expressions in one source file with the language's
//! tree-sitter grammar: constants first, then every maximal string
//! expression (a literal, an adjacent-literal run, a `+` chain, a formatting
//! call) in document order. Deciding which of them are SQL happens in
//! `sql_detect`; this module only knows syntax.

use super::languages::{LangSpec, Language, K_ADJACENT, K_BINARY, K_CALL, K_CONST, K_STRING};
use super::literal::{Evaluator, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

/// One string expression found in a file.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub value: Value,
}

/// A `macro!{...}` the ORM readers want (diesel's `table!`).
#[derive(Debug, Clone)]
pub struct MacroBody {
    pub start: usize,
    pub end: usize,
}

/// What one walk over a file yields.
#[derive(Debug, Default)]
pub struct Extracted {
    pub candidates: Vec<Candidate>,
    pub table_macros: Vec<MacroBody>,
}

thread_local! {
    static PARSERS: RefCell<HashMap<Language, Parser>> = RefCell::new(HashMap::new());
}

/// Parses `src` with the language's grammar (one parser per thread and language).
pub fn parse(spec: &'static LangSpec, src: &str) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let parser = match parsers.entry(spec.language) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut p = Parser::new();
                p.set_language(&(spec.grammar)()).ok()?;
                v.insert(p)
            }
        };
        parser.parse(src, None)
    })
}

/// Walks a parsed file and returns its string expressions.
///
/// One walk records constant declarations and candidate nodes; literals stop
/// the descent, binaries and calls do not (whether they are string
/// expressions depends on the constants, known only after the walk). Then
/// candidates are evaluated in document order, skipping those inside an
/// expression already taken.
pub fn extract(spec: &'static LangSpec, src: &str, tree: &Tree) -> Extracted {
    let root = tree.root_node();
    let flags = spec.kind_flags();
    let flag = |n: &Node| flags.get(n.kind_id() as usize).copied().unwrap_or(0);
    let mut out = Extracted::default();
    let mut consts: Vec<Node> = Vec::new();
    let mut cands: Vec<Node> = Vec::new();
    let mut cursor = root.walk();
    loop {
        let n = cursor.node();
        let f = flag(&n);
        let mut descend = n.is_named() && n.child_count() > 0;
        if descend && spec.language == Language::Rust && is_rust_test_item(n, src) {
            descend = false;
        }
        if f & K_CONST != 0 {
            consts.push(n);
        }
        if f & K_CALL != 0 && spec.language == Language::Rust && is_table_macro(n, src) {
            if let Some(body) = n.named_child(n.named_child_count().saturating_sub(1) as u32) {
                out.table_macros.push(MacroBody {
                    start: body.start_byte(),
                    end: body.end_byte(),
                });
            }
            descend = false;
        } else if f & (K_STRING | K_ADJACENT) != 0 {
            cands.push(n);
            descend = false;
        } else if f & (K_BINARY | K_CALL) != 0 {
            cands.push(n);
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return finish(spec, src, consts, cands, out);
            }
        }
    }
}

fn finish(
    spec: &'static LangSpec,
    src: &str,
    consts: Vec<Node>,
    cands: Vec<Node>,
    mut out: Extracted,
) -> Extracted {
    let mut ev = Evaluator::new(spec, src);
    ev.collect_constants(&consts);
    let mut taken_until = 0;
    let flags = spec.kind_flags();
    for n in cands {
        if n.start_byte() < taken_until || is_docstring(spec, n) {
            continue;
        }
        // A lone literal that cannot start SQL needs no value; literals in
        // a concatenation are evaluated with it (the binary comes first).
        let lone = flags.get(n.kind_id() as usize).copied().unwrap_or(0) & K_STRING != 0;
        if lone && !super::sql_detect::literal_may_be_sql(src.get(n.byte_range()).unwrap_or("")) {
            continue;
        }
        if let Some(mut value) = ev.eval(n, 0) {
            if value.dynamic.is_none()
                && matches!(spec.language, Language::Java | Language::Kotlin)
                && is_jpql(n, src)
            {
                value.dynamic = Some("JPQL/HQL query: it names entities, not tables");
            }
            out.candidates.push(Candidate {
                start: n.start_byte(),
                end: n.end_byte(),
                value,
            });
            taken_until = n.end_byte();
        }
    }
    out
}

/// A Python string that is a statement of its own (a docstring, or a
/// string used as a comment) is never sent to a database.
fn is_docstring(spec: &LangSpec, n: Node) -> bool {
    spec.language == Language::Python
        && n.parent()
            .is_some_and(|p| p.kind() == "expression_statement" && p.named_child_count() == 1)
}

/// Spring Data `@Query("…")` without `nativeQuery = true`, and JPA's
/// `createQuery("…")`, hold JPQL/HQL: entity and field names, not tables and
/// columns, so the text must not be resolved against the schema.
fn is_jpql(n: Node, src: &str) -> bool {
    let mut p = n.parent();
    for _ in 0..6 {
        let Some(node) = p else {
            return false;
        };
        let text = src.get(node.byte_range()).unwrap_or("");
        match node.kind() {
            "annotation" => {
                let name = text.split('(').next().unwrap_or("");
                return name.ends_with("Query") && !text.contains("nativeQuery");
            }
            "method_invocation" | "call_expression" => {
                let callee = text.split('(').next().unwrap_or("");
                return callee.ends_with("createQuery");
            }
            _ => {}
        }
        p = node.parent();
    }
    false
}

/// A Rust `mod` under `#[cfg(test)]` or a function under `#[test]` (or
/// `#[tokio::test]`, `#[sqlx::test]`, …): test code, never sent by the
/// application (its strings are fixtures, often other databases' SQL).
fn is_rust_test_item(n: Node, src: &str) -> bool {
    if !matches!(n.kind(), "mod_item" | "function_item") {
        return false;
    }
    let mut prev = n.prev_named_sibling();
    while let Some(p) = prev {
        if p.kind() != "attribute_item" {
            break;
        }
        let text: String = src
            .get(p.byte_range())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.contains("cfg(test)") || text == "#[test]" || text.ends_with("::test]") {
            return true;
        }
        prev = p.prev_named_sibling();
    }
    false
}

fn is_table_macro(n: Node, src: &str) -> bool {
    let Some(m) = n.child_by_field_name("macro") else {
        return false;
    };
    let name = src.get(m.byte_range()).unwrap_or("");
    name == "table" || name == "diesel::table"
}

#[cfg(test)]
mod tests {
    use super::super::languages::for_path;
    use super::*;

    fn values(path: &str, src: &str) -> Vec<(String, bool)> {
        let spec = for_path(path).unwrap();
        let tree = parse(spec, src).unwrap();
        extract(spec, src, &tree)
            .candidates
            .into_iter()
            .map(|c| (c.value.text, c.value.dynamic.is_some()))
            .collect()
    }

    #[test]
    fn constants_and_concatenation_resolve() {
        let v = values(
            "a.go",
            "package a\nconst cols = \"id, name\"\nfunc f() { q(\"SELECT \" + cols + \" FROM users\") }",
        );
        assert!(
            v.contains(&("SELECT id, name FROM users".to_string(), false)),
            "{v:?}"
        );
    }

    #[test]
    fn rust_test_code_is_not_read() {
        let src = "fn live() { q(\"SELECT a FROM t1\") }\n#[cfg(test)]\nmod tests {\n    fn f() { q(\"SELECT a FROM t2\") }\n}\n#[tokio::test]\nasync fn t() { q(\"SELECT a FROM t3\") }\n#[allow(dead_code)]\n#[test]\nfn u() { q(\"SELECT a FROM t4\") }\n";
        let v = values("a.rs", src);
        assert_eq!(v, vec![("SELECT a FROM t1".to_string(), false)]);
    }

    #[test]
    fn python_adjacent_and_escapes() {
        let v = values("a.py", "q = ('SELECT a '\n  \"FROM t WHERE b = 'x\\n'\")\n");
        assert_eq!(
            v,
            vec![("SELECT a FROM t WHERE b = 'x\n'".to_string(), false)]
        );
    }
}
