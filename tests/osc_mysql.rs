//! `shipgate osc` against a real MariaDB/MySQL: alters under concurrent
//! writers, SIGKILL + --resume, a blocked cut-over, refusals, views, and a
//! unique key the data violates.

mod common;

use common::db::{fresh, Kind};
use common::osc::*;
use std::time::Duration;

const K: Kind = Kind::My;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_type_change_under_writers() {
    let Some(db) = fresh(K, "typ").await else {
        return;
    };
    alter_under_writers(
        &db,
        "ALTER TABLE t MODIFY n BIGINT NOT NULL",
        &["id", "n", "s", "k"],
    )
    .await;
    assert_eq!(column_type(&db, "t", "n").await, "bigint");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_add_not_null_column_with_default_under_writers() {
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
async fn osc_mysql_drop_column_under_writers() {
    let Some(db) = fresh(K, "drop").await else {
        return;
    };
    alter_under_writers(&db, "ALTER TABLE t DROP COLUMN k", &["id", "n", "s"]).await;
    assert_eq!(column_type(&db, "t", "k").await, "");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_add_unique_and_change_pk_type_under_writers() {
    let Some(db) = fresh(K, "uniq").await else {
        return;
    };
    alter_under_writers(
        &db,
        "ALTER TABLE t ADD UNIQUE KEY t_n_id (n, id), MODIFY id BIGINT NOT NULL AUTO_INCREMENT",
        &["id", "n", "s", "k"],
    )
    .await;
    assert_eq!(column_type(&db, "t", "id").await, "bigint");
    let mut c = db.conn().await;
    assert_eq!(
        c.scalar_i64("SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 't' AND index_name IN ('t_n_id', 't_n')").await.unwrap(),
        3,
        "secondary indexes rebuilt: t_n (1 column) and t_n_id (2 columns)"
    );
    let max = c.scalar_i64("SELECT max(id) FROM t").await.unwrap();
    c.exec("INSERT INTO t (n) VALUES (1)").await.unwrap();
    let next = c.scalar_i64("SELECT LAST_INSERT_ID()").await.unwrap();
    assert!(next > max, "auto-increment restarted: {next} <= {max}");
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_sigkill_then_resume() {
    let Some(db) = fresh(K, "kill").await else {
        return;
    };
    sigkill_scenario(&db, "ALTER TABLE t MODIFY n BIGINT NOT NULL").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_long_transaction_blocks_cutover_then_resume() {
    let Some(db) = fresh(K, "lock").await else {
        return;
    };
    long_transaction_scenario(
        &db,
        "ALTER TABLE t MODIFY n BIGINT NOT NULL",
        "1",
        Duration::from_millis(2500),
    )
    .await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_view_survives_and_foreign_keys_are_refused() {
    let Some(db) = fresh(K, "fk").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE p (id int AUTO_INCREMENT PRIMARY KEY, n int NOT NULL) ENGINE=InnoDB")
        .await
        .unwrap();
    c.exec("INSERT INTO p (n) SELECT seq FROM seq_1_to_500")
        .await
        .unwrap();
    c.exec("CREATE VIEW pv AS SELECT id, n FROM p WHERE n > 10")
        .await
        .unwrap();
    let out = osc(
        &db.url,
        &[
            "--yes",
            "--drop-old",
            "ALTER TABLE p MODIFY n BIGINT NOT NULL",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    c.exec("INSERT INTO p (n) VALUES (77)").await.unwrap();
    let id = c.scalar_i64("SELECT LAST_INSERT_ID()").await.unwrap();
    assert!(id > 500);
    assert_eq!(
        c.scalar_i64(&format!("SELECT count(*) FROM pv WHERE id = {id}"))
            .await
            .unwrap(),
        1
    );
    c.exec("CREATE TABLE child (id int PRIMARY KEY, p_id int NOT NULL, FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=InnoDB").await.unwrap();
    let out = osc(&db.url, &["--yes", "ALTER TABLE p ADD COLUMN z int"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("foreign keys"), "{}", text(&out));
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_unique_violation_stops_without_loss() {
    let Some(db) = fresh(K, "dup").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE u (id int PRIMARY KEY, email varchar(100)) ENGINE=InnoDB")
        .await
        .unwrap();
    c.exec("INSERT INTO u SELECT seq, CONCAT('user', seq, '@x') FROM seq_1_to_1000")
        .await
        .unwrap();
    c.exec("UPDATE u SET email = 'dup@x' WHERE id IN (17, 404)")
        .await
        .unwrap();
    let sum = "SELECT MD5(GROUP_CONCAT(id, ':', email ORDER BY id)) FROM u";
    let before = c.scalar(sum).await.unwrap();
    let out = osc(
        &db.url,
        &["--yes", "ALTER TABLE u ADD UNIQUE KEY u_email (email)"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("dup@x"),
        "the offending key is named: {}",
        text(&out)
    );
    assert_eq!(before, c.scalar(sum).await.unwrap());
    assert!(leftovers(&db).await.is_empty());
    assert_eq!(c.scalar_i64("SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = DATABASE()").await.unwrap(), 0);
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_refusals_exit_2() {
    let Some(db) = fresh(K, "ref").await else {
        return;
    };
    let mut c = db.conn().await;
    c.exec("CREATE TABLE nokey (a int, b text) ENGINE=InnoDB")
        .await
        .unwrap();
    let out = osc(&db.url, &["--yes", "ALTER TABLE nokey ADD COLUMN c int"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no primary key"), "{}", text(&out));
    c.exec("CREATE TABLE trg (id int PRIMARY KEY, n int) ENGINE=InnoDB")
        .await
        .unwrap();
    c.exec("CREATE TRIGGER trg_bi BEFORE INSERT ON trg FOR EACH ROW SET NEW.n = 1")
        .await
        .unwrap();
    let out = osc(&db.url, &["--yes", "ALTER TABLE trg ADD COLUMN c int"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("triggers"), "{}", text(&out));
    let out = osc(&db.url, &["--dry-run", "ALTER TABLE trg2 ADD COLUMN c int"]);
    assert_eq!(out.status.code(), Some(2), "missing table: {}", text(&out));
    drop(c);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_verification_names_a_tampered_range() {
    let Some(db) = fresh(K, "tamper").await else {
        return;
    };
    corrupted_shadow_scenario(&db, "ALTER TABLE t MODIFY n BIGINT NOT NULL").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_max_load_pauses_and_resumes() {
    let Some(db) = fresh(K, "thr").await else {
        return;
    };
    throttle_scenario(&db, "ALTER TABLE t ADD COLUMN z int", "Threads_running=2").await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_replica_lag_needs_a_replica() {
    let Some(db) = fresh(K, "rep").await else {
        return;
    };
    not_a_replica_scenario(&db).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_revert_under_writers() {
    let Some(db) = fresh(K, "rev").await else {
        return;
    };
    revert_scenario(
        &db,
        "ALTER TABLE t MODIFY n bigint NOT NULL",
        &["id", "n", "s", "k"],
    )
    .await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_revert_stops_on_values_the_old_type_cannot_hold() {
    let Some(db) = fresh(K, "revr").await else {
        return;
    };
    revert_out_of_range_scenario(&db, "ALTER TABLE t MODIFY n BIGINT NOT NULL").await;
    db.drop_db().await;
}

/// The defect behind the old MariaDB cut-over leak, forced: another session
/// holds the shadow's metadata lock when the cut-over begins, so the RENAME
/// waits for the shadow (not for `t`) while showing "Waiting for table
/// metadata lock". Unlocking then would serve the writers queued on `t` on
/// the old table. The cut-over must keep its read lock until the rename
/// waits for `t` itself, and the result must equal the truth table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_cutover_waits_while_the_rename_waits_for_the_shadow() {
    let Some(db) = fresh(K, "shd").await else {
        return;
    };
    create_table(&db, 2000, "int").await;
    // The bulk insert reserved ids past the last row; bring the counter
    // back to it, so the shadow's matches and needs no ALTER at cut-over.
    db.conn()
        .await
        .exec("ALTER TABLE t AUTO_INCREMENT = 1")
        .await
        .unwrap();
    // Updates only and --drop-old: no AUTO_INCREMENT move and no reverse
    // capture touch the shadow in the cut-over, so the holder below delays
    // the RENAME and nothing else.
    let writers = Writers::updating(&db, 4, 2000).await;
    let (_dir, flag) = postpone_flag();
    let child = osc_spawn_piped(
        &db.url,
        &[
            "--yes",
            "--drop-old",
            "--log-format",
            "json",
            "--postpone-cutover",
            flag.to_str().unwrap(),
            "ALTER TABLE t MODIFY n BIGINT NOT NULL",
        ],
    );
    wait_phase(&db, "verified").await;
    // A reader of the shadow: its transaction keeps a shared metadata lock
    // on `_sg_new_t` that the RENAME must wait for.
    let mut holder = db.conn().await;
    holder.exec("START TRANSACTION").await.unwrap();
    holder.exec("SELECT count(*) FROM _sg_new_t").await.unwrap();
    std::fs::remove_file(&flag).unwrap();
    // Let go of the shadow only once the rename has been seen waiting.
    let mut watch = db.conn().await;
    let mut seen = false;
    for _ in 0..2000 {
        seen = watch
            .scalar_i64(
                "SELECT count(*) FROM information_schema.processlist \
                 WHERE db = DATABASE() AND info LIKE 'RENAME TABLE%' AND state LIKE '%metadata lock%'",
            )
            .await
            .unwrap()
            > 0;
        if seen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(seen, "the cut-over's RENAME never waited");
    tokio::time::sleep(Duration::from_millis(300)).await;
    holder.exec("COMMIT").await.unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let stats = writers.stop().await;
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    stats.assert_clean();
    // The probe saw the rename waiting for another name before it queued on t.
    let waited = t
        .split("\"rename_waited_for_other_names\":")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        waited > 0,
        "the rename was never seen waiting for the shadow: {t}"
    );
    assert_eq!(column_type(&db, "t", "n").await, "bigint");
    assert_matches_truth(&db, &["id", "n", "s", "k"]).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_mysql_killed_connection_mid_copy_leaves_no_trigger() {
    let Some(db) = fresh(K, "kill").await else {
        return;
    };
    killed_connection_scenario(&db, "ALTER TABLE t MODIFY n BIGINT NOT NULL").await;
    db.drop_db().await;
}
