//! `replay` on a store holding dead letters: the listing, one, all, and what
//! is not a dead letter.

use relay::admin::overview::Viewer;
use relay::cli::{Exit, ReplayArgs, replay};
use store::{ConnectOptions, DeliveryStatus, Kind, NewDelivery, Store};
use upstream::Secret;

const NOW: i64 = 1_777_000_000_000;

async fn dead_letter(store: &dyn Store, id: &str, error: &str) {
    store
        .enqueue(NewDelivery {
            id: id.to_owned(),
            kind: Kind::Cf,
            event_id: Some(format!("evt-{id}")),
            subject: Some(format!("cf|sentinel|inc-{id}")),
            headers: vec![("x-cf-event-id".into(), format!("evt-{id}"))],
            body: b"{}".to_vec(),
            received_at: NOW,
        })
        .await
        .unwrap();
    let claimed = store.claim(id, "w", NOW, 60_000).await.unwrap();
    assert!(claimed.is_some());
    store.dead_letter(id, error, NOW + 1).await.unwrap();
}

async fn replay(store: &dyn Store, args: ReplayArgs) -> (Exit, String) {
    let viewer = Viewer::new(vec![Secret::new("halo-secret-value")]);
    let mut out = Vec::new();
    let exit = replay::with_store(store, &viewer, &args, NOW + 10, &mut out)
        .await
        .unwrap();
    (exit, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn lists_then_replays_one_then_all() {
    let store = store::connect("memory:", ConnectOptions::default())
        .await
        .unwrap();
    let (exit, text) = replay(store.as_ref(), ReplayArgs::default()).await;
    assert_eq!(
        (exit, text.as_str()),
        (Exit::Ok, "There are no dead letters.\n")
    );

    dead_letter(store.as_ref(), "d1", "Halo is unavailable (HTTP 500)").await;
    dead_letter(store.as_ref(), "d2", "Halo refused halo-secret-value").await;
    let (exit, text) = replay(store.as_ref(), ReplayArgs::default()).await;
    assert_eq!(exit, Exit::Ok);
    assert!(
        text.starts_with("2 dead letters, newest first:\n"),
        "{text}"
    );
    assert!(text.contains("evt-d1"), "{text}");
    assert!(text.contains("cf|sentinel|inc-d1"), "{text}");
    assert!(text.contains("Halo is unavailable (HTTP 500)"), "{text}");
    assert!(text.contains("Halo refused ***"), "{text}");
    assert!(!text.contains("halo-secret-value"), "{text}");

    let one = ReplayArgs {
        id: Some("d1".into()),
        all: false,
    };
    let (exit, text) = replay(store.as_ref(), one.clone()).await;
    assert_eq!(
        (exit, text.as_str()),
        (Exit::Ok, "Replayed d1: queued again, due now.\n")
    );
    let record = store.get("d1").await.unwrap().unwrap();
    assert_eq!(
        (record.status, record.attempts),
        (DeliveryStatus::Pending, 0)
    );

    let (exit, text) = replay(store.as_ref(), one).await;
    assert_eq!(exit, Exit::Failed);
    assert!(text.starts_with("d1 is not a dead letter"), "{text}");

    let all = ReplayArgs {
        id: None,
        all: true,
    };
    let (exit, text) = replay(store.as_ref(), all).await;
    assert_eq!(
        (exit, text.as_str()),
        (Exit::Ok, "Replayed 1 dead letter: queued again, due now.\n")
    );
    assert_eq!(store.counts().await.unwrap().dead, 0);
}
