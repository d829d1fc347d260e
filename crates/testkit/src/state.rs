//! A fresh, empty store for each test: a new SQLite file, or a new PostgreSQL
//! database on the server named by `TEST_DATABASE_URL`.

use relay::settings::Edition;
use sqlx::Connection;

/// Whether PostgreSQL tests can run. Under CI (`CI=true`) its absence is a
/// failure rather than a skip, so a broken CI set-up cannot pass silently.
pub fn postgres_available() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "TEST_DATABASE_URL is not set under CI: run the tests through scripts/test"
    );
    eprintln!("skipped: TEST_DATABASE_URL unset (scripts/test starts PostgreSQL)");
    false
}

/// A `STATE_URL` for a new, empty store in `edition`'s default backend.
pub async fn fresh_state_url(edition: Edition) -> String {
    match edition {
        Edition::Function => "memory:".to_owned(),
        Edition::Service => {
            let dir = std::env::temp_dir().join(format!("bridge-e2e-{}", uuid::Uuid::new_v4()));
            format!("sqlite://{}/bridge.db", dir.display())
        }
        Edition::Cluster => fresh_postgres().await,
    }
}

async fn fresh_postgres() -> String {
    let base = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL is set");
    let name = format!("bridge_e2e_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL names a database");
    format!("{prefix}/{name}")
}
