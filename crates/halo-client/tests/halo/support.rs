//! What every Halo test needs: a wiremock server standing in for Halo, a manual
//! clock, a recording observer, a client wired to all three, and exact matchers.

use std::sync::Arc;
use std::time::Duration;

use halo_client::{HaloClient, HaloConfig};
use serde_json::{Value, json};
use upstream::{ManualClock, RecordingObserver, RetryPolicy, Secret};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

pub const SECRET: &str = "s3cret-value";
pub const TOKEN: &str = "tok-1";
pub const START: u64 = 1_776_870_000;
pub const FORM: &str =
    "grant_type=client_credentials&client_id=bridge-app&client_secret=s3cret-value&scope=all";

pub const TICKET: &str = include_str!("../data/halo-ticket.json");
pub const ACTIONS: &str = include_str!("../data/halo-actions.json");
pub const AUTH: &str = include_str!("../data/halo-auth.json");
pub const ERRORS: &str = include_str!("../data/halo-errors.json");

/// One key of a fixture file.
pub fn fixture(text: &str, key: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is JSON");
    value[key].clone()
}

pub struct Harness {
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
    pub observer: Arc<RecordingObserver>,
    pub client: HaloClient,
}

impl Harness {
    /// A client against a fresh server, with no request budget and a short timeout.
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(tune: impl FnOnce(&mut HaloConfig)) -> Self {
        let server = MockServer::start().await;
        let mut config = config(&server.uri(), &server.uri());
        tune(&mut config);
        Self::over(server, config)
    }

    pub fn over(server: MockServer, config: HaloConfig) -> Self {
        let clock = Arc::new(ManualClock::at_unix(START));
        let observer = Arc::new(RecordingObserver::default());
        let client = HaloClient::new(config, clock.clone(), observer.clone()).expect("client");
        Self {
            server,
            clock,
            observer,
            client,
        }
    }

    /// A client whose Halo serves one token and answers `verb route` once with `answer`.
    pub async fn answering(verb: &str, route: &str, answer: ResponseTemplate) -> Self {
        let h = Self::new().await;
        h.token(1).await;
        h.expect(api(verb, route), answer, 1).await;
        h
    }

    /// Mounts `request` answered with `answer`, expected exactly `times` times.
    pub async fn expect(&self, request: MockBuilder, answer: impl Respond + 'static, times: u64) {
        request
            .respond_with(answer)
            .expect(times)
            .mount(&self.server)
            .await;
    }

    /// Serves the token `TOKEN` for the default form, expected `times` times.
    pub async fn token(&self, times: u64) {
        token_mock(TOKEN, 3600)
            .expect(times)
            .mount(&self.server)
            .await;
    }
}

pub fn config(auth_base: &str, api_base: &str) -> HaloConfig {
    let mut config = HaloConfig::new(
        format!("{auth_base}/auth"),
        format!("{api_base}/api"),
        "bridge-app",
        Secret::new(SECRET),
    );
    config.max_requests_per_5min = 0;
    config.request_timeout = Duration::from_millis(300);
    config.retry = RetryPolicy::default();
    config
}

/// The token request exactly: POST, path, no query, form type, the form body.
pub fn token_request() -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(ExactQuery::new(&[]))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(FORM))
}

/// The token request answered with `token`.
pub fn token_mock(token: &str, expires_in: u64) -> Mock {
    token_request().respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    })))
}

/// An API request with the bearer token.
pub fn api(verb: &str, route: &str) -> MockBuilder {
    api_as(verb, route, TOKEN)
}

pub fn api_as(verb: &str, route: &str, token: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("authorization", format!("Bearer {token}").as_str()))
}

/// Matches when the query holds exactly these pairs, in any order, and nothing else.
pub struct ExactQuery(Vec<(String, String)>);

impl ExactQuery {
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        let mut pairs: Vec<_> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.sort();
        Self(pairs)
    }
}

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let mut seen: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        seen.sort();
        seen == self.0
    }
}

/// A minimal ticket answer carrying `reference` in `thirdpartynumber`.
pub fn ticket_json(id: i64, reference: &str) -> Value {
    json!({"id": id, "summary": format!("ticket {id}"), "thirdpartynumber": reference})
}
