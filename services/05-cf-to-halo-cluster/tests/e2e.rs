//! End-to-end tests of the cluster edition: the shared ContraForce → Halo
//! scenarios on PostgreSQL, and two replicas of the binary on one database with
//! one of them killed mid-run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mock_halo::{MockHalo, MockHaloConfig, Route, RouteFaults};
use serde_json::Value;
use store::ConnectOptions;
use testkit::cf_suite::{Edition, delivery_headers, private_notes, wait_settled};
use testkit::{
    BinaryBridge, Incident, Reply, cf_to_halo_vars, fresh_state_url, postgres_available,
};

const BINARY: &str = env!("CARGO_BIN_EXE_cf-to-halo-cluster");

testkit::cf_to_halo_e2e!(Cluster, env!("CARGO_BIN_EXE_cf-to-halo-cluster"));

/// Incidents in the replica test; each gets a second event on the other replica.
const INCIDENTS: usize = 16;
/// A killed replica's claims and locks run out after the engine's 60 s lease;
/// the survivor needs a little more to finish what they held.
const AFTER_KILL: Duration = Duration::from_secs(70);

/// Posts a signed delivery to `first`; when that replica gives no answer (it
/// was killed), redelivers to `fallback`, as ContraForce would.
async fn deliver(
    http: &reqwest::Client,
    first: &str,
    fallback: &str,
    event_id: &str,
    body: &str,
) -> Reply {
    for url in [first, fallback] {
        let mut request = http
            .post(format!("{url}/cf/webhooks"))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        for (name, value) in delivery_headers(event_id, body) {
            request = request.header(name, value);
        }
        if let Ok(response) = request.send().await {
            let status = response.status().as_u16();
            if let Ok(text) = response.text().await {
                let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                return Reply {
                    status,
                    body,
                    retry_after: None,
                };
            }
        }
    }
    panic!("neither replica answered {event_id}");
}

/// Two replicas share one fresh database; deliveries (two events per incident,
/// one on each replica) are spread over both, and one replica is killed while
/// tickets are being created. Every incident ends with exactly one ticket and
/// nothing is left in the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_killed_mid_run_leave_one_ticket_per_incident() {
    if !postgres_available() {
        return;
    }
    let halo = MockHalo::start(MockHaloConfig::default())
        .await
        .expect("mock Halo starts");
    // Slow creates keep work in flight long enough to kill a replica in the middle.
    let slow = RouteFaults {
        latency_ms: 100,
        ..RouteFaults::default()
    };
    halo.set_route_faults(Route::TicketsPost, slow);
    let state_url = fresh_state_url(Edition::Cluster).await;
    let vars = cf_to_halo_vars(&halo)
        .set("STATE_URL", state_url.clone())
        .set("PROCESS_BUDGET_MS", "1000");
    let doomed = BinaryBridge::start(BINARY, &vars).await;
    let survivor = BinaryBridge::start(BINARY, &vars).await;
    let (doomed_url, survivor_url) = (doomed.url.clone(), survivor.url.clone());

    let incidents: Vec<Incident> = (0..INCIDENTS)
        .map(|n| Incident::new(&format!("inc-replica-{n:02}")))
        .collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let mut sends = Vec::new();
    for (n, incident) in incidents.iter().enumerate() {
        let (here, there) = if n % 2 == 0 {
            (&doomed_url, &survivor_url)
        } else {
            (&survivor_url, &doomed_url)
        };
        for (event_id, first) in [(format!("e-{n:02}"), here), (format!("e-{n:02}-b"), there)] {
            let (http, first, fallback) = (http.clone(), first.clone(), survivor_url.clone());
            let body = incident.text();
            sends.push(tokio::spawn(async move {
                deliver(&http, &first, &fallback, &event_id, &body).await
            }));
        }
    }

    halo.wait_for_tickets(INCIDENTS / 4, Duration::from_secs(30))
        .await
        .expect("tickets are being created");
    doomed.kill();
    let killed_at = Instant::now();

    for send in sends {
        let reply = send.await.expect("a sending task");
        let status = reply.body["status"].as_str().unwrap_or_default();
        assert!(
            matches!(
                (reply.status, status),
                (200, "created" | "updated" | "duplicate") | (202, "queued")
            ),
            "{reply:?}"
        );
    }

    let store = store::connect(&state_url, ConnectOptions::default())
        .await
        .expect("the test opens the shared database");
    wait_settled(
        store.as_ref(),
        AFTER_KILL.saturating_sub(killed_at.elapsed()),
    )
    .await;
    eprintln!("settled {:?} after the kill", killed_at.elapsed());
    assert_eq!(store.counts().await.expect("counts").dead, 0);

    let mut notes_by_event = BTreeMap::<String, usize>::new();
    for incident in &incidents {
        let reference = incident.reference();
        let tickets = halo.tickets_with_reference(&reference);
        assert_eq!(tickets.len(), 1, "{reference}: {tickets:#?}");
        for note in private_notes(&halo, tickets[0].id) {
            let html = note.note_html;
            let event = html
                .split("(event ")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .unwrap_or_default()
                .to_owned();
            *notes_by_event.entry(event).or_default() += 1;
        }
    }
    assert_eq!(halo.tickets().len(), INCIDENTS);
    let doubled: Vec<_> = notes_by_event.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "notes doubled: {doubled:?} in {:#?}",
        halo.snapshot()
    );
    drop(survivor);
    halo.stop().await;
}
