//! sqlc's configuration (`sqlc.yaml`, `sqlc.yml`, `sqlc.json`) says which
//! engine each set of query files is written for (`engine:` beside
//! `queries:`, in `sql:` entries of version 2 or `packages:` of version
//! 1). Query files for another engine than the one checked are left out,
//! and so is the code sqlc generates from them (`gen: go: out:` in version
//! 2, `path:` in version 1).
//!
//! The YAML reader is deliberately small: list items at the indentation of
//! the first `- key:` under `sql:`/`packages:`, their `engine:` and
//! `queries:` (a string, a `[a, b]` list, or `- a` lines below). Anything
//! else is ignored; a file it cannot read gives no rules.

use super::markers::Store;

/// Query files under `queries` (a file or folder, repository-relative) are
/// for `store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueriesFor {
    pub config: String,
    pub queries: String,
    pub store: Store,
}

/// Whether `path` is one of sqlc's configuration files.
pub fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "sqlc.yaml" | "sqlc.yml" | "sqlc.json")
}

fn store(engine: &str) -> Option<Store> {
    match engine
        .trim()
        .trim_matches(['"', '\''])
        .to_ascii_lowercase()
        .as_str()
    {
        "postgresql" | "postgres" => Some(Store::Postgres),
        "mysql" => Some(Store::Mysql),
        "sqlite" => Some(Store::Sqlite),
        _ => None,
    }
}

/// `dir/p` without `./` and trailing slashes.
fn join(dir: &str, p: &str) -> String {
    let p = p.trim().trim_matches(['"', '\'']);
    let p = p.trim_start_matches("./").trim_end_matches('/');
    if p == "." || p.is_empty() {
        return dir.to_string();
    }
    if dir.is_empty() {
        p.to_string()
    } else {
        format!("{dir}/{p}")
    }
}

/// The rules one configuration file gives.
pub fn read(path: &str, text: &str) -> Vec<QueriesFor> {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let items = if path.ends_with(".json") {
        json_items(text)
    } else {
        yaml_items(text)
    };
    let mut out = Vec::new();
    for (engine, queries) in items {
        let Some(store) = store(&engine) else {
            continue;
        };
        for q in queries {
            out.push(QueriesFor {
                config: path.to_string(),
                queries: join(dir, &q),
                store,
            });
        }
    }
    out
}

fn json_items(text: &str) -> Vec<(String, Vec<String>)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["sql", "packages"] {
        for item in v.get(key).and_then(|x| x.as_array()).into_iter().flatten() {
            let engine = item.get("engine").and_then(|e| e.as_str()).unwrap_or("");
            let mut queries: Vec<String> = match item.get("queries") {
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            let generated = item
                .pointer("/gen/go/out")
                .or_else(|| item.get("path"))
                .and_then(|x| x.as_str());
            queries.extend(generated.map(str::to_string));
            out.push((engine.to_string(), queries));
        }
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn yaml_items(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_list = false;
    let mut v1 = false;
    let mut item_indent: Option<usize> = None;
    let mut list_key_indent = 0;
    let mut queries_indent: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.split(" #").next().unwrap_or(raw);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = indent(line);
        if t == "sql:" || t == "packages:" {
            v1 = t == "packages:";
            in_list = true;
            item_indent = None;
            list_key_indent = ind;
            continue;
        }
        if !in_list {
            continue;
        }
        if ind <= list_key_indent && !t.starts_with('-') {
            in_list = false;
            continue;
        }
        let (is_item, body) = match t.strip_prefix("- ") {
            Some(b) => (true, b.trim()),
            None => (false, t),
        };
        if is_item && item_indent.is_none_or(|i| i == ind) && body.contains(':') {
            item_indent = Some(ind);
            out.push((String::new(), Vec::new()));
            queries_indent = None;
        }
        let Some(cur) = out.last_mut() else {
            continue;
        };
        if let Some(qi) = queries_indent {
            if is_item && ind >= qi && !body.contains(": ") {
                cur.1.push(body.to_string());
                continue;
            }
            queries_indent = None;
        }
        if let Some(v) = body.strip_prefix("engine:") {
            cur.0 = v.trim().to_string();
        } else if let Some(v) = body
            .strip_prefix("out:")
            .or_else(|| v1.then(|| body.strip_prefix("path:")).flatten())
        {
            // The code sqlc generates for these queries (v2 `gen: go: out:`,
            // v1 `path:`) is for the same engine.
            if !v.trim().is_empty() {
                cur.1.push(v.trim().to_string());
            }
        } else if let Some(v) = body.strip_prefix("queries:") {
            let v = v.trim();
            if v.is_empty() {
                queries_indent = Some(ind);
            } else if let Some(list) = v.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                cur.1.extend(list.split(',').map(|x| x.trim().to_string()));
            } else {
                cur.1.push(v.to_string());
            }
        }
    }
    out
}

/// The rule that covers `path`, if any (the longest queries path wins).
pub fn covering<'a>(rules: &'a [QueriesFor], path: &str) -> Option<&'a QueriesFor> {
    rules
        .iter()
        .filter(|r| {
            path == r.queries
                || r.queries.is_empty()
                || path
                    .strip_prefix(r.queries.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|r| r.queries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_two_yaml() {
        let y = r#"version: "2"
sql:
  - engine: "postgresql"
    queries: "internal/pg/query.sql"
    schema: "schema.sql"
    gen:
      go:
        out: "internal/pg/db"
        overrides:
          - db_type: "uuid"
            go_type: "github.com/google/uuid.UUID"
  - schema: "my/schema.sql"
    queries:
      - "internal/a/"
      - ./internal/b
    engine: mysql # comment
"#;
        let r = read("backend/sqlc.yaml", y);
        let got: Vec<(&str, Store)> = r.iter().map(|q| (q.queries.as_str(), q.store)).collect();
        assert_eq!(
            got,
            vec![
                ("backend/internal/pg/query.sql", Store::Postgres),
                ("backend/internal/pg/db", Store::Postgres),
                ("backend/internal/a", Store::Mysql),
                ("backend/internal/b", Store::Mysql)
            ]
        );
        assert_eq!(
            covering(&r, "backend/internal/a/users.sql").map(|q| q.store),
            Some(Store::Mysql)
        );
        assert!(covering(&r, "backend/internal/ab/users.sql").is_none());
    }

    #[test]
    fn version_one_yaml_and_json() {
        let y = "version: \"1\"\npackages:\n  - name: db\n    path: internal/db\n    queries: [./sql/q1.sql, ./sql/q2.sql]\n    schema: ./sql/schema\n    engine: sqlite\n";
        let r = read("sqlc.yaml", y);
        assert_eq!(r.len(), 3);
        assert!(r.iter().any(|q| q.queries == "internal/db"));
        assert!(r.iter().all(|q| q.store == Store::Sqlite));
        let j = r#"{"version":"2","sql":[{"engine":"mysql","queries":["q/"],"schema":"s","gen":{"go":{"out":"gen"}}}]}"#;
        let r = read("db/sqlc.json", j);
        assert_eq!(r[0].queries, "db/q");
        assert_eq!(r[1].queries, "db/gen");
        let here = read("a/b/sqlc.yaml", "sql:\n  - engine: sqlite\n    queries: q.sql\n    gen:\n      go:\n        out: \".\"\n");
        assert_eq!(
            covering(&here, "a/b/q.sql.go").map(|q| q.store),
            Some(Store::Sqlite)
        );
        assert_eq!(r[0].store, Store::Mysql);
        assert!(read("sqlc.json", "not json").is_empty());
    }
}
