//! The store's other state, the same for every backend: leased locks, reference links,
//! per-ticket forwarding progress, and readiness.

use crate::backends::T0;
use std::sync::Arc;
use store::{Store, TicketProgress};

pub async fn try_lock_excludes_others_until_expiry(store: Arc<dyn Store>) {
    assert!(
        store.try_lock("incident-1", "a", T0, 1_000).await.unwrap(),
        "free"
    );
    assert!(
        !store
            .try_lock("incident-1", "b", T0 + 500, 1_000)
            .await
            .unwrap(),
        "held by a"
    );
    assert!(
        store
            .try_lock("incident-2", "b", T0 + 500, 1_000)
            .await
            .unwrap(),
        "other key"
    );

    assert!(
        store
            .try_lock("incident-1", "a", T0 + 900, 1_000)
            .await
            .unwrap(),
        "a extends"
    );
    assert!(
        !store
            .try_lock("incident-1", "b", T0 + 1_500, 1_000)
            .await
            .unwrap(),
        "extended"
    );
    assert!(
        !store
            .try_lock("incident-1", "b", T0 + 1_900, 1_000)
            .await
            .unwrap(),
        "ends now"
    );
    assert!(
        store
            .try_lock("incident-1", "b", T0 + 1_901, 1_000)
            .await
            .unwrap(),
        "expired"
    );
    assert!(
        !store
            .try_lock("incident-1", "a", T0 + 1_902, 1_000)
            .await
            .unwrap(),
        "b's now"
    );
}

pub async fn unlock_releases_only_the_holders_lock(store: Arc<dyn Store>) {
    assert!(store.try_lock("ticket-9", "a", T0, 60_000).await.unwrap());
    store.unlock("ticket-9", "b").await.unwrap();
    assert!(
        !store
            .try_lock("ticket-9", "b", T0 + 1, 60_000)
            .await
            .unwrap(),
        "still a's"
    );

    store.unlock("ticket-9", "a").await.unwrap();
    assert!(
        store
            .try_lock("ticket-9", "b", T0 + 2, 60_000)
            .await
            .unwrap(),
        "free after unlock"
    );
    store
        .unlock("never-locked", "a")
        .await
        .expect("unlocking a free key is fine");
}

pub async fn the_first_link_wins(store: Arc<dyn Store>) {
    let reference = "cf|sentinel|inc-1";
    assert_eq!(store.find_link(reference).await.unwrap(), None);

    store.save_link(reference, 5).await.unwrap();
    store.save_link(reference, 6).await.unwrap();
    assert_eq!(store.find_link(reference).await.unwrap(), Some(5));

    store.save_link("cf|sentinel|inc-2", 6).await.unwrap();
    assert_eq!(store.find_link("cf|sentinel|inc-2").await.unwrap(), Some(6));
}

pub async fn ticket_progress_tracks_forwarded_actions_and_reported_state(store: Arc<dyn Store>) {
    assert_eq!(
        store.ticket_progress(10).await.unwrap(),
        TicketProgress::default()
    );

    for action in [3, 1, 3] {
        store.mark_forwarded(10, action).await.unwrap();
    }
    let progress = store.ticket_progress(10).await.unwrap();
    assert_eq!(progress.forwarded, [1, 3].into());
    assert_eq!(progress.reported_closed, None, "nothing reported yet");

    store.set_reported_closed(10, true).await.unwrap();
    assert_eq!(
        store.ticket_progress(10).await.unwrap().reported_closed,
        Some(true)
    );
    store.set_reported_closed(10, false).await.unwrap();
    assert_eq!(
        store.ticket_progress(10).await.unwrap().reported_closed,
        Some(false)
    );

    store.set_reported_closed(11, true).await.unwrap();
    let other = store.ticket_progress(11).await.unwrap();
    assert!(other.forwarded.is_empty(), "tickets do not share actions");
    assert_eq!(
        store.ticket_progress(10).await.unwrap().forwarded,
        [1, 3].into()
    );
}

pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("reachable");
}
