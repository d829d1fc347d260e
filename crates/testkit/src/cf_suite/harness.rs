//! One ContraForce → Halo test bed: a mock Halo, a bridge of the edition under
//! test in front of it, a signed sender, and the look-ups the scenarios assert
//! with (tickets by reference, private notes, exact answers).

use std::time::{Duration, Instant};

use mock_halo::{Action, MockHalo, MockHaloConfig, Ticket};
use relay::Bridge;
use relay::settings::{Direction, Edition};
use serde_json::{Value, json};
use store::{DeliveryStatus, Store};

use crate::send::now_text;
use crate::{Incident, Reply, Sender, Vars, cf_to_halo_vars, postgres_available, start_bridge};

/// The most any scenario waits for work to show up in Halo.
pub const SETTLE: Duration = Duration::from_secs(30);

/// What a generated test runs against: the edition and the service's own binary.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub edition: Edition,
    pub binary: &'static str,
}

/// A mock Halo and a bridge in front of it.
pub struct CfBed {
    pub edition: Edition,
    pub halo: MockHalo,
    pub vars: Vars,
    pub bridge: Bridge,
    pub sender: Sender,
}

impl CfBed {
    /// Starts both; `adjust` changes the bridge's settings. `None` when the
    /// edition needs PostgreSQL and none is configured (the test is skipped).
    pub async fn start(edition: Edition, adjust: impl FnOnce(Vars) -> Vars) -> Option<CfBed> {
        if edition == Edition::Cluster && !postgres_available() {
            return None;
        }
        let halo = MockHalo::start(MockHaloConfig::default())
            .await
            .expect("mock Halo starts");
        let vars = adjust(cf_to_halo_vars(&halo));
        let bridge = start_bridge(Direction::CfToHalo, edition, &vars).await;
        let sender = Sender::new(bridge.url());
        Some(CfBed {
            edition,
            halo,
            vars,
            bridge,
            sender,
        })
    }

    /// Replaces the bridge with a new one on a new, empty store (same settings),
    /// so nothing but Halo remembers what the old one did.
    pub async fn restart_with_fresh_store(&mut self) {
        let fresh = start_bridge(Direction::CfToHalo, self.edition, &self.vars).await;
        let old = std::mem::replace(&mut self.bridge, fresh);
        old.stop().await;
        self.sender = Sender::new(self.bridge.url());
    }

    /// Whether this edition answers 202 and keeps retrying (service, cluster)
    /// rather than 503 (function).
    pub fn queues(&self) -> bool {
        self.edition != Edition::Function
    }

    /// A correctly signed delivery of `incident` under `event_id`.
    pub async fn deliver(&self, event_id: &str, incident: &Incident) -> Reply {
        self.sender.cf(event_id, &incident.text()).await
    }

    /// Posts `body` to `/cf/webhooks` with exactly `headers`.
    pub async fn post(&self, headers: &[(&str, String)], body: &str) -> Reply {
        let body = body.as_bytes().to_vec();
        self.sender.cf_raw("/cf/webhooks", headers, body).await
    }

    /// Delivers and expects a new ticket; returns its id.
    pub async fn create(&self, event_id: &str, incident: &Incident) -> i64 {
        let reply = self.deliver(event_id, incident).await;
        created_id(&reply)
    }

    /// Delivers a later event of an incident that has `ticket_id` and expects
    /// the note's answer.
    pub async fn update(&self, event_id: &str, incident: &Incident, ticket_id: i64) {
        let reply = self.deliver(event_id, incident).await;
        assert_reply(&reply, 200, updated(ticket_id));
    }

    /// Tickets carrying exactly `reference` in any reference field.
    pub fn tickets_for(&self, reference: &str) -> Vec<Ticket> {
        self.halo.tickets_with_reference(reference)
    }

    /// The one ticket of `reference`, failing when there are none or several.
    pub fn only_ticket(&self, reference: &str) -> Ticket {
        let tickets = self.tickets_for(reference);
        assert_eq!(
            tickets.len(),
            1,
            "expected exactly one ticket for {reference}: {tickets:#?}"
        );
        tickets.into_iter().next().expect("one ticket")
    }

    /// Waits until a ticket of `reference` exists; returns the first.
    pub async fn wait_ticket(&self, reference: &str, limit: Duration) -> Ticket {
        self.halo
            .wait_until(limit, &format!("a ticket for {reference}"), |halo| {
                halo.tickets_with_reference(reference).into_iter().next()
            })
            .await
            .expect("the ticket appears in Halo")
    }

    /// The private notes on a ticket, oldest first.
    pub fn private_notes(&self, ticket_id: i64) -> Vec<Action> {
        private_notes(&self.halo, ticket_id)
    }

    /// The answer a delivery finally came to, from the bridge's store: waits up
    /// to `limit` for the delivery of `event_id` to be done.
    pub async fn final_answer(&self, event_id: &str, limit: Duration) -> (u16, Value) {
        let store = self.bridge.store();
        let deadline = Instant::now() + limit;
        loop {
            let recent = store.recent(None, 1000).await.expect("the store answers");
            let done = recent.into_iter().find(|d| {
                d.event_id.as_deref() == Some(event_id) && d.status == DeliveryStatus::Done
            });
            if let Some(outcome) = done.and_then(|d| d.outcome) {
                return (outcome.status, outcome.body);
            }
            assert!(
                Instant::now() < deadline,
                "delivery {event_id} not done after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to `limit` until the bridge's store has nothing pending or in flight.
    pub async fn wait_settled(&self, limit: Duration) {
        wait_settled(self.bridge.store().as_ref(), limit).await;
    }

    pub async fn stop(self) {
        self.bridge.stop().await;
        self.halo.stop().await;
    }
}

/// Waits up to `limit` until `store` has nothing pending or in flight.
pub async fn wait_settled(store: &dyn Store, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let counts = store.counts().await.expect("the store answers");
        if counts.pending == 0 && counts.in_flight == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "work left after {limit:?}: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The private notes on a ticket, oldest first.
pub fn private_notes(halo: &MockHalo, ticket_id: i64) -> Vec<Action> {
    halo.actions(ticket_id)
        .into_iter()
        .filter(|a| a.hiddenfromuser)
        .collect()
}

/// The headers of a delivery signed with `secret` at `timestamp`: event id
/// (when given), timestamp and signature; no schema header.
pub fn signed_headers(
    event_id: Option<&str>,
    body: &str,
    secret: &str,
    timestamp: &str,
) -> Vec<(&'static str, String)> {
    let signature = signing::sign_cf(secret.as_bytes(), timestamp, body.as_bytes());
    let mut headers = vec![
        ("X-CF-Timestamp", timestamp.to_owned()),
        ("X-CF-Signature", signature),
    ];
    if let Some(event_id) = event_id {
        headers.push(("X-CF-Event-Id", event_id.to_owned()));
    }
    headers
}

/// [`signed_headers`] with the test secret, the current time and the handled schema.
pub fn delivery_headers(event_id: &str, body: &str) -> Vec<(&'static str, String)> {
    let mut headers = signed_headers(Some(event_id), body, crate::CF_SECRET, &now_text());
    headers.push(("X-CF-Schema", INCIDENT_CREATED.to_owned()));
    headers
}

/// The one schema the bridge handles.
pub const INCIDENT_CREATED: &str = "incident.created.v1";

/// Asserts the exact status and JSON body of an answer.
pub fn assert_reply(reply: &Reply, status: u16, body: Value) {
    assert_eq!(
        (reply.status, &reply.body),
        (status, &body),
        "unexpected answer"
    );
}

/// The body of `200 updated`.
pub fn updated(ticket_id: i64) -> Value {
    json!({"status": "updated", "ticketId": ticket_id})
}

/// The body of `200 duplicate`.
pub fn duplicate(ticket_id: i64) -> Value {
    json!({"status": "duplicate", "ticketId": ticket_id})
}

/// Asserts `200 {"status":"created","ticketId":N}` and returns N.
pub fn created_id(reply: &Reply) -> i64 {
    let id = reply.body["ticketId"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ticket id in {reply:?}"));
    assert_reply(reply, 200, json!({"status": "created", "ticketId": id}));
    id
}

/// Asserts the 202 (service, cluster) or 503 (function) answer of work that
/// could not be finished now.
pub fn assert_not_finished(edition: Edition, reply: &Reply, event_id: &str) {
    if edition == Edition::Function {
        assert_reply(reply, 503, json!({"error": "upstream unavailable"}));
        let wait = reply.retry_after.as_deref().unwrap_or_default();
        assert!(
            wait.parse::<u64>().is_ok_and(|secs| secs >= 1),
            "a 503 needs Retry-After in whole seconds, got {:?}",
            reply.retry_after
        );
    } else {
        assert_reply(reply, 202, json!({"status": "queued", "eventId": event_id}));
    }
}
