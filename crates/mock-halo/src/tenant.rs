//! The running tenant: each piece of state behind its own lock (never held
//! across an await), and the operations that change tickets and announce the
//! change to webhooks and waiters. The API, the admin API, the HTML page and
//! the library handle all go through here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use actix_web::HttpResponse;
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc, watch};

use crate::config::{FilterMode, MockHaloConfig, Settings};
use crate::counters::{CounterBoard, NO_REPLY};
use crate::error::MockError;
use crate::faults::{Decision, FaultPlan, FaultState, Route};
use crate::input::{ActionInput, TicketInput};
use crate::lookups::{self, Agent, Directory};
use crate::model::{Action, Ticket};
use crate::store::{Change, TicketStore};
use crate::tokens::{Refusal, TokenStore};
use crate::webhooks::{PendingEvent, WebhookHub};

pub(crate) struct Tenant {
    pub config: MockHaloConfig,
    pub dir: Directory,
    pub counters: CounterBoard,
    pub webhooks: Arc<WebhookHub>,
    /// Woken on every change of tickets, actions or deliveries.
    pub changed: Arc<Notify>,
    settings: RwLock<Settings>,
    store: RwLock<TicketStore>,
    tokens: RwLock<TokenStore>,
    faults: Mutex<FaultState>,
    creates_in_progress: AtomicUsize,
    held: AtomicUsize,
    shutdown: watch::Sender<bool>,
}

/// Marks a ticket create in progress until dropped.
pub(crate) struct CreateGuard(Arc<Tenant>);

impl Drop for CreateGuard {
    fn drop(&mut self) {
        self.0.creates_in_progress.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts a held request until dropped (also when the connection goes away).
struct HeldGuard<'a>(&'a AtomicUsize);

impl Drop for HeldGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Tenant {
    /// The tenant and the queue its webhook worker must drain.
    pub fn new(
        config: MockHaloConfig,
    ) -> Result<(Self, mpsc::UnboundedReceiver<PendingEvent>), MockError> {
        let changed = Arc::new(Notify::new());
        let (hub, queue) = WebhookHub::new(Arc::clone(&changed));
        hub.set(config.webhook.clone())?;
        let dir = Directory::new(Agent {
            id: config.agent_id,
            name: config.agent_name.clone(),
        });
        let tenant = Self {
            dir,
            counters: CounterBoard::default(),
            webhooks: Arc::new(hub),
            changed,
            settings: RwLock::new(config.settings.clone()),
            store: RwLock::new(TicketStore::new(config.first_ticket_id)),
            tokens: RwLock::new(TokenStore::default()),
            faults: Mutex::new(FaultState::new(config.seed)),
            creates_in_progress: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            shutdown: watch::Sender::new(false),
            config,
        };
        Ok((tenant, queue))
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from(self.config.clock.now())
    }

    fn now_ms(&self) -> i64 {
        self.config.clock.unix_millis()
    }

    // ---- settings -------------------------------------------------------

    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.settings.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn filter_mode(&self) -> FilterMode {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .reference_filter
    }

    fn hold_for(&self) -> Duration {
        Duration::from_millis(
            self.settings
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .hold_ms,
        )
    }

    // ---- tokens ---------------------------------------------------------

    /// Issues a token; returns it with its lifetime in seconds.
    pub fn issue_token(&self, scopes: Vec<String>) -> (String, u64) {
        let lifetime = self
            .settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .token_lifetime_secs;
        let now = self.now_ms();
        let token = self
            .tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .issue(scopes, now, lifetime);
        (token, lifetime)
    }

    /// Checks a bearer token; `scoped` also checks that its scopes cover `route`.
    pub fn check_token(
        &self,
        authorization: Option<&str>,
        route: Route,
        scoped: bool,
    ) -> Result<(), Refusal> {
        let enforce = scoped
            && self
                .settings
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .enforce_scopes;
        let now = self.now_ms();
        self.tokens.read().unwrap_or_else(|e| e.into_inner()).check(
            authorization,
            route,
            now,
            enforce,
        )
    }

    pub fn revoke_tokens(&self) -> usize {
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .revoke_all()
    }

    pub fn token_count(&self) -> usize {
        self.tokens.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    // ---- faults ---------------------------------------------------------

    pub fn faults(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn decide(&self, route: Route) -> Decision {
        self.faults().decide(route)
    }

    pub fn fault_plan(&self) -> FaultPlan {
        self.faults().plan()
    }

    /// Starts a ticket create, or `None` when another is in progress and the
    /// tenant fails concurrent creates.
    pub fn begin_create(self: &Arc<Self>) -> Option<CreateGuard> {
        let before = self.creates_in_progress.fetch_add(1, Ordering::SeqCst);
        let guard = CreateGuard(Arc::clone(self));
        let refuse = before > 0
            && self
                .settings
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .concurrent_create_failure;
        (!refuse).then_some(guard)
    }

    /// Holds a request without answering: until `hold_ms` passes (then 504)
    /// or, when the mock stops first, for good (the connection is dropped).
    pub async fn hold(&self, route: Route) -> HttpResponse {
        self.counters.record(route, NO_REPLY);
        self.held.fetch_add(1, Ordering::SeqCst);
        let _held = HeldGuard(&self.held);
        self.changed.notify_waiters();
        let mut shutdown = self.shutdown.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(self.hold_for()) => HttpResponse::GatewayTimeout().finish(),
            _ = shutdown.wait_for(|stopped| *stopped) => std::future::pending().await,
        }
    }

    /// Requests being held right now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    // ---- tickets and actions ----------------------------------------------

    pub fn read<R>(&self, look: impl FnOnce(&TicketStore) -> R) -> R {
        look(&self.store.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Creates or updates every element, or none when one is refused.
    pub fn save_tickets(
        &self,
        items: &[(Option<i64>, TicketInput)],
        by: &Agent,
    ) -> Result<Vec<Ticket>, MockError> {
        let now = self.now();
        let settings = self.settings();
        let changes = {
            let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
            for (id, input) in items {
                store.check_ticket(*id, input, &self.dir)?;
            }
            let mut changes = Vec::with_capacity(items.len());
            for (id, input) in items {
                changes.push(match id {
                    Some(id) => store.update(*id, input, by, now, &self.dir, &settings)?,
                    None => store.create(input, by, now, &self.dir, &settings)?,
                });
            }
            changes
        };
        let tickets = changes.iter().map(|c| c.ticket.clone()).collect();
        self.publish(changes, now);
        Ok(tickets)
    }

    /// Adds every action, or none when one is refused; `by` acts when an
    /// action names no agent.
    pub fn add_actions(
        &self,
        inputs: &[ActionInput],
        by: &Agent,
    ) -> Result<Vec<Action>, MockError> {
        let now = self.now();
        let changes = {
            let mut store = self.store.write().unwrap_or_else(|e| e.into_inner());
            for input in inputs {
                store.check_action(input, by, &self.dir)?;
            }
            let mut changes = Vec::with_capacity(inputs.len());
            for input in inputs {
                changes.push(store.add_action(input, by, now, &self.dir)?);
            }
            changes
        };
        let actions = changes.iter().filter_map(|c| c.action.clone()).collect();
        self.publish(changes, now);
        Ok(actions)
    }

    /// One action by an agent of the tenant (a technician unless named).
    pub fn act(&self, input: &ActionInput) -> Result<Action, MockError> {
        let technician = self.agent(lookups::TECHNICIAN_ID)?;
        let mut actions = self.add_actions(std::slice::from_ref(input), &technician)?;
        actions
            .pop()
            .ok_or_else(|| MockError::Invalid("no action recorded".into()))
    }

    /// Closes (outcome "Close") or reopens (outcome "Re-open") a ticket with an
    /// action by `agent_id`; `status` overrides the stock status.
    pub fn change_status(
        &self,
        ticket_id: i64,
        close: bool,
        agent_id: i64,
        note_html: &str,
        status: Option<i64>,
    ) -> Result<Action, MockError> {
        let (outcome, stock) = if close {
            ("Close", lookups::STATUS_CLOSED)
        } else {
            ("Re-open", lookups::STATUS_IN_PROGRESS)
        };
        self.act(&ActionInput {
            ticket_id,
            outcome: Some(outcome.to_owned()),
            note_html: Some(note_html.to_owned()),
            who_agentid: Some(agent_id),
            new_status: Some(status.unwrap_or(stock)),
            ..ActionInput::default()
        })
    }

    pub fn agent(&self, id: i64) -> Result<Agent, MockError> {
        self.dir.agent(id).ok_or(MockError::UnknownAgent(id))
    }

    fn publish(&self, changes: Vec<Change>, at: OffsetDateTime) {
        for change in changes {
            self.webhooks.publish(change, at);
        }
        self.changed.notify_waiters();
    }

    /// Back to the state at start: no tickets, tokens, faults, counters or
    /// deliveries; settings and webhook as configured.
    pub fn reset(&self) -> Result<(), MockError> {
        *self.store.write().unwrap_or_else(|e| e.into_inner()) =
            TicketStore::new(self.config.first_ticket_id);
        self.revoke_tokens();
        *self.faults() = FaultState::new(self.config.seed);
        self.counters.clear();
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = self.config.settings.clone();
        let reset = self.webhooks.reset(self.config.webhook.clone());
        self.changed.notify_waiters();
        reset
    }
}
