//! The value of string expressions in source code: literal text with escapes
//! decoded, adjacent literals and `+`/`.` concatenation joined, simple
//! constants substituted. A value built from anything else (a variable, an
//! interpolation, a formatting call) is *dynamic*: its text keeps a hole
//! marker where the unknown part goes and the reason says why.

use super::languages::{
    LangSpec, Language, Pick, CONTAINER_KINDS, CONTENT_KINDS, DELIMITER_KINDS, NAME_KINDS,
    RUST_CONCAT_MACRO,
};
use once_cell::sync::Lazy;
use regex::Regex;
use std::collections::HashMap;
use tree_sitter::Node;

/// Stands for a part of a dynamic string that is only known at run time.
pub const HOLE: char = '\u{2026}';

/// Kotlin `$name` / `${expr}` templates.
static DOLLAR_TEMPLATE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)").expect("valid regex"));

/// Deeper expressions are left alone (keeps recursion bounded on any input).
const MAX_DEPTH: usize = 64;

/// The value of a string expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    /// `Some(reason)` when part of the string is built at run time.
    pub dynamic: Option<&'static str>,
}

impl Value {
    fn join(mut self, other: Value) -> Value {
        self.text.push_str(&other.text);
        self.dynamic = self.dynamic.or(other.dynamic);
        self
    }
}

/// Evaluates string expressions of one parsed file.
pub struct Evaluator<'a> {
    pub spec: &'static LangSpec,
    pub src: &'a str,
    pub constants: HashMap<String, Value>,
}

impl<'a> Evaluator<'a> {
    pub fn new(spec: &'static LangSpec, src: &'a str) -> Self {
        Evaluator {
            spec,
            src,
            constants: HashMap::new(),
        }
    }

    fn text(&self, n: Node) -> &'a str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    /// Records the file's constant declarations (`decls`: nodes of a
    /// constant-rule kind, in document order) so expressions can use them.
    pub fn collect_constants(&mut self, decls: &[Node]) {
        for n in decls {
            let found = self
                .spec
                .constants
                .iter()
                .filter(|r| r.kind == n.kind())
                .find_map(|rule| self.constant(*n, rule));
            if let Some((name, value_node)) = found {
                if let Some(v) = self.eval(value_node, 0) {
                    self.constants.insert(name, v);
                }
            }
        }
    }

    fn constant(
        &self,
        n: Node<'a>,
        rule: &super::languages::ConstRule,
    ) -> Option<(String, Node<'a>)> {
        if let Some((up, kind)) = rule.within {
            let mut p = n;
            for _ in 0..up {
                p = p.parent()?;
            }
            if p.kind() != kind {
                return None;
            }
        }
        let name = pick(n, rule.name)?;
        if let Some(k) = rule.name_kind {
            if name.kind() != k {
                return None;
            }
        }
        let value = pick(n, rule.value)?;
        if value.id() == name.id() {
            return None;
        }
        if !rule.keywords.is_empty() {
            let mut decl = n;
            for _ in 0..rule.keyword_up {
                decl = decl.parent()?;
            }
            let before = self.src.get(decl.start_byte()..name.start_byte())?;
            let has = before
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| rule.keywords.contains(&w));
            if !has {
                return None;
            }
        }
        let ident: String = self
            .text(name)
            .trim_start_matches('$')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            return None;
        }
        Some((ident, value))
    }

    /// The string value of an expression, or `None` when it is not a string
    /// expression shipgate can follow.
    pub fn eval(&self, n: Node, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let kind = n.kind();
        let s = self.spec;
        if s.strings.contains(&kind) {
            return Some(self.literal(n));
        }
        if s.adjacent.contains(&kind) {
            let mut c = n.walk();
            let mut out: Option<Value> = None;
            for ch in n.named_children(&mut c) {
                let v = self
                    .eval(ch, depth + 1)
                    .unwrap_or_else(|| hole("adjacent non-literal"));
                out = Some(match out {
                    None => v,
                    Some(o) => o.join(v),
                });
            }
            return out;
        }
        if s.parens.contains(&kind) && n.named_child_count() == 1 {
            return self.eval(n.named_child(0)?, depth + 1);
        }
        if NAME_KINDS.contains(&kind) {
            let t = self.text(n);
            let last = t.rsplit(['.', ':', '>', '$']).next().unwrap_or(t);
            return self.constants.get(last).cloned();
        }
        if s.binaries.contains(&kind) {
            return self.binary(n, depth);
        }
        if s.calls.contains(&kind) {
            return self.call(n, depth);
        }
        None
    }

    fn binary(&self, n: Node, depth: usize) -> Option<Value> {
        let left = n.child_by_field_name("left").or_else(|| n.named_child(0))?;
        let right = n
            .child_by_field_name("right")
            .or_else(|| n.named_child((n.named_child_count() as u32).checked_sub(1)?))?;
        let op = n
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .or_else(|| {
                self.src
                    .get(left.end_byte()..right.start_byte())
                    .map(str::trim)
            })?;
        if self.spec.format_ops.contains(&op) {
            let l = self.eval(left, depth + 1)?;
            return Some(Value {
                text: l.text,
                dynamic: Some("formatted with the % operator"),
            });
        }
        if !self.spec.concat_ops.contains(&op) {
            return None;
        }
        let l = self.eval(left, depth + 1);
        let r = self.eval(right, depth + 1);
        match (l, r) {
            (None, None) => None,
            (Some(l), Some(r)) => Some(l.join(r)),
            (Some(l), None) => Some(l.join(hole("concatenated with a run-time value"))),
            (None, Some(r)) => Some(hole("concatenated with a run-time value").join(r)),
        }
    }

    fn call(&self, n: Node, depth: usize) -> Option<Value> {
        let args = n
            .child_by_field_name("arguments")
            .or_else(|| {
                let mut c = n.walk();
                let found = n.named_children(&mut c).find(|ch| {
                    matches!(
                        ch.kind(),
                        "token_tree" | "argument_list" | "arguments" | "value_arguments"
                    )
                });
                found
            })
            .or_else(|| n.named_child((n.named_child_count() as u32).checked_sub(1)?))?;
        let callee = self
            .src
            .get(n.start_byte()..args.start_byte())?
            .trim()
            .trim_end_matches('!')
            .trim_end_matches("::<>");
        let last = callee.rsplit("::").next().unwrap_or(callee);
        if self.spec.language == Language::Rust && last == RUST_CONCAT_MACRO {
            let mut c = args.walk();
            let mut out = Value {
                text: String::new(),
                dynamic: None,
            };
            for ch in args.named_children(&mut c) {
                out = out.join(self.eval(ch, depth + 1)?);
            }
            return Some(out);
        }
        // `fmt.Sprintf`, `String.format`, `".…".format`: compare the callee's
        // ending, without allocating (this runs for every call in a file).
        let is_format = self.spec.format_calls.iter().any(|f| {
            if f.starts_with('.') {
                callee.ends_with(f)
            } else {
                last == *f
                    || callee
                        .strip_suffix(f)
                        .is_some_and(|head| head.is_empty() || head.ends_with('.'))
            }
        });
        if !is_format {
            return None;
        }
        // The format string: the first string expression in the call, either
        // the receiver (`"...".format(x)`) or the first argument.
        let first = first_string(n, self, depth)?;
        let has_holes = first.text.contains(['{', '%']);
        Some(Value {
            text: first.text,
            dynamic: if has_holes || first.dynamic.is_some() {
                Some("built with a formatting call")
            } else {
                None
            },
        })
    }

    /// The value of one literal node.
    pub fn literal(&self, n: Node) -> Value {
        let mut out = Value {
            text: String::new(),
            dynamic: None,
        };
        let raw = self.is_raw(n);
        let tagged = self.is_sql_tag(n);
        if n.named_child_count() == 0 {
            out.text = strip_delimiters(self.text(n));
            if self.spec.dollar_templates && has_dollar_template(&out.text) {
                out.text = DOLLAR_TEMPLATE
                    .replace_all(&out.text, HOLE.to_string().as_str())
                    .into_owned();
                out.dynamic = Some("string template");
            }
            return out;
        }
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            self.part(ch, raw, tagged, &mut out, 0);
        }
        if self.spec.dollar_templates && has_dollar_template(&out.text) {
            out.text = DOLLAR_TEMPLATE
                .replace_all(&out.text, HOLE.to_string().as_str())
                .into_owned();
            out.dynamic = Some("string template");
        }
        out
    }

    fn part(&self, n: Node, raw: bool, tagged: bool, out: &mut Value, depth: usize) {
        let kind = n.kind();
        if DELIMITER_KINDS.contains(&kind) {
            return;
        }
        if kind == "escape_sequence" {
            let t = self.text(n);
            if raw {
                out.text.push_str(t);
            } else {
                unescape_into(t, &mut out.text);
            }
            return;
        }
        if CONTENT_KINDS.contains(&kind) {
            // Content may hold escape sequences as children (Python): take
            // the gaps as text and decode the children.
            let mut pos = n.start_byte();
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                out.text
                    .push_str(self.src.get(pos..ch.start_byte()).unwrap_or(""));
                if depth < MAX_DEPTH {
                    self.part(ch, raw, tagged, out, depth + 1);
                }
                pos = ch.end_byte();
            }
            out.text
                .push_str(self.src.get(pos..n.end_byte()).unwrap_or(""));
            return;
        }
        if CONTAINER_KINDS.contains(&kind) {
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                if depth < MAX_DEPTH {
                    self.part(ch, raw, tagged, out, depth + 1);
                }
            }
            return;
        }
        // Anything else inside a literal is an interpolation.
        if tagged {
            // sql`… ${x}`: the tag sends substitutions as bind parameters.
            out.text.push('?');
            return;
        }
        out.text.push(HOLE);
        out.dynamic = Some("interpolated string");
    }

    /// A JS/TS template literal tagged `sql`, `SQL`, `Prisma.sql`,
    /// `$queryRaw`, `$executeRaw`: libraries such as postgres.js, slonik and
    /// Prisma send its substitutions as parameters, not as text.
    fn is_sql_tag(&self, n: Node) -> bool {
        if n.kind() != "template_string" {
            return false;
        }
        let Some(call) = n.parent().filter(|p| p.kind() == "call_expression") else {
            return false;
        };
        let Some(f) = call.child_by_field_name("function") else {
            return false;
        };
        let tag = self.text(f);
        let last = tag.rsplit('.').next().unwrap_or(tag);
        matches!(last, "sql" | "SQL" | "$queryRaw" | "$executeRaw" | "raw")
    }

    /// Python raw strings (`r"..."`): escapes stay as written.
    fn is_raw(&self, n: Node) -> bool {
        if self.spec.language != Language::Python {
            return false;
        }
        let t = self.text(n);
        t.chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .any(|c| c == 'r' || c == 'R')
    }
}

fn hole(reason: &'static str) -> Value {
    Value {
        text: HOLE.to_string(),
        dynamic: Some(reason),
    }
}

fn first_string(n: Node, ev: &Evaluator, depth: usize) -> Option<Value> {
    let mut stack = vec![n];
    let mut steps = 0;
    while let Some(x) = stack.pop() {
        steps += 1;
        if steps > 256 {
            return None;
        }
        if x.id() != n.id() && ev.spec.strings.contains(&x.kind()) {
            return ev.eval(x, depth + 1);
        }
        let mut c = x.walk();
        let children: Vec<Node> = x.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

fn pick<'t>(n: Node<'t>, p: Pick) -> Option<Node<'t>> {
    match p {
        Pick::Field(f) => n.child_by_field_name(f),
        Pick::FieldFirstNamed(f) => n.child_by_field_name(f)?.named_child(0),
        Pick::FirstOfKind(k) => {
            let mut c = n.walk();
            let found = n.named_children(&mut c).find(|ch| ch.kind() == k);
            found
        }
        Pick::LastNamed => n.named_child((n.named_child_count() as u32).checked_sub(1)?),
    }
}

/// `$name` or `${` inside a Kotlin string.
fn has_dollar_template(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'$'
            && (w[1] == b'{' || w[1].is_ascii_alphabetic() || w[1] == b'_')
            && (i == 0 || b[i - 1] != b'\\')
    })
}

/// Literal text of a leaf literal node: prefix and quotes removed.
fn strip_delimiters(t: &str) -> String {
    let Some(q) = t.find(['"', '\'', '`']) else {
        return t.to_string();
    };
    let prefix = &t[..q];
    let quote = t.as_bytes()[q];
    let n = t[q..].bytes().take_while(|b| *b == quote).count();
    // `""` is an empty string, not a two-quote delimiter.
    let n = if n == 2 && t.len() == q + 2 {
        1
    } else {
        n.min(3)
    };
    let body = t
        .get(q + n..t.len().saturating_sub(n).max(q + n))
        .unwrap_or("");
    if prefix.contains('@') {
        // C# verbatim string: "" is a quote.
        body.replace("\"\"", "\"")
    } else {
        body.to_string()
    }
}

/// Decodes one escape sequence (`\n`, `\"`, `\x41`, `\u{41}`, line continuation).
pub fn unescape_into(esc: &str, out: &mut String) {
    let mut chars = esc.chars();
    if chars.next() != Some('\\') {
        out.push_str(esc);
        return;
    }
    let rest: &str = chars.as_str();
    let Some(c) = rest.chars().next() else {
        return;
    };
    match c {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        '0' if rest.len() == 1 => out.push('\0'),
        '\n' | '\r' => {}
        'x' | 'u' | 'U' => {
            let hex: String = rest[1..]
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(ch) => out.push(ch),
                None => out.push_str(esc),
            }
        }
        _ => out.push_str(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_and_escapes() {
        assert_eq!(strip_delimiters("@\"a \"\"b\"\"\""), "a \"b\"");
        assert_eq!(strip_delimiters("\"\""), "");
        assert_eq!(strip_delimiters("\"\"\"x\"\"\""), "x");
        let mut s = String::new();
        unescape_into("\\n", &mut s);
        unescape_into("\\\"", &mut s);
        unescape_into("\\u{41}", &mut s);
        unescape_into("\\x42", &mut s);
        assert_eq!(s, "\n\"AB");
        assert!(has_dollar_template("a $id b"));
        assert!(!has_dollar_template("cost 5$"));
    }
}
