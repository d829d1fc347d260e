//! [`MockHalo`]: starting and stopping a mock, its URLs, and the in-process
//! handle tests use to read state, script changes, turn knobs and wait.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

use crate::config::{MockHaloConfig, Settings};
use crate::counters::Counters;
use crate::error::MockError;
use crate::faults::{Fault, FaultPlan, Route, RouteFaults};
use crate::input::{ActionInput, TicketInput};
use crate::lookups;
use crate::model::{Action, Ticket, TicketWithActions};
use crate::tenant::Tenant;
use crate::webhooks::{Delivery, WebhookConfig};
use crate::{admin, api, page};

/// A running mock Halo. Dropping it stops the server without waiting;
/// [`MockHalo::stop`] waits for the stop.
pub struct MockHalo {
    tenant: Arc<Tenant>,
    server: ServerHandle,
    addr: SocketAddr,
    stopped: bool,
}

/// A wait helper gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timed out after {waited:?} waiting for {what}")]
pub struct WaitTimeout {
    pub what: String,
    pub waited: Duration,
}

impl MockHalo {
    /// Starts on `127.0.0.1` on a free port. Call from within a Tokio runtime.
    pub async fn start(config: MockHaloConfig) -> std::io::Result<MockHalo> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, config: MockHaloConfig) -> std::io::Result<MockHalo> {
        let workers = config.workers.max(1);
        let (tenant, queue) = Tenant::new(config)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let tenant = Arc::new(tenant);
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;

        let data = web::Data::from(Arc::clone(&tenant));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .configure(api::routes)
                .configure(admin::routes)
                .configure(page::routes)
        })
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        tokio::spawn(Arc::clone(&tenant.webhooks).run(queue, tenant.shutdown_signal()));
        Ok(MockHalo {
            tenant,
            server: handle,
            addr,
            stopped: false,
        })
    }

    /// Stops accepting, lets answers in progress finish (held requests are
    /// dropped unanswered), and stops the webhook worker.
    pub async fn stop(mut self) {
        self.stopped = true;
        self.tenant.shutdown();
        let graceful = self.tenant.held() == 0;
        self.server.stop(graceful).await;
    }

    // ---- where it listens ---------------------------------------------------

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{ip}:{port}`; an unspecified bind address shows as 127.0.0.1.
    pub fn base_url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.addr.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// `{base}/auth` (the token endpoint is `{base}/auth/token`).
    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.base_url())
    }

    /// `{base}/api`.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.base_url())
    }

    /// The configuration it started with.
    pub fn config(&self) -> &MockHaloConfig {
        &self.tenant.config
    }

    /// The agent the API credentials log in as.
    pub fn api_agent_id(&self) -> i64 {
        self.tenant.dir.api_agent().id
    }

    // ---- state --------------------------------------------------------------

    /// Every ticket, lowest id first.
    pub fn tickets(&self) -> Vec<Ticket> {
        self.tenant
            .read(|s| s.entries().map(|e| e.ticket.clone()).collect())
    }

    /// One ticket with its actions (oldest first).
    pub fn ticket(&self, id: i64) -> Option<TicketWithActions> {
        self.tenant.read(|s| s.entry(id).cloned())
    }

    /// The actions of a ticket, oldest first; empty when the ticket is unknown.
    pub fn actions(&self, ticket_id: i64) -> Vec<Action> {
        self.ticket(ticket_id)
            .map(|e| e.actions)
            .unwrap_or_default()
    }

    /// Every ticket with its actions, lowest id first.
    pub fn snapshot(&self) -> Vec<TicketWithActions> {
        self.tenant.read(|s| s.entries().cloned().collect())
    }

    /// Tickets whose reference field holds exactly `reference`
    /// (`thirdpartynumber`, `third_party_id_string` or any custom field).
    pub fn tickets_with_reference(&self, reference: &str) -> Vec<Ticket> {
        let matches = |t: &Ticket| {
            t.thirdpartynumber == reference
                || t.third_party_id_string == reference
                || t.customfields
                    .iter()
                    .any(|f| f.value.as_str() == Some(reference))
        };
        self.tickets().into_iter().filter(matches).collect()
    }

    // ---- scripted changes (each sends webhooks like an API change) -----------

    /// Logs a ticket as the technician (agent 6), or updates it when `id` is set.
    pub fn create_ticket(&self, input: &TicketInput) -> Result<Ticket, MockError> {
        self.save_ticket(None, input)
    }

    /// Changes the fields set in `input`, as the technician.
    pub fn update_ticket(&self, id: i64, input: &TicketInput) -> Result<Ticket, MockError> {
        self.save_ticket(Some(id), input)
    }

    fn save_ticket(&self, id: Option<i64>, input: &TicketInput) -> Result<Ticket, MockError> {
        let technician = self.tenant.agent(lookups::TECHNICIAN_ID)?;
        let mut saved = self
            .tenant
            .save_tickets(&[(id, input.clone())], &technician)?;
        saved
            .pop()
            .ok_or_else(|| MockError::Invalid("nothing saved".into()))
    }

    /// Adds an action; the agent is `input.who_agentid`, else the technician.
    pub fn add_action(&self, input: &ActionInput) -> Result<Action, MockError> {
        self.tenant.act(input)
    }

    /// A note by `agent_id`, public or private.
    pub fn add_note(
        &self,
        ticket_id: i64,
        agent_id: i64,
        note_html: &str,
        private: bool,
    ) -> Result<Action, MockError> {
        self.tenant
            .act(&ActionInput::note(ticket_id, agent_id, note_html, private))
    }

    /// Closes the ticket (status 9) with a "Close" action by `agent_id`
    /// carrying `note_html` (may be empty).
    pub fn close_ticket(
        &self,
        ticket_id: i64,
        agent_id: i64,
        note_html: &str,
    ) -> Result<Action, MockError> {
        self.tenant
            .change_status(ticket_id, true, agent_id, note_html, None)
    }

    /// Reopens the ticket (status 2) with a "Re-open" action by `agent_id`;
    /// `hasbeenclosed` stays true, as in Halo.
    pub fn reopen_ticket(
        &self,
        ticket_id: i64,
        agent_id: i64,
        note_html: &str,
    ) -> Result<Action, MockError> {
        self.tenant
            .change_status(ticket_id, false, agent_id, note_html, None)
    }

    /// Moves the ticket to any status with an action by `agent_id`.
    pub fn set_status(
        &self,
        ticket_id: i64,
        status_id: i64,
        agent_id: i64,
        note_html: &str,
    ) -> Result<Action, MockError> {
        let close = self.tenant.dir.is_closed_status(status_id);
        self.tenant
            .change_status(ticket_id, close, agent_id, note_html, Some(status_id))
    }

    // ---- knobs -----------------------------------------------------------------

    pub fn faults(&self) -> FaultPlan {
        self.tenant.fault_plan()
    }

    /// Replaces every route's faults; the dice restart from the plan's seed.
    pub fn set_faults(&self, plan: FaultPlan) {
        self.tenant.faults().set_plan(plan);
    }

    pub fn set_route_faults(&self, route: Route, faults: RouteFaults) {
        self.tenant.faults().set_route(route, faults);
    }

    /// Queues exact outcomes for the next calls of `route`, before any drawing.
    pub fn script_faults(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        self.tenant.faults().push_script(route, faults);
    }

    pub fn clear_faults(&self) {
        self.tenant.faults().set_plan(FaultPlan::default());
    }

    pub fn settings(&self) -> Settings {
        self.tenant.settings()
    }

    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        self.tenant.update_settings(change);
    }

    /// `expires_in` of tokens issued from now on.
    pub fn set_token_lifetime(&self, secs: u64) {
        self.update_settings(|s| s.token_lifetime_secs = secs);
    }

    /// Revokes every issued token (the next API call with one gets 401).
    pub fn revoke_tokens(&self) -> usize {
        self.tenant.revoke_tokens()
    }

    pub fn counters(&self) -> Counters {
        self.tenant.counters.snapshot()
    }

    pub fn reset_counters(&self) {
        self.tenant.counters.clear();
    }

    /// Requests held unanswered right now (timeouts, lost replies).
    pub fn held_requests(&self) -> usize {
        self.tenant.held()
    }

    /// Sets or removes the outbound webhook; a URL that is not http(s) is refused.
    pub fn set_webhook(&self, config: Option<WebhookConfig>) -> Result<(), MockError> {
        self.tenant.webhooks.set(config)
    }

    /// Every delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.tenant.webhooks.deliveries()
    }

    /// Back to the state at start: tickets, tokens, faults, counters,
    /// deliveries cleared; settings and webhook as configured.
    pub fn reset(&self) -> Result<(), MockError> {
        self.tenant.reset()
    }

    // ---- waiting -----------------------------------------------------------------

    /// Waits until `probe` gives a value, checking after every change (and at
    /// least every 10 ms), for at most `timeout`.
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut probe: impl FnMut(&MockHalo) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.tenant.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(value) = probe(self) {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(WaitTimeout {
                    what: what.to_owned(),
                    waited: timeout,
                });
            }
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
    }

    /// Waits until at least `n` tickets exist; returns them all.
    pub async fn wait_for_tickets(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Ticket>, WaitTimeout> {
        self.wait_until(timeout, &format!("{n} ticket(s)"), |m| {
            let tickets = m.tickets();
            (tickets.len() >= n).then_some(tickets)
        })
        .await
    }

    /// Waits until ticket `ticket_id` has at least `n` actions; returns them, oldest first.
    pub async fn wait_for_actions(
        &self,
        ticket_id: i64,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Action>, WaitTimeout> {
        self.wait_until(
            timeout,
            &format!("{n} action(s) on ticket {ticket_id}"),
            |m| {
                let actions = m.actions(ticket_id);
                (actions.len() >= n).then_some(actions)
            },
        )
        .await
    }

    /// Waits until at least `n` delivery attempts are recorded.
    pub async fn wait_for_deliveries(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, WaitTimeout> {
        self.wait_until(timeout, &format!("{n} webhook deliveries"), |m| {
            let deliveries = m.deliveries();
            (deliveries.len() >= n).then_some(deliveries)
        })
        .await
    }

    /// Waits until `route` has been called at least `n` times (any answer).
    pub async fn wait_for_calls(
        &self,
        route: Route,
        n: u64,
        timeout: Duration,
    ) -> Result<Counters, WaitTimeout> {
        self.wait_until(timeout, &format!("{n} call(s) of {route}"), |m| {
            let counters = m.counters();
            (counters.route_total(route) >= n).then_some(counters)
        })
        .await
    }
}

impl Drop for MockHalo {
    fn drop(&mut self) {
        if !self.stopped {
            self.tenant.shutdown();
            // Sending the stop command is what matters; nobody is left to await it.
            drop(self.server.stop(false));
        }
    }
}

impl std::fmt::Debug for MockHalo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockHalo")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
