//! How a mock ContraForce is set up: the credentials it accepts, where its sender
//! delivers and with which secret, and how that sender retries. Reading `BIND`
//! and `PORT` is the binary's business, not this file's.

use std::sync::Arc;
use std::time::Duration;

use upstream::{Clock, Secret, SystemClock};

/// Default service-account client id the mock accepts.
pub const DEFAULT_CLIENT_ID: &str = "demo-cf-client";
/// Default service-account client secret the mock accepts.
pub const DEFAULT_CLIENT_SECRET: &str = "demo-cf-secret";
/// Default workspace id the mock serves.
pub const DEFAULT_WORKSPACE_ID: &str = "00000000-0000-4000-8000-000000000001";
/// Default secret the sender signs deliveries with.
pub const DEFAULT_WEBHOOK_SECRET: &str = "demo-webhook-secret";

/// Everything a [`crate::MockContraForce`] needs to start.
#[derive(Clone)]
pub struct MockCfConfig {
    /// Service-account client id accepted in HTTP Basic.
    pub client_id: String,
    /// Service-account client secret accepted in HTTP Basic.
    pub client_secret: Secret,
    /// The only workspace id the API routes answer for (compared ignoring case).
    pub workspace_id: String,
    /// Where the sender posts deliveries, e.g. `http://127.0.0.1:8080/cf/webhooks`.
    /// `None` until set; sending without a target is an error, not a panic.
    pub webhook_url: Option<String>,
    /// The secret deliveries are signed with.
    pub webhook_secret: Secret,
    /// How the sender retries a delivery that did not get a 2xx.
    pub retry: SenderRetry,
    /// How long the sender waits for one answer before counting the attempt
    /// as a transport failure.
    pub request_timeout: Duration,
    /// Seed of the random draws behind the fault shares.
    pub fault_seed: u64,
    /// Source of timestamps (records, `X-CF-Timestamp`, envelope times) and of
    /// the sender's waits between attempts.
    pub clock: Arc<dyn Clock>,
}

impl Default for MockCfConfig {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
            workspace_id: DEFAULT_WORKSPACE_ID.to_owned(),
            webhook_url: None,
            webhook_secret: Secret::new(DEFAULT_WEBHOOK_SECRET),
            retry: SenderRetry::default(),
            request_timeout: Duration::from_secs(10),
            fault_seed: 0,
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for MockCfConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCfConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("workspace_id", &self.workspace_id)
            .field("webhook_url", &self.webhook_url)
            .field("webhook_secret", &self.webhook_secret)
            .field("retry", &self.retry)
            .field("request_timeout", &self.request_timeout)
            .field("fault_seed", &self.fault_seed)
            .finish_non_exhaustive()
    }
}

impl MockCfConfig {
    /// The defaults, overridden by `MOCK_CF_CLIENT_ID`, `MOCK_CF_CLIENT_SECRET`,
    /// `MOCK_CF_WORKSPACE_ID`, `MOCK_CF_WEBHOOK_URL` and `MOCK_CF_WEBHOOK_SECRET`
    /// where they are set and not empty.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`MockCfConfig::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let mut config = Self::default();
        if let Some(value) = read("MOCK_CF_CLIENT_ID") {
            config.client_id = value;
        }
        if let Some(value) = read("MOCK_CF_CLIENT_SECRET") {
            config.client_secret = Secret::new(value);
        }
        if let Some(value) = read("MOCK_CF_WORKSPACE_ID") {
            config.workspace_id = value;
        }
        config.webhook_url = read("MOCK_CF_WEBHOOK_URL");
        if let Some(value) = read("MOCK_CF_WEBHOOK_SECRET") {
            config.webhook_secret = Secret::new(value);
        }
        config
    }

    /// The same configuration delivering to `url`.
    pub fn with_webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// The same configuration signing with `secret`.
    pub fn with_webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = Secret::new(secret.into());
        self
    }

    /// The same configuration retrying as `retry` says.
    pub fn with_retry(mut self, retry: SenderRetry) -> Self {
        self.retry = retry;
        self
    }

    /// The same configuration reading time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same configuration drawing faults from `seed`.
    pub fn with_fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }
}

/// How the sender retries: up to `max_attempts` tries in all; between two tries
/// it waits what `Retry-After` says (capped at `max_retry_after`), else
/// `base_backoff` doubled per earlier retry (capped at `max_backoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SenderRetry {
    pub max_attempts: u32,
    #[serde(with = "millis", rename = "baseBackoffMs")]
    pub base_backoff: Duration,
    #[serde(with = "millis", rename = "maxBackoffMs")]
    pub max_backoff: Duration,
    #[serde(with = "millis", rename = "maxRetryAfterMs")]
    pub max_retry_after: Duration,
}

impl Default for SenderRetry {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl SenderRetry {
    /// One attempt and no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// `max_attempts` tries with `base_backoff` as the first wait.
    pub fn attempts(max_attempts: u32, base_backoff: Duration) -> Self {
        Self {
            max_attempts,
            base_backoff,
            ..Self::default()
        }
    }

    /// The wait after failed attempt number `attempt` (1-based) when the answer
    /// named none.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        self.base_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }
}

/// Durations as whole milliseconds in the admin API's JSON.
pub(crate) mod millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = <u64 as serde::Deserialize>::deserialize(d)?;
        Ok(Duration::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults_and_blank_counts_as_unset() {
        let config = MockCfConfig::from_lookup(|name| match name {
            "MOCK_CF_CLIENT_ID" => Some("abc".to_owned()),
            "MOCK_CF_CLIENT_SECRET" => Some("  ".to_owned()),
            "MOCK_CF_WEBHOOK_URL" => Some("http://127.0.0.1:9/cf/webhooks".to_owned()),
            _ => None,
        });
        assert_eq!(config.client_id, "abc");
        assert_eq!(config.client_secret.expose(), DEFAULT_CLIENT_SECRET);
        assert_eq!(config.workspace_id, DEFAULT_WORKSPACE_ID);
        assert_eq!(
            config.webhook_url.as_deref(),
            Some("http://127.0.0.1:9/cf/webhooks")
        );
        assert_eq!(config.webhook_secret.expose(), DEFAULT_WEBHOOK_SECRET);
    }

    #[test]
    fn debug_hides_both_secrets() {
        let text = format!("{:?}", MockCfConfig::default());
        assert!(!text.contains(DEFAULT_CLIENT_SECRET), "{text}");
        assert!(!text.contains(DEFAULT_WEBHOOK_SECRET), "{text}");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = SenderRetry {
            max_attempts: 10,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(60),
        };
        let waits: Vec<u128> = (1..=5).map(|n| retry.backoff(n).as_millis()).collect();
        assert_eq!(waits, vec![200, 400, 800, 1000, 1000]);
    }
}
