//! How a mock is set up: fixed choices made at start ([`MockHaloConfig`]) and the
//! knobs a test may turn while it runs ([`Settings`]).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use upstream::{Clock, Secret, SystemClock};

use crate::webhooks::WebhookConfig;

/// Everything fixed when a mock starts. `Default` gives the demo credentials
/// (`demo-client` / `demo-secret`), no tenant, API agent 21, the system clock.
#[derive(Clone)]
pub struct MockHaloConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// When set, the token endpoint requires this `tenant` (query or form).
    pub tenant: Option<String>,
    /// The agent the API credentials log in as.
    pub agent_id: i64,
    pub agent_name: String,
    /// The id the first created ticket gets.
    pub first_ticket_id: i64,
    /// Seed of the fault dice, so a run can be repeated.
    pub seed: u64,
    /// HTTP worker threads.
    pub workers: usize,
    /// Source of timestamps and token expiry (not of injected delays, which are real).
    pub clock: Arc<dyn Clock>,
    /// Outbound webhook to send from the start (also settable at run time).
    pub webhook: Option<WebhookConfig>,
    /// Knobs at start; `reset` returns to these.
    pub settings: Settings,
}

impl Default for MockHaloConfig {
    fn default() -> Self {
        Self {
            client_id: "demo-client".to_owned(),
            client_secret: Secret::new("demo-secret"),
            tenant: None,
            agent_id: 21,
            agent_name: "ContraForce Integration".to_owned(),
            first_ticket_id: 1001,
            seed: 42,
            workers: 2,
            clock: Arc::new(SystemClock),
            webhook: None,
            settings: Settings::default(),
        }
    }
}

impl fmt::Debug for MockHaloConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHaloConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("tenant", &self.tenant)
            .field("agent_id", &self.agent_id)
            .field("agent_name", &self.agent_name)
            .field("first_ticket_id", &self.first_ticket_id)
            .field("seed", &self.seed)
            .field("workers", &self.workers)
            .field("webhook", &self.webhook)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Knobs that may change while the mock runs (`GET`/`PATCH /_admin/settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `expires_in` of new tokens; tokens already issued keep their expiry.
    pub token_lifetime_secs: u64,
    /// Refuse (403) a call the token's scopes do not cover.
    pub enforce_scopes: bool,
    /// Fail a ticket create that arrives while another is in progress, as Halo can.
    pub concurrent_create_failure: bool,
    /// How the reference filters of `GET /api/Tickets` match.
    pub reference_filter: FilterMode,
    /// Ticket fields the tenant does not keep: `thirdpartynumber`,
    /// `third_party_id_string` or `customfield_{N}`. Writes to them are dropped.
    pub dropped_fields: Vec<String>,
    /// How long a request hit by a timeout or lost-reply fault is held before
    /// the mock gives up with a 504 (unless the mock stops first).
    pub hold_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_lifetime_secs: 3600,
            enforce_scopes: true,
            concurrent_create_failure: true,
            reference_filter: FilterMode::Contains,
            dropped_fields: Vec::new(),
            hold_ms: 60_000,
        }
    }
}

impl Settings {
    /// Whether writes to the named ticket field are dropped.
    pub fn drops(&self, field: &str) -> bool {
        self.dropped_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(field))
    }
}

/// How `thirdpartynumber`, `third_party_id_string` and `searchcustomfield_{N}`
/// filter a ticket list. None of them is exact by default: a client must check
/// the field of every ticket it gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// Case-insensitive "contains" (the default).
    Contains,
    /// Exact, case-sensitive equality.
    Exact,
    /// The filter is ignored and every ticket comes back.
    Ignored,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_client_secret() {
        let config = MockHaloConfig {
            client_secret: Secret::new("s3cr3t-value"),
            ..MockHaloConfig::default()
        };
        assert!(!format!("{config:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn settings_accept_a_partial_body_and_refuse_unknown_keys() {
        let s: Settings = serde_json::from_str(r#"{"token_lifetime_secs": 5}"#).unwrap();
        assert_eq!(s.token_lifetime_secs, 5);
        assert!(s.concurrent_create_failure);
        assert!(serde_json::from_str::<Settings>(r#"{"nope": 1}"#).is_err());
    }
}
