//! [`HaloClient`]: construction and the one authorised request path every call takes
//! (budget, bearer token, retries, one re-authorisation after a 401). The calls
//! themselves live in the resource files.

use std::sync::Arc;
use std::time::Duration;

use mapping::halo::RefField;
use reqwest::Method;
use serde_json::Value;
use upstream::{Clock, Delivery, Failure, RequestBudget, Requester, UpstreamObserver};

use crate::token::TokenSource;
use crate::{HaloConfig, HaloError};

/// The rolling window of Halo's rate limit.
const BUDGET_WINDOW: Duration = Duration::from_secs(300);

/// A HaloPSA client. Cloning is cheap and clones share the token, the request
/// budget and the create lock.
#[derive(Clone)]
pub struct HaloClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    requester: Requester,
    tokens: TokenSource,
    api_base: String,
    pub(crate) ref_field: RefField,
    /// Halo numbers tickets racily, so this process creates one at a time.
    pub(crate) creating: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for HaloClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HaloClient")
            .field("api_base", &self.inner.api_base)
            .field("ref_field", &self.inner.ref_field)
            .finish_non_exhaustive()
    }
}

impl HaloClient {
    /// A client for the tenant `config` describes. Checks the settings; sends nothing.
    pub fn new(
        config: HaloConfig,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn UpstreamObserver>,
    ) -> Result<HaloClient, HaloError> {
        let auth_base = upstream::base_url("auth_url", &config.auth_url)?;
        let api_base = upstream::base_url("api_base_url", &config.api_base_url)?;
        if config.client_id.trim().is_empty() {
            return Err(HaloError::Config("client_id is empty".into()));
        }
        if config.client_secret.is_empty() {
            return Err(HaloError::Config("client_secret is empty".into()));
        }

        let budget = RequestBudget::new(config.max_requests_per_5min, BUDGET_WINDOW, clock.clone());
        let requester = Requester::new(config.request_timeout, config.retry, clock, observer)?
            .with_budget(budget)
            .with_secrets(vec![config.client_secret.clone()]);
        let tenant = config.tenant.filter(|t| !t.trim().is_empty());
        let scope = match config.scope.trim() {
            "" => "all".to_owned(),
            scope => scope.to_owned(),
        };
        let tokens = TokenSource::new(
            format!("{auth_base}/token"),
            config.client_id,
            config.client_secret,
            scope,
            tenant,
        );

        Ok(HaloClient {
            inner: Arc::new(Inner {
                requester,
                tokens,
                api_base,
                ref_field: config.ref_field,
                creating: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Where this client reads and writes the ContraForce reference.
    pub fn ref_field(&self) -> &RefField {
        &self.inner.ref_field
    }

    /// `GET {api}{path}` with `query`, retried freely.
    pub(crate) async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, HaloError> {
        self.call(Method::GET, path, query, None, Delivery::Idempotent)
            .await
    }

    /// One API call with a bearer token. A 401 discards the token and the call is
    /// tried once more with a fresh one; a second 401 is [`HaloError::Unauthorized`].
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        delivery: Delivery,
    ) -> Result<Value, HaloError> {
        let inner = &self.inner;
        let url = format!("{}{path}", inner.api_base);
        let mut reauthorised = false;
        loop {
            let token = inner.tokens.bearer(&inner.requester).await?;
            let mut request = inner
                .requester
                .http()
                .request(method.clone(), &url)
                .bearer_auth(token.expose());
            if !query.is_empty() {
                request = request.query(query);
            }
            if let Some(body) = body {
                request = request.json(body);
            }

            match inner.requester.send("halo", request, delivery).await {
                Err(Failure::Unauthorized(_)) if !reauthorised => {
                    tracing::debug!(path, "Halo refused the token; fetching a new one");
                    inner.tokens.discard(&token).await;
                    reauthorised = true;
                }
                Err(failure) => return Err(failure.into()),
                Ok(reply) => {
                    return reply
                        .json()
                        .map_err(|e| HaloError::Decode(format!("{path}: {e}")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstream::{ManualClock, NoopObserver, Secret};

    fn config() -> HaloConfig {
        HaloConfig::new(
            "https://acme.halopsa.com/auth/",
            "https://acme.halopsa.com/api",
            "bridge",
            Secret::new("s3cret"),
        )
    }

    fn build(config: HaloConfig) -> Result<HaloClient, HaloError> {
        HaloClient::new(
            config,
            Arc::new(ManualClock::at_unix(0)),
            Arc::new(NoopObserver),
        )
    }

    #[test]
    fn good_settings_build_a_client() {
        assert!(build(config()).is_ok());
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let mut bad_url = config();
        bad_url.api_base_url = "halo.example".into();
        assert!(matches!(build(bad_url), Err(HaloError::Config(_))));

        let mut ftp = config();
        ftp.auth_url = "ftp://h/auth".into();
        assert!(matches!(build(ftp), Err(HaloError::Config(_))));

        let mut no_secret = config();
        no_secret.client_secret = Secret::new("");
        assert!(matches!(build(no_secret), Err(HaloError::Config(_))));

        let mut no_id = config();
        no_id.client_id = " ".into();
        assert!(matches!(build(no_id), Err(HaloError::Config(_))));
    }
}
