//! `shipgate osc` against a real PostgreSQL: alters under concurrent
//! writers, SIGKILL + --resume, a blocked cut-over, foreign keys / views /
//! sequences, and a unique key the data violates.

mod common;

use common::db::{fresh, Kind};
use common::osc::*;
use std::time::Duration;

const K: Kind = Kind::Pg;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_type_change_under_writers() {
    let Some(db) = fresh(K, "typ").await else {
        return;
    };
    alter_under_writers(
        &db,
        "ALTER TABLE t ALTER COLUMN n TYPE bigint",
        &["id", "n", "s", "k"],
    )
    .await;
    assert_eq!(column_type(&db, "t", "n").await, "bigint");
    // The old table, and the reverse change table that keeps it in sync for `osc revert`.
    assert_eq!(
        leftovers(&db).await,
        vec!["_sg_old_t".to_string(), "_sg_rev_t".to_string()]
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_add_not_null_column_with_default_under_writers() {
    let Some(db) = fresh(K, "add").await else {
        return;
    };
    alter_under_writers(
        &db,
        "ALTER TABLE t ADD COLUMN z int NOT NULL DEFAULT 7",
        &["id", "n", "s", "k"],
    )
    .await;
    let mut c = db.conn().await;
    assert_eq!(
        c.scalar_i64("SELECT count(*) FROM t WHERE z <> 7")
            .await
            .unwrap(),
        0
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_drop_column_under_writers() {
    let Some(db) = fresh(K, "drop").await else {
        return;
    };
    alter_under_writers(&db, "ALTER TABLE t DROP COLUMN k", &["id", "n", "s"]).await;
    assert_eq!(column_type(&db, "t", "k").await, "");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_add_unique_and_change_pk_type_under_writers() {
    let Some(db) = fresh(K, "uniq").await else {
        return;
    };
    alter_under_writers(
        &db,
        "ALTER TABLE t ADD CONSTRAINT t_n_id UNIQUE (n, id), ALTER COLUMN id TYPE bigint",
        &["id", "n", "s", "k"],
    )
    .await;
    assert_eq!(column_type(&db, "t", "id").await, "bigint");
    let mut c = db.conn().await;
    assert_eq!(
        c.scalar_i64("SELECT count(*) FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 't_n_id'").await.unwrap(),
        1,
        "the new unique constraint carries its name"
    );
    // The identity sequence continues after the largest id.
    let max = c.scalar_i64("SELECT max(id) FROM t").await.unwrap();
    let next = c
        .scalar_i64("INSERT INTO t (n) VALUES (1) RETURNING id")
        .await
        .unwrap();
    assert!(next > max, "identity restarted: {next} <= {max}");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_sigkill_then_resume() {
    let Some(db) = fresh(K, "kill").await else {
        return;
    };
    sigkill_scenario(&db, "ALTER TABLE t ALTER COLUMN n TYPE bigint").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_long_transaction_blocks_cutover_then_resume() {
    let Some(db) = fresh(K, "lock").await else {
        return;
    };
    long_transaction_scenario(
        &db,
        "ALTER TABLE t ALTER COLUMN n TYPE bigint",
        "0.2",
        Duration::from_millis(1500),
    )
    .await;
    db.drop_db().await;
}

/// `p` (serial key, 500 rows), `child` referencing it, and two views on it.
async fn parent_child_and_views(db: &common::db::TestDb) -> shipgate::osc::db::Conn {
    let mut c = db.conn().await;
    for s in [
        "CREATE TABLE p (id serial PRIMARY KEY, n int NOT NULL, label text)",
        "INSERT INTO p (n, label) SELECT g, 'l' || g FROM generate_series(1, 500) g",
        "CREATE TABLE child (id int PRIMARY KEY, p_id int NOT NULL REFERENCES p (id))",
        "INSERT INTO child SELECT g, g FROM generate_series(1, 100) g",
        "CREATE VIEW pv AS SELECT id, n FROM p WHERE n > 10",
        "CREATE VIEW pv_label AS SELECT id, label FROM p",
    ] {
        c.exec(s).await.unwrap();
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_foreign_keys_views_and_sequences_survive() {
    let Some(db) = fresh(K, "fk").await else {
        return;
    };
    let mut c = parent_child_and_views(&db).await;
    let out = osc(
        &db.url,
        &["--yes", "ALTER TABLE p ALTER COLUMN n TYPE bigint"],
    );
    assert!(out.status.success(), "{}", text(&out));
    // The foreign key now points at the new table and is validated.
    assert_eq!(
        c.scalar("SELECT confrelid::regclass::text || ':' || convalidated::text FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype = 'f'").await.unwrap().as_deref(),
        Some("p:true")
    );
    let bad = c.exec("INSERT INTO child VALUES (1000, 999999)").await;
    assert!(bad.is_err(), "the foreign key must still be enforced");
    // The views read the new table.
    let id = c
        .scalar_i64("INSERT INTO p (n, label) VALUES (50, 'new') RETURNING id")
        .await
        .unwrap();
    assert!(id > 500, "the serial sequence continued: {id}");
    assert_eq!(
        c.scalar_i64(&format!("SELECT count(*) FROM pv WHERE id = {id}"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        c.scalar_i64(&format!("SELECT count(*) FROM pv_label WHERE id = {id}"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(column_type(&db, "pv", "n").await, "bigint");
    // Cleanup drops the old table but not the sequence the new table uses.
    cleanup_leaves_nothing(&db, "p").await;
    let id2 = c
        .scalar_i64("INSERT INTO p (n) VALUES (51) RETURNING id")
        .await
        .unwrap();
    assert_eq!(id2, id + 1);
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_unique_violation_stops_without_loss() {
    let Some(db) = fresh(K, "dup").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE u (id int PRIMARY KEY, email text)")
        .await
        .unwrap();
    c.exec("INSERT INTO u SELECT g, 'user' || g || '@x' FROM generate_series(1, 1000) g")
        .await
        .unwrap();
    c.exec("UPDATE u SET email = 'dup@x' WHERE id IN (17, 404)")
        .await
        .unwrap();
    let before = c
        .scalar("SELECT md5(string_agg(id || ':' || email, ',' ORDER BY id)) FROM u")
        .await
        .unwrap();
    let out = osc(
        &db.url,
        &[
            "--yes",
            "ALTER TABLE u ADD CONSTRAINT u_email UNIQUE (email)",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("dup@x"),
        "the offending key is named: {}",
        text(&out)
    );
    let after = c
        .scalar("SELECT md5(string_agg(id || ':' || email, ',' ORDER BY id)) FROM u")
        .await
        .unwrap();
    assert_eq!(before, after);
    assert!(leftovers(&db).await.is_empty());
    assert_eq!(
        c.scalar_i64(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'u'::regclass AND NOT tgisinternal"
        )
        .await
        .unwrap(),
        0
    );
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_refusals_and_bad_input_exit_2() {
    let Some(db) = fresh(K, "ref").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE nokey (a int, b text)").await.unwrap();
    let out = osc(&db.url, &["--yes", "ALTER TABLE nokey ADD COLUMN c int"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no primary key"), "{}", text(&out));
    let out = osc(&db.url, &["--yes", "DROP TABLE nokey"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = osc(
        &db.url,
        &[
            "--yes",
            "ALTER TABLE nokey ADD COLUMN c int; ALTER TABLE nokey ADD COLUMN d int",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    c.exec("CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id)")
        .await
        .unwrap();
    let out = osc(&db.url, &["--yes", "ALTER TABLE parted ADD COLUMN c int"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("partitioned"), "{}", text(&out));
    // A password never shows, even in a failure.
    let mut u = url::Url::parse(&db.url).unwrap();
    u.set_password(Some("hunter2secret")).unwrap();
    u.set_port(Some(1)).unwrap();
    let out = osc(u.as_str(), &["--yes", "ALTER TABLE nokey ADD COLUMN c int"]);
    assert!(!out.status.success());
    assert!(!text(&out).contains("hunter2secret"), "{}", text(&out));
    // A dry run changes nothing.
    c.exec("CREATE TABLE d (id int PRIMARY KEY, n int)")
        .await
        .unwrap();
    let out = osc(
        &db.url,
        &["--dry-run", "ALTER TABLE d ALTER COLUMN n TYPE bigint"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("CREATE TABLE"), "{}", text(&out));
    assert!(leftovers(&db).await.is_empty());
    assert_eq!(column_type(&db, "d", "n").await, "integer");
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_verification_names_a_tampered_range() {
    let Some(db) = fresh(K, "tamper").await else {
        return;
    };
    corrupted_shadow_scenario(&db, "ALTER TABLE t ALTER COLUMN n TYPE bigint").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_max_load_pauses_and_resumes() {
    let Some(db) = fresh(K, "thr").await else {
        return;
    };
    throttle_scenario(&db, "ALTER TABLE t ADD COLUMN z int", "active=1").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_replica_lag_needs_a_replica() {
    let Some(db) = fresh(K, "rep").await else {
        return;
    };
    not_a_replica_scenario(&db).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_revert_under_writers() {
    let Some(db) = fresh(K, "rev").await else {
        return;
    };
    revert_scenario(
        &db,
        "ALTER TABLE t ALTER COLUMN n TYPE bigint",
        &["id", "n", "s", "k"],
    )
    .await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_revert_restores_foreign_keys_views_and_sequence() {
    let Some(db) = fresh(K, "fkrev").await else {
        return;
    };
    let mut c = parent_child_and_views(&db).await;
    let out = osc(
        &db.url,
        &["--yes", "ALTER TABLE p ALTER COLUMN n TYPE bigint"],
    );
    assert!(out.status.success(), "{}", text(&out));
    // Written to the new table, then carried back by the revert.
    let id = c
        .scalar_i64("INSERT INTO p (n, label) VALUES (50, 'new') RETURNING id")
        .await
        .unwrap();
    c.exec("UPDATE p SET label = 'changed' WHERE id = 7")
        .await
        .unwrap();
    c.exec("DELETE FROM child WHERE p_id = 8").await.unwrap();
    c.exec("DELETE FROM p WHERE id = 8").await.unwrap();
    let out = osc_on_table("revert", &db.url, "p", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(column_type(&db, "p", "n").await, "integer");
    assert_eq!(column_type(&db, "pv", "n").await, "integer");
    assert_eq!(
        c.scalar("SELECT confrelid::regclass::text || ':' || convalidated::text FROM pg_constraint WHERE conrelid = 'child'::regclass AND contype = 'f'").await.unwrap().as_deref(),
        Some("p:true")
    );
    assert!(c
        .exec("INSERT INTO child VALUES (1000, 999999)")
        .await
        .is_err());
    assert_eq!(
        c.scalar(&format!(
            "SELECT label FROM pv JOIN p USING (id) WHERE id = {id}"
        ))
        .await
        .unwrap()
        .as_deref(),
        Some("new")
    );
    assert_eq!(
        c.scalar("SELECT label FROM p WHERE id = 7")
            .await
            .unwrap()
            .as_deref(),
        Some("changed")
    );
    assert_eq!(
        c.scalar_i64("SELECT count(*) FROM p WHERE id = 8")
            .await
            .unwrap(),
        0
    );
    assert_eq!(c.scalar_i64("SELECT count(*) FROM p").await.unwrap(), 500);
    // The primary key index has its own name back.
    assert_eq!(
        c.scalar("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'p'::regclass AND indisprimary")
            .await
            .unwrap()
            .as_deref(),
        Some("p_pkey")
    );
    let id2 = c
        .scalar_i64("INSERT INTO p (n) VALUES (51) RETURNING id")
        .await
        .unwrap();
    assert_eq!(id2, id + 1, "the serial sequence continued");
    assert_eq!(leftovers(&db).await, vec!["_sg_rvt_p".to_string()]);
    cleanup_leaves_nothing(&db, "p").await;
    let id3 = c
        .scalar_i64("INSERT INTO p (n) VALUES (52) RETURNING id")
        .await
        .unwrap();
    assert_eq!(id3, id2 + 1, "cleanup left the sequence in place");
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_revert_stops_on_values_the_old_type_cannot_hold() {
    let Some(db) = fresh(K, "revr").await else {
        return;
    };
    revert_out_of_range_scenario(&db, "ALTER TABLE t ALTER COLUMN n TYPE bigint").await;
    db.drop_db().await;
}

/// `--max-replica-lag` against a real standby whose replay is paused: the
/// run waits (`throttled`, naming the replica) until replay resumes, then
/// finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_max_replica_lag_waits_for_a_paused_standby() {
    let Some(db) = fresh(K, "lag").await else {
        return;
    };
    let Some(replica) = db.replica_url() else {
        db.drop_db().await;
        return;
    };
    create_table(&db, 3000, "int").await;
    // The new database reaches the standby within moments.
    let mut r = None;
    for _ in 0..100 {
        if let Ok(mut c) =
            shipgate::osc::db::Conn::connect(shipgate::engine::Engine::Postgres, &replica).await
        {
            // A run of this test that failed half-way may have left replay paused.
            c.exec("SELECT pg_wal_replay_resume()").await.unwrap();
            if c.scalar_i64("SELECT count(*) FROM t").await.unwrap_or(0) == 3000 {
                r = Some(c);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut r = r.expect("the standby never showed the test table");
    r.exec("SELECT pg_wal_replay_pause()").await.unwrap();
    // A write the standby receives but does not replay; then lag builds up.
    db.conn()
        .await
        .exec("CREATE TABLE lag_marker (x int)")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let resume = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        r.exec("SELECT pg_wal_replay_resume()").await.unwrap();
    });
    let lag = format!("{replica},1");
    let out = osc_bg(
        &db.url,
        &[
            "--yes",
            "--log-format",
            "json",
            "--max-replica-lag",
            &lag,
            "ALTER TABLE t ADD COLUMN z int",
        ],
    )
    .await;
    resume.await.unwrap();
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let throttled = event_at(&t, "throttled");
    let released = event_at(&t, "throttle-released");
    assert!(throttled < released, "{t}");
    assert!(t.contains("s behind (limit 1.0 s)"), "{t}");
    assert!(t.contains("127.0.0.1:5433") || t.contains("replica"), "{t}");
    assert_eq!(column_type(&db, "t", "z").await, "integer");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_pg_killed_connection_mid_copy_leaves_no_trigger() {
    let Some(db) = fresh(K, "kill").await else {
        return;
    };
    killed_connection_scenario(&db, "ALTER TABLE t ALTER COLUMN n TYPE bigint").await;
    db.drop_db().await;
}
