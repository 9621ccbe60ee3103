//! The module layering of ARCHITECTURE.md, checked against the code.
//!
//! Every table in ARCHITECTURE.md with a "may depend on" column is read:
//! the first cell names a module (several modules in one cell form one
//! unit), the "may depend on" cell the units it may use. Every file under
//! `src/` is scanned for the `crate::…` and `super::…` paths it names
//! (outside `#[cfg(test)]` modules: a unit test may drive the layers above
//! it), and each path is mapped to the most specific unit that holds it.
//! The test fails when a file uses a unit its row does not allow, when a
//! module has no row, or when the units' dependencies form a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The units of the code map: module path → unit name, and each unit's
/// allowed dependencies (module paths, as written).
struct Map {
    unit_of: BTreeMap<String, String>,
    allowed: BTreeMap<String, BTreeSet<String>>,
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            !t.is_empty()
                && t.split("::")
                    .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        })
        .map(str::to_string)
        .collect()
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

/// Reads every code-map table of the document.
fn read_map(doc: &str) -> Map {
    let mut map = Map {
        unit_of: BTreeMap::new(),
        allowed: BTreeMap::new(),
    };
    let mut column: Option<usize> = None;
    for (n, line) in doc.lines().enumerate() {
        if !line.trim_start().starts_with('|') {
            column = None;
            continue;
        }
        let row = cells(line);
        if row
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':')))
        {
            continue;
        }
        let Some(col) = column else {
            column = row
                .iter()
                .position(|c| c.eq_ignore_ascii_case("may depend on"));
            continue;
        };
        let modules = backticked(&row[0]);
        assert!(
            !modules.is_empty(),
            "ARCHITECTURE.md:{}: a code-map row names no module",
            n + 1
        );
        let unit = modules[0].clone();
        for m in &modules {
            let before = map.unit_of.insert(m.clone(), unit.clone());
            assert!(
                before.is_none(),
                "ARCHITECTURE.md:{}: `{m}` has two rows",
                n + 1
            );
        }
        let deps = row.get(col).map(|c| backticked(c)).unwrap_or_default();
        map.allowed.insert(unit, deps.into_iter().collect());
    }
    map
}

impl Map {
    /// The unit holding a module path: its longest prefix that has a row.
    fn unit(&self, path: &[String]) -> Option<&String> {
        (1..=path.len())
            .rev()
            .find_map(|k| self.unit_of.get(&path[..k].join("::")))
    }

    /// `from` may use `path` (in unit `to`): a listed module holds `path`
    /// or lies in unit `to`, or `to` is a module enclosing `from`.
    fn allows(&self, from: &str, to: &str, path: &[String]) -> bool {
        let inside = |m: &str, outer: &str| m == outer || m.starts_with(&format!("{outer}::"));
        let path = path.join("::");
        inside(from, to)
            || self.allowed[from]
                .iter()
                .any(|a| inside(&path, a) || self.unit_of.get(a).is_some_and(|u| u == to))
    }
}

/// Source text with comments, strings and characters blanked out.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            out.extend(rest[..j].chars().filter(|&c| c == '\n'));
            i += j;
        } else if let Some(len) = raw_string(rest, i == 0 || !ident_byte(b[i - 1])) {
            out.extend(rest[..len].chars().filter(|&c| c == '\n'));
            out.push_str("\"\"");
            i += len;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            let j = (j + 1).min(rest.len());
            out.extend(rest[..j].chars().filter(|&c| c == '\n'));
            out.push_str("\"\"");
            i += j;
        } else if let Some(after) = rest.strip_prefix('\'') {
            // A character literal ('x', '\n', '\u{..}'), else a lifetime.
            let close = if let Some(escaped) = after.strip_prefix('\\') {
                // Past the escaped character: `'\''` ends at its third quote.
                escaped.get(1..).and_then(|e| e.find('\'')).map(|p| p + 3)
            } else {
                after
                    .char_indices()
                    .nth(1)
                    .filter(|&(_, c)| c == '\'')
                    .map(|(p, _)| p + 1)
            };
            match close {
                Some(p) => {
                    out.push_str("' '");
                    i += p + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The length of a raw string (`r"…"`, `r#"…"#`, `br"…"`) at the start.
fn raw_string(s: &str, at_word_start: bool) -> Option<usize> {
    if !at_word_start {
        return None;
    }
    let after_b = s.strip_prefix('b').unwrap_or(s);
    let after_r = after_b.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let body = after_r[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(s.len() - body.len() + end + close.len())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Star,
    Hash,
    Other(char),
}

/// Tokens with their line numbers.
fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            c if c.is_alphanumeric() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Ident(code[i..end].to_string()), line));
            }
            ':' if chars.peek().map(|&(_, d)| d) == Some(':') => {
                chars.next();
                out.push((Tok::Path, line));
            }
            '{' => out.push((Tok::Open, line)),
            '}' => out.push((Tok::Close, line)),
            ',' => out.push((Tok::Comma, line)),
            '*' => out.push((Tok::Star, line)),
            '#' => out.push((Tok::Hash, line)),
            c => out.push((Tok::Other(c), line)),
        }
    }
    out
}

/// Drops `#[cfg(test)] mod name { … }` blocks.
fn without_test_modules(toks: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let id = |t: &Tok, s: &str| matches!(t, Tok::Ident(x) if x == s);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let is_cfg_test = toks.len() > i + 6
            && toks[i].0 == Tok::Hash
            && toks[i + 1].0 == Tok::Other('[')
            && id(&toks[i + 2].0, "cfg")
            && toks[i + 3].0 == Tok::Other('(')
            && id(&toks[i + 4].0, "test")
            && toks[i + 5].0 == Tok::Other(')')
            && toks[i + 6].0 == Tok::Other(']');
        if is_cfg_test {
            let mut j = i + 7;
            if id(&toks[j].0, "pub") {
                j += 1;
            }
            if id(&toks[j].0, "mod") && toks[j + 2].0 == Tok::Open {
                let mut depth = 0;
                j += 2;
                loop {
                    match toks[j].0 {
                        Tok::Open => depth += 1,
                        Tok::Close => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// The paths of a use tree (or a plain path) starting at `i`, each with
/// the name it is bound to; returns them and the index after the tree.
fn path_tree(toks: &[(Tok, usize)], mut i: usize) -> (Vec<(Vec<String>, String)>, usize) {
    let mut prefix = Vec::new();
    loop {
        match &toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                prefix.push(s.clone());
                i += 1;
                if toks.get(i).map(|t| &t.0) != Some(&Tok::Path) {
                    let mut name = s.clone();
                    if matches!(toks.get(i).map(|t| &t.0), Some(Tok::Ident(a)) if a == "as") {
                        if let Some((Tok::Ident(n), _)) = toks.get(i + 1) {
                            name = n.clone();
                        }
                    }
                    if prefix.last().is_some_and(|l| l == "self") {
                        // `{self, …}`: the enclosing group names the module.
                        prefix.pop();
                    }
                    return (vec![(prefix, name)], i);
                }
                i += 1;
            }
            Some(Tok::Star) => return (vec![(prefix, String::new())], i + 1),
            Some(Tok::Open) => {
                i += 1;
                let mut all = Vec::new();
                while i < toks.len() && toks[i].0 != Tok::Close {
                    if toks[i].0 == Tok::Comma {
                        i += 1;
                        continue;
                    }
                    let (sub, next) = path_tree(toks, i);
                    for (p, name) in sub {
                        let name = if name == "self" {
                            prefix.last().cloned().unwrap_or_default()
                        } else {
                            name
                        };
                        let mut full = prefix.clone();
                        full.extend(p);
                        all.push((full, name));
                    }
                    i = next;
                    // Skip `as name` and anything else up to the next entry.
                    while i < toks.len() && !matches!(toks[i].0, Tok::Comma | Tok::Close) {
                        i += 1;
                    }
                }
                return (all, i + 1);
            }
            _ => return (vec![(prefix, String::new())], i),
        }
    }
}

/// `crate::`, `super::` and `self::` made absolute for a file of module `module`.
fn absolute(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// One use of a module path: (absolute path, line).
fn uses(
    module: &[String],
    modules: &BTreeSet<Vec<String>>,
    text: &str,
) -> Vec<(Vec<String>, usize)> {
    let toks = without_test_modules(tokens(&code_only(text)));
    let mut found = Vec::new();
    // Modules brought into scope by name (`use crate::analysis::{self, …}`):
    // a later `analysis::usage::x` is a path into them.
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut i = 0;
    while i < toks.len() {
        let starts_path = matches!(&toks[i].0, Tok::Ident(s) if s == "crate" || s == "super" || s == "self")
            && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Path)
            && (i == 0 || toks[i - 1].0 != Tok::Path);
        if starts_path {
            let line = toks[i].1;
            let (paths, next) = path_tree(&toks, i);
            for (p, name) in paths {
                if let Some(abs) = absolute(module, &p) {
                    if modules.contains(&abs) && !name.is_empty() {
                        aliases.insert(name, abs.clone());
                    }
                    found.push((abs, line));
                }
            }
            i = next.max(i + 1);
            continue;
        }
        if let Tok::Ident(s) = &toks[i].0 {
            let after_path = i > 0 && toks[i - 1].0 == Tok::Path;
            if !after_path && toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Path) {
                if let Some(target) = aliases.get(s) {
                    let (paths, next) = path_tree(&toks, i);
                    for (p, _) in paths {
                        let mut abs = target.clone();
                        abs.extend(p.into_iter().skip(1));
                        found.push((abs, toks[i].1));
                    }
                    i = next.max(i + 1);
                    continue;
                }
            }
        }
        i += 1;
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/` (`None` for the crate root).
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        return None;
    }
    Some(parts)
}

/// A dependency edge between units, with one place that makes it.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// The units' dependencies and the violations of the table.
fn check(root: &Path) -> (Edges, Vec<String>) {
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let map = read_map(&doc);
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<Vec<String>> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut errors = Vec::new();
    let mut edges: Edges = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        let Some(from) = map.unit(&module).cloned() else {
            errors.push(format!(
                "{shown}: module `{}` has no row in ARCHITECTURE.md's code map",
                module.join("::")
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (path, line) in uses(&module, &modules, &text) {
            let Some(to) = map.unit(&path).cloned() else {
                continue; // an external crate re-exported, or the crate root
            };
            if to == from {
                continue;
            }
            if !map.allows(&from, &to, &path) {
                errors.push(format!(
                    "{shown}:{line}: `{from}` uses `{}` (unit `{to}`), which its row in ARCHITECTURE.md does not allow",
                    path.join("::")
                ));
            }
            edges
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(format!("{shown}:{line}"));
        }
    }
    for unit in map.allowed.keys() {
        let exists = modules
            .iter()
            .any(|m| map.unit(m).is_some_and(|u| u == unit));
        if !exists {
            errors.push(format!(
                "ARCHITECTURE.md: the code map names `{unit}`, which is no module under src/"
            ));
        }
    }
    (edges, errors)
}

/// Every cycle's units in order (one per strongly connected set).
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges
        .iter()
        .flat_map(|(k, v)| std::iter::once(k).chain(v.keys()))
        .collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut seen_in_cycle: BTreeSet<String> = BTreeSet::new();
    for start in nodes {
        if seen_in_cycle.contains(start) {
            continue;
        }
        // Shortest way back to `start`, breadth first.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut back = None;
        while let Some(n) = queue.pop_front() {
            for next in edges.get(&n).map(|m| m.keys()).into_iter().flatten() {
                if next == start {
                    back = Some(n.clone());
                    break;
                }
                if !prev.contains_key(next) {
                    prev.insert(next.clone(), n.clone());
                    queue.push_back(next.clone());
                }
            }
            if back.is_some() {
                break;
            }
        }
        if let Some(mut n) = back {
            let mut cycle = vec![n.clone()];
            while &n != start {
                n = prev[&n].clone();
                cycle.push(n.clone());
            }
            cycle.reverse();
            seen_in_cycle.extend(cycle.iter().cloned());
            found.push(cycle);
        }
    }
    found
}

#[test]
fn modules_depend_only_as_the_code_map_allows_and_never_in_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (edges, mut errors) = check(root);
    for cycle in cycles(&edges) {
        let mut steps = Vec::new();
        for (i, from) in cycle.iter().enumerate() {
            let to = &cycle[(i + 1) % cycle.len()];
            steps.push(format!("  {from} → {to}  ({})", edges[from][to]));
        }
        errors.push(format!("module cycle:\n{}", steps.join("\n")));
    }
    assert!(errors.is_empty(), "\n{}\n", errors.join("\n"));
}

#[test]
fn the_scanner_reads_use_trees_aliases_and_skips_tests_and_strings() {
    let modules: BTreeSet<Vec<String>> = [vec!["a"], vec!["a", "b"], vec!["c"], vec!["d", "e"]]
        .into_iter()
        .map(|m| m.into_iter().map(String::from).collect())
        .collect();
    let text = r##"
use crate::a::{self, b::{X, Y as Z}};
use super::e::f;
// crate::c::in_a_comment
fn g() { let s = "crate::c::in_a_string"; let r = r#"crate::c::raw"#; a::b::h(); 'x'; '\''; }
#[cfg(test)]
mod tests { use crate::c::only_in_tests; }
"##;
    let module: Vec<String> = vec!["d".into(), "k".into()];
    let got: Vec<(String, usize)> = uses(&module, &modules, text)
        .into_iter()
        .map(|(p, l)| (p.join("::"), l))
        .collect();
    assert_eq!(
        got,
        [
            ("a".to_string(), 2),
            ("a::b::X".to_string(), 2),
            ("a::b::Y".to_string(), 2),
            ("d::e::f".to_string(), 3),
            ("a::b::h".to_string(), 5),
        ]
    );
}

#[test]
fn a_cycle_is_found_with_its_units_in_order() {
    let mut edges: Edges = BTreeMap::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")] {
        edges
            .entry(a.into())
            .or_default()
            .insert(b.into(), "here".into());
    }
    assert_eq!(cycles(&edges), [["x", "y", "z"]]);
    edges.get_mut("z").unwrap().remove("x");
    assert!(cycles(&edges).is_empty());
}
