//! End-to-end tests of the service edition: the shared ContraForce → Halo
//! scenarios on a SQLite store, and the binary killed with work queued.

use std::collections::BTreeMap;
use std::time::Duration;

use mock_halo::{MockHalo, MockHaloConfig, Route, RouteFaults};
use serde_json::json;
use store::ConnectOptions;
use testkit::cf_suite::{Edition, SETTLE, assert_reply, duplicate, private_notes, wait_settled};
use testkit::{BinaryBridge, Incident, Sender, cf_to_halo_vars, fresh_state_url};

const BINARY: &str = env!("CARGO_BIN_EXE_cf-to-halo-service");

testkit::cf_to_halo_e2e!(Service, env!("CARGO_BIN_EXE_cf-to-halo-service"));

/// Sends every `(event id, incident)` and expects each to be queued.
async fn queue_all(sender: &Sender, deliveries: &[(String, Incident)]) {
    for (event_id, incident) in deliveries {
        let reply = sender.cf(event_id, &incident.text()).await;
        assert_reply(
            &reply,
            202,
            json!({"status": "queued", "eventId": event_id}),
        );
    }
}

/// The binary is killed (SIGKILL) while deliveries wait for a retry and others
/// are in flight; restarted on the same SQLite file, it finishes every one of
/// them, each once: one ticket per incident, one note per later event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_work_queued_it_finishes_everything_once_after_a_restart() {
    let halo = MockHalo::start(MockHaloConfig::default())
        .await
        .expect("mock Halo starts");
    // Held creates stay held until the process is gone.
    halo.update_settings(|s| s.hold_ms = 30_000);
    let state_url = fresh_state_url(Edition::Service).await;
    let vars = cf_to_halo_vars(&halo)
        .set("STATE_URL", state_url.clone())
        .set("PROCESS_BUDGET_MS", "300");
    let bridge = BinaryBridge::start(BINARY, &vars).await;
    let sender = Sender::new(bridge.url.clone());

    // Creates fail at once: these wait in the queue for their retry.
    let waiting: Vec<(String, Incident)> = (0..4)
        .map(|n| (format!("w-{n}"), Incident::new(&format!("inc-waiting-{n}"))))
        .collect();
    let errors = RouteFaults {
        share_500: 1.0,
        ..RouteFaults::default()
    };
    halo.set_route_faults(Route::TicketsPost, errors);
    queue_all(&sender, &waiting).await;

    // Creates hang: these are in flight when the process dies.
    let flying: Vec<(String, Incident)> = (0..4)
        .map(|n| (format!("f-{n}"), Incident::new(&format!("inc-flying-{n}"))))
        .collect();
    let hanging = RouteFaults {
        share_timeout: 1.0,
        ..RouteFaults::default()
    };
    halo.set_route_faults(Route::TicketsPost, hanging);
    queue_all(&sender, &flying).await;
    let again = vec![
        ("w-0-again".to_owned(), waiting[0].1.clone()),
        ("f-0-again".to_owned(), flying[0].1.clone()),
    ];
    queue_all(&sender, &again).await;
    halo.wait_until(Duration::from_secs(10), "a create held", |h| {
        (h.held_requests() > 0).then_some(())
    })
    .await
    .expect("a create is in flight");

    bridge.kill();
    halo.clear_faults();
    assert!(
        halo.tickets().is_empty(),
        "nothing was created before the kill"
    );

    let bridge = BinaryBridge::start(BINARY, &vars).await;
    let store = store::connect(&state_url, ConnectOptions::default())
        .await
        .expect("the test opens the bridge's SQLite file");
    wait_settled(store.as_ref(), SETTLE).await;
    assert_eq!(store.counts().await.expect("counts").dead, 0);

    let all: Vec<&(String, Incident)> = waiting.iter().chain(&flying).chain(&again).collect();
    let mut ticket_of = BTreeMap::new();
    for (_, incident) in &all {
        let reference = incident.reference();
        let tickets = halo.tickets_with_reference(&reference);
        assert_eq!(tickets.len(), 1, "{reference}: {tickets:#?}");
        ticket_of.insert(reference, tickets[0].id);
    }
    assert_eq!(halo.tickets().len(), 8);
    for (ticket_id, named) in [
        (ticket_of[&waiting[0].1.reference()], ["w-0", "w-0-again"]),
        (ticket_of[&flying[0].1.reference()], ["f-0", "f-0-again"]),
    ] {
        // Either event may have created the ticket; the other left the one note.
        let notes = private_notes(&halo, ticket_id);
        assert_eq!(notes.len(), 1, "{notes:#?}");
        let names = |event: &str| notes[0].note_html.contains(&format!("(event {event})"));
        assert!(names(named[0]) != names(named[1]), "{notes:#?}");
    }
    for (_, incident) in waiting[1..].iter().chain(&flying[1..]) {
        let ticket_id = ticket_of[&incident.reference()];
        assert!(private_notes(&halo, ticket_id).is_empty());
    }

    // Every event is done: a redelivery is a duplicate and calls nothing.
    halo.reset_counters();
    let sender = Sender::new(bridge.url.clone());
    for (event_id, incident) in &all {
        let ticket_id = ticket_of[&incident.reference()];
        let reply = sender.cf(event_id, &incident.text()).await;
        assert_reply(&reply, 200, duplicate(ticket_id));
    }
    assert_eq!(halo.counters().total(), 0);
    drop(bridge);
    halo.stop().await;
}
