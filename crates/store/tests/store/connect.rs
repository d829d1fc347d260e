//! What depends on the backend rather than the trait: `STATE_URL` handling, state that
//! outlives a connection (SQLite, PostgreSQL), and the memory backend's bounds.

use crate::backends::{Fixture, T0, TempDir, delivery, enqueue_new};
use serde_json::json;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{ConnectOptions, DeliveryStatus, Enqueued, Outcome, Store, StoreError};

async fn connect_error(url: &str, options: ConnectOptions) -> StoreError {
    match store::connect(url, options).await {
        Ok(_) => panic!("connecting should fail"),
        Err(error) => error,
    }
}

/// `target` written relative to the current folder, climbing to the root first.
fn relative_from_cwd(target: &Path) -> PathBuf {
    let cwd = std::env::current_dir().expect("cwd");
    let ups = cwd
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let mut relative: PathBuf = std::iter::repeat_n("..", ups).collect();
    relative.push(target.strip_prefix("/").expect("absolute temp dir"));
    relative
}

#[tokio::test]
async fn sqlite_relative_path_is_opened_from_the_current_folder() {
    let dir = TempDir::new();
    let relative = relative_from_cwd(&dir.path().join("rel.db"));
    assert!(relative.is_relative());

    let store = store::connect(
        &format!("sqlite://{}", relative.display()),
        Default::default(),
    )
    .await
    .expect("connect");
    enqueue_new(&store, delivery("d", None, T0)).await;
    assert!(
        dir.path().join("rel.db").is_file(),
        "file created where the path points"
    );
}

#[tokio::test]
async fn sqlite_absolute_path_gets_its_missing_folders() {
    let dir = TempDir::new();
    let file = dir.path().join("a/b/c/state.db");
    let url = format!("sqlite://{}", file.display());
    assert!(url.starts_with("sqlite:///"), "{url}");

    store::connect(&url, Default::default())
        .await
        .expect("connect")
        .ping()
        .await
        .expect("ping");
    assert!(file.is_file());
}

#[tokio::test]
async fn unsupported_scheme_is_refused_without_the_password() {
    let error = connect_error("mysql://root:hunter2@db/bridge", Default::default()).await;
    let text = error.to_string();
    assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error:?}");
    assert!(
        text.contains("mysql") && !text.contains("hunter2"),
        "{text}"
    );

    let error = connect_error("", Default::default()).await;
    assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error:?}");
}

#[tokio::test]
async fn postgres_errors_never_show_the_password() {
    let malformed = "postgres://bridge:hunter2@db:notaport/bridge";
    let text = connect_error(malformed, Default::default())
        .await
        .to_string();
    assert!(!text.contains("hunter2"), "{text}");

    let options = ConnectOptions {
        connect_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let unreachable = "postgresql://bridge:hunter2%21@127.0.0.1:1/bridge";
    let error = connect_error(unreachable, options).await;
    let text = error.to_string();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// State written through one connection is there for the next one.
async fn state_survives_reconnect(fixture: &Fixture) {
    let store = fixture.connect().await;
    enqueue_new(&store, delivery("d", Some("evt"), T0)).await;
    store.save_link("cf|s|1", 77).await.unwrap();
    store.mark_forwarded(77, 5).await.unwrap();
    drop(store);

    let store = fixture.connect().await;
    let again = store
        .enqueue(delivery("copy", Some("evt"), T0 + 1))
        .await
        .unwrap();
    assert!(matches!(again, Enqueued::Existing(record) if record.id == "d"));
    let claimed = store.claim_due("w", T0 + 2, 1_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].body, delivery("d", Some("evt"), T0).body);
    assert_eq!(store.find_link("cf|s|1").await.unwrap(), Some(77));
    assert_eq!(
        store.ticket_progress(77).await.unwrap().forwarded,
        [5].into()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_deliveries_survive_reconnect_in_wal_mode() {
    let fixture = Fixture::sqlite();
    state_survives_reconnect(&fixture).await;

    let path = fixture.url.trim_start_matches("sqlite://");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite:{path}"))
        .await
        .expect("open file");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_state_survives_reconnect() {
    let Some(fixture) = Fixture::postgres().await else {
        return;
    };
    state_survives_reconnect(&fixture).await;
    fixture.close().await;
}

async fn memory(options: ConnectOptions) -> Arc<dyn Store> {
    store::connect("memory:", options)
        .await
        .expect("memory store")
}

fn done() -> Outcome {
    Outcome {
        status: 200,
        body: json!({"status": "created", "ticketId": 1}),
    }
}

#[tokio::test]
async fn memory_evicts_the_oldest_finished_beyond_its_size() {
    let store = memory(ConnectOptions {
        memory_max_finished: 3,
        ..Default::default()
    })
    .await;
    for n in 0..10 {
        enqueue_new(
            &store,
            delivery(&format!("d{n}"), Some(&format!("e{n}")), T0 + n),
        )
        .await;
    }
    store.claim_due("w", T0 + 10, 60_000, 10).await.unwrap();
    for n in 0..6 {
        store
            .complete(&format!("d{n}"), &done(), T0 + 100 + n)
            .await
            .unwrap();
    }
    store.release_worker("w", T0 + 200).await.unwrap();
    for n in 10..20 {
        enqueue_new(&store, delivery(&format!("d{n}"), None, T0 + 300)).await;
    }

    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.done, counts.pending),
        (3, 14),
        "finished bounded, pending all kept"
    );
    for n in 0..3 {
        assert_eq!(
            store.get(&format!("d{n}")).await.unwrap(),
            None,
            "d{n} evicted"
        );
    }
    let kept = store
        .get("d5")
        .await
        .unwrap()
        .expect("newest finished kept");
    assert_eq!(
        (kept.status, kept.outcome),
        (DeliveryStatus::Done, Some(done()))
    );
    assert!(
        kept.body.is_empty(),
        "a done record keeps no body in memory"
    );

    let again = store
        .enqueue(delivery("x", Some("e0"), T0 + 400))
        .await
        .unwrap();
    assert_eq!(again, Enqueued::New, "an evicted event id counts as new");
    let again = store
        .enqueue(delivery("y", Some("e5"), T0 + 400))
        .await
        .unwrap();
    assert!(
        matches!(again, Enqueued::Existing(_)),
        "a kept one is still a duplicate"
    );
}

#[tokio::test]
async fn memory_evicts_finished_after_their_age() {
    let hour = 3_600_000;
    let options = ConnectOptions {
        memory_finished_max_age: Duration::from_millis(hour as u64),
        ..Default::default()
    };
    let store = memory(options).await;
    for id in ["old", "young", "waiting"] {
        enqueue_new(&store, delivery(id, Some(id), T0)).await;
    }
    store.claim("old", "w", T0, 1_000).await.unwrap();
    store.complete("old", &done(), T0).await.unwrap();
    store.claim("young", "w", T0, 1_000).await.unwrap();
    store
        .dead_letter("young", "no", T0 + hour / 2)
        .await
        .unwrap();

    enqueue_new(&store, delivery("tick", None, T0 + hour + 1)).await;
    assert_eq!(
        store.get("old").await.unwrap(),
        None,
        "finished over an hour ago"
    );
    assert!(store.get("young").await.unwrap().is_some());

    enqueue_new(&store, delivery("tick2", None, T0 + 10 * hour)).await;
    assert_eq!(store.get("young").await.unwrap(), None);
    let waiting = store
        .get("waiting")
        .await
        .unwrap()
        .expect("pending is never evicted");
    assert_eq!(waiting.status, DeliveryStatus::Pending);
}

#[tokio::test]
async fn memory_bounds_links_and_tickets_dropping_the_least_recently_used() {
    let options = ConnectOptions {
        memory_max_links: 2,
        memory_max_tickets: 2,
        ..Default::default()
    };
    let store = memory(options).await;

    store.save_link("r1", 1).await.unwrap();
    store.save_link("r2", 2).await.unwrap();
    assert_eq!(
        store.find_link("r1").await.unwrap(),
        Some(1),
        "r1 used: r2 is now oldest"
    );
    store.save_link("r3", 3).await.unwrap();
    assert_eq!(store.find_link("r2").await.unwrap(), None);
    assert_eq!(store.find_link("r1").await.unwrap(), Some(1));
    assert_eq!(store.find_link("r3").await.unwrap(), Some(3));

    store.mark_forwarded(1, 10).await.unwrap();
    store.set_reported_closed(2, true).await.unwrap();
    store.mark_forwarded(1, 11).await.unwrap();
    store.mark_forwarded(3, 30).await.unwrap();
    assert_eq!(
        store.ticket_progress(2).await.unwrap(),
        Default::default(),
        "2 evicted"
    );
    assert_eq!(
        store.ticket_progress(1).await.unwrap().forwarded,
        [10, 11].into()
    );
    assert_eq!(
        store.ticket_progress(3).await.unwrap().forwarded,
        [30].into()
    );
}
