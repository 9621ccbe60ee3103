//! Query builders and run-time ORMs (squirrel, goqu, GORM, knex, jOOQ, …):
//! the SQL they send exists only at run time, so what they touch is
//! *unknown*, never unused. Where a builder's calls name their table with a
//! literal (`sq.Select("id", "name").From("users")`, `knex('users')`),
//! the tables are read, and the literal column names of the call chain
//! with them; one call whose table is not a literal makes the file's
//! builder usage "any table".

use super::markers::{self, Meaning};
use super::orm::Orm;
use super::Language;
use crate::span::{LineIndex, Span};
use once_cell::sync::Lazy;
use regex::Regex;
use std::sync::Arc;

/// One library used in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderUse {
    pub library: &'static str,
    /// The ORM whose declarations stand for this library's usage.
    pub covered_by: Option<Orm>,
    /// Where the file names the library (its import).
    pub span: Span,
    /// Tables its calls name with literals; `None` when some call's table
    /// is not a literal (or the library's calls are not read): any table.
    pub tables: Option<Vec<String>>,
    /// `(table, column)` read by the literal calls (`Select("id")`).
    pub reads: Vec<(String, String)>,
    /// `(table, column)` written by them (`Set("name", …)`, `Columns(…)`).
    pub writes: Vec<(String, String)>,
}

/// Go builders (squirrel, goqu, GORM's `Table`): the call that names a table.
static GO_TABLE_CALL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r#"\.(?:From|Into|Update|Insert|InsertInto|Delete|Table|Join|LeftJoin|RightJoin|InnerJoin|FullJoin|CrossJoin)\(\s*("[^"\\]*"|`[^`]*`|[^)"`\s][^)]*|\))"#)
        .expect("valid regex")
});
static GO_COLUMNS_CALL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r#"\b(Select|Columns|Set)\(([^()]*)\)"#).expect("valid regex"));
static STRING_LIT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r#""([^"\\]*)"|'([^'\\]*)'|`([^`$]*)`"#).expect("valid regex"));
static IDENT_PATH: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?").expect("valid regex"));

/// The builders and run-time ORMs one file uses.
pub fn read(
    file: &Arc<str>,
    language: Language,
    text: &str,
    found: &[markers::Found],
    index: &LineIndex,
) -> Vec<BuilderUse> {
    let mut out: Vec<BuilderUse> = Vec::new();
    for f in found {
        let Meaning::Builder {
            library,
            covered_by,
        } = f.marker().meaning
        else {
            continue;
        };
        if out.iter().any(|b| b.library == library) {
            continue;
        }
        let end = text[f.at..].find('\n').map_or(text.len(), |p| f.at + p);
        let (tables, reads, writes) = match (language, library) {
            (Language::Go, "squirrel" | "goqu") => {
                literal_calls(text, &GO_TABLE_CALL, &GO_COLUMNS_CALL)
            }
            (Language::Rust, "sqlx QueryBuilder") => {
                (query_builder_tables(text), Vec::new(), Vec::new())
            }
            _ => (None, Vec::new(), Vec::new()),
        };
        out.push(BuilderUse {
            library,
            covered_by,
            span: index.span(text, file, f.at, end),
            tables,
            reads,
            writes,
        });
    }
    out
}

/// sqlx's `QueryBuilder::new("INSERT INTO users (id, name) ")`: the
/// statement's start is a literal naming its tables; pushed fragments
/// (`push`, `push_values`) add values, rarely tables.
static RUST_QB_NEW: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r#"QueryBuilder(?:::<[^>]*>)?::(?:new|with_arguments)\(\s*(r#*"[^"]*"|"(?:[^"\\]|\\.)*"|[^)]*)"#)
        .expect("valid regex")
});

fn query_builder_tables(text: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for cap in RUST_QB_NEW.captures_iter(text) {
        let arg = cap.get(1).expect("group 1").as_str();
        let body = arg.trim_start_matches('r').trim_start_matches('#');
        if !body.starts_with('"') {
            return None;
        }
        let tables = super::sql_detect::tables_mentioned(body.trim_matches(['"', '#']));
        if tables.is_empty() {
            return None;
        }
        out.extend(tables);
    }
    out.sort();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// The squirrel/goqu-shaped calls of a Go file that does not import the
/// library itself: in Go a package-level builder (`var psql =
/// sq.StatementBuilder…` in one file) is used by every file of the
/// package without an import, so the usage decides which package files
/// count (`library` is left empty). `None` when the file has no such call.
pub fn go_package_calls(file: &Arc<str>, text: &str) -> Option<BuilderUse> {
    let first = GO_TABLE_CALL.find(text)?;
    let (tables, reads, writes) = literal_calls(text, &GO_TABLE_CALL, &GO_COLUMNS_CALL);
    let index = LineIndex::new(text);
    let end = text[first.start()..]
        .find('\n')
        .map_or(text.len(), |p| first.start() + p);
    Some(BuilderUse {
        library: "",
        covered_by: None,
        span: index.span(text, file, first.start(), end),
        tables,
        reads,
        writes,
    })
}

/// Libraries whose builders a Go package shares across its files.
pub const GO_PACKAGE_BUILDERS: &[&str] = &["squirrel", "goqu"];

type Cols = Vec<(String, String)>;

/// Reads the table-naming calls and the literal column lists near them.
fn literal_calls(
    text: &str,
    table_call: &Regex,
    cols_call: &Regex,
) -> (Option<Vec<String>>, Cols, Cols) {
    let mut tables: Vec<(usize, String)> = Vec::new();
    for cap in table_call.captures_iter(text) {
        let arg = cap.get(1).expect("group 1");
        let lit = arg.as_str();
        if lit == ")" {
            continue;
        }
        let Some(inner) = STRING_LIT
            .captures(lit)
            .filter(|c| c.get(0).unwrap().start() == 0)
        else {
            // A table named by a variable or an expression: any table.
            return (None, Vec::new(), Vec::new());
        };
        let inner = (1..=3)
            .find_map(|i| inner.get(i))
            .map_or("", |m| m.as_str());
        let Some(name) = IDENT_PATH.find(inner.trim()) else {
            return (None, Vec::new(), Vec::new());
        };
        tables.push((arg.start(), name.as_str().to_lowercase()));
    }
    if tables.is_empty() {
        return (None, Vec::new(), Vec::new());
    }
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for cap in cols_call.captures_iter(text) {
        let at = cap.get(0).expect("whole").start();
        let Some((_, table)) = tables.iter().min_by_key(|(p, _)| p.abs_diff(at)) else {
            continue;
        };
        let verb = cap.get(1).expect("group 1").as_str();
        let args = cap.get(2).expect("group 2").as_str();
        let mut cols: Vec<String> = STRING_LIT
            .captures_iter(args)
            .filter_map(|c| (1..=3).find_map(|i| c.get(i)))
            .filter_map(|m| {
                IDENT_PATH
                    .find(m.as_str().trim())
                    .map(|i| i.as_str().to_string())
            })
            .map(|c| c.rsplit('.').next().unwrap_or(&c).to_lowercase())
            .collect();
        if matches!(verb, "Set" | "update" | "where" | "orderBy") {
            // Only the first argument names a column.
            cols.truncate(1);
        }
        let dest = if matches!(verb, "Set" | "Columns" | "update") {
            &mut writes
        } else {
            &mut reads
        };
        for c in cols {
            let pair = (table.clone(), c);
            if !dest.contains(&pair) {
                dest.push(pair);
            }
        }
    }
    let mut names: Vec<String> = tables.into_iter().map(|(_, t)| t).collect();
    names.sort();
    names.dedup();
    (Some(names), reads, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(path: &str, lang: Language, text: &str) -> Vec<BuilderUse> {
        let file: Arc<str> = Arc::from(path);
        let found = markers::find(lang, text);
        read(&file, lang, text, &found, &LineIndex::new(text))
    }

    #[test]
    fn squirrel_literal_tables_and_columns() {
        let go = r#"package store
import sq "github.com/Masterminds/squirrel"
func Find() { q := sq.Select("id", "u.name").From("users u").Where(sq.Eq{"email": e}) }
func Rename() { sq.Update("users").Set("name", n).Where("id = ?", id) }
"#;
        let b = uses("store/u.go", Language::Go, go);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].library, "squirrel");
        assert_eq!(b[0].span.line, 2);
        assert_eq!(b[0].tables, Some(vec!["users".to_string()]));
        assert!(b[0].reads.contains(&("users".into(), "name".into())));
        assert!(b[0].writes.contains(&("users".into(), "name".into())));
    }

    #[test]
    fn a_table_from_a_variable_means_any_table() {
        let go = "package s\nimport \"github.com/Masterminds/squirrel\"\nfunc f(t string) { squirrel.Select(\"id\").From(t) }\n";
        assert_eq!(uses("s.go", Language::Go, go)[0].tables, None);
        let gorm = "package s\nimport \"gorm.io/gorm\"\nfunc f(db *gorm.DB) { db.Table(\"users\").Find(&u) }\n";
        assert_eq!(uses("s.go", Language::Go, gorm)[0].tables, None);
    }

    #[test]
    fn sqlx_query_builder_start() {
        let rs = "use sqlx::{Postgres, QueryBuilder};\nfn f() { let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(\"INSERT INTO users (id, name) \"); qb.push_values(rows, |mut b, r| { b.push_bind(r.id); }); }\n";
        let b = uses("src/a.rs", Language::Rust, rs);
        assert_eq!(b[0].library, "sqlx QueryBuilder");
        assert_eq!(b[0].tables, Some(vec!["users".to_string()]));
        let dynamic =
            "use sqlx::QueryBuilder;\nfn f(s: &str) { QueryBuilder::<Postgres>::new(s); }\n";
        assert_eq!(uses("src/a.rs", Language::Rust, dynamic)[0].tables, None);
    }

    #[test]
    fn package_files_without_the_import() {
        let file: Arc<str> = Arc::from("store/users.go");
        let go = "package store\n\nfunc (r *Repo) Find() { r.sb.Select(\"id\", \"name\").From(\"users\") }\n";
        let b = go_package_calls(&file, go).expect("calls");
        assert_eq!(b.tables, Some(vec!["users".to_string()]));
        assert_eq!(b.span.line, 3);
        assert!(go_package_calls(&file, "package store\nfunc f() {}\n").is_none());
    }

    #[test]
    fn knex_is_any_table() {
        // knex is mostly called through an instance (`db('users')`) that
        // cannot be told from any other call: its tables are not read.
        let js = "const db = require('knex')(cfg);\nasync function f() { return db('orders').select('id'); }\n";
        let b = uses("a.js", Language::JavaScript, js);
        assert_eq!(b[0].library, "knex");
        assert_eq!(b[0].tables, None);
    }
}
