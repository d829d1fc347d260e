//! The mock's outbound side: signed `incident.created.v1` deliveries to the
//! configured target, retried until a 2xx as ContraForce's sender does, with
//! every attempt recorded. Building bodies lives in `envelope`, signing in the
//! `signing` crate.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::envelope::{self, Envelope, IncidentTemplate, SCHEMA};
use crate::shared::{Shared, Target};
use crate::state::Announced;

/// Longest answer body kept per attempt.
const MAX_ANSWER_CHARS: usize = 64 * 1024;

/// One event the sender knows: what goes on the wire, minus the per-attempt
/// timestamp and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_id: String,
    /// `data.incidentId` of the body, when it has one.
    pub incident_id: Option<String>,
    /// Sent as `X-CF-Schema`.
    pub schema: String,
    /// Sent as `X-CF-Test: true` when set.
    pub test: bool,
    /// The exact bytes sent and signed.
    #[serde(serialize_with = "lossy_text")]
    pub body: Vec<u8>,
}

fn lossy_text<S: serde::Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(body))
}

impl Event {
    /// An `incident.created.v1` event carrying exactly `body`.
    pub fn new(event_id: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let incident_id = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|value| value["data"]["incidentId"].as_str().map(str::to_owned));
        Self {
            event_id: event_id.into(),
            incident_id,
            schema: SCHEMA.to_owned(),
            test: false,
            body,
        }
    }

    /// The same event under another `X-CF-Schema`.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The same event marked (or not) with `X-CF-Test: true`.
    pub fn with_test(mut self, test: bool) -> Self {
        self.test = test;
        self
    }

    /// The body as JSON, when it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One try at delivering an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    pub event_id: String,
    /// 1 for the first try of a delivery, 2 for its first retry, and so on.
    pub attempt: u32,
    pub test: bool,
    /// The `X-CF-Timestamp` sent.
    pub timestamp: String,
    /// The answer's status; `None` when no answer came (refused, timed out).
    pub status: Option<u16>,
    /// Why no answer came.
    pub error: Option<String>,
    /// The answer body (cut to 64 KiB).
    pub body: String,
    /// The answer's `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// When the attempt was sent.
    pub at_unix_ms: i64,
}

/// What came of delivering one event: the last answer and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub event_id: String,
    pub incident_id: Option<String>,
    /// The last answer's status; `None` when the last attempt got no answer.
    pub status: Option<u16>,
    /// The last answer's body, parsed, when it was JSON.
    pub body: Option<Value>,
    /// The last answer's body as text.
    pub text: String,
    /// Why the last attempt got no answer.
    pub error: Option<String>,
    pub attempts: Vec<DeliveryAttempt>,
}

impl Delivery {
    /// Whether the last answer was a 2xx.
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }

    /// The `status` field of the last answer's JSON body (`created`,
    /// `duplicate`, …), when there is one.
    pub fn outcome(&self) -> Option<&str> {
        self.body.as_ref()?.get("status")?.as_str()
    }
}

/// Why an operation could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("no webhook target configured")]
    NoTarget,
    #[error("no event with id {0} was sent before")]
    UnknownEvent(String),
}

/// Picks the id and number of a new incident, builds its event, records the
/// incident as announced and remembers the event for redelivery.
pub(crate) fn prepare(shared: &Shared, template: &IncidentTemplate) -> Event {
    let now_ms = shared.now_ms();
    let incident_id = template
        .incident_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let number = shared.change(|inner| {
        let number = template.incident_number.unwrap_or(inner.next_number);
        inner.next_number = inner.next_number.max(number.saturating_add(1));
        number
    });

    let envelope = Envelope::build(template, incident_id.clone(), number, now_ms);
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    let event_id = template
        .event_id
        .clone()
        .unwrap_or_else(|| envelope::event_id_for(&incident_id, 0));
    let event = Event::new(event_id, body).with_test(template.test);

    let announced = Announced {
        number: Some(number),
        title: Some(template.title.clone()),
        severity: Some(template.severity.clone()),
        source: Some(template.source.clone()),
    };
    register(shared, &event, announced);
    event
}

/// Remembers `event` for redelivery and creates its incident if it names one.
pub(crate) fn register(shared: &Shared, event: &Event, announced: Announced) {
    let now_ms = shared.now_ms();
    shared.change(|inner| {
        if let Some(id) = &event.incident_id {
            inner.incidents.announce(id, announced, now_ms);
        }
        inner.events.push(event.clone());
    });
}

/// An event for a caller-given body: the id follows from `data.incidentId`, or
/// from the body itself when it names no incident.
pub(crate) fn event_for_body(shared: &Shared, body: &Value) -> Event {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let data = &body["data"];
    let text = |key: &str| data[key].as_str().map(str::to_owned);
    let seed = text("incidentId").unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    let event = Event::new(envelope::event_id_for(&seed, 0), bytes)
        .with_test(body["isTest"].as_bool().unwrap_or(false));
    let announced = Announced {
        number: data["incidentNumber"].as_u64(),
        title: text("title"),
        severity: text("severity"),
        source: text("source"),
    };
    register(shared, &event, announced);
    event
}

/// The events behind "one incident under `count` event ids": the same body,
/// the first id as a plain send would give it, then further variants.
pub(crate) fn under_event_ids(
    shared: &Shared,
    template: &IncidentTemplate,
    count: u32,
) -> Vec<Event> {
    let first = prepare(shared, template);
    let seed = first.incident_id.clone().unwrap_or_default();
    let mut events = vec![first.clone()];
    for variant in 1..count {
        let event = Event {
            event_id: envelope::event_id_for(&seed, variant),
            ..first.clone()
        };
        register(shared, &event, Announced::default());
        events.push(event);
    }
    events.truncate(usize::try_from(count).unwrap_or(usize::MAX));
    events
}

/// Delivers `event` until a 2xx or the attempts run out, recording each try.
pub(crate) async fn deliver(shared: &Shared, event: &Event) -> Result<Delivery, SendError> {
    let target = shared.read(|inner| inner.target.clone());
    let url = target.url.clone().ok_or(SendError::NoTarget)?;
    let max_attempts = target.retry.max_attempts.max(1);
    let mut attempts = Vec::new();

    for attempt in 1..=max_attempts {
        let record = attempt_once(shared, &target, &url, event, attempt).await;
        shared.change(|inner| inner.attempts.push(record.clone()));
        let done = record.status.is_some_and(|s| (200..300).contains(&s));
        let wait = wait_before_retry(shared, &target, &record, attempt);
        attempts.push(record);
        if done || attempt == max_attempts {
            break;
        }
        let wait_ms = wait.as_millis();
        tracing::debug!(event_id = %event.event_id, attempt, wait_ms, "retrying");
        shared.clock.sleep(wait).await;
    }

    let last = attempts.last().cloned();
    let delivery = Delivery {
        event_id: event.event_id.clone(),
        incident_id: event.incident_id.clone(),
        status: last.as_ref().and_then(|a| a.status),
        body: last
            .as_ref()
            .and_then(|a| serde_json::from_str(&a.body).ok()),
        text: last.as_ref().map(|a| a.body.clone()).unwrap_or_default(),
        error: last.and_then(|a| a.error),
        attempts,
    };
    tracing::info!(
        event_id = %delivery.event_id,
        status = ?delivery.status,
        attempts = delivery.attempts.len(),
        "delivery finished"
    );
    Ok(delivery)
}

async fn attempt_once(
    shared: &Shared,
    target: &Target,
    url: &str,
    event: &Event,
    attempt: u32,
) -> DeliveryAttempt {
    let timestamp = shared.clock.unix_seconds().to_string();
    let signature = signing::sign_cf(target.secret.expose().as_bytes(), &timestamp, &event.body);
    let mut request = shared
        .http
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-CF-Signature", signature)
        .header("X-CF-Timestamp", &timestamp)
        .header("X-CF-Event-Id", &event.event_id)
        .header("X-CF-Schema", &event.schema)
        .body(event.body.clone());
    if event.test {
        request = request.header("X-CF-Test", "true");
    }

    let mut record = DeliveryAttempt {
        event_id: event.event_id.clone(),
        attempt,
        test: event.test,
        timestamp,
        status: None,
        error: None,
        body: String::new(),
        retry_after: None,
        at_unix_ms: shared.now_ms(),
    };
    match request.send().await {
        Ok(response) => {
            record.status = Some(response.status().as_u16());
            record.retry_after = response
                .headers()
                .get("Retry-After")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            match response.text().await {
                Ok(text) => record.body = text.chars().take(MAX_ANSWER_CHARS).collect(),
                Err(error) => record.error = Some(format!("reading the answer failed: {error}")),
            }
        }
        Err(error) => record.error = Some(describe(error)),
    }
    record
}

fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", error.without_url())
}

/// The wait after a failed attempt: what `Retry-After` asks (capped), else the
/// backoff for this attempt.
fn wait_before_retry(
    shared: &Shared,
    target: &Target,
    record: &DeliveryAttempt,
    attempt: u32,
) -> Duration {
    let asked = record
        .retry_after
        .as_deref()
        .and_then(|value| upstream::parse_retry_after(value, shared.clock.now()));
    match asked {
        Some(wait) => wait.min(target.retry.max_retry_after),
        None => target.retry.backoff(attempt),
    }
}

/// Delivers all `events` at once; the answers come back in the order of
/// `events`.
pub(crate) async fn deliver_concurrently(
    shared: &Arc<Shared>,
    events: Vec<Event>,
) -> Result<Vec<Delivery>, SendError> {
    if shared.read(|inner| inner.target.url.is_none()) {
        return Err(SendError::NoTarget);
    }
    let mut set = JoinSet::new();
    for (index, event) in events.into_iter().enumerate() {
        let shared = Arc::clone(shared);
        set.spawn(async move { (index, deliver(&shared, &event).await) });
    }

    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(result) = joined {
            results.push(result);
        }
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, delivery)| delivery).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_reads_the_incident_id_from_the_body() {
        let event = Event::new("e1", br#"{"data":{"incidentId":"x|y"}}"#.to_vec());
        assert_eq!(event.incident_id.as_deref(), Some("x|y"));
        assert_eq!(event.schema, SCHEMA);
        assert!(Event::new("e2", b"not json".to_vec()).incident_id.is_none());
    }
}
