//! What the operator view shows, gathered from the store once and shared by the
//! HTML page, the JSON routes and the `replay` command: deliveries as
//! display-ready records with every secret blanked and only harmless headers.
//! Rendering lives in `page.rs` and `json.rs`.

use serde::Serialize;
use serde_json::Value;
use store::{Counts, DeliveryRecord, DeliveryStatus, Kind, Store, StoreError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upstream::Secret;

/// Headers shown with a delivery. The store keeps no signature, but the view
/// does not rely on that: anything not listed here is never shown.
const SHOWN_HEADERS: [&str; 5] = [
    "x-cf-event-id",
    "x-cf-timestamp",
    "x-cf-schema",
    "x-cf-test",
    "content-type",
];

/// How much of a raw body is shown, in characters.
const EXCERPT_CHARS: usize = 600;

/// The most deliveries one listing returns.
pub const MAX_LIMIT: u32 = 500;
/// Deliveries listed when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 50;

/// One delivery as an operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The bridge's own id (what replay takes).
    pub id: String,
    /// `cf` or `halo`.
    pub kind: &'static str,
    /// `pending`, `in_flight`, `done` or `dead`.
    pub status: &'static str,
    /// In words: `created`, `ignored: ticket not found`, `retrying`, `dead letter`…
    pub outcome: String,
    /// The sender's event id (ContraForce deliveries).
    pub event_id: Option<String>,
    /// `cf|{source}|{incidentId}` (ContraForce deliveries).
    pub reference: Option<String>,
    /// The Halo tickets concerned: the one created or updated, or those a Halo
    /// webhook named.
    pub ticket_ids: Vec<i64>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub received_at: String,
    pub updated_at: String,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body_excerpt: String,
}

/// Counts by status, as the views show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountsView {
    pub pending: u64,
    pub in_flight: u64,
    pub done: u64,
    pub dead: u64,
}

impl From<Counts> for CountsView {
    fn from(counts: Counts) -> Self {
        Self {
            pending: counts.pending,
            in_flight: counts.in_flight,
            done: counts.done,
            dead: counts.dead,
        }
    }
}

/// Everything the page shows at once.
#[derive(Debug, Clone)]
pub struct Overview {
    pub counts: CountsView,
    pub queued: Vec<DeliveryView>,
    pub dead: Vec<DeliveryView>,
    pub recent: Vec<DeliveryView>,
}

/// Turns stored deliveries into views, blanking the given secrets wherever
/// they could appear (errors, bodies, headers).
pub struct Viewer {
    secrets: Vec<Secret>,
}

impl Viewer {
    pub fn new(secrets: Vec<Secret>) -> Self {
        Self { secrets }
    }

    /// Reads the counts and the three lists the page shows.
    pub async fn overview(&self, store: &dyn Store, limit: u32) -> Result<Overview, StoreError> {
        let counts = store.counts().await?.into();
        let mut queued = self
            .list(store, Some(DeliveryStatus::InFlight), limit)
            .await?;
        queued.extend(
            self.list(store, Some(DeliveryStatus::Pending), limit)
                .await?,
        );
        let dead = self.list(store, Some(DeliveryStatus::Dead), limit).await?;
        let recent = self.list(store, None, limit).await?;
        Ok(Overview {
            counts,
            queued,
            dead,
            recent,
        })
    }

    /// The most recent deliveries, optionally of one status.
    pub async fn list(
        &self,
        store: &dyn Store,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        let records = store.recent(status, limit.clamp(1, MAX_LIMIT)).await?;
        Ok(records.iter().map(|record| self.view(record)).collect())
    }

    pub fn view(&self, record: &DeliveryRecord) -> DeliveryView {
        let outcome_ticket = record
            .outcome
            .as_ref()
            .and_then(|o| o.body.get("ticketId"))
            .and_then(Value::as_i64);
        let (reference, ticket_ids) = match record.kind {
            Kind::Cf => (
                record.subject.as_deref().map(|s| self.clean(s)),
                outcome_ticket.into_iter().collect(),
            ),
            Kind::Halo => (None, ticket_numbers(record.subject.as_deref())),
        };
        DeliveryView {
            id: record.id.clone(),
            kind: record.kind.as_str(),
            status: record.status.as_str(),
            outcome: outcome_words(record),
            event_id: record.event_id.as_deref().map(|e| self.clean(e)),
            reference,
            ticket_ids,
            attempts: record.attempts,
            last_error: record.last_error.as_deref().map(|e| self.clean(e)),
            received_at: rfc3339(record.received_at),
            updated_at: rfc3339(record.updated_at),
            next_attempt_at: (record.status == DeliveryStatus::Pending)
                .then(|| rfc3339(record.next_attempt_at)),
            headers: record
                .headers
                .iter()
                .filter(|(name, _)| SHOWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
                .map(|(name, value)| (name.clone(), self.clean(value)))
                .collect(),
            body_excerpt: self.clean(&excerpt(&record.body)),
        }
    }

    fn clean(&self, text: &str) -> String {
        upstream::message::redact(text, &self.secrets)
    }
}

/// The outcome in a few words.
fn outcome_words(record: &DeliveryRecord) -> String {
    match record.status {
        DeliveryStatus::Pending if record.attempts == 0 => "queued".to_owned(),
        DeliveryStatus::Pending => "retrying".to_owned(),
        DeliveryStatus::InFlight => "in progress".to_owned(),
        DeliveryStatus::Dead => "dead letter".to_owned(),
        DeliveryStatus::Done => {
            let Some(outcome) = &record.outcome else {
                return "done".to_owned();
            };
            let body = &outcome.body;
            let text = |key: &str| body.get(key).and_then(Value::as_str);
            match (text("status"), text("reason"), text("error")) {
                (Some(status), Some(reason), _) => format!("{status}: {reason}"),
                (Some(status), None, _) => status.to_owned(),
                (None, _, Some(error)) => format!("HTTP {}: {error}", outcome.status),
                (None, _, None) => format!("HTTP {}", outcome.status),
            }
        }
    }
}

/// The ticket numbers in a Halo delivery's subject (`ticket 5, ticket 7`).
fn ticket_numbers(subject: Option<&str>) -> Vec<i64> {
    subject
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|digits| digits.parse().ok())
        .collect()
}

/// The start of a raw body as text, cut at a character boundary.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Unix milliseconds as RFC 3339 (UTC); out-of-range values print as the number.
pub fn rfc3339(unix_ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use store::Outcome;

    fn record(kind: Kind, status: DeliveryStatus) -> DeliveryRecord {
        DeliveryRecord {
            id: "d1".into(),
            kind,
            event_id: Some("evt-1".into()),
            subject: Some("cf|sentinel|inc-1".into()),
            headers: vec![
                ("x-cf-event-id".into(), "evt-1".into()),
                ("x-cf-signature".into(), "sha256=abcdef".into()),
                ("authorization".into(), "Bearer hunter2".into()),
            ],
            body: br#"{"data":{"title":"<b>hi</b> hunter2"}}"#.to_vec(),
            status,
            attempts: 3,
            next_attempt_at: 1_700_000_005_000,
            lease_owner: None,
            lease_until: None,
            last_error: Some("Halo refused hunter2".into()),
            outcome: None,
            received_at: 1_700_000_000_000,
            updated_at: 1_700_000_001_500,
        }
    }

    fn viewer() -> Viewer {
        Viewer::new(vec![Secret::new("hunter2")])
    }

    #[test]
    fn secrets_and_signatures_never_show() {
        let view = viewer().view(&record(Kind::Cf, DeliveryStatus::Dead));
        let text = serde_json::to_string(&view).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("sha256="), "{text}");
        assert_eq!(
            view.headers,
            vec![("x-cf-event-id".to_owned(), "evt-1".to_owned())]
        );
        assert_eq!(view.last_error.as_deref(), Some("Halo refused ***"));
        assert_eq!(view.outcome, "dead letter");
        assert_eq!(view.received_at, "2023-11-14T22:13:20Z");
        assert_eq!(view.next_attempt_at, None);
    }

    #[test]
    fn outcomes_in_words_and_ticket_ids() {
        let mut done = record(Kind::Cf, DeliveryStatus::Done);
        done.outcome = Some(Outcome {
            status: 200,
            body: json!({"status": "created", "ticketId": 1001}),
        });
        let view = viewer().view(&done);
        assert_eq!(
            (view.outcome.as_str(), view.ticket_ids),
            ("created", vec![1001])
        );
        assert_eq!(view.reference.as_deref(), Some("cf|sentinel|inc-1"));

        let mut halo = record(Kind::Halo, DeliveryStatus::Done);
        halo.subject = Some("ticket 5, ticket 17".into());
        halo.outcome = Some(Outcome {
            status: 200,
            body: json!({"status": "ignored", "reason": "ticket not found"}),
        });
        let view = viewer().view(&halo);
        assert_eq!(view.outcome, "ignored: ticket not found");
        assert_eq!(view.ticket_ids, vec![5, 17]);
        assert_eq!(view.reference, None);

        let pending = viewer().view(&record(Kind::Cf, DeliveryStatus::Pending));
        assert_eq!(pending.outcome, "retrying");
        assert_eq!(
            pending.next_attempt_at.as_deref(),
            Some("2023-11-14T22:13:25Z")
        );
    }

    #[test]
    fn long_bodies_are_cut_between_characters() {
        let body = "é".repeat(EXCERPT_CHARS + 10);
        let cut = excerpt(body.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
