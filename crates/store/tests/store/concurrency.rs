//! Races the store must decide correctly, the same for every backend: many copies of
//! one event arriving at once, and several workers claiming from one queue.

use crate::backends::{T0, delivery, enqueue_new};
use std::collections::HashSet;
use std::sync::Arc;
use store::{Enqueued, Store};

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
