//! Synthetic migration histories for benchmarks and tests: deterministic
//! (same arguments, same files), valid for the engine (every statement
//! applies to the schema the earlier ones built), ten statements a file of
//! about sixty bytes each, so 5,000 files ≈ 50,000 statements ≈ 3 MB.
//! [`codebase`] generates application code in every language shipgate
//! reads, a third of its functions sending SQL.

use crate::engine::Engine;

/// Statements per generated file.
pub const STATEMENTS_PER_FILE: usize = 10;

/// SplitMix64: tiny, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Text,
    Time,
    Bool,
}

struct Column {
    name: String,
    kind: Kind,
    indexed: bool,
}

struct Table {
    name: String,
    columns: Vec<Column>,
}

struct History {
    engine: Engine,
    rng: Rng,
    tables: Vec<Table>,
    next_table: usize,
    next_column: usize,
}

impl History {
    fn type_name(&self, kind: Kind) -> &'static str {
        match (kind, self.engine) {
            (Kind::Int, Engine::Sqlite) => "INTEGER",
            (Kind::Int, _) => "BIGINT",
            (Kind::Text, Engine::Sqlite) => "TEXT",
            (Kind::Text, _) => "VARCHAR(255)",
            (Kind::Time, Engine::Postgres) => "TIMESTAMPTZ",
            (Kind::Time, Engine::Sqlite) => "TEXT",
            (Kind::Time, _) => "DATETIME",
            (Kind::Bool, Engine::Sqlite) => "INTEGER",
            (Kind::Bool, _) => "BOOLEAN",
        }
    }

    fn default_of(&self, kind: Kind) -> &'static str {
        match (kind, self.engine) {
            (Kind::Int, _) => "0",
            (Kind::Text, _) => "''",
            (Kind::Time, Engine::Sqlite) => "'1970-01-01'",
            (Kind::Time, _) => "CURRENT_TIMESTAMP",
            (Kind::Bool, Engine::Sqlite) => "0",
            (Kind::Bool, _) => "FALSE",
        }
    }

    fn primary_key(&self) -> &'static str {
        match self.engine {
            Engine::Postgres => "id BIGSERIAL PRIMARY KEY",
            Engine::Mysql | Engine::Mariadb => "id BIGINT AUTO_INCREMENT PRIMARY KEY",
            Engine::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        }
    }

    fn kind(&mut self) -> Kind {
        [Kind::Int, Kind::Text, Kind::Time, Kind::Bool][self.rng.below(4)]
    }

    fn new_column(&mut self) -> Column {
        self.next_column += 1;
        let kind = self.kind();
        Column {
            name: format!("c_{}", self.next_column),
            kind,
            indexed: false,
        }
    }

    fn create_table(&mut self) -> String {
        self.next_table += 1;
        let name = format!("t_{}", self.next_table);
        let n = 2 + self.rng.below(3);
        let columns: Vec<Column> = (0..n).map(|_| self.new_column()).collect();
        let mut parts = vec![self.primary_key().to_string()];
        for c in &columns {
            parts.push(format!("{} {}", c.name, self.type_name(c.kind)));
        }
        let engine_opt = if self.engine.is_mysql_family() {
            " ENGINE=InnoDB"
        } else {
            ""
        };
        self.tables.push(Table {
            name: name.clone(),
            columns,
        });
        format!("CREATE TABLE {name} ({}){engine_opt};", parts.join(", "))
    }

    fn add_column(&mut self, t: usize) -> String {
        let c = self.new_column();
        let ty = self.type_name(c.kind);
        let clause = if self.rng.below(2) == 0 {
            format!(" NOT NULL DEFAULT {}", self.default_of(c.kind))
        } else {
            String::new()
        };
        let sql = format!(
            "ALTER TABLE {} ADD COLUMN {} {ty}{clause};",
            self.tables[t].name, c.name
        );
        self.tables[t].columns.push(c);
        sql
    }

    fn create_index(&mut self, t: usize) -> Option<String> {
        let table = &mut self.tables[t];
        let c = table.columns.iter_mut().find(|c| !c.indexed)?;
        c.indexed = true;
        Some(format!(
            "CREATE INDEX ix_{}_{} ON {} ({});",
            table.name, c.name, table.name, c.name
        ))
    }

    fn alter(&mut self, t: usize) -> Option<String> {
        if self.tables[t].columns.is_empty() {
            return None;
        }
        let i = self.rng.below(self.tables[t].columns.len());
        let kind = self.tables[t].columns[i].kind;
        let default = self.default_of(kind);
        let table = &self.tables[t].name;
        let column = &self.tables[t].columns[i].name;
        Some(match self.engine {
            // SQLite's ALTER TABLE cannot change a default; a rename it can.
            Engine::Sqlite => {
                self.next_column += 1;
                let new = format!("c_{}", self.next_column);
                let sql = format!("ALTER TABLE {table} RENAME COLUMN {column} TO {new};");
                self.tables[t].columns[i].name = new;
                sql
            }
            _ => format!("ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default};"),
        })
    }

    fn statement(&mut self) -> String {
        let roll = self.rng.below(100);
        if self.tables.is_empty() || roll < 10 {
            return self.create_table();
        }
        let t = self.rng.below(self.tables.len());
        let sql = if roll < 55 {
            Some(self.add_column(t))
        } else if roll < 80 {
            self.create_index(t)
        } else {
            self.alter(t)
        };
        match sql {
            Some(sql) => sql,
            None => self.add_column(t),
        }
    }
}

/// `n_files` migration files (`migrations/00001_step.sql`, …, sqlx-style
/// names that sort naturally), each [`STATEMENTS_PER_FILE`] statements long,
/// as `(path, text)` in replay order.
pub fn history(n_files: usize, engine: Engine, seed: u64) -> Vec<(String, String)> {
    let mut h = History {
        engine,
        rng: Rng(seed),
        tables: Vec::new(),
        next_table: 0,
        next_column: 0,
    };
    (1..=n_files)
        .map(|i| {
            let mut text = String::with_capacity(700);
            for _ in 0..STATEMENTS_PER_FILE {
                text.push_str(&h.statement());
                text.push('\n');
            }
            (format!("migrations/{i:05}_step_{i}.sql"), text)
        })
        .collect()
}

// ---- Synthetic application code (benchmarks of code scanning and check) ----

/// A deterministic xorshift generator (no dependency, same codebase every run).
struct CodeRng(u64);

impl CodeRng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const TABLES: &[&str] = &[
    "users",
    "orders",
    "items",
    "accounts",
    "payments",
    "sessions",
    "audit_log",
    "products",
];
const COLS: &[&str] = &[
    "id",
    "name",
    "email",
    "total",
    "created_at",
    "status",
    "user_id",
    "sku",
];
const WORDS: &[&str] = &[
    "update the cache",
    "select a plan",
    "retry later",
    "user not found",
    "Delete this item?",
    "loading",
    "done",
];

fn sql(r: &mut CodeRng) -> String {
    let t = r.pick(TABLES);
    let c1 = r.pick(COLS);
    let c2 = r.pick(COLS);
    match r.below(4) {
        0 => format!("SELECT {c1}, {c2} FROM {t} WHERE id = $1"),
        1 => format!("UPDATE {t} SET {c1} = $1 WHERE id = $2"),
        2 => format!("INSERT INTO {t} ({c1}, {c2}) VALUES ($1, $2)"),
        _ => format!("DELETE FROM {t} WHERE {c1} = $1"),
    }
}

/// One function in the given language; `with_sql` adds a query.
fn function(lang: &str, i: usize, r: &mut CodeRng, with_sql: bool) -> String {
    let q = sql(r);
    let msg = r.pick(WORDS);
    let n = r.below(1000);
    let body_sql = if with_sql { q.as_str() } else { msg };
    match lang {
        "rs" => format!(
            "// {msg}\npub async fn handler_{i}(pool: &PgPool, id: i64) -> Result<u64> {{\n    let limit = {n};\n    if id > limit {{\n        log::info!(\"{msg}\");\n    }}\n    let rows = sqlx::query(\"{body_sql}\").bind(id).execute(pool).await?;\n    Ok(rows.rows_affected() + limit as u64)\n}}\n\n"
        ),
        "go" => format!(
            "// handler{i}: {msg}\nfunc handler{i}(db *sql.DB, id int64) (int64, error) {{\n\tlimit := {n}\n\tif id > int64(limit) {{\n\t\tlog.Printf(\"{msg} %d\", id)\n\t}}\n\tres, err := db.Exec(`{body_sql}`, id)\n\tif err != nil {{\n\t\treturn 0, err\n\t}}\n\treturn res.RowsAffected()\n}}\n\n"
        ),
        "py" => format!(
            "def handler_{i}(cur, ident):\n    \"\"\"{msg}.\"\"\"\n    limit = {n}\n    if ident > limit:\n        logger.info(\"{msg}\")\n    cur.execute(\"\"\"{body_sql}\"\"\", (ident,))\n    return cur.rowcount + limit\n\n\n"
        ),
        "java" | "kt" | "cs" => {
            let (ty, decl) = match lang {
                "java" => ("public long", "long limit"),
                "kt" => ("fun", "val limit: Long"),
                _ => ("public long", "long limit"),
            };
            let sig = if lang == "kt" {
                format!("    fun handler{i}(id: Long): Long {{")
            } else {
                format!("    {ty} handler{i}(long id) {{")
            };
            let end = if lang == "kt" { "" } else { ";" };
            format!(
                "    // {msg}\n{sig}\n        {decl} = {n}{end}\n        if (id > limit) {{\n            log.info(\"{msg}\"){end}\n        }}\n        return jdbc.update(\"{body_sql}\", id) + limit{end}\n    }}\n\n"
            )
        }
        "ts" | "js" => format!(
            "// {msg}\nexport async function handler{i}(db, id) {{\n  const limit = {n};\n  if (id > limit) {{\n    console.log('{msg}');\n  }}\n  const res = await db.query(`{body_sql}`, [id]);\n  return res.rowCount + limit;\n}}\n\n"
        ),
        "rb" => format!(
            "  # {msg}\n  def handler_{i}(conn, id)\n    limit = {n}\n    if id > limit\n      logger.info('{msg}')\n    end\n    conn.exec_params('{body_sql}', [id])\n  end\n\n"
        ),
        "php" => format!(
            "    // {msg}\n    public function handler{i}($db, $id) {{\n        $limit = {n};\n        if ($id > $limit) {{\n            error_log('{msg}');\n        }}\n        return $db->prepare('{body_sql}')->execute([$id]);\n    }}\n\n"
        ),
        _ => String::new(),
    }
}

fn dynamic(lang: &str, r: &mut CodeRng) -> String {
    let t = r.pick(TABLES);
    match lang {
        "rs" => format!("fn dyn_q(c: &str) -> String {{ format!(\"SELECT {{}} FROM {t}\", c) }}\n"),
        "go" => format!(
            "func dynQ(c string) string {{ return fmt.Sprintf(\"SELECT %s FROM {t}\", c) }}\n"
        ),
        "py" => format!("def dyn_q(c):\n    return f\"SELECT {{c}} FROM {t}\"\n"),
        "ts" | "js" => format!("export const dynQ = (c) => `SELECT ${{c}} FROM {t}`;\n"),
        _ => String::new(),
    }
}

fn file(lang: &str, idx: usize, lines_target: usize, r: &mut CodeRng, sql_file: bool) -> String {
    let mut s = String::new();
    let (head, tail) = match lang {
        "rs" => ("use sqlx::PgPool;\nuse anyhow::Result;\n\n".to_string(), String::new()),
        "go" => (format!("package repo{idx}\n\nimport (\n\t\"database/sql\"\n\t\"fmt\"\n\t\"log\"\n)\n\n"), String::new()),
        "py" => ("import logging\n\nlogger = logging.getLogger(__name__)\n\n\n".to_string(), String::new()),
        "java" => (format!("package app;\n\nimport java.util.List;\n\npublic class Repo{idx} {{\n    private static final String BASE = \"SELECT id, name FROM users\";\n\n"), "}\n".to_string()),
        "kt" => (format!("package app\n\nclass Repo{idx}(private val jdbc: Jdbc) {{\n\n"), "}\n".to_string()),
        "cs" => (format!("using System;\n\nnamespace App {{\npublic class Repo{idx} {{\n    const string Base = \"SELECT id, name FROM users\";\n\n"), "}\n}\n".to_string()),
        "ts" | "js" => ("import { Pool } from 'pg';\n\n".to_string(), String::new()),
        "rb" => (format!("class Repo{idx}\n"), "end\n".to_string()),
        "php" => (format!("<?php\n\nclass Repo{idx} {{\n"), "}\n".to_string()),
        _ => (String::new(), String::new()),
    };
    s.push_str(&head);
    let mut i = 0;
    while s.lines().count() + 12 < lines_target {
        let with_sql = sql_file && r.below(3) == 0;
        s.push_str(&function(lang, i, r, with_sql));
        i += 1;
    }
    if sql_file && r.below(4) == 0 {
        s.push_str(&dynamic(lang, r));
    }
    s.push_str(&tail);
    s
}

fn sqlc_file(r: &mut CodeRng, lines_target: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.lines().count() + 3 < lines_target {
        s.push_str(&format!("-- name: Query{i} :exec\n{};\n\n", sql(r)));
        i += 1;
    }
    s
}

/// The tables [`codebase`]'s SQL uses, as one migration (every column
/// nullable text except `id`), so a check of the codebase resolves.
pub fn codebase_schema() -> String {
    TABLES
        .iter()
        .map(|t| {
            let cols: Vec<String> = COLS
                .iter()
                .filter(|c| **c != "id")
                .map(|c| format!("{c} text"))
                .collect();
            format!(
                "CREATE TABLE {t} (id bigserial PRIMARY KEY, {});\n",
                cols.join(", ")
            )
        })
        .collect()
}

/// A synthetic codebase of about `total_lines` lines across the ten
/// languages shipgate reads plus sqlc query files, as `(path, text)` sorted
/// by path. `sql_every`: one file in this many is a data-access file that
/// sends SQL (1 = every file); the others are the same code without queries.
/// Deterministic: the same arguments give the same files.
pub fn codebase(total_lines: usize, sql_every: usize) -> Vec<(String, String)> {
    const LANGS: &[&str] = &[
        "rs", "go", "py", "java", "kt", "ts", "js", "rb", "cs", "php",
    ];
    let mut r = CodeRng(0x5eed_cafe_f00d_1234);
    let mut files = Vec::new();
    let mut lines = 0;
    let mut idx = 0;
    while lines < total_lines {
        let per_file = 150 + r.below(200) as usize;
        let (path, text) = if idx % 25 == 24 {
            (
                format!("db/query/q{idx}.sql"),
                sqlc_file(&mut r, per_file / 3),
            )
        } else {
            let lang = LANGS[idx % LANGS.len()];
            (
                format!("src/mod{}/file{idx}.{lang}", idx % 40),
                file(lang, idx, per_file, &mut r, idx % sql_every.max(1) == 0),
            )
        };
        lines += text.lines().count();
        files.push((path, text));
        idx += 1;
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::detect_engine_in_texts;

    #[test]
    fn codebase_is_deterministic_sized_and_resolves_against_its_schema() {
        let a = codebase(20_000, 5);
        assert_eq!(a, codebase(20_000, 5));
        let lines: usize = a.iter().map(|(_, t)| t.lines().count()).sum();
        assert!((20_000..21_000).contains(&lines), "{lines} lines");
        assert!(codebase_schema().contains("CREATE TABLE users (id bigserial PRIMARY KEY"));
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = history(50, Engine::Postgres, 7);
        assert_eq!(a, history(50, Engine::Postgres, 7));
        assert_ne!(a, history(50, Engine::Postgres, 8));
        assert_eq!(a[0].0, "migrations/00001_step_1.sql");
        assert_eq!(a[49].0, "migrations/00050_step_50.sql");
    }

    #[test]
    fn sizes_match_the_benchmark_target() {
        let files = history(5_000, Engine::Postgres, 1);
        let statements: usize = files.iter().map(|(_, t)| t.matches(";\n").count()).sum();
        let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
        assert_eq!(statements, 50_000);
        assert!((2_000_000..4_500_000).contains(&bytes), "{bytes} bytes");
    }

    #[test]
    fn every_statement_refers_to_something_that_exists() {
        // Each ALTER/INDEX names a table created earlier in the history.
        let files = history(300, Engine::Mysql, 3);
        let mut created = std::collections::HashSet::new();
        for (_, text) in &files {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                    created.insert(rest.split(' ').next().unwrap().to_string());
                } else {
                    let table = line
                        .strip_prefix("ALTER TABLE ")
                        .map(|r| r.split(' ').next().unwrap())
                        .or_else(|| {
                            line.split(" ON ")
                                .nth(1)
                                .map(|r| r.split(' ').next().unwrap())
                        })
                        .unwrap();
                    assert!(created.contains(table), "{line}");
                }
            }
        }
    }

    #[test]
    fn the_sql_is_recognisably_the_engines() {
        for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
            let files = history(40, engine, 11);
            let found = detect_engine_in_texts(files.iter().map(|(_, t)| t.as_str()));
            assert_eq!(found.map(|f| f.0), Some(engine));
        }
    }
}
