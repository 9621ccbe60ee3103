//! Django models (`models.py`, or a `models/` package): a class deriving
//! from `models.Model` maps table `<app>_<model>` (the app is the folder that
//! holds the models) unless `class Meta: db_table = "..."`; each `*Field`
//! attribute is a column (`db_column=` renames it), a `ForeignKey` or
//! `OneToOneField` is `<name>_id`, and `id` is implicit unless a field is
//! `primary_key=True`. Abstract and proxy models map no table of their own.

use super::sqlalchemy::{callee, keyword, keyword_string, string_value};
use super::{norm, Orm, OrmUsage};
use crate::span::LineIndex;
use std::sync::Arc;
use tree_sitter::Node;

pub fn read(
    file: &Arc<str>,
    path: &str,
    text: &str,
    root: Node,
    index: &LineIndex,
) -> Vec<OrmUsage> {
    let Some(app) = app_label(path) else {
        return Vec::new();
    };
    if !text.contains("Model") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut c = root.walk();
    for n in root.named_children(&mut c) {
        let class = match n.kind() {
            "class_definition" => n,
            "decorated_definition" => match n.child_by_field_name("definition") {
                Some(d) if d.kind() == "class_definition" => d,
                _ => continue,
            },
            _ => continue,
        };
        if let Some(u) = model(file, text, &app, class, index) {
            out.push(u);
        }
    }
    out
}

/// The app a models file belongs to: `shop/models.py` → `shop`,
/// `shop/models/order.py` → `shop`.
fn app_label(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let file = *parts.last()?;
    if file == "models.py" {
        return parts.iter().rev().nth(1).map(|s| s.to_string());
    }
    let pos = parts.iter().rposition(|p| *p == "models")?;
    if pos + 1 == parts.len() - 1 && pos > 0 {
        return Some(parts[pos - 1].to_string());
    }
    None
}

fn model(
    file: &Arc<str>,
    text: &str,
    app: &str,
    class: Node,
    index: &LineIndex,
) -> Option<OrmUsage> {
    let supers = class.child_by_field_name("superclasses")?;
    let st = &text[supers.byte_range()];
    if !st.contains("Model") {
        return None;
    }
    let name = &text[class.child_by_field_name("name")?.byte_range()];
    let body = class.child_by_field_name("body")?;
    let mut table = None;
    let mut columns = Vec::new();
    let mut has_pk = false;
    let mut c = body.walk();
    for stmt in body.named_children(&mut c) {
        if stmt.kind() == "class_definition" {
            let meta = &text[stmt.child_by_field_name("name")?.byte_range()];
            if meta == "Meta" {
                let (db_table, abstract_or_proxy) = meta_options(stmt, text);
                if abstract_or_proxy {
                    return None;
                }
                table = db_table.or(table);
            }
            continue;
        }
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(right)) = (
            a.child_by_field_name("left"),
            a.child_by_field_name("right"),
        ) else {
            continue;
        };
        if right.kind() != "call" {
            continue;
        }
        let Some(kind) = callee(right, text) else {
            continue;
        };
        let attr = &text[left.byte_range()];
        let column = match kind {
            "ManyToManyField" => continue,
            "ForeignKey" | "OneToOneField" => format!("{attr}_id"),
            k if k.ends_with("Field") => attr.to_string(),
            _ => continue,
        };
        let column = keyword_string(right, text, "db_column").unwrap_or(column);
        if keyword(right, text, "primary_key").is_some_and(|v| &text[v.byte_range()] == "True") {
            has_pk = true;
        }
        columns.push(norm(&column));
    }
    if !has_pk {
        columns.insert(0, "id".to_string());
    }
    let table = table.unwrap_or_else(|| format!("{}_{}", app, name));
    Some(OrmUsage {
        span: index.span(text, file, class.start_byte(), class.end_byte()),
        orm: Orm::Django,
        table: norm(&table),
        columns,
    })
}

/// `db_table` and whether the model is abstract or a proxy.
fn meta_options(meta: Node, text: &str) -> (Option<String>, bool) {
    let mut db_table = None;
    let mut skip = false;
    let Some(body) = meta.child_by_field_name("body") else {
        return (None, false);
    };
    let mut c = body.walk();
    for stmt in body.named_children(&mut c) {
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(l), Some(r)) = (
            a.child_by_field_name("left"),
            a.child_by_field_name("right"),
        ) else {
            continue;
        };
        match &text[l.byte_range()] {
            "db_table" => db_table = string_value(r, text),
            "abstract" | "proxy" if &text[r.byte_range()] == "True" => skip = true,
            _ => {}
        }
    }
    (db_table, skip)
}
