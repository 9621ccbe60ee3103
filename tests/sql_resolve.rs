//! Resolving statements to the tables and columns they use, against a
//! small catalog: aliases, joins, CTEs, subqueries, insert shapes, stars.

use shipgate::engine::Engine;
use shipgate::sql::resolve::{resolve, Ambiguous, Catalog, ColumnRef, Usage};
use sqlparser::parser::Parser;

struct Schema(Vec<(&'static str, Vec<&'static str>)>);

impl Catalog for Schema {
    fn columns(&self, table: &str) -> Option<Vec<String>> {
        let t = table.strip_prefix("public.").unwrap_or(table);
        self.0
            .iter()
            .find(|(n, _)| *n == t)
            .map(|(_, c)| c.iter().map(|s| s.to_string()).collect())
    }
}

fn schema() -> Schema {
    Schema(vec![
        ("users", vec!["id", "name", "email", "created_at"]),
        ("orders", vec!["id", "user_id", "total", "created_at"]),
        ("items", vec!["id", "order_id", "sku"]),
        ("audit", vec!["id", "who", "what"]),
        ("jobs", vec!["id", "attempted_by", "args", "expires_at"]),
    ])
}

fn usage_in(sql: &str, engine: Engine) -> Usage {
    let stmts = Parser::parse_sql(&*engine.dialect(), sql).unwrap();
    resolve(&stmts[0], &schema())
}

fn usage(sql: &str) -> Usage {
    usage_in(sql, Engine::Postgres)
}

fn c(t: &str, col: &str) -> ColumnRef {
    ColumnRef {
        table: t.into(),
        column: col.into(),
    }
}

#[test]
fn aliases_and_joins() {
    let u = usage("SELECT u.name, o.total FROM users u JOIN orders AS o ON o.user_id = u.id WHERE u.email = $1 ORDER BY o.created_at");
    assert_eq!(u.tables, vec!["orders", "users"]);
    assert_eq!(
        u.reads,
        vec![
            c("orders", "created_at"),
            c("orders", "total"),
            c("orders", "user_id"),
            c("users", "email"),
            c("users", "id"),
            c("users", "name")
        ]
    );
    assert!(u.unresolved.is_empty());
    assert!(u.writes.is_empty());
}

#[test]
fn unqualified_columns_are_attributed_through_the_catalog() {
    let u = usage("SELECT name, total FROM users JOIN orders ON orders.user_id = users.id GROUP BY name, total HAVING count(sku) > 1");
    assert!(u.reads.contains(&c("users", "name")));
    assert!(u.reads.contains(&c("orders", "total")));
    assert_eq!(u.unresolved, vec!["sku"]);
}

#[test]
fn ambiguous_unqualified_column() {
    let u = usage("SELECT created_at FROM users JOIN orders ON orders.user_id = users.id");
    assert_eq!(
        u.ambiguous,
        vec![Ambiguous {
            column: "created_at".into(),
            tables: vec!["users".into(), "orders".into()]
        }]
    );
    assert!(!u.reads.iter().any(|r| r.column == "created_at"));
}

#[test]
fn missing_columns_are_unresolved() {
    let u = usage("SELECT u.nickname, phone FROM users u");
    assert_eq!(u.unresolved, vec!["phone", "u.nickname"]);
    let sys = usage("SELECT ctid, u.xmin FROM users u");
    assert!(sys.unresolved.is_empty() && sys.reads.is_empty(), "{sys:?}");
}

#[test]
fn ctes_are_not_tables_and_their_columns_resolve() {
    let u = usage("WITH recent AS (SELECT user_id, total AS amount FROM orders WHERE created_at > now()) SELECT r.amount, u.name FROM recent r JOIN users u ON u.id = r.user_id WHERE r.missing = 1");
    assert_eq!(u.tables, vec!["orders", "users"]);
    assert!(u.reads.contains(&c("orders", "total")));
    assert!(u.reads.contains(&c("orders", "user_id")));
    assert!(u.reads.contains(&c("users", "name")));
    assert_eq!(u.unresolved, vec!["r.missing"]);
}

#[test]
fn recursive_cte() {
    let u = usage("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t");
    assert!(u.tables.is_empty());
    assert!(u.unresolved.is_empty(), "{u:?}");
}

#[test]
fn correlated_and_derived_subqueries() {
    let u = usage("SELECT u.id, (SELECT max(o.total) FROM orders o WHERE o.user_id = u.id) AS top FROM users u WHERE EXISTS (SELECT 1 FROM items i WHERE i.order_id = u.id) AND u.id IN (SELECT user_id FROM orders) ORDER BY top");
    assert!(u.reads.contains(&c("orders", "total")));
    assert!(u.reads.contains(&c("items", "order_id")));
    assert!(u.reads.contains(&c("orders", "user_id")));
    assert!(u.unresolved.is_empty(), "{u:?}");
    let d = usage("SELECT s.n FROM (SELECT name AS n FROM users) s WHERE s.n <> '' AND s.x = 1");
    assert_eq!(d.reads, vec![c("users", "name")]);
    assert_eq!(d.unresolved, vec!["s.x"]);
}

#[test]
fn schema_qualified_names() {
    let u = usage("SELECT public.users.email FROM public.users WHERE public.users.id = 1");
    assert_eq!(u.tables, vec!["public.users"]);
    assert_eq!(
        u.reads,
        vec![c("public.users", "email"), c("public.users", "id")]
    );
}

#[test]
fn star_and_qualified_star() {
    let u = usage("SELECT * FROM users");
    assert_eq!(u.star_tables, vec!["users"]);
    let u = usage("SELECT o.*, u.name FROM orders o JOIN users u USING (id)");
    assert_eq!(u.star_tables, vec!["orders"]);
    assert!(u.reads.contains(&c("users", "id")) && u.reads.contains(&c("orders", "id")));
}

#[test]
fn insert_with_column_list_and_returning() {
    let u = usage("INSERT INTO users (name, email) VALUES ($1, $2), ($3, $4) RETURNING id");
    assert_eq!(u.writes, vec![c("users", "email"), c("users", "name")]);
    assert_eq!(u.reads, vec![c("users", "id")]);
    assert_eq!(u.written_tables, vec!["users"]);
    let shape = u.insert.unwrap();
    assert_eq!(
        shape.columns,
        Some(vec!["name".to_string(), "email".to_string()])
    );
    assert_eq!(shape.values_per_row, Some(2));
    assert!(!shape.from_select);
}

#[test]
fn positional_insert_shape() {
    let u = usage_in("INSERT INTO audit VALUES (?, ?)", Engine::Mysql);
    let shape = u.insert.clone().unwrap();
    assert_eq!(shape.columns, None);
    assert_eq!(shape.values_per_row, Some(2));
    assert_eq!(u.writes, vec![c("audit", "id"), c("audit", "who")]);
}

#[test]
fn insert_select_copies_data() {
    let u = usage("INSERT INTO audit (who, what) SELECT name, email FROM users WHERE id > 10");
    let shape = u.insert.clone().unwrap();
    assert!(shape.from_select);
    assert_eq!(shape.values_per_row, Some(2));
    assert!(u.reads.contains(&c("users", "name")));
    assert_eq!(u.writes, vec![c("audit", "what"), c("audit", "who")]);
    let bad = usage("INSERT INTO audit (who, nope) VALUES (1, 2)");
    assert_eq!(bad.unresolved, vec!["nope"]);
}

#[test]
fn on_conflict_and_on_duplicate_key() {
    let u = usage("INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = users.email WHERE users.created_at < now()");
    assert!(u.writes.contains(&c("users", "email")));
    assert!(u.writes.contains(&c("users", "name")));
    assert!(u.reads.contains(&c("users", "created_at")));
    assert!(u.unresolved.is_empty(), "{u:?}");
    let m = usage_in(
        "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE email = VALUES(email)",
        Engine::Mysql,
    );
    assert!(m.writes.contains(&c("users", "email")));
    let a = usage_in(
        "INSERT INTO users (id, name) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE name = new.name",
        Engine::Mysql,
    );
    assert!(a.unresolved.is_empty(), "{a:?}");
    assert!(a.writes.contains(&c("users", "name")));
}

#[test]
fn mysql_insert_set_and_multi_table_update() {
    let u = usage_in("INSERT INTO audit SET who = ?, what = ?", Engine::Mysql);
    assert_eq!(u.writes, vec![c("audit", "what"), c("audit", "who")]);
    let u = usage_in("UPDATE orders o JOIN users u ON u.id = o.user_id SET o.total = 0, u.name = 'x' WHERE u.email = ?", Engine::Mysql);
    assert_eq!(u.writes, vec![c("orders", "total"), c("users", "name")]);
    assert!(u.reads.contains(&c("users", "email")));
}

#[test]
fn update_set_from_and_returning() {
    let u = usage("UPDATE orders o SET total = i.n FROM (SELECT order_id, count(*) AS n FROM items GROUP BY order_id) i WHERE i.order_id = o.id RETURNING o.user_id");
    assert_eq!(u.writes, vec![c("orders", "total")]);
    assert_eq!(u.written_tables, vec!["orders"]);
    assert!(u.reads.contains(&c("items", "order_id")));
    assert!(u.reads.contains(&c("orders", "user_id")));
    assert!(u.unresolved.is_empty(), "{u:?}");
}

#[test]
fn delete_using() {
    let u = usage(
        "DELETE FROM items USING orders WHERE items.order_id = orders.id AND orders.total = 0",
    );
    assert_eq!(u.written_tables, vec!["items"]);
    assert!(u.reads.contains(&c("orders", "total")));
    assert!(u.reads.contains(&c("items", "order_id")));
}

#[test]
fn unknown_tables_keep_their_columns() {
    let u = usage("SELECT a, b FROM legacy_table WHERE c = 1");
    assert_eq!(u.tables, vec!["legacy_table"]);
    assert_eq!(u.reads.len(), 3);
    assert!(u.unresolved.is_empty());
}

#[test]
fn data_modifying_cte() {
    let u = usage("WITH moved AS (DELETE FROM orders WHERE total = 0 RETURNING id, user_id) INSERT INTO audit (who, what) SELECT user_id, id FROM moved");
    assert!(u.written_tables.contains(&"orders".to_string()));
    assert!(u.written_tables.contains(&"audit".to_string()));
    assert!(u.unresolved.is_empty(), "{u:?}");
}

#[test]
fn set_operations_order_by_output_names() {
    let u = usage("SELECT name AS label FROM users UNION ALL SELECT sku FROM items ORDER BY label");
    assert!(u.unresolved.is_empty(), "{u:?}");
    assert_eq!(u.reads, vec![c("items", "sku"), c("users", "name")]);
}

#[test]
fn subscripts_and_field_access_read_the_column_not_its_qualifier() {
    // `r.attempted_by[1]` is column attempted_by of r, subscripted; field
    // names after a subscript or a parenthesised column are not columns.
    let u = usage("SELECT r.attempted_by[1], jobs.attempted_by[2:], (r.args).tenant, r.args->>'k', r.args['a'].b, r.attempted_by[array_length(r.attempted_by, 1)] FROM jobs r JOIN jobs ON jobs.id = r.id");
    assert_eq!(
        u.reads,
        vec![
            c("jobs", "args"),
            c("jobs", "attempted_by"),
            c("jobs", "id")
        ]
    );
    assert!(u.unresolved.is_empty(), "{u:?}");
    assert!(u.star_tables.is_empty(), "{u:?}");
    // The subscript itself is an expression with its own columns.
    let u = usage("SELECT j.attempted_by[j.missing] FROM jobs j");
    assert_eq!(u.unresolved, vec!["j.missing"]);
    // A missing array column is still missing.
    let u = usage("SELECT r.tried_by[1] FROM jobs r");
    assert_eq!(u.unresolved, vec!["r.tried_by"]);
}

#[test]
fn named_function_arguments_are_not_columns() {
    let u = usage("UPDATE jobs SET expires_at = now() + make_interval(secs => $1) WHERE id = $2");
    assert_eq!(u.writes, vec![c("jobs", "expires_at")]);
    assert_eq!(u.reads, vec![c("jobs", "id")]);
    assert!(u.unresolved.is_empty(), "{u:?}");
    // `:=` form; the argument's value is still an expression.
    let u = usage("SELECT make_interval(days := total, hours := nothing) FROM orders");
    assert_eq!(u.reads, vec![c("orders", "total")]);
    assert_eq!(u.unresolved, vec!["nothing"]);
}

#[test]
fn whole_row_references_read_every_column() {
    // PostgreSQL reads a bare name no column has as the row of the table
    // it names.
    let u = usage("SELECT total, refill(o) FROM orders o WHERE user_id = $1");
    assert_eq!(u.star_tables, vec!["orders"]);
    assert!(u.unresolved.is_empty(), "{u:?}");
    let u = usage(
        "SELECT row_to_json(users), to_jsonb(o.*) FROM users JOIN orders o ON o.user_id = users.id",
    );
    assert_eq!(u.star_tables, vec!["orders", "users"]);
    assert!(u.unresolved.is_empty(), "{u:?}");
    // A column of that name wins over the row.
    let u = usage("SELECT f(sku) FROM items sku");
    assert_eq!(u.reads, vec![c("items", "sku")]);
    assert!(u.star_tables.is_empty());
    // A name no table or column in scope has stays unresolved.
    let u = usage("SELECT f(x) FROM orders o");
    assert_eq!(u.unresolved, vec!["x"]);
    let u = usage("SELECT f(x.*) FROM orders o");
    assert_eq!(u.unresolved, vec!["x.*"]);
}

#[test]
fn cte_columns_are_named_as_postgresql_names_them() {
    // A cast keeps the name of what it casts, a field access its field, a
    // function call the function; CASE is `case`.
    let u = usage("WITH q AS (SELECT o.user_id::bigint, (o.total)::numeric, max(o.created_at)::timestamptz, CASE WHEN o.total > 0 THEN 1 END FROM orders o GROUP BY o.user_id, o.total), j AS (SELECT r.attempted_by[1], (r.args).tenant FROM jobs r) SELECT q.user_id, q.total, q.max, q.case, j.attempted_by, j.tenant FROM q, j WHERE q.nope = 1");
    assert_eq!(u.unresolved, vec!["q.nope"]);
    assert!(u.reads.contains(&c("orders", "user_id")));
    // A literal's cast is named by its type; an operator names nothing.
    let u = usage("WITH q AS (SELECT 'x'::text, 1 + 1) SELECT q.text, q.\"?column?\" FROM q");
    assert!(u.unresolved.is_empty(), "{u:?}");
}

#[test]
fn stars_in_ctes_expand_to_the_columns_they_read() {
    let u = usage("WITH e AS (SELECT o.* FROM orders o JOIN users u ON u.id = o.user_id), b AS (SELECT * FROM items, e) SELECT e.total, b.sku, b.user_id, e.nope, b.name FROM e, b");
    assert_eq!(u.unresolved, vec!["b.name", "e.nope"]);
    assert_eq!(u.star_tables, vec!["items", "orders"]);
    // A star over a table the schema lacks leaves the columns unknown.
    let u = usage("WITH e AS (SELECT * FROM legacy) SELECT e.anything FROM e");
    assert!(u.unresolved.is_empty(), "{u:?}");
}

#[test]
fn data_modifying_ctes_are_read_by_their_returning_list() {
    let u = usage("WITH moved AS (DELETE FROM orders WHERE total = 0 RETURNING id, user_id AS uid) SELECT m.uid, m.id, m.total FROM moved m");
    assert_eq!(u.unresolved, vec!["m.total"]);
    let u = usage("WITH d AS (UPDATE orders SET total = 0 RETURNING *), i AS (INSERT INTO audit (who) VALUES (1) RETURNING audit.*) SELECT d.total, i.what, d.nope FROM d, i");
    assert_eq!(u.unresolved, vec!["d.nope"]);
}

#[test]
fn cte_names_shadow_tables_and_column_lists_rename() {
    let u = usage(
        "WITH users AS (SELECT user_id AS uid FROM orders) SELECT users.uid, users.name FROM users",
    );
    assert_eq!(u.tables, vec!["orders"]);
    assert_eq!(u.reads, vec![c("orders", "user_id")]);
    assert_eq!(u.unresolved, vec!["users.name"]);
    let u = usage("WITH t(a, b) AS (SELECT id, total FROM orders) SELECT t.a, t.b, t.id FROM t");
    assert_eq!(u.unresolved, vec!["t.id"]);
    let u = usage("WITH RECURSIVE tree(id, parent) AS (SELECT id, user_id FROM orders UNION ALL SELECT o.id, tree.parent FROM orders o JOIN tree ON o.user_id = tree.id) SELECT tree.parent, tree.total FROM tree");
    assert_eq!(u.unresolved, vec!["tree.total"]);
}

#[test]
fn values_lists_and_lateral() {
    let u = usage("SELECT v.column2, w.x FROM (VALUES (1, 'a')) v, (VALUES (2)) AS w(x) JOIN users u ON u.id = w.x WHERE v.column3 = 1");
    assert_eq!(u.unresolved, vec!["v.column3"]);
    // LATERAL sees the FROM items before it; a plain derived table does not.
    let u = usage("SELECT l.total FROM users u, LATERAL (SELECT o.total FROM orders o WHERE o.user_id = u.id) l");
    assert!(u.unresolved.is_empty(), "{u:?}");
    let u = usage("SELECT 1 FROM users u, (SELECT o.total FROM orders o WHERE o.user_id = u.id) l");
    assert_eq!(u.unresolved, vec!["u.id"]);
    // A function in FROM sees them too, and is named by its alias (given
    // without AS) or, unaliased, by the function.
    let u = usage("SELECT min(e.task_at), unnest.x, g FROM users t, LATERAL list_events($1, t.id, t.nope) e, unnest($2::int[]), generate_series(1, 3) g");
    assert_eq!(u.unresolved, vec!["t.nope"]);
    assert!(u.reads.contains(&c("users", "id")));
}

#[test]
fn insert_select_from_a_cte() {
    let u = usage("WITH c AS (SELECT id, total FROM orders) INSERT INTO audit (who, what) SELECT c.id, c.total FROM c RETURNING id");
    assert_eq!(u.writes, vec![c("audit", "what"), c("audit", "who")]);
    assert_eq!(
        u.reads,
        vec![c("audit", "id"), c("orders", "id"), c("orders", "total")]
    );
    assert!(u.unresolved.is_empty(), "{u:?}");
    let u = usage("INSERT INTO audit (who) WITH c AS (SELECT id FROM orders) SELECT c.id FROM c WHERE c.total > 0");
    assert_eq!(u.unresolved, vec!["c.total"]);
    assert!(u.insert.as_ref().is_some_and(|i| i.from_select));
}

/// sqlc's parameters parse like `$1`, and a quoted table keeps its case:
/// `"APIToken"` is not `apitoken` (a false "missing table" otherwise).
#[test]
fn sqlc_parameters_and_quoted_names_keep_their_case() {
    struct Quoted;
    impl Catalog for Quoted {
        fn columns(&self, table: &str) -> Option<Vec<String>> {
            (table == "APIToken").then(|| vec!["id".to_string(), "Name".to_string()])
        }
    }
    for sql in [
        r#"SELECT * FROM "APIToken" WHERE "id" = @id::uuid"#,
        r#"SELECT "Name" FROM "APIToken" WHERE "id" = sqlc.arg(id)"#,
        r#"SELECT "Name" FROM public."APIToken" t WHERE t."id" = sqlc.narg('id')"#,
        r#"DELETE FROM "APIToken" WHERE "id" IN (sqlc.slice(ids))"#,
        r#"SELECT sqlc.embed("APIToken") FROM "APIToken" WHERE "Name" = @name"#,
    ] {
        let stmts = shipgate::code::sql_detect::parse(sql, Engine::Postgres)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let u = resolve(&stmts[0], &Quoted);
        let t = u
            .tables
            .iter()
            .map(|t| t.trim_start_matches("public."))
            .collect::<Vec<_>>();
        assert_eq!(t, vec!["APIToken"], "{sql}");
        assert!(u.unresolved.is_empty(), "{sql}: {:?}", u.unresolved);
    }
    let stmts =
        shipgate::code::sql_detect::parse(r#"SELECT sqlc.embed(u) FROM users u"#, Engine::Postgres)
            .unwrap();
    assert_eq!(resolve(&stmts[0], &schema()).star_tables, vec!["users"]);
}

/// Output columns of a CTE named the way PostgreSQL names them: through
/// casts (`e.id::bigint` is `id`), functions (`max`), `CASE` (`case`).
#[test]
fn cte_output_names_follow_casts_and_functions() {
    let u = usage(
        "WITH o AS (SELECT o.user_id::bigint, MAX(o.total) , CASE WHEN o.total > 1 THEN 1 END FROM orders o GROUP BY o.user_id) \
         SELECT o.user_id, o.max, o.case FROM o JOIN users u ON u.id = o.user_id",
    );
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    let u = usage("WITH o AS (SELECT o.user_id::bigint FROM orders o) SELECT o.total FROM o");
    assert_eq!(u.unresolved, vec!["o.total"]);
}

/// A set-returning function in FROM (`LATERAL f(…) e`, alias without AS)
/// is a source with unknown columns: `e.x` is not unresolved.
#[test]
fn table_functions_without_as_are_sources() {
    let u = usage("SELECT MIN(e.created_at) FROM users t, LATERAL list_events(t.id) e");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    let u = usage("SELECT x.v FROM unnest($1::int[]) x(v) JOIN users u ON u.id = x.v");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
}

/// A table alias (or CTE name) used as a value is a whole-row reference:
/// it reads every column, and is no missing column.
#[test]
fn whole_row_references() {
    let u = usage("SELECT refill(u) FROM users u WHERE u.id = $1");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    assert_eq!(u.star_tables, vec!["users"]);
    let u = usage("WITH r AS (SELECT id FROM users) SELECT COUNT(r) FROM r");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    let u = usage("SELECT nope FROM users u");
    assert_eq!(u.unresolved, vec!["nope"]);
}

/// `t.col[…]` reads `t.col`; `col.field` reads `col` (a composite value);
/// a named argument's name (`make_interval(secs => $1)`) is no column.
#[test]
fn field_access_and_named_arguments() {
    let u = usage("UPDATE users SET name = users.name[1:2] WHERE id = $1");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    assert!(u.reads.contains(&c("users", "name")));
    let u = usage("SELECT (email).domain FROM users");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    let u = usage("SELECT id FROM users WHERE created_at > now() - make_interval(secs => $1)");
    assert!(u.unresolved.is_empty(), "{:?}", u.unresolved);
    assert_eq!(
        usage("SELECT users.nope[1] FROM users").unresolved,
        usage("SELECT users.nope FROM users").unresolved
    );
    assert!(!usage("SELECT users.nope[1] FROM users")
        .unresolved
        .is_empty());
}
