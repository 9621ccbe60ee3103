//! GORM models (Go): a struct that GORM maps — it embeds `gorm.Model`,
//! carries `gorm:"…"` tags, or has a `TableName()` method — is table
//! `TableName()`'s literal, or the struct name in snake case, pluralised
//! (GORM's default naming). Each field is a column: `gorm:"column:x"`, or
//! the field name in snake case (`UserID` → `user_id`); `gorm:"-"` fields,
//! slices of other types and fields typed with another model (relations)
//! are not. `gorm.Model` adds `id`, `created_at`, `updated_at`,
//! `deleted_at`. <https://gorm.io/docs/conventions.html>

use super::{Orm, OrmUsage};
use crate::span::LineIndex;
use once_cell::sync::Lazy;
use regex::Regex;
use std::sync::Arc;

static STRUCT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?m)^type\s+([A-Z]\w*)\s+struct\s*\{([^}]*)\}").expect("valid regex")
});
static TABLE_NAME: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r#"func\s*\(\s*(?:\w+\s+)?\*?(\w+)\s*\)\s*TableName\(\)\s*string\s*\{\s*return\s*"([^"]+)""#)
        .expect("valid regex")
});
static COLUMN_TAG: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"column:([A-Za-z_][\w]*)").expect("valid regex"));

/// `UserID` → `user_id`, `APIKey` → `api_key`, `CreatedAt` → `created_at`.
pub fn snake(name: &str) -> String {
    let c: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in c.iter().enumerate() {
        if ch.is_uppercase() && i > 0 {
            let prev = c[i - 1];
            let next_lower = c.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// GORM's default plural of a snake-case name (the common English rules).
fn plural(s: &str) -> String {
    if s.ends_with('s') || s.ends_with('x') || s.ends_with("ch") || s.ends_with("sh") {
        format!("{s}es")
    } else if let Some(stem) = s
        .strip_suffix('y')
        .filter(|st| !st.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{s}s")
    }
}

pub fn read(file: &Arc<str>, text: &str, index: &LineIndex) -> Vec<OrmUsage> {
    let names: Vec<(String, String)> = TABLE_NAME
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    let structs: Vec<(usize, &str, &str)> = STRUCT
        .captures_iter(text)
        .map(|c| {
            let m = c.get(0).expect("whole");
            (
                m.start(),
                c.get(1).unwrap().as_str(),
                c.get(2).unwrap().as_str(),
            )
        })
        .collect();
    let model_names: Vec<&str> = structs.iter().map(|(_, n, _)| *n).collect();
    let mut out = Vec::new();
    for (at, name, body) in &structs {
        let table_name = names
            .iter()
            .find(|(s, _)| s == name)
            .map(|(_, t)| t.clone());
        let is_model =
            table_name.is_some() || body.contains("gorm.Model") || body.contains("gorm:\"");
        if !is_model {
            continue;
        }
        let mut columns: Vec<String> = Vec::new();
        for line in body.lines() {
            let line = line.split("//").next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if line == "gorm.Model" {
                columns.extend(["id", "created_at", "updated_at", "deleted_at"].map(String::from));
                continue;
            }
            let (decl, tag) = match line.find('`') {
                Some(p) => (&line[..p], &line[p..]),
                None => (line, ""),
            };
            let gorm_tag = tag
                .split("gorm:\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .unwrap_or("");
            if gorm_tag == "-" || gorm_tag.starts_with("-:") {
                continue;
            }
            let mut parts = decl.split_whitespace();
            let (Some(field), Some(ty)) = (parts.next(), parts.next()) else {
                continue; // an embedded struct
            };
            let base = ty.trim_start_matches(['*', '[', ']']);
            let relation = (ty.starts_with("[]") && ty != "[]byte")
                || model_names.contains(&base)
                || gorm_tag.contains("foreignKey")
                || gorm_tag.contains("many2many");
            if relation || !field.starts_with(|c: char| c.is_uppercase()) {
                continue;
            }
            let col = COLUMN_TAG
                .captures(gorm_tag)
                .map(|c| c[1].to_string())
                .unwrap_or_else(|| snake(field));
            if !columns.contains(&col) {
                columns.push(col);
            }
        }
        let end = at + name.len() + 5;
        out.push(OrmUsage {
            span: index.span(text, file, *at, end.min(text.len())),
            orm: Orm::Gorm,
            table: table_name
                .unwrap_or_else(|| plural(&snake(name)))
                .to_lowercase(),
            columns,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_gorm_conventions() {
        assert_eq!(snake("UserID"), "user_id");
        assert_eq!(snake("APIKey"), "api_key");
        assert_eq!(snake("CreatedAt"), "created_at");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("address"), "addresses");
        assert_eq!(plural("user"), "users");
    }

    #[test]
    fn models_tags_and_table_names() {
        let go = r#"package m
import "gorm.io/gorm"
type User struct {
	gorm.Model
	Name     string `gorm:"column:full_name"`
	Email    string `gorm:"uniqueIndex"`
	Secret   string `gorm:"-"`
	Orders   []Order
	APIKey   string
}
type Order struct {
	ID     uint `gorm:"primaryKey"`
	UserID uint
	User   User
}
func (Order) TableName() string { return "shop_orders" }
type Plain struct { A int }
"#;
        let file: Arc<str> = Arc::from("m.go");
        let got = read(&file, go, &LineIndex::new(go));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].table, "users");
        assert_eq!(
            got[0].columns,
            vec![
                "id",
                "created_at",
                "updated_at",
                "deleted_at",
                "full_name",
                "email",
                "api_key"
            ]
        );
        assert_eq!(got[1].table, "shop_orders");
        assert_eq!(got[1].columns, vec!["id", "user_id"]);
        assert_eq!(got[0].span.line, 3);
    }
}
