//! Finding SQL in application code: one case per language that must be
//! found and one that must be ignored, constants and concatenation, dynamic
//! SQL, query files, ORM declarations, file selection and caching.

use proptest::prelude::*;
use shipgate::code::{self, scan_file, Language, Orm, ScanCache, ScanConfig};
use shipgate::engine::Engine;
use shipgate::source::{SourceError, Tree};
use shipgate::sql::resolve::{resolve, Catalog};
use std::sync::atomic::{AtomicUsize, Ordering};

struct MemTree {
    files: Vec<(String, String)>,
    names: Vec<String>,
    reads: AtomicUsize,
}

impl MemTree {
    fn new(files: &[(&str, &str)]) -> MemTree {
        let mut files: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        files.sort();
        let names = files.iter().map(|f| f.0.clone()).collect();
        MemTree {
            files,
            names,
            reads: AtomicUsize::new(0),
        }
    }
}

impl Tree for MemTree {
    fn label(&self) -> String {
        "mem".into()
    }
    fn files(&self) -> &[String] {
        &self.names
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.files
            .iter()
            .find(|f| f.0 == path)
            .map(|f| f.1.clone().into_bytes())
            .ok_or_else(|| SourceError::Io {
                path: path.into(),
                message: "missing".into(),
            })
    }
    fn content_id(&self, path: &str) -> Option<String> {
        self.files
            .iter()
            .find(|f| f.0 == path)
            .map(|f| format!("{}", f.1.len()) + &f.1)
    }
}

/// The SQL texts found in one file, with their lines.
fn found(path: &str, src: &str) -> Vec<(u32, String)> {
    scan_file(path, src, Engine::Postgres)
        .queries
        .iter()
        .map(|q| (q.span.line, q.sql.clone()))
        .collect()
}

fn sqls(path: &str, src: &str) -> Vec<String> {
    found(path, src).into_iter().map(|x| x.1).collect()
}

#[test]
fn rust_strings_raw_strings_and_sqlx_macros() {
    let src = r##"
use sqlx::query;
const BY_ID: &str = "SELECT id, name FROM users WHERE id = $1";
fn load() {
    let r = sqlx::query!(r#"SELECT "email" FROM users WHERE id = $1"#, id);
    let n = sqlx::query_scalar!("SELECT count(*) FROM orders");
    sqlx::query("DELETE FROM sessions WHERE expires < now()").execute(&pool);
    let q = concat!("SELECT a ", "FROM t");
    println!("Select a user please");
}
"##;
    let f = found("src/db.rs", src);
    let texts: Vec<&str> = f.iter().map(|x| x.1.as_str()).collect();
    assert!(
        texts.contains(&"SELECT id, name FROM users WHERE id = $1"),
        "{texts:?}"
    );
    assert!(texts.contains(&"SELECT \"email\" FROM users WHERE id = $1"));
    assert!(texts.contains(&"SELECT count(*) FROM orders"));
    assert!(texts.contains(&"DELETE FROM sessions WHERE expires < now()"));
    assert!(texts.contains(&"SELECT a FROM t"));
    assert_eq!(f.len(), 5, "the prose string is not SQL: {texts:?}");
    assert_eq!(f.iter().find(|x| x.1.contains("email")).unwrap().0, 5);
    assert!(scan_file("src/db.rs", src, Engine::Postgres)
        .queries
        .iter()
        .all(|q| q.language == Language::Rust));
}

#[test]
fn rust_ignores_non_sql_strings() {
    assert!(sqls(
        "src/a.rs",
        r#"fn f() { let s = "select a color"; log("update failed"); }"#
    )
    .is_empty());
}

#[test]
fn go_raw_and_interpreted_strings_with_constants() {
    let src = "package repo\n\nconst cols = \"id, email\"\n\nfunc f() {\n\tdb.Query(`SELECT id FROM users\n\t\tWHERE email = $1`, e)\n\tdb.Exec(\"UPDATE users SET name = ? WHERE id = ?\", n, id)\n\tdb.Query(\"SELECT \" + cols + \" FROM accounts\")\n\tfmt.Println(\"selected\")\n}\n";
    let f = found("repo/users.go", src);
    assert_eq!(
        f,
        vec![
            (6, "SELECT id FROM users\n\t\tWHERE email = $1".to_string()),
            (8, "UPDATE users SET name = ? WHERE id = ?".to_string()),
            (9, "SELECT id, email FROM accounts".to_string()),
        ]
    );
}

#[test]
fn sqlc_generated_go_constants_start_with_a_comment() {
    let src = "package db\n\nconst getUser = `-- name: GetUser :one\nSELECT id, name FROM users WHERE id = $1\n`\n";
    let s = sqls("internal/db/query.sql.go", src);
    assert_eq!(
        s,
        vec!["-- name: GetUser :one\nSELECT id, name FROM users WHERE id = $1\n"]
    );
}

#[test]
fn go_ignores_non_sql() {
    assert!(sqls(
        "a.go",
        "package a\nfunc f() { fmt.Println(\"delete from the list\") }\n"
    )
    .is_empty());
}

#[test]
fn python_triple_quoted_adjacent_and_module_constants() {
    let src = r#"
TABLE_COLS = "id, total"
ORDERS = "SELECT " + TABLE_COLS + " FROM orders"

def f(cur):
    cur.execute("""
        SELECT name
        FROM users
        WHERE id = %s
    """, (1,))
    cur.execute("INSERT INTO audit (who, what) "
                "VALUES (%(who)s, %(what)s)", args)
    print("Selecting users")
"#;
    let s = sqls("app/repo.py", src);
    assert!(
        s.contains(&"SELECT id, total FROM orders".to_string()),
        "{s:?}"
    );
    assert!(s
        .iter()
        .any(|q| q.contains("FROM users") && q.contains("%s")));
    assert!(s.contains(&"INSERT INTO audit (who, what) VALUES (%(who)s, %(what)s)".to_string()));
    assert_eq!(s.len(), 3);
}

#[test]
fn go_package_vars_and_python_class_attributes_are_constants() {
    let go = "package r\n\nvar cols = \"id, email\"\n\nfunc f() { q(\"SELECT \" + cols + \" FROM users\") }\n";
    assert!(sqls("r.go", go).contains(&"SELECT id, email FROM users".to_string()));
    let py = "class Repo:\n    COLS = 'id, total'\n\n    def f(self):\n        self.cur.execute('SELECT ' + self.COLS + ' FROM orders')\n";
    assert_eq!(sqls("r.py", py), vec!["SELECT id, total FROM orders"]);
}

#[test]
fn python_ignores_docstrings_and_prose() {
    let src = "def f():\n    \"\"\"SELECT nickname FROM users\"\"\"\n    return 'select one'\n";
    let fs = scan_file("app/a.py", src, Engine::Postgres);
    assert!(fs.queries.is_empty() && fs.dynamic.is_empty(), "{fs:?}");
    // The same string as an argument is a query.
    assert_eq!(
        sqls(
            "app/a.py",
            "cur.execute(\"\"\"SELECT nickname FROM users\"\"\")\n"
        )
        .len(),
        1
    );
}

#[test]
fn java_static_final_constants_and_text_blocks() {
    let src = r#"
class UserRepo {
    private static final String BASE = "SELECT id, name FROM users";
    private static final String BY_ID = BASE + " WHERE id = ?";
    String q = """
        SELECT total
        FROM orders
        """;
    void f() { jdbc.update("DELETE FROM users WHERE id = :id"); log.info("Update done"); }
}
"#;
    let s = sqls("src/main/java/UserRepo.java", src);
    assert!(
        s.contains(&"SELECT id, name FROM users WHERE id = ?".to_string()),
        "{s:?}"
    );
    assert!(s.iter().any(|q| q.contains("FROM orders")));
    assert!(s.contains(&"DELETE FROM users WHERE id = :id".to_string()));
    assert!(!s.iter().any(|q| q.contains("done")));
}

#[test]
fn jpql_is_not_resolved_as_sql() {
    let src = r#"
interface UserRepo extends JpaRepository<User, Long> {
    @Query("SELECT u FROM User u WHERE u.email = ?1")
    User byEmail(String e);
    @Query(value = "SELECT * FROM users WHERE email = ?1", nativeQuery = true)
    User nativeByEmail(String e);
}
class Dao { void f() { em.createQuery("SELECT o FROM Order o"); em.createNativeQuery("SELECT id FROM orders"); } }
"#;
    let fs = scan_file("src/main/java/UserRepo.java", src, Engine::Postgres);
    let s: Vec<&str> = fs.queries.iter().map(|q| q.sql.as_str()).collect();
    assert_eq!(
        s,
        vec![
            "SELECT * FROM users WHERE email = ?1",
            "SELECT id FROM orders"
        ]
    );
    assert_eq!(fs.dynamic.len(), 2, "{fs:?}");
    assert!(fs.dynamic[0].reason.contains("JPQL"));
}

#[test]
fn java_ignores_non_sql() {
    assert!(sqls("A.java", "class A { String s = \"Select your plan\"; }").is_empty());
}

#[test]
fn kotlin_const_val_and_raw_strings() {
    let src = r#"
const val BY_EMAIL = "SELECT id FROM users WHERE email = ?"
class Repo {
    fun f() { db.query("""SELECT name FROM accounts WHERE id = :id""") ; println("Select one") }
}
"#;
    let s = sqls("app/Repo.kt", src);
    assert_eq!(
        s,
        vec![
            "SELECT id FROM users WHERE email = ?".to_string(),
            "SELECT name FROM accounts WHERE id = :id".to_string()
        ]
    );
}

#[test]
fn kotlin_string_templates_are_dynamic() {
    let fs = scan_file(
        "app/R.kt",
        "fun f(t: String) { db.query(\"SELECT id FROM $t WHERE x = 1\") }",
        Engine::Postgres,
    );
    assert!(fs.queries.is_empty());
    assert_eq!(fs.dynamic.len(), 1, "{fs:?}");
}

#[test]
fn typescript_templates_without_substitutions_are_static() {
    let src = "const Q = `SELECT id FROM users WHERE id = $1`;\nexport async function f() {\n  await db.query('UPDATE users SET seen = now() WHERE id = ' + '$1');\n  await db.query(`SELECT * FROM ${table}`);\n  console.log('Select a row');\n}\n";
    let fs = scan_file("src/repo.ts", src, Engine::Postgres);
    let s: Vec<&str> = fs.queries.iter().map(|q| q.sql.as_str()).collect();
    assert_eq!(
        s,
        vec![
            "SELECT id FROM users WHERE id = $1",
            "UPDATE users SET seen = now() WHERE id = $1"
        ]
    );
    assert_eq!(fs.dynamic.len(), 1);
    assert_eq!(fs.dynamic[0].span.line, 4);
}

#[test]
fn tagged_sql_templates_send_parameters() {
    let src = "const u = await sql`SELECT name FROM users WHERE id = ${id}`;\nconst n = await prisma.$queryRaw`SELECT count(*) FROM orders WHERE user_id = ${uid}`;\nconst d = html`<p>SELECT ${x} FROM y</p>`;\n";
    let fs = scan_file("src/repo.ts", src, Engine::Postgres);
    let s: Vec<&str> = fs.queries.iter().map(|q| q.sql.as_str()).collect();
    assert_eq!(
        s,
        vec![
            "SELECT name FROM users WHERE id = ?",
            "SELECT count(*) FROM orders WHERE user_id = ?"
        ]
    );
    assert!(fs.dynamic.is_empty(), "{fs:?}");
}

#[test]
fn javascript_and_tsx_are_read() {
    assert_eq!(
        sqls(
            "lib/a.js",
            "const q = \"DELETE FROM carts WHERE id = ?\"; alert('Delete it?');"
        ),
        vec!["DELETE FROM carts WHERE id = ?"]
    );
    assert_eq!(
        sqls(
            "ui/a.tsx",
            "const q = 'SELECT id FROM t'; const el = <div>Select</div>;"
        ),
        vec!["SELECT id FROM t"]
    );
    assert!(sqls("lib/b.js", "const s = 'insert coin';").is_empty());
}

#[test]
fn ruby_strings_heredocs_and_constants() {
    let src = "class Repo\n  BY_ID = 'SELECT id FROM users WHERE id = ?'\n  def f\n    conn.exec(<<~SQL)\n      SELECT name FROM accounts\n    SQL\n    conn.exec('SELECT a ' 'FROM t')\n    puts 'Select me'\n  end\nend\n";
    let s = sqls("app/repo.rb", src);
    assert!(
        s.contains(&"SELECT id FROM users WHERE id = ?".to_string()),
        "{s:?}"
    );
    assert!(s.iter().any(|q| q.trim() == "SELECT name FROM accounts"));
    assert!(s.contains(&"SELECT a FROM t".to_string()));
    assert_eq!(s.len(), 3);
}

#[test]
fn ruby_percent_literals() {
    assert_eq!(
        sqls(
            "app/r.rb",
            "def f\n  conn.exec(%q(SELECT id FROM users WHERE id = $1))\nend\n"
        ),
        vec!["SELECT id FROM users WHERE id = $1"]
    );
}

#[test]
fn csharp_const_verbatim_and_raw() {
    let src = "class R {\n  const string Q = \"SELECT id FROM users WHERE id = @id\";\n  void F() { conn.Query(@\"SELECT \"\"name\"\" FROM accounts\"); conn.Execute(\"\"\"DELETE FROM t WHERE id = @p1\"\"\"); Log(\"Select it\"); }\n}\n";
    let s = sqls("Data/R.cs", src);
    assert_eq!(
        s,
        vec![
            "SELECT id FROM users WHERE id = @id",
            "SELECT \"name\" FROM accounts",
            "DELETE FROM t WHERE id = @p1"
        ]
    );
}

#[test]
fn csharp_interpolation_is_dynamic() {
    let fs = scan_file(
        "R.cs",
        "class R { void F() { conn.Query($\"SELECT id FROM users WHERE id = {id}\"); } }",
        Engine::Postgres,
    );
    assert!(fs.queries.is_empty());
    assert_eq!(fs.dynamic[0].tables_mentioned, vec!["users"]);
}

#[test]
fn php_strings_concatenation_and_class_constants() {
    let src = "<?php\nclass Repo {\n  const BASE = 'SELECT id FROM users';\n  function f($db) {\n    $db->query(self::BASE . ' WHERE id = ?');\n    $db->query(\"UPDATE users SET name = :name\");\n    echo 'Select one';\n  }\n}\n";
    let s = sqls("src/Repo.php", src);
    assert!(
        s.contains(&"SELECT id FROM users WHERE id = ?".to_string()),
        "{s:?}"
    );
    assert!(s.contains(&"UPDATE users SET name = :name".to_string()));
    assert!(!s.iter().any(|q| q.contains("one")));
}

#[test]
fn php_variables_in_strings_are_dynamic() {
    let fs = scan_file(
        "a.php",
        "<?php $db->query(\"SELECT * FROM orders WHERE id = $id\");",
        Engine::Mysql,
    );
    assert!(fs.queries.is_empty());
    assert_eq!(fs.dynamic.len(), 1);
    assert_eq!(fs.dynamic[0].tables_mentioned, vec!["orders"]);
}

#[test]
fn dynamic_sql_in_every_shape_is_reported_with_tables() {
    let cases: &[(&str, &str, &str)] = &[
        ("a.rs", "fn f() { let q = format!(\"SELECT {} FROM users\", c); }", "users"),
        ("a.py", "def f(t):\n    cur.execute(f\"SELECT id FROM orders WHERE t = {t}\")\n", "orders"),
        ("a.py", "def f(t):\n    cur.execute(\"DELETE FROM carts WHERE id = \" + str(t))\n", "carts"),
        ("a.py", "q = \"SELECT a FROM items WHERE b = {}\".format(x)\n", "items"),
        ("a.py", "q = \"SELECT a FROM stock WHERE b = '%s'\" % x\n", "stock"),
        ("a.go", "package a\nfunc f() { q := fmt.Sprintf(\"UPDATE accounts SET x = %d\", n) }\n", "accounts"),
        ("A.java", "class A { void f() { q(String.format(\"SELECT * FROM payments WHERE id = %s\", id)); } }", "payments"),
        ("a.ts", "const q = `INSERT INTO logs (m) VALUES ('${m}')`;", "logs"),
        ("a.rb", "conn.exec(\"SELECT id FROM users WHERE name = '#{n}'\")\n", "users"),
    ];
    for (path, src, table) in cases {
        let fs = scan_file(path, src, Engine::Postgres);
        assert!(fs.queries.is_empty(), "{path}: {fs:?}");
        assert_eq!(fs.dynamic.len(), 1, "{path}: {fs:?}");
        assert_eq!(
            fs.dynamic[0].tables_mentioned,
            vec![table.to_string()],
            "{path}"
        );
        assert!(!fs.dynamic[0].reason.is_empty());
    }
}

#[test]
fn table_name_built_at_run_time_is_not_a_table() {
    let fs = scan_file(
        "a.py",
        "q = f\"SELECT * FROM tenant_{t} JOIN users u ON u.id = x\"\n",
        Engine::Postgres,
    );
    assert_eq!(fs.dynamic[0].tables_mentioned, vec!["users"]);
}

#[test]
fn unparsable_sql_is_reported_as_unknown_not_dropped() {
    let fs = scan_file("a.py", "q = \"SELECT a FROM t WHERE\"\n", Engine::Postgres);
    assert!(fs.queries.is_empty());
    assert_eq!(fs.dynamic.len(), 1);
    assert!(fs.dynamic[0].reason.contains("does not parse"));
}

#[test]
fn sqlc_query_files_one_query_per_name() {
    let src = "-- name: GetUser :one\nSELECT id, name FROM users\nWHERE id = $1 LIMIT 1;\n\n-- name: ListOrders :many\nSELECT * FROM orders WHERE user_id = sqlc.arg(user_id);\n\n-- name: CreateUser :exec\nINSERT INTO users (name) VALUES (@name);\n";
    let f = found("db/query/users.sql", src);
    assert_eq!(f.len(), 3, "{f:?}");
    assert_eq!(
        f[0],
        (
            2,
            "SELECT id, name FROM users\nWHERE id = $1 LIMIT 1".to_string()
        )
    );
    assert_eq!(f[1].0, 6);
    assert_eq!(f[2].0, 9);
    assert!(scan_file("db/query/users.sql", src, Engine::Postgres)
        .queries
        .iter()
        .all(|q| q.language == Language::Sql));
}

#[test]
fn plain_sql_files_are_query_files_only_in_query_folders() {
    let src = "-- list\nSELECT id FROM users;\nDELETE FROM carts WHERE id = $1;\n";
    let f = found("app/queries/users.sql", src);
    assert_eq!(
        f,
        vec![
            (2, "SELECT id FROM users".into()),
            (3, "DELETE FROM carts WHERE id = $1".into())
        ]
    );
    assert!(found("db/schema.sql", "CREATE TABLE t (id int);\nSELECT 1;").is_empty());
}

#[test]
fn diesel_table_macro() {
    let src = "diesel::table! {\n    users (id) {\n        id -> Int4,\n        #[sql_name = \"type\"]\n        kind -> Varchar,\n        email -> Nullable<Text>,\n    }\n}\n\ntable! {\n    auth.sessions (token) {\n        token -> Text,\n    }\n}\n";
    let fs = scan_file("src/schema.rs", src, Engine::Postgres);
    assert_eq!(fs.orm.len(), 2, "{fs:?}");
    assert_eq!(fs.orm[0].orm, Orm::Diesel);
    assert_eq!(fs.orm[0].table, "users");
    assert_eq!(fs.orm[0].columns, vec!["id", "type", "email"]);
    assert_eq!(fs.orm[0].span.line, 2);
    assert_eq!(fs.orm[1].table, "auth.sessions");
    assert_eq!(fs.orm[1].columns, vec!["token"]);
}

#[test]
fn prisma_models_with_map() {
    let src = "model User {\n  id    Int     @id @default(autoincrement())\n  email String  @unique @map(\"email_address\")\n  posts Post[]\n  @@map(\"users\")\n}\n\nmodel Post {\n  id       Int  @id\n  author   User @relation(fields: [authorId], references: [id])\n  authorId Int  // fk\n}\n";
    let fs = scan_file("prisma/schema.prisma", src, Engine::Postgres);
    assert_eq!(fs.orm.len(), 2);
    assert_eq!(fs.orm[0].table, "users");
    assert_eq!(fs.orm[0].columns, vec!["id", "email_address"]);
    assert_eq!(fs.orm[1].table, "post");
    assert_eq!(fs.orm[1].columns, vec!["id", "authorid"]);
    assert_eq!(fs.orm[1].span.line, 8);
}

#[test]
fn sqlalchemy_declarative_and_core_tables() {
    let src = r#"
class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    full_name = Column("name", String)
    email: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime]
    orders = relationship("Order")

audit = Table("audit_log", metadata, Column("id", Integer), Column("what", Text))

class NotAModel:
    x = 1
"#;
    let fs = scan_file("app/models.py", src, Engine::Postgres);
    let sa: Vec<_> = fs.orm.iter().filter(|o| o.orm == Orm::SqlAlchemy).collect();
    assert_eq!(sa.len(), 2, "{fs:?}");
    assert_eq!(sa[0].table, "users");
    assert_eq!(sa[0].columns, vec!["id", "name", "email", "created"]);
    assert_eq!(sa[1].table, "audit_log");
    assert_eq!(sa[1].columns, vec!["id", "what"]);
}

#[test]
fn django_models_default_table_names_and_fields() {
    let src = r#"
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(db_column="mail")
    company = models.ForeignKey("Company", on_delete=models.CASCADE)
    tags = models.ManyToManyField("Tag")

class Invoice(models.Model):
    number = models.CharField(primary_key=True, max_length=20)
    class Meta:
        db_table = "billing_invoices"

class Base(models.Model):
    created = models.DateTimeField()
    class Meta:
        abstract = True
"#;
    let fs = scan_file("shop/models.py", src, Engine::Postgres);
    let bare = scan_file(
        "blog/models.py",
        "from django.db.models import Model, CharField\n\nclass Post(Model):\n    title = CharField(max_length=9)\n",
        Engine::Postgres,
    );
    assert_eq!(bare.orm.len(), 1);
    assert_eq!(bare.orm[0].table, "blog_post");
    assert_eq!(bare.orm[0].columns, vec!["id", "title"]);
    let dj: Vec<_> = fs.orm.iter().filter(|o| o.orm == Orm::Django).collect();
    assert_eq!(dj.len(), 2, "{fs:?}");
    assert_eq!(dj[0].table, "shop_customer");
    assert_eq!(dj[0].columns, vec!["id", "name", "mail", "company_id"]);
    assert_eq!(dj[1].table, "billing_invoices");
    assert_eq!(dj[1].columns, vec!["number"]);
}

#[test]
fn rails_schema_rb() {
    let src = "ActiveRecord::Schema[7.1].define(version: 2024_01_01) do\n  create_table \"users\", force: :cascade do |t|\n    t.string \"email\", null: false\n    t.references \"account\", null: false\n    t.timestamps\n    t.index [\"email\"], name: \"index_users_on_email\"\n  end\n\n  create_table \"tags_users\", id: false do |t|\n    t.bigint \"tag_id\"\n  end\nend\n";
    let fs = scan_file("db/schema.rb", src, Engine::Postgres);
    assert_eq!(fs.orm.len(), 2);
    assert_eq!(fs.orm[0].table, "users");
    assert_eq!(
        fs.orm[0].columns,
        vec!["id", "email", "account_id", "created_at", "updated_at"]
    );
    assert_eq!(fs.orm[0].span.line, 2);
    assert_eq!(fs.orm[1].columns, vec!["tag_id"]);
    assert!(scan_file("app/schema.rb", src, Engine::Postgres)
        .orm
        .is_empty());
}

#[test]
fn scan_skips_tests_vendored_generated_and_gitignored() {
    let q = "const Q = \"SELECT id FROM users\";";
    let tree = MemTree::new(&[
        (".gitignore", "secret/\n*.local.ts\n"),
        ("src/a.ts", q),
        ("src/a.spec.ts", q),
        ("test/b.ts", q),
        ("node_modules/x/index.js", q),
        ("vendor/y.go", "package y\nconst Q = `SELECT 1`"),
        ("dist/app.js", q),
        ("secret/c.ts", q),
        ("src/d.local.ts", q),
        (
            "internal/repo_test.go",
            "package r\nconst Q = `SELECT id FROM users`",
        ),
        ("tests/test_repo.py", "Q = 'SELECT id FROM users'"),
        ("migrations/0001_init.sql", "-- name: X :one\nSELECT 1;"),
        ("app/.gitignore", "gen_*.py\n!gen_keep.py\n"),
        ("app/gen_a.py", "Q = 'SELECT id FROM users'"),
        ("app/gen_keep.py", "Q = 'SELECT id FROM users'"),
    ]);
    let r = code::scan(&tree, Engine::Postgres, &ScanConfig::default()).unwrap();
    let files: Vec<&str> = r.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(files, vec!["app/gen_keep.py", "src/a.ts"]);
    assert_eq!(r.queries().count(), 2);
}

#[test]
fn include_and_exclude_globs_from_shipgate_toml() {
    let cfg: toml::Value = toml::from_str(
        "[code]\ninclude = [\"test/**\", \"src/**\"]\nexclude = [\"src/legacy/**\"]\n",
    )
    .unwrap();
    let cfg: ScanConfig = cfg["code"].clone().try_into().unwrap();
    assert!(cfg.default_skips);
    let q = "const Q = \"SELECT id FROM users\";";
    let tree = MemTree::new(&[
        ("src/a.ts", q),
        ("src/legacy/b.ts", q),
        ("test/c.ts", q),
        ("lib/d.ts", q),
    ]);
    let r = code::scan(&tree, Engine::Postgres, &cfg).unwrap();
    let files: Vec<&str> = r.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(files, vec!["src/a.ts", "test/c.ts"]);
    let bad = ScanConfig {
        exclude: vec!["a/{b".into()],
        ..ScanConfig::default()
    };
    assert!(code::scan(&tree, Engine::Postgres, &bad).is_err());
}

#[test]
fn identical_files_in_two_revisions_are_analysed_once() {
    let q = "const Q = \"SELECT id FROM users\";";
    let old = MemTree::new(&[
        ("src/a.ts", q),
        ("src/b.ts", "const R = 'SELECT a FROM t2';"),
    ]);
    let new = MemTree::new(&[
        ("src/a.ts", q),
        ("src/b.ts", "const R = 'SELECT a FROM t3';"),
    ]);
    let cache = ScanCache::new();
    let cfg = ScanConfig::default();
    let r0 = code::scan_cached(&old, Engine::Postgres, &cfg, &cache).unwrap();
    let r1 = code::scan_cached(&new, Engine::Postgres, &cfg, &cache).unwrap();
    assert_eq!(cache.len(), 3);
    assert_eq!(
        new.reads.load(Ordering::SeqCst),
        1,
        "only the changed file is read again"
    );
    assert_eq!(r0.queries().count(), 2);
    assert_eq!(
        r1.queries().map(|q| q.sql.as_str()).collect::<Vec<_>>(),
        vec!["SELECT id FROM users", "SELECT a FROM t3"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), ext in prop::sample::select(vec!["rs", "go", "py", "java", "kt", "ts", "tsx", "js", "rb", "cs", "php", "sql", "prisma"])) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = scan_file(&format!("queries/x.{ext}"), &text, Engine::Postgres);
        let _ = scan_file("db/schema.rb", &text, Engine::Mysql);
        let _ = scan_file("shop/models.py", &text, Engine::Postgres);
        let _ = code::read_query_log("log.csv", &text, Engine::Postgres);
    }

    #[test]
    fn sql_helpers_and_resolver_never_panic(
        text in "\\PC{0,120}",
        words in proptest::collection::vec(prop::sample::select(SQL_WORDS.to_vec()), 0..40),
    ) {
        use shipgate::code::{placeholders, sql_detect};
        let sqlish = words.join(" ");
        for s in [text.as_str(), sqlish.as_str()] {
            for e in Engine::ALL {
                let _ = placeholders::normalize(s, e);
                let _ = placeholders::split_statements(s);
                let _ = sql_detect::tables_mentioned(s);
                if let Ok(stmts) = sql_detect::parse(s, e) {
                    let _ = sql_detect::plausible(s, &stmts);
                    for st in &stmts {
                        let u = resolve(st, &NoSchema);
                        prop_assert!(u.tables.windows(2).all(|w| w[0] < w[1]));
                    }
                }
            }
        }
    }

    #[test]
    fn markers_builders_and_sqlc_config_never_panic(
        text in "\\PC{0,300}",
        pad in 0usize..2100,
        prefix in prop::sample::select(vec![
            "//go:build ", "import sq \"github.com/Masterminds/squirrel\"\n", "import \"gorm.io/gorm\"\n",
            "const knex = require('knex');\n", "sql:\n  - engine: ", "queries:\n  - ",
        ]),
        ext in prop::sample::select(vec!["go", "js", "ts", "py", "rs", "sql"]),
    ) {
        use shipgate::code::sqlc_config;
        let text = format!("{prefix}{}{text}", "é".repeat(pad / 2));
        for e in Engine::ALL {
            let _ = scan_file(&format!("db/mysql/x.{ext}"), &text, e);
            let _ = scan_file(&format!("store/x.{ext}"), &text, e);
        }
        let _ = sqlc_config::read("sqlc.yaml", &text);
        let _ = sqlc_config::read("sqlc.json", &text);
    }

    #[test]
    fn mutated_sources_never_panic(cut in 0usize..600, insert in "[\"'`$#{}()\\\\+.;\\n a-z]{0,12}", ext in prop::sample::select(vec!["rs", "go", "py", "java", "kt", "ts", "rb", "cs", "php"])) {
        let base = MUTATION_BASE;
        let mut cut = cut.min(base.len());
        while !base.is_char_boundary(cut) { cut -= 1; }
        let text = format!("{}{}{}", &base[..cut], insert, &base[cut..]);
        let fs = scan_file(&format!("src/x.{ext}"), &text, Engine::Postgres);
        for q in &fs.queries {
            prop_assert!(!q.statements.is_empty());
            prop_assert!(q.span.line >= 1);
            for st in &q.statements {
                let _ = resolve(st, &NoSchema);
            }
        }
    }
}

const SQL_WORDS: &[&str] = &[
    "SELECT",
    "a",
    "u.a",
    "*",
    "u.*",
    "FROM",
    "users",
    "u",
    "t",
    "WHERE",
    "(",
    ")",
    ",",
    "=",
    "$1",
    "?",
    "%(x)s",
    ":n",
    "@p",
    "é",
    "'x'",
    "\"q\"",
    "JOIN",
    "ON",
    "USING",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "WITH",
    "RECURSIVE",
    "AS",
    "RETURNING",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "EXISTS",
    "IN",
    "LATERAL",
    "UNION",
    "ON CONFLICT",
    "DO UPDATE",
    "EXCLUDED.a",
    ";",
];

struct NoSchema;

impl Catalog for NoSchema {
    fn columns(&self, table: &str) -> Option<Vec<String>> {
        (table == "users").then(|| vec!["id".to_string()])
    }
}

const MUTATION_BASE: &str = "const Q = \"SELECT id FROM users WHERE id = $1\";\nstatic final String R = \"UPDATE t SET a = ?\" + x;\ndef f():\n    cur.execute(f\"SELECT {a} FROM b\")\n    q = '''DELETE FROM c''' 'x'\nfn g() { sqlx::query!(r#\"SELECT 1\"#); format!(\"SELECT {} FROM t\", y); }\n<?php $db->query('SELECT a ' . 'FROM t'); ?>\nconn.exec(<<~SQL)\n  SELECT 1\nSQL\ntable! { users (id) { id -> Int4, } }\n";

struct Shop;

impl Catalog for Shop {
    fn columns(&self, table: &str) -> Option<Vec<String>> {
        let cols: &[&str] = match table {
            "users" => &["id", "email"],
            "orders" => &["id", "user_id", "total"],
            _ => return None,
        };
        Some(cols.iter().map(|s| s.to_string()).collect())
    }
}

#[test]
fn end_to_end_code_lines_to_columns() {
    let tree = MemTree::new(&[
        ("app/repo.py", "def names(cur):\n    cur.execute(\n        \"SELECT u.name FROM users u WHERE u.id = %s\",\n        (1,),\n    )\n"),
        ("svc/orders.go", "package svc\n\nconst totals = `SELECT o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id`\n"),
        ("src/db.rs", "fn f() { sqlx::query!(\"INSERT INTO orders (user_id, total) VALUES ($1, $2)\", u, t); }\n"),
    ]);
    let r = code::scan(&tree, Engine::Postgres, &ScanConfig::default()).unwrap();
    let mut seen = Vec::new();
    for q in r.queries() {
        for st in &q.statements {
            seen.push((q.span.file.to_string(), q.span.line, resolve(st, &Shop)));
        }
    }
    assert_eq!(seen.len(), 3);
    let (file, line, py) = &seen[0];
    assert_eq!((file.as_str(), *line), ("app/repo.py", 3));
    assert_eq!(
        py.unresolved,
        vec!["u.name"],
        "users has no name column in this schema"
    );
    let (file, line, rs) = &seen[1];
    assert_eq!((file.as_str(), *line), ("src/db.rs", 1));
    assert_eq!(rs.writes.len(), 2);
    let (_, line, go) = &seen[2];
    assert_eq!(*line, 3);
    assert_eq!(go.reads.len(), 4);
    assert!(go.unresolved.is_empty());
}
