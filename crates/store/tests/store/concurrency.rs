//! Races the store must decide correctly, the same for every backend: many copies of
//! one event arriving at once, and several workers claiming from one queue.

use crate::backends::{T0, delivery, enqueue_new};
use std::collections::HashSet;
use std::sync::Arc;
use store::{Enqueued, Intake, Store};

pub async fn fifty_concurrent_copies_of_one_event_record_it_once(store: Arc<dyn Store>) {
    let copies = (0..50).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .enqueue(delivery(&format!("copy-{n}"), Some("evt"), T0))
                .await
        })
    });
    let mut results = Vec::new();
    for copy in copies.collect::<Vec<_>>() {
        results.push(copy.await.expect("task").expect("enqueue"));
    }

    let new = results
        .iter()
        .filter(|result| **result == Enqueued::New)
        .count();
    assert_eq!(new, 1, "exactly one copy is recorded");
    let existing: HashSet<&str> = results
        .iter()
        .filter_map(|result| match result {
            Enqueued::Existing(record) => Some(record.id.as_str()),
            Enqueued::New => None,
        })
        .collect();
    assert_eq!(
        existing.len(),
        1,
        "every other copy sees the same record: {existing:?}"
    );
    assert_eq!(store.counts().await.unwrap().pending, 1);
}

pub async fn concurrent_claimed_copies_of_one_event_record_it_once(store: Arc<dyn Store>) {
    let copies = (0..50).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            let copy = delivery(&format!("copy-{n}"), Some("evt"), T0);
            store.enqueue_claimed(copy, &format!("w{n}"), 60_000).await
        })
    });
    let mut claimed = Vec::new();
    let mut existing = HashSet::new();
    for copy in copies.collect::<Vec<_>>() {
        match copy.await.expect("task").expect("enqueue") {
            Intake::Claimed(record) => claimed.push(record),
            Intake::Existing(record) => {
                existing.insert(record.id);
            }
        }
    }

    assert_eq!(claimed.len(), 1, "exactly one copy is recorded and claimed");
    let winner = &claimed[0];
    assert!(
        existing.is_empty() || existing == HashSet::from([winner.id.clone()]),
        "every other copy sees the winner: {existing:?} vs {}",
        winner.id
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.in_flight, counts.pending), (1, 0));
}

pub async fn concurrent_claimers_take_each_delivery_once(store: Arc<dyn Store>) {
    let all: HashSet<String> = (0..200).map(|n| format!("d{n:03}")).collect();
    for id in &all {
        enqueue_new(&store, delivery(id, None, T0)).await;
    }

    let claimers = ["w1", "w2"].map(|worker| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_due(worker, T0 + 1, 60_000, 7)
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return mine;
                }
                assert!(
                    batch
                        .iter()
                        .all(|record| record.lease_owner.as_deref() == Some(worker))
                );
                mine.extend(batch.into_iter().map(|record| record.id));
                tokio::task::yield_now().await;
            }
        })
    });

    let mut seen = HashSet::new();
    let mut per_worker = Vec::new();
    for claimer in claimers {
        let mine = claimer.await.expect("claimer");
        per_worker.push(mine.len());
        for id in mine {
            assert!(seen.insert(id.clone()), "{id} was claimed twice");
        }
    }
    assert_eq!(
        seen, all,
        "every delivery claimed (per worker: {per_worker:?})"
    );
    assert_eq!(store.counts().await.unwrap().in_flight, 200);
}

/// The SQLite backend commits concurrent writes together: one that fails (a repeated
/// delivery id) must fail alone, and the others land.
pub async fn a_failing_write_fails_alone_among_concurrent_ones(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("taken", Some("evt-taken"), T0)).await;
    let writes = (0..40).map(|n| {
        let store = store.clone();
        // Every tenth reuses the id already recorded, with an event id of its own.
        let id = if n % 10 == 0 {
            "taken".to_owned()
        } else {
            format!("d{n}")
        };
        tokio::spawn(async move {
            let outcome = store
                .enqueue_claimed(delivery(&id, Some(&format!("evt-{n}")), T0), "w", 60_000)
                .await;
            (n, outcome)
        })
    });
    for write in writes.collect::<Vec<_>>() {
        let (n, outcome) = write.await.expect("task");
        if n % 10 == 0 {
            assert!(
                outcome.is_err(),
                "write {n} reuses a recorded id: {outcome:?}"
            );
        } else {
            assert!(
                matches!(outcome, Ok(Intake::Claimed(_))),
                "write {n}: {outcome:?}"
            );
        }
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight), (1, 36));
    let taken = store.get("taken").await.unwrap().expect("still there");
    assert_eq!(
        taken.event_id.as_deref(),
        Some("evt-taken"),
        "the original is untouched"
    );
    for n in [0, 10, 20, 30] {
        let event = format!("evt-{n}");
        let again = store
            .enqueue(delivery(&format!("again-{n}"), Some(&event), T0))
            .await
            .unwrap();
        assert_eq!(again, Enqueued::New, "the failed write left nothing behind");
    }
}
