//! The delivery queue's life cycle, the same for every backend: intake and dedupe,
//! claims and leases, outcomes, retries, dead letters and replay, listings and counts.

use crate::backends::{T0, delivery, enqueue_new};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::{Counts, DeliveryStatus, Enqueued, Intake, Kind, Outcome, Store};

const LEASE: i64 = 30_000;

fn outcome(ticket_id: i64) -> Outcome {
    Outcome {
        status: 200,
        body: json!({"status": "created", "ticketId": ticket_id}),
    }
}

fn ids(records: &[store::DeliveryRecord]) -> Vec<&str> {
    records.iter().map(|record| record.id.as_str()).collect()
}

pub async fn enqueue_records_a_pending_delivery(store: Arc<dyn Store>) {
    let mut new = delivery("d1", Some("evt-1"), T0);
    new.kind = Kind::Halo;
    new.body = vec![0, 159, 146, 150, b'{', 255];
    enqueue_new(&store, new.clone()).await;

    let record = store.get("d1").await.unwrap().expect("stored");
    assert_eq!(record.id, "d1");
    assert_eq!(record.kind, Kind::Halo);
    assert_eq!(record.event_id.as_deref(), Some("evt-1"));
    assert_eq!(record.subject, new.subject);
    assert_eq!(record.headers, new.headers, "headers kept in order");
    assert_eq!(record.body, new.body, "body kept byte for byte");
    assert_eq!(record.status, DeliveryStatus::Pending);
    assert_eq!(record.attempts, 0);
    assert_eq!(record.next_attempt_at, T0, "due when received");
    assert_eq!((record.lease_owner, record.lease_until), (None, None));
    assert_eq!((record.last_error, record.outcome), (None, None));
    assert_eq!((record.received_at, record.updated_at), (T0, T0));

    assert_eq!(store.get("nope").await.unwrap(), None);
}

pub async fn enqueue_returns_the_existing_delivery_in_any_status(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("first", Some("evt"), T0)).await;

    let again = store
        .enqueue(delivery("second", Some("evt"), T0 + 1))
        .await
        .unwrap();
    let Enqueued::Existing(existing) = again else {
        panic!("expected Existing, got {again:?}")
    };
    assert_eq!(
        (existing.id.as_str(), existing.status),
        ("first", DeliveryStatus::Pending)
    );
    assert_eq!(
        store.get("second").await.unwrap(),
        None,
        "nothing written for the copy"
    );

    store
        .claim("first", "w", T0 + 2, LEASE)
        .await
        .unwrap()
        .expect("claimed");
    let again = store
        .enqueue(delivery("third", Some("evt"), T0 + 3))
        .await
        .unwrap();
    assert!(matches!(again, Enqueued::Existing(r) if r.status == DeliveryStatus::InFlight));

    store.complete("first", &outcome(7), T0 + 4).await.unwrap();
    let again = store
        .enqueue(delivery("fourth", Some("evt"), T0 + 5))
        .await
        .unwrap();
    let Enqueued::Existing(done) = again else {
        panic!("expected Existing, got {again:?}")
    };
    assert_eq!(
        (done.status, done.outcome),
        (DeliveryStatus::Done, Some(outcome(7)))
    );

    store
        .dead_letter("first", "late failure", T0 + 6)
        .await
        .unwrap();
    let again = store
        .enqueue(delivery("fifth", Some("evt"), T0 + 7))
        .await
        .unwrap();
    assert!(matches!(again, Enqueued::Existing(r) if r.status == DeliveryStatus::Dead));
}

pub async fn event_ids_are_unique_per_kind_and_optional(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("cf", Some("evt"), T0)).await;
    let mut halo = delivery("halo", Some("evt"), T0);
    halo.kind = Kind::Halo;
    enqueue_new(&store, halo).await;

    enqueue_new(&store, delivery("anon-1", None, T0)).await;
    enqueue_new(&store, delivery("anon-2", None, T0)).await;
    assert_eq!(store.counts().await.unwrap().pending, 4);
}

pub async fn claim_due_takes_due_deliveries_oldest_first(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("c", None, T0 + 300)).await;
    enqueue_new(&store, delivery("a", None, T0 + 100)).await;
    enqueue_new(&store, delivery("b", None, T0 + 200)).await;
    enqueue_new(&store, delivery("later", None, T0)).await;
    store.claim("later", "w0", T0, LEASE).await.unwrap();
    store
        .retry_later("later", T0 + 10_000, "busy", T0)
        .await
        .unwrap();

    let first = store.claim_due("w1", T0 + 250, LEASE, 1).await.unwrap();
    assert_eq!(ids(&first), ["a"], "limit respected, oldest first");
    let rest = store.claim_due("w1", T0 + 250, LEASE, 10).await.unwrap();
    assert_eq!(ids(&rest), ["b"], "c and later are not due yet");

    let claimed = &rest[0];
    assert_eq!(claimed.status, DeliveryStatus::InFlight);
    assert_eq!(claimed.lease_owner.as_deref(), Some("w1"));
    assert_eq!(claimed.lease_until, Some(T0 + 250 + LEASE));
    assert_eq!((claimed.attempts, claimed.updated_at), (1, T0 + 250));
    assert_eq!(
        store.get("b").await.unwrap().as_ref(),
        Some(claimed),
        "returned as stored"
    );

    let none = store.claim_due("w2", T0 + 260, LEASE, 10).await.unwrap();
    assert!(
        none.is_empty(),
        "live leases are not claimed again: {:?}",
        ids(&none)
    );

    let all = store
        .claim_due("w2", T0 + 10_000, 1_000_000, 10)
        .await
        .unwrap();
    assert_eq!(ids(&all), ["c", "later"], "ordered by next_attempt_at");
}

pub async fn an_expired_lease_is_reclaimed_with_attempts_increased(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("d", None, T0)).await;
    let first = store.claim_due("w1", T0, 1_000, 10).await.unwrap();
    assert_eq!((first.len(), first[0].attempts), (1, 1));

    let at_end = store.claim_due("w2", T0 + 1_000, 1_000, 10).await.unwrap();
    assert!(
        at_end.is_empty(),
        "a lease ending exactly now is still live"
    );

    let reclaimed = store.claim_due("w2", T0 + 1_001, 1_000, 10).await.unwrap();
    assert_eq!(ids(&reclaimed), ["d"]);
    assert_eq!(reclaimed[0].attempts, 2);
    assert_eq!(reclaimed[0].lease_owner.as_deref(), Some("w2"));
    assert_eq!(reclaimed[0].lease_until, Some(T0 + 2_001));
}

pub async fn enqueue_claimed_records_a_delivery_already_claimed(store: Arc<dyn Store>) {
    let new = delivery("d", Some("evt"), T0);
    let intake = store
        .enqueue_claimed(new.clone(), "w1", LEASE)
        .await
        .unwrap();
    let Intake::Claimed(claimed) = intake else {
        panic!("expected Claimed, got {intake:?}")
    };
    let stored = store.get("d").await.unwrap().expect("stored");
    assert_eq!(claimed, stored, "the answer is the record as stored");
    assert_eq!(stored.status, DeliveryStatus::InFlight);
    assert_eq!(stored.attempts, 1, "its first attempt");
    assert_eq!(
        (stored.lease_owner.as_deref(), stored.lease_until),
        (Some("w1"), Some(T0 + LEASE))
    );
    assert_eq!((stored.body, stored.headers), (new.body, new.headers));
    assert_eq!((stored.received_at, stored.next_attempt_at), (T0, T0));

    assert!(
        store
            .claim_due("w2", T0 + 1, LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "nobody else takes it while the lease lasts"
    );
    assert_eq!(store.claim("d", "w2", T0 + 1, LEASE).await.unwrap(), None);
    let after_lease = store
        .claim_due("w2", T0 + LEASE + 1, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(ids(&after_lease), ["d"], "taken over once its lease ends");
    assert_eq!(after_lease[0].attempts, 2);

    let again = store
        .enqueue_claimed(delivery("d2", Some("evt"), T0 + 2), "w3", LEASE)
        .await
        .unwrap();
    let Intake::Existing(existing) = again else {
        panic!("expected Existing, got {again:?}")
    };
    assert_eq!(
        (existing.id.as_str(), existing.lease_owner.as_deref()),
        ("d", Some("w2")),
        "a copy is not recorded, nor claimed"
    );
    assert_eq!(store.get("d2").await.unwrap(), None);
    assert_eq!(store.counts().await.unwrap().in_flight, 1);
}

pub async fn an_interrupted_attempt_says_so_in_last_error(store: Arc<dyn Store>) {
    let interrupted = |record: &store::DeliveryRecord| {
        record
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with(store::INTERRUPTED))
    };
    for id in ["failed", "lease", "stopped"] {
        enqueue_new(&store, delivery(id, None, T0)).await;
        store
            .claim(id, "w1", T0, LEASE)
            .await
            .unwrap()
            .expect("claimed");
    }
    store
        .retry_later("failed", T0, "halo: 500", T0)
        .await
        .unwrap();
    let again = store
        .claim("failed", "w2", T0 + 1, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.last_error.as_deref(),
        Some("halo: 500"),
        "a failure says how"
    );

    let taken = store
        .claim("lease", "w2", T0 + LEASE + 1, LEASE)
        .await
        .unwrap()
        .expect("lease ended");
    assert!(interrupted(&taken), "{:?}", taken.last_error);
    assert!(interrupted(&store.get("lease").await.unwrap().unwrap()));

    assert_eq!(store.release_worker("w1", T0 + 2).await.unwrap(), 1);
    let released = store.get("stopped").await.unwrap().unwrap();
    assert!(interrupted(&released), "{:?}", released.last_error);

    store
        .claim("stopped", "w3", T0 + 3, 1)
        .await
        .unwrap()
        .unwrap();
    let due = store.claim_due("w4", T0 + 10, LEASE, 10).await.unwrap();
    assert_eq!(ids(&due), ["stopped"]);
    assert!(
        interrupted(&due[0]),
        "taken over by claim_due: {:?}",
        due[0].last_error
    );
}

pub async fn claim_takes_one_delivery_when_free(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("d", None, T0)).await;
    store.claim("d", "w0", T0, LEASE).await.unwrap();
    store
        .retry_later("d", T0 + 60_000, "later", T0)
        .await
        .unwrap();

    let claimed = store
        .claim("d", "w1", T0 + 1, 1_000)
        .await
        .unwrap()
        .expect("pending: claimed");
    assert_eq!(claimed.status, DeliveryStatus::InFlight);
    assert_eq!(
        (claimed.attempts, claimed.lease_until),
        (2, Some(T0 + 1_001))
    );

    assert_eq!(
        store.claim("d", "w2", T0 + 2, 1_000).await.unwrap(),
        None,
        "lease is live"
    );
    let taken = store
        .claim("d", "w2", T0 + 1_002, 1_000)
        .await
        .unwrap()
        .expect("lease ended");
    assert_eq!(
        (taken.attempts, taken.lease_owner.as_deref()),
        (3, Some("w2"))
    );

    store.complete("d", &outcome(1), T0 + 3_000).await.unwrap();
    assert_eq!(
        store.claim("d", "w3", T0 + 9_000_000, 1_000).await.unwrap(),
        None,
        "done"
    );
    assert_eq!(store.claim("missing", "w3", T0, 1_000).await.unwrap(), None);
}

pub async fn complete_records_the_outcome(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("d", Some("evt"), T0)).await;
    store.claim("d", "w", T0, LEASE).await.unwrap();
    store.complete("d", &outcome(42), T0 + 500).await.unwrap();

    let record = store.get("d").await.unwrap().expect("kept");
    assert_eq!(record.status, DeliveryStatus::Done);
    assert_eq!(record.outcome, Some(outcome(42)));
    assert_eq!((record.lease_owner, record.lease_until), (None, None));
    assert_eq!((record.updated_at, record.attempts), (T0 + 500, 1));
    assert!(
        store
            .claim_due("w", T0 + 10 * LEASE, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );

    store
        .complete("unknown", &outcome(1), T0)
        .await
        .expect("unknown id is not an error");
}

pub async fn retry_later_waits_for_the_next_attempt(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("d", None, T0)).await;
    store.claim("d", "w", T0, LEASE).await.unwrap();
    store
        .retry_later("d", T0 + 5_000, "halo 503", T0 + 10)
        .await
        .unwrap();

    let record = store.get("d").await.unwrap().expect("kept");
    assert_eq!(record.status, DeliveryStatus::Pending);
    assert_eq!(record.next_attempt_at, T0 + 5_000);
    assert_eq!(record.last_error.as_deref(), Some("halo 503"));
    assert_eq!((record.lease_owner, record.lease_until), (None, None));
    assert_eq!((record.attempts, record.updated_at), (1, T0 + 10));

    assert!(
        store
            .claim_due("w", T0 + 4_999, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_due("w", T0 + 5_000, LEASE, 10).await.unwrap();
    assert_eq!((ids(&again), again[0].attempts), (vec!["d"], 2));
}

pub async fn dead_letters_wait_for_replay(store: Arc<dyn Store>) {
    for id in ["a", "b", "c", "alive"] {
        enqueue_new(&store, delivery(id, None, T0)).await;
    }
    store.claim_due("w", T0, LEASE, 10).await.unwrap();
    for id in ["a", "b", "c"] {
        store.dead_letter(id, "gave up", T0 + 1).await.unwrap();
    }

    let dead = store.get("a").await.unwrap().expect("kept");
    assert_eq!(
        (dead.status, dead.last_error.as_deref()),
        (DeliveryStatus::Dead, Some("gave up"))
    );
    assert_eq!(
        (dead.lease_owner, dead.lease_until, dead.updated_at),
        (None, None, T0 + 1)
    );
    assert!(
        store
            .claim_due("w", T0 + 10 * LEASE, LEASE, 10)
            .await
            .unwrap()
            .len()
            == 1
    );

    assert!(!store.replay("missing", T0 + 2).await.unwrap());
    assert!(
        !store.replay("alive", T0 + 2).await.unwrap(),
        "not a dead letter"
    );
    assert!(store.replay("a", T0 + 2).await.unwrap());
    let replayed = store.get("a").await.unwrap().expect("kept");
    assert_eq!(replayed.status, DeliveryStatus::Pending);
    assert_eq!((replayed.attempts, replayed.next_attempt_at), (0, T0 + 2));
    assert!(
        !store.replay("a", T0 + 3).await.unwrap(),
        "already replayed"
    );

    assert_eq!(store.replay_all(T0 + 4).await.unwrap(), 2);
    assert_eq!(store.replay_all(T0 + 5).await.unwrap(), 0);
    let due = store.claim_due("w", T0 + 5, LEASE, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|r| r.id.as_str()).collect::<BTreeSet<_>>(),
        ["a", "b", "c"].into()
    );
    assert!(
        due.iter().all(|record| record.attempts == 1),
        "attempts restart after replay"
    );
}

pub async fn forget_removes_so_the_event_counts_as_new(store: Arc<dyn Store>) {
    enqueue_new(&store, delivery("d", Some("evt"), T0)).await;
    store.forget("d").await.unwrap();
    assert_eq!(store.get("d").await.unwrap(), None);
    assert_eq!(store.counts().await.unwrap(), Counts::default());

    enqueue_new(&store, delivery("d2", Some("evt"), T0 + 1)).await;
    store
        .forget("missing")
        .await
        .expect("unknown id is not an error");
}

pub async fn release_worker_returns_its_deliveries(store: Arc<dyn Store>) {
    for id in ["a", "b", "c"] {
        enqueue_new(&store, delivery(id, None, T0)).await;
    }
    store.claim("a", "w1", T0, LEASE).await.unwrap();
    store.claim("b", "w1", T0, LEASE).await.unwrap();
    store.claim("c", "w2", T0, LEASE).await.unwrap();

    assert_eq!(store.release_worker("w1", T0 + 100).await.unwrap(), 2);
    for id in ["a", "b"] {
        let record = store.get(id).await.unwrap().expect("kept");
        assert_eq!(record.status, DeliveryStatus::Pending, "{id}");
        assert_eq!(
            (record.next_attempt_at, record.attempts),
            (T0 + 100, 1),
            "{id}"
        );
        assert_eq!(
            (record.lease_owner, record.lease_until),
            (None, None),
            "{id}"
        );
    }
    let other = store.get("c").await.unwrap().expect("kept");
    assert_eq!(
        other.status,
        DeliveryStatus::InFlight,
        "another worker's stays"
    );
    assert_eq!(store.release_worker("w1", T0 + 200).await.unwrap(), 0);
}

pub async fn recent_lists_newest_first(store: Arc<dyn Store>) {
    for (id, at) in [("a", 1), ("b", 2), ("c", 3), ("d", 3), ("e", 5)] {
        enqueue_new(&store, delivery(id, None, T0 + at)).await;
    }
    for id in ["a", "d"] {
        store.claim(id, "w", T0 + 10, LEASE).await.unwrap();
        store.complete(id, &outcome(1), T0 + 10).await.unwrap();
    }

    let newest = store.recent(None, 3).await.unwrap();
    assert_eq!(
        ids(&newest),
        ["e", "d", "c"],
        "equal times: later insertion first"
    );
    let done = store.recent(Some(DeliveryStatus::Done), 10).await.unwrap();
    assert_eq!(ids(&done), ["d", "a"]);
    assert!(done.iter().all(|record| record.outcome == Some(outcome(1))));
    let dead = store.recent(Some(DeliveryStatus::Dead), 10).await.unwrap();
    assert!(dead.is_empty());
}

pub async fn counts_by_status(store: Arc<dyn Store>) {
    for id in ["p1", "p2", "f1", "d1", "x1", "x2"] {
        enqueue_new(&store, delivery(id, None, T0)).await;
    }
    for id in ["f1", "d1", "x1", "x2"] {
        store.claim(id, "w", T0, LEASE).await.unwrap();
    }
    store.complete("d1", &outcome(1), T0).await.unwrap();
    store.dead_letter("x1", "no", T0).await.unwrap();
    store.dead_letter("x2", "no", T0).await.unwrap();

    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts,
        Counts {
            pending: 2,
            in_flight: 1,
            done: 1,
            dead: 2
        }
    );
}

pub async fn prune_done_deletes_only_old_done_deliveries(store: Arc<dyn Store>) {
    for (id, event) in [
        ("old1", "e1"),
        ("old2", "e2"),
        ("new", "e3"),
        ("dead", "e4"),
    ] {
        enqueue_new(&store, delivery(id, Some(event), T0)).await;
    }
    enqueue_new(&store, delivery("pending", None, T0)).await;
    store.claim_due("w", T0, LEASE, 10).await.unwrap();
    store.complete("old1", &outcome(1), T0 + 100).await.unwrap();
    store.complete("old2", &outcome(2), T0 + 200).await.unwrap();
    store.complete("new", &outcome(3), T0 + 900).await.unwrap();
    store.dead_letter("dead", "no", T0 + 100).await.unwrap();
    store.release_worker("w", T0 + 100).await.unwrap();

    let pruned = store.prune_done(T0 + 500, 1).await.unwrap();
    let rest = store.prune_done(T0 + 500, 10).await.unwrap();
    assert_eq!((pruned, rest), (1, 1), "limit respected, then the rest");
    assert_eq!(store.get("old1").await.unwrap(), None, "oldest goes first");
    assert_eq!(store.get("old2").await.unwrap(), None);
    for kept in ["new", "dead", "pending"] {
        assert!(store.get(kept).await.unwrap().is_some(), "{kept} kept");
    }
    enqueue_new(&store, delivery("again", Some("e1"), T0 + 1_000)).await;
}
