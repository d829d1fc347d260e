//! Outbound webhooks: what to send where (and how the secret travels), Halo's
//! payload shape, and a background worker that delivers, retries and records
//! each attempt, so an API call never waits for a delivery.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc, watch};
use upstream::Secret;

use crate::error::MockError;
use crate::render;
use crate::store::{Change, ChangeKind};

/// Where the shared secret goes on each delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretPlacement {
    /// Header `X-Halo-Secret: <secret>`.
    #[default]
    Header,
    /// HTTP Basic, the secret as password (user name `basic_user`).
    Basic,
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// Query parameter `secret=<secret>` appended to the URL.
    Query,
}

/// One outbound webhook. JSON (admin API) takes the same field names.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// No secret: deliveries carry no credentials at all.
    pub secret: Option<Secret>,
    pub secret_in: SecretPlacement,
    pub basic_user: String,
    /// Collect events for this long and send them as one JSON array.
    pub batch_window_ms: Option<u64>,
    /// Send ids only ("event information only"), no ticket or action.
    pub event_info_only: bool,
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    pub retry_delay_ms: u64,
    pub timeout_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            secret: None,
            secret_in: SecretPlacement::Header,
            basic_user: "halo".to_owned(),
            batch_window_ms: None,
            event_info_only: false,
            max_attempts: 3,
            retry_delay_ms: 200,
            timeout_ms: 5_000,
        }
    }
}

impl WebhookConfig {
    /// Deliveries to `url`, no secret, one event per request.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Sends `secret` in the given place.
    pub fn with_secret(mut self, secret: impl Into<String>, placement: SecretPlacement) -> Self {
        self.secret = Some(Secret::new(secret));
        self.secret_in = placement;
        self
    }

    /// Batches events into arrays over `window`.
    pub fn batched(mut self, window: Duration) -> Self {
        self.batch_window_ms = Some(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
        self
    }

    pub(crate) fn validate(&self) -> Result<(), MockError> {
        let url = url::Url::parse(&self.url)
            .map_err(|e| MockError::Invalid(format!("webhook url: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(MockError::Invalid("webhook url: not http or https".into()));
        }
        Ok(())
    }

    /// The configuration as JSON, with the secret masked.
    pub fn redacted(&self) -> Value {
        json!({
            "url": self.url,
            "secret": self.secret.as_ref().map(|_| "***"),
            "secret_in": self.secret_in,
            "basic_user": self.basic_user,
            "batch_window_ms": self.batch_window_ms,
            "event_info_only": self.event_info_only,
            "max_attempts": self.max_attempts,
            "retry_delay_ms": self.retry_delay_ms,
            "timeout_ms": self.timeout_ms,
        })
    }
}

/// One delivery attempt, as recorded for assertions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Numbers deliveries; every attempt of one delivery shares it.
    pub seq: u64,
    pub attempt: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The configured URL (never with the secret appended).
    pub url: String,
    /// The event names sent, in order (several when batched).
    pub events: Vec<String>,
    pub ticket_ids: Vec<i64>,
    /// The receiver's status, or `None` when no answer came.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// What was sent: one object, or an array when batched.
    pub body: Value,
}

impl Delivery {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A change waiting to be delivered, stamped with the state generation it
/// belongs to so a reset can drop it.
#[derive(Debug)]
pub(crate) struct PendingEvent {
    generation: u64,
    change: Change,
    at: OffsetDateTime,
}

#[derive(Debug)]
struct Active {
    config: WebhookConfig,
    webhook_id: String,
}

/// Webhook configuration, the delivery log, and the queue to the worker.
#[derive(Debug)]
pub(crate) struct WebhookHub {
    active: RwLock<Option<Arc<Active>>>,
    deliveries: Mutex<Vec<Delivery>>,
    generation: AtomicU64,
    payloads: AtomicU64,
    seq: AtomicU64,
    queue: mpsc::UnboundedSender<PendingEvent>,
    changed: Arc<Notify>,
}

impl WebhookHub {
    /// The hub and the receiving end of its queue, for [`WebhookHub::run`].
    pub fn new(changed: Arc<Notify>) -> (Self, mpsc::UnboundedReceiver<PendingEvent>) {
        let (queue, rx) = mpsc::unbounded_channel();
        let hub = Self {
            active: RwLock::new(None),
            deliveries: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
            payloads: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            queue,
            changed,
        };
        (hub, rx)
    }

    pub fn set(&self, config: Option<WebhookConfig>) -> Result<(), MockError> {
        if let Some(config) = &config {
            config.validate()?;
        }
        let active = config.map(|config| {
            Arc::new(Active {
                config,
                webhook_id: uuid::Uuid::new_v4().to_string(),
            })
        });
        *self.active.write().unwrap_or_else(|e| e.into_inner()) = active;
        Ok(())
    }

    pub fn config(&self) -> Option<WebhookConfig> {
        self.current().map(|a| a.config.clone())
    }

    fn current(&self) -> Option<Arc<Active>> {
        self.active
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the log and drops whatever is queued or in flight.
    pub fn reset(&self, config: Option<WebhookConfig>) -> Result<(), MockError> {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.set(config)
    }

    /// Queues a change for delivery; nothing is queued while no webhook is set.
    pub fn publish(&self, change: Change, at: OffsetDateTime) {
        if self.current().is_none() {
            return;
        }
        let generation = self.generation.load(Ordering::SeqCst);
        // The worker only goes away at shutdown, when losing an event is fine.
        let _ = self.queue.send(PendingEvent {
            generation,
            change,
            at,
        });
    }

    /// The delivery worker: runs until `shutdown` turns true.
    pub async fn run(
        self: Arc<Self>,
        mut events: mpsc::UnboundedReceiver<PendingEvent>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let client = match reqwest::Client::builder().no_proxy().build() {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "mock-halo: no HTTP client, webhooks disabled");
                return;
            }
        };
        let stop = async move {
            let _ = shutdown.wait_for(|stopped| *stopped).await;
        };
        tokio::select! {
            _ = stop => {}
            _ = self.deliver_all(&client, &mut events) => {}
        }
    }

    async fn deliver_all(
        &self,
        client: &reqwest::Client,
        events: &mut mpsc::UnboundedReceiver<PendingEvent>,
    ) {
        while let Some(first) = events.recv().await {
            let Some(active) = self.current() else {
                continue;
            };
            let mut batch = vec![first];
            if let Some(window) = active.config.batch_window_ms {
                let deadline = tokio::time::sleep(Duration::from_millis(window));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        next = events.recv() => match next {
                            Some(event) => batch.push(event),
                            None => break,
                        },
                    }
                }
            }
            let generation = self.generation.load(Ordering::SeqCst);
            batch.retain(|e| e.generation == generation);
            if batch.is_empty() {
                continue;
            }
            self.deliver(client, &active, &batch, generation).await;
        }
    }

    async fn deliver(
        &self,
        client: &reqwest::Client,
        active: &Active,
        batch: &[PendingEvent],
        generation: u64,
    ) {
        let config = &active.config;
        let payloads: Vec<Value> = batch.iter().map(|e| self.payload(e, active)).collect();
        let body = match config.batch_window_ms {
            Some(_) => Value::Array(payloads),
            None => payloads.into_iter().next().unwrap_or(Value::Null),
        };
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let attempts = config.max_attempts.max(1);
        for attempt in 1..=attempts {
            let (status, error) = match send(client, config, &body).await {
                Ok(status) => (Some(status), None),
                Err(error) => (None, Some(error)),
            };
            let delivery = Delivery {
                seq,
                attempt,
                at: OffsetDateTime::now_utc(),
                url: config.url.clone(),
                events: batch
                    .iter()
                    .map(|e| event_name(&e.change).to_owned())
                    .collect(),
                ticket_ids: batch.iter().map(|e| e.change.ticket.id).collect(),
                status,
                error,
                body: body.clone(),
            };
            let succeeded = delivery.succeeded();
            self.record(delivery, generation);
            if succeeded {
                return;
            }
            if attempt < attempts {
                tokio::time::sleep(Duration::from_millis(config.retry_delay_ms)).await;
            }
        }
    }

    fn record(&self, delivery: Delivery, generation: u64) {
        let mut log = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::SeqCst) == generation {
            log.push(delivery);
        }
        drop(log);
        self.changed.notify_waiters();
    }

    /// Halo's payload for one event. Every other payload carries `ticket.id` as
    /// text rather than a number, as different Halo builds do.
    fn payload(&self, event: &PendingEvent, active: &Active) -> Value {
        let n = self.payloads.fetch_add(1, Ordering::SeqCst);
        let change = &event.change;
        let ticket = &change.ticket;
        let mut body = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "webhook_id": active.webhook_id,
            "notification_id": notification_id(change),
            "escmsg_id": uuid::Uuid::new_v4().to_string(),
            "event": event_name(change),
            "timestamp": render::seven_digits(event.at),
        });
        let Value::Object(map) = &mut body else {
            return body;
        };
        if active.config.event_info_only {
            map.insert("object_id".into(), json!(ticket.id.to_string()));
            return body;
        }
        map.insert("message".into(), json!(message(change)));
        map.insert("object_id".into(), json!(ticket.id));
        map.insert("agent_id".into(), json!(change.agent_id));
        map.insert("ticket".into(), render::webhook_ticket(ticket, n % 2 == 1));
        if change.kind == ChangeKind::ActionAdded
            && let Some(action) = &change.action
        {
            map.insert("action".into(), render::webhook_action(action));
        }
        body
    }
}

/// Sends one request; `Ok` is the receiver's status, `Err` a transport error
/// described without the URL (which may hold the secret).
async fn send(
    client: &reqwest::Client,
    config: &WebhookConfig,
    body: &Value,
) -> Result<u16, String> {
    let mut url = url::Url::parse(&config.url).map_err(|e| format!("invalid url: {e}"))?;
    if let (Some(secret), SecretPlacement::Query) = (&config.secret, config.secret_in) {
        url.query_pairs_mut().append_pair("secret", secret.expose());
    }
    let mut request = client
        .post(url)
        .timeout(Duration::from_millis(config.timeout_ms.max(1)))
        .header("user-agent", "HaloPSA-Webhooks (mock-halo)");
    if let Some(secret) = &config.secret {
        let secret = secret.expose();
        request = match config.secret_in {
            SecretPlacement::Header => request.header("x-halo-secret", secret),
            SecretPlacement::Bearer => request.header("authorization", format!("Bearer {secret}")),
            SecretPlacement::Basic => {
                let pair = format!("{}:{secret}", config.basic_user);
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                request.header("authorization", format!("Basic {encoded}"))
            }
            SecretPlacement::Query => request,
        };
    }
    let response = request
        .json(body)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    Ok(response.status().as_u16())
}

/// The event names Halo uses, lower-case words with spaces.
pub(crate) fn event_name(change: &Change) -> &'static str {
    match change.kind {
        ChangeKind::Created => "new ticket logged",
        ChangeKind::Updated => "ticket updated by agent",
        ChangeKind::StatusChanged => "ticket status changed",
        ChangeKind::ActionAdded => match change.action.as_ref().and_then(|a| a.new_status) {
            Some(_) => "ticket status changed",
            None => "action added",
        },
    }
}

fn notification_id(change: &Change) -> u64 {
    match event_name(change) {
        "ticket status changed" => 17,
        "ticket updated by agent" => 19,
        "new ticket logged" => 21,
        _ => 23,
    }
}

fn message(change: &Change) -> String {
    let id = change.ticket.id;
    match (change.kind, change.action.as_ref()) {
        (ChangeKind::Created, _) => format!("Ticket {id:07} logged"),
        (ChangeKind::ActionAdded, Some(action)) if action.new_status.is_none() => {
            format!("Action {} added to Ticket {id:07}", action.id)
        }
        (ChangeKind::Updated, _) => format!("Ticket {id:07} updated"),
        _ => format!(
            "Ticket {id:07} status changed to status {}",
            change.ticket.status_id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_from_json_and_masks_the_secret() {
        let config: WebhookConfig = serde_json::from_value(json!({
            "url": "http://127.0.0.1:9/h", "secret": "s3cr3t", "secret_in": "basic",
            "batch_window_ms": 50,
        }))
        .unwrap();
        assert_eq!(config.secret_in, SecretPlacement::Basic);
        assert_eq!(config.max_attempts, 3);
        let shown = config.redacted().to_string();
        assert!(!shown.contains("s3cr3t") && shown.contains("***"));
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_url_that_is_not_http_is_refused() {
        assert!(WebhookConfig::new("ftp://x/y").validate().is_err());
        assert!(WebhookConfig::new("not a url").validate().is_err());
        assert!(
            WebhookConfig::new("http://127.0.0.1:1/x")
                .validate()
                .is_ok()
        );
    }
}
