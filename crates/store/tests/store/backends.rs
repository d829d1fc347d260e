//! Where each test's store lives: a fresh memory store, a SQLite file in its own temporary
//! folder, or a PostgreSQL schema of its own inside `TEST_DATABASE_URL`'s database (so
//! tests running at once never see each other's rows). Also small record builders.

use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use store::{ConnectOptions, Kind, NewDelivery, Store};

/// A fixed, realistic "now" (Unix ms) the cases count from.
pub const T0: i64 = 1_700_000_000_000;

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A name no other test, in this process or another, is using.
pub fn unique(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    format!(
        "{label}_{}_{n}_{}",
        std::process::id(),
        nanos % 1_000_000_000
    )
}

/// A temporary folder removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(unique("store-test"));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Fixture {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    Dir(#[allow(dead_code, reason = "held for its Drop")] TempDir),
    Schema { admin_url: String, schema: String },
}

impl Fixture {
    pub fn memory() -> Fixture {
        Fixture {
            url: "memory:".into(),
            cleanup: Cleanup::Nothing,
        }
    }

    pub fn sqlite() -> Fixture {
        let dir = TempDir::new();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        Fixture {
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// `None` (after saying so) when `TEST_DATABASE_URL` is unset.
    pub async fn postgres() -> Option<Fixture> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            println!("skipped: TEST_DATABASE_URL unset");
            return None;
        };
        let schema = unique("store_test");
        run_as_admin(&admin_url, &format!("CREATE SCHEMA {schema}")).await;

        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        Some(Fixture {
            url,
            cleanup: Cleanup::Schema { admin_url, schema },
        })
    }

    pub async fn connect(&self) -> Arc<dyn Store> {
        store::connect(&self.url, ConnectOptions::default())
            .await
            .expect("connect store")
    }

    /// Drops the test's schema; folders go on drop. A failed test leaves its schema
    /// behind, which only costs space in a throwaway database.
    pub async fn close(self) {
        if let Cleanup::Schema { admin_url, schema } = &self.cleanup {
            run_as_admin(admin_url, &format!("DROP SCHEMA {schema} CASCADE")).await;
        }
    }
}

/// Runs one statement on a connection of its own to `TEST_DATABASE_URL`.
async fn run_as_admin(admin_url: &str, statement: &str) {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect admin");
    sqlx::query(statement)
        .execute(&mut admin)
        .await
        .expect(statement);
    admin.close().await.expect("close admin");
}

/// A ContraForce delivery with the given id and event id, received at `received_at`.
pub fn delivery(id: &str, event_id: Option<&str>, received_at: i64) -> NewDelivery {
    NewDelivery {
        id: id.to_owned(),
        kind: Kind::Cf,
        event_id: event_id.map(str::to_owned),
        subject: Some(format!("cf|sentinel|{id}")),
        headers: vec![
            ("x-cf-event-id".into(), event_id.unwrap_or("").into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: format!("{{\"id\":\"{id}\"}}").into_bytes(),
        received_at,
    }
}

/// Enqueues and asserts it was new.
pub async fn enqueue_new(store: &Arc<dyn Store>, delivery: NewDelivery) {
    let id = delivery.id.clone();
    let result = store.enqueue(delivery).await.expect("enqueue");
    assert_eq!(result, store::Enqueued::New, "{id} should be new");
}
