//! Fresh databases for tests: each test gets its own uniquely named
//! database on the PostgreSQL / MariaDB test servers and drops it after,
//! so tests run in parallel. Servers come from `SHIPGATE_TEST_PG_URL` and
//! `SHIPGATE_TEST_MYSQL_URL`; when a server is unreachable the test is
//! skipped with a message, or fails when `SHIPGATE_TEST_REQUIRE_DB=1`.

#![allow(dead_code)]

use shipgate::engine::Engine;
use shipgate::osc::db::Conn;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pg,
    My,
}

impl Kind {
    pub fn engine(self) -> Engine {
        match self {
            Kind::Pg => Engine::Postgres,
            Kind::My => Engine::Mysql,
        }
    }

    fn server_url(self) -> String {
        match self {
            Kind::Pg => std::env::var("SHIPGATE_TEST_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
            Kind::My => std::env::var("SHIPGATE_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        }
    }
}

pub struct TestDb {
    pub kind: Kind,
    pub name: String,
    pub url: String,
    admin_url: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("test server URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// A fresh database, or None (skip) when the server is unreachable.
pub async fn fresh(kind: Kind, tag: &str) -> Option<TestDb> {
    let admin_url = kind.server_url();
    let mut admin = match Conn::connect(kind.engine(), &admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("SHIPGATE_TEST_REQUIRE_DB").as_deref() == Ok("1") {
                panic!(
                    "test database server {kind:?} unreachable and SHIPGATE_TEST_REQUIRE_DB=1: {e}"
                );
            }
            eprintln!("SKIP: {kind:?} test server unreachable ({e}); set SHIPGATE_TEST_REQUIRE_DB=1 to fail instead");
            return None;
        }
    };
    let name = format!(
        "sg_{tag}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let q = kind.engine().quote_ident(&name);
    admin
        .exec(&format!("DROP DATABASE IF EXISTS {q}"))
        .await
        .unwrap();
    admin.exec(&format!("CREATE DATABASE {q}")).await.unwrap();
    Some(TestDb {
        kind,
        url: with_db(&admin_url, &name),
        name,
        admin_url,
    })
}

impl TestDb {
    /// The same database on the PostgreSQL streaming standby named by
    /// `SHIPGATE_TEST_PG_REPLICA_URL` (`.ci/run` starts one on port 5433).
    /// None (skip) when it is not set, unless `SHIPGATE_TEST_REQUIRE_DB=1`.
    pub fn replica_url(&self) -> Option<String> {
        match std::env::var("SHIPGATE_TEST_PG_REPLICA_URL") {
            Ok(u) => Some(with_db(&u, &self.name)),
            Err(_) if std::env::var("SHIPGATE_TEST_REQUIRE_DB").as_deref() == Ok("1") => {
                panic!("SHIPGATE_TEST_PG_REPLICA_URL is not set and SHIPGATE_TEST_REQUIRE_DB=1 (.ci/run starts a standby)")
            }
            Err(_) => {
                eprintln!("SKIP: no PostgreSQL standby (set SHIPGATE_TEST_PG_REPLICA_URL)");
                None
            }
        }
    }

    pub async fn conn(&self) -> Conn {
        let mut c = Conn::connect(self.kind.engine(), &self.url).await.unwrap();
        if self.kind == Kind::My {
            c.exec("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                .await
                .unwrap();
        }
        c
    }

    pub async fn drop_db(self) {
        let mut admin = Conn::connect(self.kind.engine(), &self.admin_url)
            .await
            .unwrap();
        let q = self.kind.engine().quote_ident(&self.name);
        let sql = match self.kind {
            Kind::Pg => format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"),
            Kind::My => format!("DROP DATABASE IF EXISTS {q}"),
        };
        let _ = admin.exec(&sql).await;
    }
}
