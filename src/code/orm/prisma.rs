//! Prisma schema files (`schema.prisma`): each `model X { ... }` maps table
//! `X` (or `@@map("name")`), each scalar field a column (or `@map("name")`).
//! Relation fields (typed with another model, or carrying `@relation`) are
//! not columns; their foreign-key scalars are declared separately.

use super::{norm, Orm, OrmUsage};
use crate::engine::Engine;
use crate::span::LineIndex;
use std::sync::Arc;

/// The `datasource` block's `provider` when it is another database than
/// `engine` (Prisma's providers: postgresql, mysql, sqlite, sqlserver,
/// mongodb, cockroachdb): why the models are not this schema's.
pub fn other_provider(text: &str, engine: Engine) -> Option<String> {
    let start = text.find("datasource ")?;
    let block = &text[start..];
    let block = &block[..block.find('}').unwrap_or(block.len())];
    let line = block
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("provider"))?;
    let provider = line.split('"').nth(1)?;
    let ours = match provider {
        "postgresql" | "postgres" => engine == Engine::Postgres,
        "mysql" => engine.is_mysql_family(),
        "sqlite" => engine == Engine::Sqlite,
        _ => false,
    };
    (!ours).then(|| format!("Prisma models for provider \"{provider}\""))
}

pub fn read(file: &Arc<str>, text: &str) -> Vec<OrmUsage> {
    let index = LineIndex::new(text);
    // First pass: model names, so relation fields can be told from columns.
    let models: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("model "))
        .filter_map(|r| r.split_whitespace().next())
        .collect();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut current: Option<(usize, String, Option<String>, Vec<String>)> = None;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let t = strip_comment(line).trim();
        if let Some(rest) = t.strip_prefix("model ") {
            let name = rest.split_whitespace().next().unwrap_or("").to_string();
            current = Some((start, name, None, Vec::new()));
            continue;
        }
        let Some((_, _, map, cols)) = current.as_mut() else {
            continue;
        };
        if t.starts_with('}') {
            let (at, name, map, cols) = current.take().expect("current model");
            out.push(OrmUsage {
                span: index.span(text, file, at, start),
                orm: Orm::Prisma,
                table: norm(map.as_deref().unwrap_or(&name)),
                columns: cols,
            });
            continue;
        }
        if t.starts_with("@@map") {
            *map = quoted_arg(t);
            continue;
        }
        if t.is_empty() || t.starts_with("@@") {
            continue;
        }
        let mut words = t.split_whitespace();
        let (Some(field), Some(ty)) = (words.next(), words.next()) else {
            continue;
        };
        let base = ty.trim_end_matches(['?', '!']).trim_end_matches("[]");
        if t.contains("@relation")
            || models.contains(&base)
            || ty.ends_with("[]") && models.contains(&base)
        {
            continue;
        }
        let col = t
            .find("@map(")
            .and_then(|i| quoted_arg(&t[i..]))
            .unwrap_or_else(|| field.to_string());
        cols.push(norm(&col));
    }
    out
}

fn strip_comment(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The first `"..."` in `s`.
fn quoted_arg(s: &str) -> Option<String> {
    let a = s.find('"')?;
    let b = s[a + 1..].find('"')?;
    Some(s[a + 1..a + 1 + b].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_of_another_database() {
        let pg = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n";
        assert_eq!(other_provider(pg, Engine::Postgres), None);
        assert!(other_provider(pg, Engine::Mysql).is_some());
        let mongo = pg.replace("postgresql", "mongodb");
        assert!(other_provider(&mongo, Engine::Postgres).is_some_and(|w| w.contains("mongodb")));
        assert_eq!(
            other_provider("model User { id Int @id }", Engine::Postgres),
            None
        );
    }
}
