//! Laws that hold for any input: the front end never panics on token soup
//! or mutated real files and its spans stay inside the text; a schema
//! rendered to DDL and replayed renders the same; a schema diffed with
//! itself is empty.

use proptest::prelude::*;
use shipgate::analysis::replay_history;
use shipgate::engine::Engine;
use shipgate::facts::facts;
use shipgate::osc::alter::Alter;
use shipgate::schema::render::{render, unified_diff};
use shipgate::sql::lower::Lowering;
use shipgate::sql::parse::parse_script;
use std::path::Path;
use std::sync::Arc;

const TOKENS: &[&str] = &[
    "CREATE",
    "TABLE",
    "ALTER",
    "DROP",
    "INDEX",
    "CONCURRENTLY",
    "ADD",
    "COLUMN",
    "CONSTRAINT",
    "PRIMARY",
    "KEY",
    "UNIQUE",
    "REFERENCES",
    "FOREIGN",
    "CHECK",
    "NOT",
    "NULL",
    "DEFAULT",
    "VALID",
    "VALIDATE",
    "RENAME",
    "TO",
    "TYPE",
    "USING",
    "ON",
    "SET",
    "BEGIN",
    "COMMIT",
    "INSERT",
    "INTO",
    "VALUES",
    "SELECT",
    "FROM",
    "WHERE",
    "UPDATE",
    "DELETE",
    "DO",
    "$$",
    "$a$",
    "'",
    "\"",
    "`",
    "(",
    ")",
    ",",
    ";",
    ".",
    "--",
    "/*",
    "*/",
    "/*!40101",
    "\n",
    "\\",
    "\\.",
    "DELIMITER",
    "//",
    "t",
    "u",
    "id",
    "int",
    "bigint",
    "text",
    "varchar(10)",
    "ENUM('a','b')",
    "AFTER",
    "FIRST",
    "MODIFY",
    "CHANGE",
    "ALGORITHM=COPY",
    "LOCK=NONE",
    "REINDEX",
    "VACUUM",
    "FULL",
    "CLUSTER",
    "TRUNCATE",
    "CASCADE",
    "PRAGMA",
    "TRIGGER",
    "END",
    "CASE",
    "1",
    "é",
    "😀",
    "COPY",
    "stdin",
    "IF",
    "EXISTS",
    "GENERATED",
    "ALWAYS",
    "AS",
    "IDENTITY",
    "STORED",
    "serial",
    "AUTO_INCREMENT",
];

/// ALTER TABLE operations, accepted and refused ones, for the osc reader.
const ALTER_OPS: &[&str] = &[
    "ADD COLUMN z int",
    "ADD COLUMN z int NOT NULL DEFAULT 7",
    "ADD z varchar(10) AFTER n",
    "DROP COLUMN k",
    "ALTER COLUMN n TYPE bigint",
    "ALTER COLUMN n TYPE bigint USING n::bigint",
    "ALTER COLUMN n SET NOT NULL",
    "ALTER COLUMN n DROP DEFAULT",
    "RENAME COLUMN s TO s2",
    "MODIFY n bigint NOT NULL",
    "CHANGE s s2 varchar(20)",
    "ADD CONSTRAINT u UNIQUE (n)",
    "ADD UNIQUE KEY u (n)",
    "ADD CONSTRAINT c CHECK (n > 0)",
    "DROP CONSTRAINT c",
    "DROP INDEX t_n",
    "RENAME TO x",
    "ADD PRIMARY KEY (id)",
    "ALGORITHM=INPLACE",
    "LOCK=NONE",
    "ADD COLUMN \"q\"\"x\" int",
    "ADD COLUMN `b``t` int",
    // MySQL forms read clause by clause (src/sql/clauses.rs).
    "ENGINE=InnoDB",
    "ENGINE=MyISAM",
    "FORCE",
    "ROW_FORMAT=DYNAMIC KEY_BLOCK_SIZE=8",
    "COMMENT='a, b'",
    "DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin",
    "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    "AUTO_INCREMENT=5",
    "DROP KEY t_n",
    "ADD COLUMN IF NOT EXISTS q int",
    "SET (fillfactor = 70)",
];

fn analyse_all_engines(text: &str) {
    let file: Arc<str> = Arc::from("fuzz.sql");
    for engine in Engine::ALL {
        let low = Lowering {
            engine,
            volatile_functions: &facts(engine).volatile_functions,
        };
        let stmts = parse_script(&file, text, 0..text.len(), &low);
        for s in &stmts {
            assert!(s.span.start <= s.span.end && s.span.end <= text.len());
            assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
            assert!(s.span.line >= 1 && s.span.column >= 1);
            assert!(!s.ops.is_empty(), "a statement with no ops: {:?}", s.text);
        }
        let (schema, _) = replay_history(stmts.iter(), engine);
        let _ = render(&schema, engine);
    }
}

fn fixture_sql() -> Vec<String> {
    fn walk(p: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "sql") {
                if let Ok(t) = std::fs::read_to_string(&p) {
                    out.push(t);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: Vec<&str> = tokens.iter().map(|&i| TOKENS[i]).collect();
        analyse_all_engines(&text.join(" "));
    }

    /// `shipgate osc` reads one ALTER TABLE from the command line: any
    /// list of operations (some malformed, some with noise tokens) is
    /// refused or accepted without a panic, and an accepted one, pointed at
    /// the shadow, reads back as the same operations on the shadow.
    #[test]
    fn osc_alter_reader_never_panics(
        ops in proptest::collection::vec(0..ALTER_OPS.len(), 1..4),
        noise in proptest::collection::vec((0..TOKENS.len(), any::<prop::sample::Index>()), 0..3),
    ) {
        let mut parts: Vec<&str> = ops.iter().map(|&i| ALTER_OPS[i]).collect::<Vec<_>>().join(", ").leak().split(' ').collect();
        for (t, at) in &noise {
            let at = at.index(parts.len() + 1);
            parts.insert(at, TOKENS[*t]);
        }
        let sql = format!("ALTER TABLE t {}", parts.join(" "));
        for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
            let Ok(a) = Alter::parse(engine, &sql) else { continue };
            let shadow = a.retarget(engine, Some("s"), "_sg_new_t");
            let back = Alter::parse(engine, &shadow);
            prop_assert!(back.is_ok(), "{engine:?}: {sql} -> {shadow}: {:?}", back.err());
            let back = back.unwrap();
            prop_assert_eq!(&back.table, "_sg_new_t");
            prop_assert_eq!(back.renamed, a.renamed);
            prop_assert_eq!(back.using, a.using);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), len in 0usize..20, insert in "[ -~;'\"$\\\\\n]{0,8}") {
        let files = fixture_sql();
        prop_assume!(!files.is_empty());
        let text = &files[pick.index(files.len())];
        let mut chars: Vec<char> = text.chars().collect();
        let at = at.index(chars.len() + 1);
        let end = (at + len).min(chars.len());
        chars.splice(at..end, insert.chars());
        let mutated: String = chars.into_iter().collect();
        analyse_all_engines(&mutated);
    }

    #[test]
    fn rendered_schema_replays_to_itself(tables in proptest::collection::vec((0u8..5, proptest::collection::vec((0usize..6, any::<bool>(), any::<bool>()), 1..6), any::<bool>()), 1..5)) {
        let types = ["integer", "bigint", "text", "character varying(20)", "boolean", "numeric(10,2)"];
        let mut ddl = String::new();
        for (ti, (name, cols, indexed)) in tables.iter().enumerate() {
            let tname = format!("t{ti}_{name}");
            let mut parts = vec!["id bigint PRIMARY KEY".to_string()];
            for (ci, (ty, nn, def)) in cols.iter().enumerate() {
                let mut c = format!("c{ci} {}", types[*ty]);
                if *nn { c.push_str(" NOT NULL"); }
                if *def && types[*ty] == "integer" { c.push_str(" DEFAULT 0"); }
                parts.push(c);
            }
            ddl.push_str(&format!("CREATE TABLE {tname} ({});\n", parts.join(", ")));
            if *indexed {
                ddl.push_str(&format!("CREATE INDEX {tname}_c0_idx ON {tname} (c0);\n"));
            }
        }
        let engine = Engine::Postgres;
        let low = Lowering { engine, volatile_functions: &facts(engine).volatile_functions };
        let file: Arc<str> = Arc::from("a.sql");
        let (s1, errors) = replay_history(parse_script(&file, &ddl, 0..ddl.len(), &low).iter(), engine);
        prop_assert!(errors.is_empty(), "{errors:?}");
        let rendered = render(&s1, engine);
        let (s2, errors) = replay_history(parse_script(&file, &rendered, 0..rendered.len(), &low).iter(), engine);
        prop_assert!(errors.is_empty(), "{errors:?}\n{rendered}");
        prop_assert_eq!(&rendered, &render(&s2, engine));
        prop_assert_eq!(unified_diff(&rendered, &render(&s2, engine), "a", "b"), "");
    }
}

#[test]
fn diff_of_different_schemas_is_not_empty() {
    let d = unified_diff("CREATE TABLE a ();\n", "CREATE TABLE b ();\n", "old", "new");
    assert!(d.contains("-CREATE TABLE a") && d.contains("+CREATE TABLE b"));
}
