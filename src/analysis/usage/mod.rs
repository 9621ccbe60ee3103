//! What the code of each revision really uses, read from its SQL, its ORM
//! declarations and (for the running version) a captured query log: the
//! [`CodeUsage`] the phase decisions consult instead of assuming that old
//! code uses all of S0 and new code all of S1.
//!
//! Old code's queries (C0) are resolved against S0, new code's (C1) against
//! S1. A table that dynamic SQL mentions, or every table when a dynamic
//! string names none or a file could not be read, has *unknown* usage: for
//! it the answer falls back to the assumption ([`AssumedUsage`]), never to
//! "unused". A side without any code keeps the assumption entirely.
//!
//! Pure: no IO; everything comes in as scan results.

pub mod release;

use super::compat::{AssumedUsage, Side, Site, Usage};
use crate::code::{self, builders, CodeQuery, DynamicSql, OrmUsage, ScanResult};
use crate::schema::{Schema, Table};
use crate::span::Span;
use crate::sql::ir::Name;
use crate::sql::resolve;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Not;

/// Table names as the schema keys them: the default schema
/// (`public.` on PostgreSQL, `main.` on SQLite) dropped.
pub fn table_key(name: &str) -> String {
    let n = name.to_lowercase();
    for prefix in ["public.", "main."] {
        if let Some(rest) = n.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    n
}

/// `name` without the default schema (`public.`, `main.`), its case kept.
fn strip_default_schema(name: &str) -> &str {
    for prefix in ["public.", "main."] {
        if name.len() > prefix.len()
            && name.is_char_boundary(prefix.len())
            && name[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            return &name[prefix.len()..];
        }
    }
    name
}

/// A table name for reports: the default schema dropped, the case kept.
pub fn shown_name(name: &str) -> String {
    strip_default_schema(name).to_string()
}

/// The schema's name for a table code names: the exact spelling first
/// (quoted identifiers keep their case on both sides), then any table
/// whose name differs only in case (unquoted names fold, and MySQL and
/// SQLite compare names without case on most systems).
pub fn schema_name_of(schema: &Schema, name: &str) -> Option<Name> {
    let bare = strip_default_schema(name);
    let exact = Name::new(bare);
    if schema.tables.contains_key(&exact) || schema.views.contains_key(&exact) {
        return Some(exact);
    }
    schema
        .tables
        .keys()
        .chain(schema.views.keys())
        .find(|k| k.as_str().eq_ignore_ascii_case(bare))
        .cloned()
}

/// The table code names, looked up as [`schema_name_of`] does.
pub fn find_table<'s>(schema: &'s Schema, name: &str) -> Option<&'s Table> {
    let bare = strip_default_schema(name);
    schema.tables.get(&Name::new(bare)).or_else(|| {
        schema
            .tables
            .iter()
            .find(|(k, _)| k.as_str().eq_ignore_ascii_case(bare))
            .map(|(_, t)| t)
    })
}

/// A schema as the resolver sees it.
pub struct SchemaCatalog<'a>(pub &'a Schema);

impl resolve::Catalog for SchemaCatalog<'_> {
    fn columns(&self, table: &str) -> Option<Vec<String>> {
        find_table(self.0, table).map(|t| t.columns.iter().map(|c| c.name.to_lowercase()).collect())
    }
}

/// Where a use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Code,
    Orm,
    /// Literal table and column names in a query builder's calls.
    Builder,
    QueryLog,
}

/// One resolved statement (or ORM declaration) of one side.
#[derive(Debug, Clone)]
pub struct Entry {
    pub span: Span,
    pub source: Source,
    pub usage: resolve::Usage,
    /// The SQL text (empty for ORM declarations).
    pub sql: String,
}

impl Entry {
    fn touches(&self, table: &str) -> bool {
        self.usage.tables.iter().any(|t| table_key(t) == table)
    }
    fn star(&self, table: &str) -> bool {
        self.usage.star_tables.iter().any(|t| table_key(t) == table)
    }
    fn reads(&self, table: &str, column: &str) -> bool {
        self.usage
            .reads
            .iter()
            .any(|c| table_key(&c.table) == table && c.column.eq_ignore_ascii_case(column))
    }
    fn writes(&self, table: &str, column: &str) -> bool {
        self.usage
            .writes
            .iter()
            .any(|c| table_key(&c.table) == table && c.column.eq_ignore_ascii_case(column))
    }
    fn writes_table(&self, table: &str) -> bool {
        self.usage
            .written_tables
            .iter()
            .any(|t| table_key(t) == table)
    }
    fn insert_into(&self, table: &str) -> Option<&resolve::InsertShape> {
        self.usage
            .insert
            .as_ref()
            .filter(|i| table_key(&i.table) == table)
    }
}

/// Code whose usage is unknown: dynamic SQL, or a file that could not be read.
#[derive(Debug, Clone)]
pub struct Unknown {
    /// `None` for an unreadable file.
    pub span: Option<Span>,
    /// Tables named (schema keys); empty = any table.
    pub tables: Vec<String>,
    pub why: String,
}

/// What one revision's code uses.
#[derive(Debug, Clone, Default)]
pub struct SideUsage {
    /// The revision has code (or a query log) shipgate reads.
    pub has_code: bool,
    pub entries: Vec<Entry>,
    pub unknown: Vec<Unknown>,
    /// Files left out because their SQL is for another database: reason →
    /// number of files.
    pub skipped: BTreeMap<String, usize>,
}

/// One query builder or run-time ORM across a revision's files.
struct LibraryUse<'a> {
    first: &'a builders::BuilderUse,
    files: Vec<&'a str>,
    /// `None`: any table.
    tables: Option<BTreeSet<String>>,
}

impl SideUsage {
    /// Resolves a revision's scan (and query log) against its schema.
    pub fn build(
        scan: &ScanResult,
        log: &[CodeQuery],
        schema: &Schema,
        skip: &dyn Fn(&str) -> bool,
    ) -> SideUsage {
        let catalog = SchemaCatalog(schema);
        let mut side = SideUsage::default();
        let mut libraries: Vec<LibraryUse> = Vec::new();
        for (path, f) in &scan.files {
            if skip(path) {
                continue;
            }
            if let Some(why) = &f.foreign {
                *side.skipped.entry(why.clone()).or_default() += 1;
                continue;
            }
            for b in &f.builders {
                side.add_builder_columns(b);
                match libraries.iter_mut().find(|l| l.first.library == b.library) {
                    Some(l) => {
                        l.files.push(path);
                        match (&mut l.tables, &b.tables) {
                            (Some(all), Some(t)) => all.extend(t.iter().map(|t| table_key(t))),
                            (all, _) => *all = None,
                        }
                    }
                    None => libraries.push(LibraryUse {
                        first: b,
                        files: vec![path],
                        tables: b
                            .tables
                            .as_ref()
                            .map(|t| t.iter().map(|t| table_key(t)).collect()),
                    }),
                }
            }
            if code::languages::for_path(path).is_some()
                || !f.queries.is_empty()
                || !f.orm.is_empty()
                || !f.dynamic.is_empty()
            {
                side.has_code = true;
            }
            match &f.mixed {
                Some(other) => side.add_mixed_queries(&f.queries, other, &catalog),
                None => side.add_queries(&f.queries, Source::Code, &catalog),
            }
            side.add_orm(&f.orm);
            side.add_dynamic(&f.dynamic);
        }
        // Go package files that use a builder their package imports
        // elsewhere count for that library.
        let dir = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let mut package_of: BTreeMap<String, usize> = BTreeMap::new();
        for (path, f) in &scan.files {
            for b in &f.builders {
                if builders::GO_PACKAGE_BUILDERS.contains(&b.library) {
                    if let Some(i) = libraries.iter().position(|l| l.first.library == b.library) {
                        package_of.entry(dir(path)).or_insert(i);
                    }
                }
            }
        }
        for (path, f) in &scan.files {
            let Some(calls) = &f.package_builder_calls else {
                continue;
            };
            if skip(path) || f.foreign.is_some() {
                continue;
            }
            let Some(&i) = package_of.get(&dir(path)) else {
                continue;
            };
            side.add_builder_columns(calls);
            let l = &mut libraries[i];
            l.files.push(path);
            match (&mut l.tables, &calls.tables) {
                (Some(all), Some(t)) => all.extend(t.iter().map(|t| table_key(t))),
                (all, _) => *all = None,
            }
        }
        side.add_libraries(libraries, scan);
        for e in &scan.errors {
            side.unknown.push(Unknown {
                span: None,
                tables: Vec::new(),
                why: format!("code that could not be read ({e})"),
            });
        }
        if !log.is_empty() {
            side.has_code = true;
            side.add_queries(log, Source::QueryLog, &catalog);
        }
        side
    }

    fn add_queries(&mut self, queries: &[CodeQuery], source: Source, catalog: &SchemaCatalog) {
        for q in queries {
            for usage in usages(q, catalog) {
                self.entries.push(Entry {
                    span: q.span.clone(),
                    source,
                    usage,
                    sql: q.sql.clone(),
                });
            }
        }
    }

    /// Queries of a file that also talks to another database: one that
    /// this schema explains is usage; one naming a table or column the
    /// schema lacks may be for the other database, so what it touches is
    /// unknown (never a missing-schema error).
    fn add_mixed_queries(&mut self, queries: &[CodeQuery], other: &str, catalog: &SchemaCatalog) {
        for q in queries {
            for usage in usages(q, catalog) {
                let explained = usage.unresolved.is_empty()
                    && usage
                        .tables
                        .iter()
                        .all(|t| resolve::Catalog::columns(catalog, t).is_some());
                if explained {
                    self.entries.push(Entry {
                        span: q.span.clone(),
                        source: Source::Code,
                        usage,
                        sql: q.sql.clone(),
                    });
                } else if !usage.tables.is_empty() {
                    self.unknown.push(Unknown {
                        span: Some(q.span.clone()),
                        tables: usage.tables.iter().map(|t| table_key(t)).collect(),
                        why: format!(
                            "a query this schema does not explain, from a file that also holds {other}"
                        ),
                    });
                }
            }
        }
    }

    fn add_orm(&mut self, orm: &[OrmUsage]) {
        for o in orm {
            let cols: Vec<resolve::ColumnRef> = o
                .columns
                .iter()
                .map(|c| resolve::ColumnRef {
                    table: o.table.clone(),
                    column: c.clone(),
                })
                .collect();
            self.entries.push(Entry {
                span: o.span.clone(),
                source: Source::Orm,
                usage: resolve::Usage {
                    tables: vec![o.table.clone()],
                    written_tables: vec![o.table.clone()],
                    reads: cols.clone(),
                    writes: cols,
                    insert: Some(resolve::InsertShape {
                        table: o.table.clone(),
                        columns: Some(o.columns.clone()),
                        values_per_row: Some(o.columns.len()),
                        from_select: false,
                    }),
                    ..resolve::Usage::default()
                },
                sql: String::new(),
            });
        }
    }

    /// A builder's literal columns, as usage entries (for the code lines
    /// findings point at; the tables themselves stay unknown).
    fn add_builder_columns(&mut self, b: &builders::BuilderUse) {
        if b.reads.is_empty() && b.writes.is_empty() {
            return;
        }
        let cols = |v: &[(String, String)]| -> Vec<resolve::ColumnRef> {
            v.iter()
                .map(|(t, c)| resolve::ColumnRef {
                    table: t.clone(),
                    column: c.clone(),
                })
                .collect()
        };
        let mut tables: Vec<String> = b
            .reads
            .iter()
            .chain(&b.writes)
            .map(|(t, _)| t.clone())
            .collect();
        tables.sort();
        tables.dedup();
        let mut written: Vec<String> = b.writes.iter().map(|(t, _)| t.clone()).collect();
        written.sort();
        written.dedup();
        self.entries.push(Entry {
            span: b.span.clone(),
            source: Source::Builder,
            usage: resolve::Usage {
                tables,
                written_tables: written,
                reads: cols(&b.reads),
                writes: cols(&b.writes),
                ..resolve::Usage::default()
            },
            sql: String::new(),
        });
    }

    /// One unknown per query builder or run-time ORM, naming its files;
    /// none for an ORM whose model declarations the revision has (they
    /// count as using every declared column).
    fn add_libraries(&mut self, libraries: Vec<LibraryUse>, scan: &ScanResult) {
        for l in libraries {
            if l.first
                .covered_by
                .is_some_and(|o| scan.orm().any(|u| u.orm == o))
            {
                continue;
            }
            let n = l.files.len();
            let mut files = l.files[..n.min(5)].join(", ");
            if n > 5 {
                files.push_str(&format!(" and {} more", n - 5));
            }
            self.unknown.push(Unknown {
                span: Some(l.first.span.clone()),
                tables: l
                    .tables
                    .map(|t| t.into_iter().collect())
                    .unwrap_or_default(),
                why: format!(
                    "queries built at run time with {} (in {files})",
                    l.first.library
                ),
            });
        }
    }

    /// Dynamic SQL counts once per file and table (the first place), or
    /// once per file when some string there names no table (then it may
    /// touch any table): a file formatting 200 queries is one unknown.
    fn add_dynamic(&mut self, dynamic: &[DynamicSql]) {
        let why = |d: &DynamicSql, n: usize| {
            let more = match n {
                0 | 1 => String::new(),
                n => format!("; {} such strings in this file", n),
            };
            format!("SQL built at run time ({}{more})", d.reason)
        };
        if let Some(d) = dynamic.iter().find(|d| d.tables_mentioned.is_empty()) {
            self.unknown.push(Unknown {
                span: Some(d.span.clone()),
                tables: Vec::new(),
                why: why(d, dynamic.len()),
            });
            return;
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for d in dynamic {
            for t in &d.tables_mentioned {
                let k = table_key(t);
                if seen.insert(k.clone()) {
                    let n = dynamic
                        .iter()
                        .filter(|x| x.tables_mentioned.iter().any(|y| table_key(y) == k))
                        .count();
                    self.unknown.push(Unknown {
                        span: Some(d.span.clone()),
                        tables: vec![k],
                        why: why(d, n),
                    });
                }
            }
        }
    }

    /// Renames the files of spans (`old:path` for old code in a file the
    /// new revision changed).
    pub fn relabel(&mut self, rename: &dyn Fn(&str) -> Option<String>) {
        let fix = |span: &mut Span| {
            if let Some(n) = rename(&span.file) {
                span.file = std::sync::Arc::from(n.as_str());
            }
        };
        for e in &mut self.entries {
            fix(&mut e.span);
        }
        for u in &mut self.unknown {
            if let Some(s) = &mut u.span {
                fix(s);
            }
        }
    }

    /// Usage of `table` is unknown on this side.
    pub fn is_unknown(&self, table: &str) -> bool {
        !self.has_code
            || self
                .unknown
                .iter()
                .any(|u| u.tables.is_empty() || u.tables.iter().any(|t| t == table))
    }

    /// Entries that use `table` (and `column`, when given).
    pub fn using(&self, table: &str, column: Option<&str>) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| match column {
                None => e.touches(table),
                Some(c) => e.reads(table, c) || e.writes(table, c) || e.star(table),
            })
            .collect()
    }
}

/// Usage read from both revisions' code.
pub struct CodeUsage<'a> {
    pub old: SideUsage,
    pub new: SideUsage,
    pub before: &'a Schema,
    pub after: &'a Schema,
    /// The engine rejects a positional INSERT whose value count differs
    /// from the column count (MySQL, SQLite).
    pub insert_values_must_match: bool,
}

fn key(table: &Name) -> String {
    table_key(table.as_str())
}

/// `key` is the comparison key, `table` the name as the schema spells it.
fn describe(e: &Entry, key: &str, table: &str, column: Option<&str>) -> String {
    let what = match column {
        Some(c) if e.writes(key, c) && !e.reads(key, c) => format!("writes {table}.{c}"),
        Some(c) if e.reads(key, c) => format!("reads {table}.{c}"),
        Some(_) => format!("reads every column of {table} (*)"),
        None if e.writes_table(key) => format!("writes {table}"),
        None => format!("reads {table}"),
    };
    match e.source {
        Source::Orm => format!("maps {table} in an ORM model (and {what})"),
        Source::Builder => format!("{what} through a query builder"),
        _ => what,
    }
}

fn site(e: &Entry, what: String) -> Site {
    Site {
        span: e.span.clone(),
        what,
    }
}

impl CodeUsage<'_> {
    fn assumed(&self) -> AssumedUsage<'_> {
        AssumedUsage {
            old: self.before,
            new: self.after,
        }
    }
    fn side(&self, side: Side) -> &SideUsage {
        match side {
            Side::Old => &self.old,
            Side::New => &self.new,
        }
    }
    /// Old inserts into `table` that leave `column` out.
    fn omitting(&self, table: &str, column: &str) -> Vec<&Entry> {
        self.old
            .entries
            .iter()
            .filter(|e| match e.insert_into(table) {
                Some(ins) => match &ins.columns {
                    Some(cols) => !cols.iter().any(|c| c.eq_ignore_ascii_case(column)),
                    // Positional: a column added after the release's start is
                    // past the values old code sends.
                    None => true,
                },
                None => false,
            })
            .collect()
    }
    fn positional(&self, table: &str) -> Vec<&Entry> {
        self.old
            .entries
            .iter()
            .filter(|e| {
                e.source != Source::Orm
                    && e.insert_into(table).is_some_and(|i| {
                        i.columns.is_none() && !i.from_select && i.values_per_row.is_some()
                    })
            })
            .collect()
    }
}

impl Usage for CodeUsage<'_> {
    fn old_uses(&self, table: &Name, column: Option<&str>) -> bool {
        let t = key(table);
        if self.old.is_unknown(&t) {
            return self.assumed().old_uses(table, column);
        }
        self.old.using(&t, column).is_empty().not()
    }
    fn new_uses(&self, table: &Name, column: Option<&str>) -> bool {
        let t = key(table);
        if self.new.is_unknown(&t) {
            return self.assumed().new_uses(table, column);
        }
        self.new.using(&t, column).is_empty().not()
    }
    fn old_inserts_without(&self, table: &Name, column: &str) -> bool {
        let t = key(table);
        if self.old.is_unknown(&t) {
            return self.assumed().old_inserts_without(table, column);
        }
        self.omitting(&t, column).is_empty().not()
    }
    fn old_writes(&self, table: &Name) -> bool {
        let t = key(table);
        if self.old.is_unknown(&t) {
            return self.assumed().old_writes(table);
        }
        self.old.entries.iter().any(|e| e.writes_table(&t))
    }
    fn old_use_site(&self, table: &Name, column: Option<&str>) -> Option<String> {
        let t = key(table);
        self.old
            .using(&t, column)
            .first()
            .map(|e| format!("{}:{}", e.span.file, e.span.line))
    }
    fn new_use_site(&self, table: &Name, column: Option<&str>) -> Option<String> {
        let t = key(table);
        self.new
            .using(&t, column)
            .first()
            .map(|e| format!("{}:{}", e.span.file, e.span.line))
    }
    fn old_inserts_positionally(&self, table: &Name) -> bool {
        self.insert_values_must_match && self.positional(&key(table)).is_empty().not()
    }
    fn sites(&self, side: Side, table: &Name, column: Option<&str>) -> Vec<Site> {
        let t = key(table);
        self.side(side)
            .using(&t, column)
            .into_iter()
            .map(|e| site(e, describe(e, &t, table.as_str(), column)))
            .collect()
    }
    fn old_insert_sites_without(&self, table: &Name, column: &str) -> Vec<Site> {
        let t = key(table);
        self.omitting(&t, column)
            .into_iter()
            .map(|e| site(e, format!("inserts into {table} without {column}")))
            .collect()
    }
    fn old_positional_sites(&self, table: &Name) -> Vec<Site> {
        let t = key(table);
        if !self.insert_values_must_match {
            return Vec::new();
        }
        self.positional(&t)
            .into_iter()
            .map(|e| {
                let n = e
                    .insert_into(&t)
                    .and_then(|i| i.values_per_row)
                    .unwrap_or(0);
                site(
                    e,
                    format!("inserts {n} value(s) per row into {table} by position"),
                )
            })
            .collect()
    }
    fn star_sites(&self, side: Side, table: &Name) -> Vec<Site> {
        let t = key(table);
        self.side(side)
            .entries
            .iter()
            .filter(|e| e.source != Source::Orm && e.star(&t))
            .map(|e| site(e, format!("reads every column of {table} (*)")))
            .collect()
    }
    fn old_write_sites(&self, table: &Name) -> Vec<Site> {
        let t = key(table);
        self.old
            .entries
            .iter()
            .filter(|e| e.writes_table(&t))
            .map(|e| site(e, format!("writes {table}")))
            .collect()
    }
}

/// The tables a side's code is known to use, for reports: one row per
/// entry that is not an ORM declaration.
pub fn used_tables(side: &SideUsage) -> BTreeSet<String> {
    side.entries
        .iter()
        .flat_map(|e| e.usage.tables.iter().map(|t| table_key(t)))
        .collect()
}

/// What each statement of a query uses, resolved against `catalog`.
fn usages(q: &CodeQuery, catalog: &SchemaCatalog) -> Vec<resolve::Usage> {
    q.statements
        .iter()
        .map(|s| resolve::resolve(s, catalog))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{scan_file, FileScan};
    use crate::engine::Engine;
    use crate::facts::facts;
    use std::sync::Arc;

    fn schema(sql: &str) -> Schema {
        let engine = Engine::Postgres;
        let low = crate::sql::lower::Lowering {
            engine,
            volatile_functions: &facts(engine).volatile_functions,
        };
        let file: Arc<str> = Arc::from("s.sql");
        let stmts = crate::sql::parse::parse_script(&file, sql, 0..sql.len(), &low);
        crate::analysis::replay_history(stmts.iter(), engine).0
    }

    fn side(files: &[(&str, &str)], s: &Schema) -> SideUsage {
        let scan = ScanResult {
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), Arc::new(scan_file(p, t, Engine::Postgres))))
                .collect::<Vec<(String, Arc<FileScan>)>>(),
            errors: Vec::new(),
        };
        SideUsage::build(&scan, &[], s, &|_| false)
    }

    const S: &str = "CREATE TABLE users (id int PRIMARY KEY, name text, email text);\nCREATE TABLE audit (id int PRIMARY KEY, note text);";

    #[test]
    fn default_schemas_map_to_unqualified_names() {
        assert_eq!(table_key("public.Users"), "users");
        assert_eq!(table_key("main.notes"), "notes");
        assert_eq!(table_key("reporting.daily"), "reporting.daily");
    }

    #[test]
    fn code_use_decides_and_unused_tables_are_unused() {
        let s0 = schema(S);
        let old = side(
            &[("app/a.py", "def f(cur):\n    cur.execute(\"SELECT id, name FROM users WHERE id = %s\", (1,))\n")],
            &s0,
        );
        let u = CodeUsage {
            old,
            new: SideUsage::default(),
            before: &s0,
            after: &s0,
            insert_values_must_match: false,
        };
        let users = Name::new("users");
        assert!(u.old_uses(&users, Some("name")));
        assert!(!u.old_uses(&users, Some("email")));
        assert!(!u.old_uses(&Name::new("audit"), None));
        assert!(!u.old_writes(&users));
        assert_eq!(u.sites(Side::Old, &users, Some("name")).len(), 1);
        // The new side has no code: everything of S1 is assumed used.
        assert!(u.new_uses(&users, Some("email")));
    }

    #[test]
    fn dynamic_sql_makes_its_tables_unknown_and_conservative() {
        let s0 = schema(S);
        let old = side(
            &[(
                "app/a.py",
                "def f(cur, c):\n    cur.execute(f\"SELECT {c} FROM users\")\n\ndef g(cur):\n    cur.execute(\"SELECT id FROM audit\")\n",
            )],
            &s0,
        );
        assert!(old.is_unknown("users"));
        assert!(!old.is_unknown("audit"));
        let u = CodeUsage {
            old,
            new: SideUsage::default(),
            before: &s0,
            after: &s0,
            insert_values_must_match: false,
        };
        assert!(u.old_uses(&Name::new("users"), Some("email")));
        assert!(u.old_writes(&Name::new("users")));
        assert!(!u.old_uses(&Name::new("audit"), Some("note")));
    }

    #[test]
    fn positional_inserts_matter_only_where_counts_must_match() {
        let s0 = schema(S);
        let code = [(
            "app/a.go",
            "package a\n\nconst q = `INSERT INTO users VALUES ($1, $2, $3)`\n",
        )];
        let mk = |must: bool| CodeUsage {
            old: side(&code, &s0),
            new: SideUsage::default(),
            before: &s0,
            after: &s0,
            insert_values_must_match: must,
        };
        let users = Name::new("users");
        assert!(mk(true).old_inserts_positionally(&users));
        assert!(!mk(false).old_inserts_positionally(&users));
        assert!(mk(false).old_inserts_without(&users, "nickname"));
        assert_eq!(mk(true).old_positional_sites(&users).len(), 1);
    }
}
