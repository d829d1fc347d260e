//! The in-process handle on a running mock: read what the bridge sent, set
//! faults, drive the sender, wait for things to happen, reset. The admin HTTP
//! API is a thin layer over this same handle.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use upstream::Secret;

use crate::config::SenderRetry;
use crate::counters::Counters;
use crate::envelope::IncidentTemplate;
use crate::faults::{Fault, FaultSettings, Route};
use crate::sender::{self, Delivery, DeliveryAttempt, Event, SendError};
use crate::shared::Shared;
use crate::state::{Comment, Incident, StatusChange};

/// A wait helper gave up before its condition held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("waited {waited:?} for {what}")]
pub struct WaitTimeout {
    pub what: String,
    pub waited: Duration,
}

/// Cheap to clone; every clone controls the same mock.
#[derive(Clone)]
pub struct MockControl {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MockControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockControl")
            .field("workspace_id", &self.shared.workspace_id)
            .finish_non_exhaustive()
    }
}

impl MockControl {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    // ----- what the mock accepts -----

    /// The workspace id the API answers for.
    pub fn workspace_id(&self) -> &str {
        &self.shared.workspace_id
    }

    /// The service-account client id the API accepts.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The service-account client secret the API accepts.
    pub fn client_secret(&self) -> &Secret {
        &self.shared.client_secret
    }

    // ----- what the bridge sent -----

    /// Every incident, in the order first seen.
    pub fn incidents(&self) -> Vec<Incident> {
        self.shared.read(|inner| inner.incidents.all().to_vec())
    }

    pub fn incident(&self, incident_id: &str) -> Option<Incident> {
        self.shared
            .read(|inner| inner.incidents.get(incident_id).cloned())
    }

    /// The comments on `incident_id`, in arrival order (empty for an unknown id).
    pub fn comments(&self, incident_id: &str) -> Vec<Comment> {
        self.incident(incident_id)
            .map(|incident| incident.comments)
            .unwrap_or_default()
    }

    /// The accepted status changes of `incident_id`, in arrival order.
    pub fn status_changes(&self, incident_id: &str) -> Vec<StatusChange> {
        self.incident(incident_id)
            .map(|incident| incident.status_changes)
            .unwrap_or_default()
    }

    /// Answers given so far, by route and status.
    pub fn counters(&self) -> Counters {
        self.shared.read(|inner| inner.counters.clone())
    }

    // ----- faults -----

    /// Replaces the standing fault settings of `route`.
    pub fn set_faults(&self, route: Route, settings: FaultSettings) {
        self.shared
            .change(|inner| inner.faults.set(route, settings));
    }

    pub fn faults(&self, route: Route) -> FaultSettings {
        self.shared.read(|inner| inner.faults.settings(route))
    }

    /// Faults `route` serves to its next requests, one each, before any
    /// standing share is drawn.
    pub fn queue_faults(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        self.shared.change(|inner| inner.faults.push(route, faults));
    }

    /// Queued faults not yet served on `route`.
    pub fn queued_faults(&self, route: Route) -> Vec<Fault> {
        self.shared.read(|inner| inner.faults.queued(route))
    }

    /// The seed of the fault draws.
    pub fn fault_seed(&self) -> u64 {
        self.shared.read(|inner| inner.faults.seed())
    }

    /// No standing or queued faults on either route; the draws restart from
    /// `seed`.
    pub fn clear_faults(&self, seed: u64) {
        self.shared
            .change(|inner| inner.faults = crate::faults::FaultBoard::new(seed));
    }

    // ----- the sender's settings -----

    /// Where deliveries go.
    pub fn set_target(&self, url: impl Into<String>) {
        let url = url.into();
        self.shared.change(|inner| inner.target.url = Some(url));
    }

    pub fn target_url(&self) -> Option<String> {
        self.shared.read(|inner| inner.target.url.clone())
    }

    /// The secret deliveries are signed with from now on.
    pub fn set_webhook_secret(&self, secret: Secret) {
        self.shared.change(|inner| inner.target.secret = secret);
    }

    pub fn set_retry(&self, retry: SenderRetry) {
        self.shared.change(|inner| inner.target.retry = retry);
    }

    pub fn retry(&self) -> SenderRetry {
        self.shared.read(|inner| inner.target.retry)
    }

    // ----- sending -----

    /// Builds and remembers the event for a new incident without sending it
    /// (to send it later with [`MockControl::send_copies`] or
    /// [`MockControl::redeliver`]).
    pub fn prepare_incident(&self, template: &IncidentTemplate) -> Event {
        sender::prepare(&self.shared, template)
    }

    /// Sends a new incident: a fresh id (unless the template names one), the
    /// next incident number, the template's choices.
    pub async fn send_incident(&self, template: &IncidentTemplate) -> Result<Delivery, SendError> {
        let event = self.prepare_incident(template);
        sender::deliver(&self.shared, &event).await
    }

    /// Sends `body` exactly as given (compact JSON); the event id follows from
    /// `data.incidentId`.
    pub async fn send_body(&self, body: &Value) -> Result<Delivery, SendError> {
        let event = sender::event_for_body(&self.shared, body);
        sender::deliver(&self.shared, &event).await
    }

    /// Sends `event` as it is: any id, schema, test flag or raw bytes.
    pub async fn send_event(&self, event: Event) -> Result<Delivery, SendError> {
        sender::register(&self.shared, &event, Default::default());
        sender::deliver(&self.shared, &event).await
    }

    /// Sends a test delivery (`isTest: true`, `X-CF-Test: true`).
    pub async fn send_test(&self) -> Result<Delivery, SendError> {
        let template = IncidentTemplate::new()
            .title("Test delivery from ContraForce")
            .severity("Informational")
            .test(true);
        self.send_incident(&template).await
    }

    /// Sends an earlier event again: same body and event id, fresh timestamp
    /// and signature.
    pub async fn redeliver(&self, event_id: &str) -> Result<Delivery, SendError> {
        let event = self.known_event(event_id)?;
        sender::deliver(&self.shared, &event).await
    }

    /// Sends `copies` copies of an earlier event at the same time.
    pub async fn send_copies(
        &self,
        event_id: &str,
        copies: usize,
    ) -> Result<Vec<Delivery>, SendError> {
        let event = self.known_event(event_id)?;
        sender::deliver_concurrently(&self.shared, vec![event; copies]).await
    }

    /// Sends a new incident as `copies` simultaneous copies of one event.
    pub async fn send_incident_copies(
        &self,
        template: &IncidentTemplate,
        copies: usize,
    ) -> Result<Vec<Delivery>, SendError> {
        let event = self.prepare_incident(template);
        sender::deliver_concurrently(&self.shared, vec![event; copies]).await
    }

    /// Sends one new incident under `count` different event ids at the same
    /// time (the same body each time).
    pub async fn send_under_event_ids(
        &self,
        template: &IncidentTemplate,
        count: u32,
    ) -> Result<Vec<Delivery>, SendError> {
        let events = sender::under_event_ids(&self.shared, template, count);
        sender::deliver_concurrently(&self.shared, events).await
    }

    fn known_event(&self, event_id: &str) -> Result<Event, SendError> {
        self.shared
            .read(|inner| inner.event(event_id).cloned())
            .ok_or_else(|| SendError::UnknownEvent(event_id.to_owned()))
    }

    /// Every event sent or prepared, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.shared.read(|inner| inner.events.clone())
    }

    /// Every delivery attempt, oldest first.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.shared.read(|inner| inner.attempts.clone())
    }

    /// The delivery attempts of one event id, oldest first.
    pub fn attempts_for(&self, event_id: &str) -> Vec<DeliveryAttempt> {
        self.shared.read(|inner| {
            inner
                .attempts
                .iter()
                .filter(|attempt| attempt.event_id == event_id)
                .cloned()
                .collect()
        })
    }

    // ----- waiting -----

    /// Waits until `probe` returns something (checked now and after every
    /// change to the mock's state), at most `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut(&MockControl) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.subscribe();
        loop {
            if let Some(found) = probe(self) {
                return Ok(found);
            }
            let changed = tokio::time::timeout_at(deadline, changes.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return probe(self).ok_or_else(|| WaitTimeout {
                    what: what.to_owned(),
                    waited: timeout,
                });
            }
        }
    }

    /// Waits until `incident_id` has at least `count` comments; returns them all.
    pub async fn wait_for_comments(
        &self,
        incident_id: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Comment>, WaitTimeout> {
        let what = format!("{count} comments on {incident_id}");
        self.wait_for(&what, timeout, |mock| {
            Some(mock.comments(incident_id)).filter(|comments| comments.len() >= count)
        })
        .await
    }

    /// Waits until `incident_id` has at least `count` accepted status changes.
    pub async fn wait_for_status_changes(
        &self,
        incident_id: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<StatusChange>, WaitTimeout> {
        let what = format!("{count} status changes on {incident_id}");
        self.wait_for(&what, timeout, |mock| {
            Some(mock.status_changes(incident_id)).filter(|changes| changes.len() >= count)
        })
        .await
    }

    /// Waits until `incident_id` has status `status`.
    pub async fn wait_for_status(
        &self,
        incident_id: &str,
        status: &str,
        timeout: Duration,
    ) -> Result<Incident, WaitTimeout> {
        let what = format!("{incident_id} to be {status}");
        self.wait_for(&what, timeout, |mock| {
            mock.incident(incident_id)
                .filter(|incident| incident.status == status)
        })
        .await
    }

    /// Waits until at least `count` delivery attempts are recorded.
    pub async fn wait_for_attempts(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<DeliveryAttempt>, WaitTimeout> {
        let what = format!("{count} delivery attempts");
        self.wait_for(&what, timeout, |mock| {
            Some(mock.attempts()).filter(|attempts| attempts.len() >= count)
        })
        .await
    }

    // ----- reset -----

    /// Forgets incidents, comments, status changes, counters, faults, events
    /// and delivery attempts. The target URL, webhook secret and retry
    /// settings stay.
    pub fn reset(&self) {
        self.shared.reset();
    }
}
