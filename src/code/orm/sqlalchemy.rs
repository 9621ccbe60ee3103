//! SQLAlchemy declarative models and Core tables:
//! `class User(Base): __tablename__ = "users"; id = Column(Integer, ...)`,
//! `name: Mapped[str] = mapped_column("user_name")`, and
//! `Table("users", metadata, Column("id", ...))`. A string first argument
//! of `Column`/`mapped_column` names the column; otherwise the attribute does.

use super::{norm, Orm, OrmUsage};
use crate::span::LineIndex;
use std::sync::Arc;
use tree_sitter::Node;

const COLUMN_CALLS: &[&str] = &["Column", "mapped_column"];

pub fn read(file: &Arc<str>, text: &str, root: Node, index: &LineIndex) -> Vec<OrmUsage> {
    if !text.contains("__tablename__") && !text.contains("Table(") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "class_definition" => {
                if let Some(u) = model(file, text, n, index) {
                    out.push(u);
                }
            }
            "call" if callee(n, text) == Some("Table") => {
                if let Some(u) = core_table(file, text, n, index) {
                    out.push(u);
                }
                continue;
            }
            _ => {}
        }
        let mut c = n.walk();
        let children: Vec<Node> = n.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|u| u.span.start);
    out
}

fn model(file: &Arc<str>, text: &str, class: Node, index: &LineIndex) -> Option<OrmUsage> {
    let body = class.child_by_field_name("body")?;
    let mut table = None;
    let mut columns = Vec::new();
    let mut c = body.walk();
    for stmt in body.named_children(&mut c) {
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let Some(left) = a.child_by_field_name("left") else {
            continue;
        };
        let name = &text[left.byte_range()];
        let right = a.child_by_field_name("right");
        if name == "__tablename__" {
            table = right.and_then(|r| string_value(r, text));
            continue;
        }
        match right {
            Some(r)
                if r.kind() == "call"
                    && callee(r, text).is_some_and(|f| COLUMN_CALLS.contains(&f)) =>
            {
                let col = first_arg_string(r, text).unwrap_or_else(|| name.to_string());
                columns.push(norm(&col));
            }
            None => {
                let ty = a.child_by_field_name("type").map(|t| &text[t.byte_range()]);
                if ty.is_some_and(|t| t.starts_with("Mapped[")) {
                    columns.push(norm(name));
                }
            }
            _ => {}
        }
    }
    let table = table?;
    Some(OrmUsage {
        span: index.span(text, file, class.start_byte(), class.end_byte()),
        orm: Orm::SqlAlchemy,
        table: norm(&table),
        columns,
    })
}

fn core_table(file: &Arc<str>, text: &str, call: Node, index: &LineIndex) -> Option<OrmUsage> {
    let table = first_arg_string(call, text)?;
    let args = call.child_by_field_name("arguments")?;
    let mut columns = Vec::new();
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        if a.kind() == "call" && callee(a, text) == Some("Column") {
            if let Some(col) = first_arg_string(a, text) {
                columns.push(norm(&col));
            }
        }
    }
    Some(OrmUsage {
        span: index.span(text, file, call.start_byte(), call.end_byte()),
        orm: Orm::SqlAlchemy,
        table: norm(&table),
        columns,
    })
}

/// The last segment of a call's function (`sa.Column` → `Column`).
pub(crate) fn callee<'t>(call: Node, text: &'t str) -> Option<&'t str> {
    let f = call.child_by_field_name("function")?;
    let t = &text[f.byte_range()];
    Some(t.rsplit('.').next().unwrap_or(t))
}

/// A plain Python string literal's value.
pub(crate) fn string_value(n: Node, text: &str) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let mut c = n.walk();
    let mut s = String::new();
    for ch in n.named_children(&mut c) {
        match ch.kind() {
            "string_content" => s.push_str(&text[ch.byte_range()]),
            "interpolation" => return None,
            _ => {}
        }
    }
    Some(s)
}

pub(crate) fn first_arg_string(call: Node, text: &str) -> Option<String> {
    let args = call.child_by_field_name("arguments")?;
    string_value(args.named_child(0)?, text)
}

/// The value of a keyword argument (`db_column="x"`) if it is a string.
pub(crate) fn keyword_string(call: Node, text: &str, key: &str) -> Option<String> {
    keyword(call, text, key).and_then(|v| string_value(v, text))
}

pub(crate) fn keyword<'t>(call: Node<'t>, text: &str, key: &str) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    let mut c = args.walk();
    let found = args.named_children(&mut c).find(|a| {
        a.kind() == "keyword_argument"
            && a.child_by_field_name("name")
                .is_some_and(|n| &text[n.byte_range()] == key)
    });
    found.and_then(|a| a.child_by_field_name("value"))
}
