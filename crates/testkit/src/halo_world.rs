//! A Halo → ContraForce bridge under test with its two mock upstreams, and what
//! the scenarios need to speak about them: CF-linked tickets and notes in Halo,
//! webhook bodies in Halo's shape, comments in ContraForce, and the exact answers
//! of contract §4. The scenarios themselves are in `halo_suite.rs`.

use std::ops::Deref;
use std::time::{Duration, Instant};

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig, TECHNICIAN_ID, TicketInput};
use relay::Bridge;
use relay::settings::{Direction, Edition};
use serde_json::{Value, json};

use crate::{Reply, Sender, Vars};

/// The longest a scenario waits for something the bridge does in the background.
pub const WAIT: Duration = Duration::from_secs(30);

/// The ContraForce source every linked ticket names.
pub const SOURCE: &str = "sentinel";

/// The technician's display name in mock-halo, as it appears in comment markers.
pub const TECHNICIAN: &str = "Sam Technician";

/// The two mock upstreams of a Halo → ContraForce bridge.
pub struct Upstreams {
    pub halo: MockHalo,
    pub cf: MockContraForce,
}

impl Upstreams {
    pub async fn start() -> Self {
        Self::start_with(MockHaloConfig::default()).await
    }

    /// The mocks, mock Halo set up as `halo` says.
    pub async fn start_with(halo: MockHaloConfig) -> Self {
        let halo = MockHalo::start(halo).await.expect("mock Halo starts");
        let cf = MockContraForce::start(MockCfConfig::default())
            .await
            .expect("mock ContraForce starts");
        Self { halo, cf }
    }

    /// The bridge settings pointing at these mocks.
    pub fn vars(&self) -> Vars {
        crate::halo_to_cf_vars(&self.halo, &self.cf)
    }

    /// The bridge settings pointing at these mocks, with a new empty store of
    /// `edition`'s kind, for bridge binaries that are to share or reuse it.
    pub async fn vars_on_fresh_store(&self, edition: Edition) -> Vars {
        self.vars()
            .set("STATE_URL", crate::fresh_state_url(edition).await)
    }

    /// A ticket carrying the reference `cf|sentinel|{incident_id}` in
    /// `thirdpartynumber`, logged by the technician (its first action is blank).
    pub fn linked_ticket(&self, incident_id: &str) -> i64 {
        self.ticket(TicketInput {
            thirdpartynumber: Some(format!("cf|{SOURCE}|{incident_id}")),
            ..TicketInput::with_summary(format!("[CF #1234] {incident_id}"))
        })
    }

    /// A ticket created from `input`.
    pub fn ticket(&self, input: TicketInput) -> i64 {
        self.halo.create_ticket(&input).expect("ticket created").id
    }

    /// A public note by the technician; returns its action id.
    pub fn note(&self, ticket_id: i64, html: &str) -> i64 {
        self.halo
            .add_note(ticket_id, TECHNICIAN_ID, html, false)
            .expect("note added")
            .id
    }

    /// Adds the public note `<p>{text}</p>` by the technician; returns the
    /// comment the bridge is to make of it.
    pub fn public_note(&self, ticket_id: i64, text: &str) -> String {
        let action = self.note(ticket_id, &format!("<p>{text}</p>"));
        comment(ticket_id, action, text)
    }

    /// Closes the ticket (status 9) with a blank closing action.
    pub fn close(&self, ticket_id: i64) {
        self.halo
            .close_ticket(ticket_id, TECHNICIAN_ID, "")
            .expect("ticket closed");
    }

    /// Reopens the ticket (status 2; Halo keeps `hasbeenclosed`).
    pub fn reopen(&self, ticket_id: i64) {
        self.halo
            .reopen_ticket(ticket_id, TECHNICIAN_ID, "")
            .expect("ticket reopened");
    }

    /// The comments on an incident, their text only, in arrival order.
    pub fn comments(&self, incident_id: &str) -> Vec<String> {
        self.cf
            .comments(incident_id)
            .into_iter()
            .map(|c| c.content)
            .collect()
    }

    /// `(status, classification, reason)` of every accepted status change.
    pub fn status_changes(
        &self,
        incident_id: &str,
    ) -> Vec<(String, Option<String>, Option<String>)> {
        self.cf
            .status_changes(incident_id)
            .into_iter()
            .map(|c| (c.status, c.classification, c.classification_reason))
            .collect()
    }

    /// Waits until the incident has exactly `n` comments (failing on more).
    pub async fn await_comments(&self, incident_id: &str, n: usize) -> Vec<String> {
        self.cf
            .wait_for_comments(incident_id, n, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}; comments: {:?}", self.comments(incident_id)));
        let comments = self.comments(incident_id);
        assert_eq!(comments.len(), n, "comments on {incident_id}: {comments:?}");
        comments
    }

    pub async fn stop(self) {
        self.halo.stop().await;
        self.cf.stop().await;
    }
}

/// A bridge of one edition started in-process against its own mocks.
pub struct HaloWorld {
    pub edition: Edition,
    pub up: Upstreams,
    pub bridge: Bridge,
    pub sender: Sender,
}

impl Deref for HaloWorld {
    type Target = Upstreams;

    fn deref(&self) -> &Upstreams {
        &self.up
    }
}

impl HaloWorld {
    /// Fresh mocks and a bridge with the test settings.
    pub async fn start(edition: Edition) -> Self {
        Self::start_with(edition, |vars| vars).await
    }

    /// Fresh mocks and a bridge with the test settings as `change` leaves them.
    pub async fn start_with(edition: Edition, change: impl FnOnce(Vars) -> Vars) -> Self {
        Self::start_on(Upstreams::start().await, edition, change).await
    }

    /// A bridge on mocks the caller set up, with the test settings as `change`
    /// leaves them.
    pub async fn start_on(
        up: Upstreams,
        edition: Edition,
        change: impl FnOnce(Vars) -> Vars,
    ) -> Self {
        let vars = change(up.vars());
        let bridge = crate::start_bridge(Direction::HaloToCf, edition, &vars).await;
        let sender = Sender::new(bridge.url());
        Self {
            edition,
            up,
            bridge,
            sender,
        }
    }

    /// Posts `body` with the secret in `X-Halo-Secret`.
    pub async fn post(&self, body: &Value) -> Reply {
        self.sender.halo(body).await
    }

    /// Posts the webhook Halo sends about `ticket_id`.
    pub async fn poke(&self, ticket_id: i64) -> Reply {
        self.post(&webhook(ticket_id)).await
    }

    /// Waits until the bridge has nothing queued or in progress.
    pub async fn settled(&self) {
        settled(&self.sender).await;
    }

    pub async fn stop(self) {
        self.bridge.stop().await;
        self.up.stop().await;
    }
}

/// Whether a scenario can run in `edition` here: the cluster edition needs
/// PostgreSQL (and says so, or fails under CI, when it is missing).
pub fn edition_ready(edition: Edition) -> bool {
    edition != Edition::Cluster || crate::postgres_available()
}

/// The webhook Halo sends when an action is added to `ticket_id`: a GUID as its
/// own `id`, the ticket id in `object_id` and, as text, in `ticket.id`.
pub fn webhook(ticket_id: i64) -> Value {
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "webhook_id": "a1b2c3d4-0000-4000-8000-00000000abcd",
        "notification_id": 23,
        "escmsg_id": uuid::Uuid::new_v4().to_string(),
        "event": "action added",
        "message": format!("Ticket {ticket_id:07} updated"),
        "object_id": ticket_id,
        "agent_id": TECHNICIAN_ID,
        "timestamp": "2026-04-22T15:20:00.1234567Z",
        "ticket": {"id": ticket_id.to_string(), "hasbeenclosed": false},
    })
}

/// `200 {"status":"processed","actionsForwarded":n,"closed":closed}`.
pub fn processed(forwarded: u64, closed: bool) -> Value {
    json!({"status": "processed", "actionsForwarded": forwarded, "closed": closed})
}

/// `200 {"status":"ignored","reason":reason}`.
pub fn ignored(reason: &str) -> Value {
    json!({"status": "ignored", "reason": reason})
}

/// The first line of the comment for action `action_id` of `ticket_id`.
pub fn marker(ticket_id: i64, action_id: i64, who: &str) -> String {
    format!("[Halo ticket #{ticket_id} · action {action_id} · {who}]")
}

/// The whole comment for a note by the technician whose plain text is `text`.
pub fn comment(ticket_id: i64, action_id: i64, text: &str) -> String {
    format!("{}\n\n{text}", marker(ticket_id, action_id, TECHNICIAN))
}

/// Asserts an answer's status and exact body.
pub fn expect(reply: &Reply, status: u16, body: &Value, step: &str) {
    assert_eq!(
        (reply.status, &reply.body),
        (status, body),
        "{step}: unexpected answer"
    );
}

/// Asserts `200` with `body`.
pub fn expect_ok(reply: &Reply, body: &Value, step: &str) {
    expect(reply, 200, body, step);
}

/// Asserts the answer for work that could not finish because an upstream is
/// failing: `503 {"error":"upstream unavailable"}` with a whole-seconds
/// `Retry-After` in the function edition, `202 {"status":"queued","eventId":…}`
/// in the others. Returns the `Retry-After` seconds (function) or 0.
pub fn expect_pending(edition: Edition, reply: &Reply, step: &str) -> u64 {
    if edition == Edition::Function {
        expect(reply, 503, &json!({"error": "upstream unavailable"}), step);
        let wait = reply.retry_after.as_deref().unwrap_or_default();
        let secs = wait
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{step}: Retry-After {wait:?} is not whole seconds"));
        assert!(secs >= 1, "{step}: Retry-After {secs}");
        return secs;
    }
    assert_eq!(reply.status, 202, "{step}: {:?}", reply.body);
    let event_id = reply.body["eventId"].as_str().unwrap_or_default();
    assert!(
        !event_id.is_empty(),
        "{step}: no eventId in {:?}",
        reply.body
    );
    expect(
        reply,
        202,
        &json!({"status": "queued", "eventId": event_id}),
        step,
    );
    0
}

/// Waits until the bridge behind `sender` reports nothing queued or in progress
/// (`bridge_queue_depth 0` on `/metrics`).
pub async fn settled(sender: &Sender) {
    let started = Instant::now();
    loop {
        let (_, text) = sender.get_text("/metrics").await;
        let depth = text
            .lines()
            .find_map(|line| line.strip_prefix("bridge_queue_depth "))
            .and_then(|n| n.trim().parse::<u64>().ok());
        if depth == Some(0) {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "the bridge still has {depth:?} deliveries queued after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
