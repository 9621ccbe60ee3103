//! Query logs as usage: pg_stat_statements and performance_schema digests,
//! in CSV, TSV and JSON, and typed errors naming file:line.

use shipgate::code::{read_query_log, Language, QueryLogError};
use shipgate::engine::Engine;

#[test]
fn pg_stat_statements_csv_with_multiline_queries() {
    let csv = "userid,dbid,queryid,query,calls\n10,5,-1,\"SELECT id, name\nFROM users WHERE id = $1\",42\n10,5,-2,\"UPDATE users SET name = $1 WHERE \"\"id\"\" = $2\",3\n10,5,-3,BEGIN,9\n";
    let q = read_query_log("pgss.csv", csv, Engine::Postgres).unwrap();
    assert_eq!(q.len(), 3);
    assert_eq!(q[0].sql, "SELECT id, name\nFROM users WHERE id = $1");
    assert_eq!(q[0].span.line, 2);
    assert_eq!(q[1].sql, "UPDATE users SET name = $1 WHERE \"id\" = $2");
    assert_eq!(q[1].span.line, 4);
    assert_eq!(q[0].language, Language::QueryLog);
    assert_eq!(&*q[0].span.file, "pgss.csv");
}

#[test]
fn pg_stat_statements_json_array_and_lines() {
    let arr = r#"[{"query": "SELECT total FROM orders WHERE user_id = $1", "calls": 1}, {"query": "SELECT 1"}]"#;
    assert_eq!(
        read_query_log("q.json", arr, Engine::Postgres)
            .unwrap()
            .len(),
        2
    );
    let lines = "{\"query\": \"DELETE FROM carts WHERE id = $1\"}\n\n{\"query\": \"SELECT id FROM users\"}\n";
    let q = read_query_log("q.jsonl", lines, Engine::Postgres).unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q[1].span.line, 3);
}

#[test]
fn mysql_digests_tsv_csv_and_json() {
    let tsv = "SCHEMA_NAME\tDIGEST\tDIGEST_TEXT\tCOUNT_STAR\nshop\tab12\tSELECT `id` , `email` FROM `users` WHERE `id` = ?\t10\nshop\tcd34\tINSERT INTO `audit` ( `who` ) VALUES (...)\t1\nshop\tef56\tNULL\t1\nshop\t9a\tSELECT `a` FROM `t` WHERE `b` IN (...) AND `c` = ...\t2\nshop\t9b\tSELECT `a` FROM `t` WHERE `b` IN (...)\t2\n";
    let q = read_query_log("digests.tsv", tsv, Engine::Mysql).unwrap();
    assert_eq!(
        q.len(),
        3,
        "the truncated digest and NULL are skipped: {q:?}"
    );
    assert!(!q[0].elided_values);
    assert_eq!(q[1].sql, "INSERT INTO `audit` ( `who` ) VALUES (?)");
    assert!(q[1].elided_values);
    assert_eq!(
        q[0].sql,
        "SELECT `id` , `email` FROM `users` WHERE `id` = ?"
    );
    assert_eq!(q[0].span.line, 2);
    let csv = "DIGEST_TEXT,COUNT_STAR\n\"SELECT `total` FROM `orders`\",5\n";
    assert_eq!(
        read_query_log("d.csv", csv, Engine::Mysql).unwrap()[0].sql,
        "SELECT `total` FROM `orders`"
    );
    let json = r#"[{"DIGEST_TEXT": "UPDATE `users` SET `name` = ? WHERE `id` = ?"}]"#;
    assert_eq!(
        read_query_log("d.json", json, Engine::Mysql).unwrap().len(),
        1
    );
}

#[test]
fn bad_files_name_file_and_line() {
    let e = read_query_log("x.csv", "a,b\n1,2\n", Engine::Postgres).unwrap_err();
    assert!(
        matches!(&e, QueryLogError::Malformed { file, line: 1, .. } if file == "x.csv"),
        "{e}"
    );
    assert!(e.to_string().starts_with("x.csv:1:"));
    let e = read_query_log("x.csv", "query\n\"SELECT 1\n", Engine::Postgres).unwrap_err();
    assert!(e.to_string().starts_with("x.csv:2:"), "{e}");
    let e = read_query_log(
        "x.jsonl",
        "{\"query\": \"SELECT 1\"}\n{\"query\": 3}\n",
        Engine::Postgres,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("x.jsonl:2:"), "{e}");
    let e = read_query_log(
        "x.json",
        "[\n{\"query\": \"SELECT 1\"},\n{oops}\n]",
        Engine::Postgres,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("x.json:3:"), "{e}");
}
