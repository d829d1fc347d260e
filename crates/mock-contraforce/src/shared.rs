//! The state one running mock shares between its HTTP workers, its sender and
//! the in-process handle: one lock around everything that changes, and a
//! change signal the wait helpers listen to.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use upstream::{Clock, Secret};

use crate::config::{MockCfConfig, SenderRetry};
use crate::counters::Counters;
use crate::faults::FaultBoard;
use crate::sender::{DeliveryAttempt, Event};
use crate::state::Incidents;

/// The first incident number the sender hands out.
const FIRST_INCIDENT_NUMBER: u64 = 1001;

/// Where and how the sender delivers; changeable while running.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub url: Option<String>,
    pub secret: Secret,
    pub retry: SenderRetry,
}

/// Everything that changes while the mock runs.
#[derive(Debug)]
pub(crate) struct Inner {
    pub incidents: Incidents,
    pub counters: Counters,
    pub faults: FaultBoard,
    pub target: Target,
    pub events: Vec<Event>,
    pub attempts: Vec<DeliveryAttempt>,
    pub next_number: u64,
}

impl Inner {
    fn new(seed: u64, target: Target) -> Self {
        Self {
            incidents: Incidents::default(),
            counters: Counters::default(),
            faults: FaultBoard::new(seed),
            target,
            events: Vec::new(),
            attempts: Vec::new(),
            next_number: FIRST_INCIDENT_NUMBER,
        }
    }

    /// The most recent event sent under `event_id`.
    pub fn event(&self, event_id: &str) -> Option<&Event> {
        self.events
            .iter()
            .rev()
            .find(|event| event.event_id == event_id)
    }
}

/// One running mock's shared state.
pub(crate) struct Shared {
    pub client_id: String,
    pub client_secret: Secret,
    pub workspace_id: String,
    pub clock: Arc<dyn Clock>,
    pub http: reqwest::Client,
    fault_seed: u64,
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
}

impl Shared {
    pub fn new(config: MockCfConfig) -> std::io::Result<Self> {
        // No pooled connections: the sender is used from several runtimes (the
        // HTTP workers' and the caller's), and a pooled connection must not
        // outlive the runtime that opened it.
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(0)
            .build()
            .map_err(std::io::Error::other)?;
        let target = Target {
            url: config.webhook_url,
            secret: config.webhook_secret,
            retry: config.retry,
        };
        Ok(Self {
            client_id: config.client_id,
            client_secret: config.client_secret,
            workspace_id: config.workspace_id,
            clock: config.clock,
            http,
            fault_seed: config.fault_seed,
            inner: Mutex::new(Inner::new(config.fault_seed, target)),
            changes: watch::channel(0).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the state without counting as a change.
    pub fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state and wakes every waiter.
    pub fn change<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let result = f(&mut self.lock());
        self.changes
            .send_modify(|version| *version = version.wrapping_add(1));
        result
    }

    /// A receiver that sees every later change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.unix_millis()
    }

    /// Forgets incidents, counters, faults, events and deliveries; the target,
    /// secret and retry settings stay as they are.
    pub fn reset(&self) {
        self.change(|inner| {
            let target = inner.target.clone();
            *inner = Inner::new(self.fault_seed, target);
        });
    }
}
