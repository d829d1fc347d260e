//! The request helper both clients use: one logical request, tried as the
//! [`RetryPolicy`] allows, each exchange timed and reported to the observer, each
//! answer sorted into success or a [`Failure`]. Reading the success body is the
//! caller's business; so is anything specific to Halo or ContraForce.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde_json::Value;

use crate::budget::RequestBudget;
use crate::message::{error_message, redact};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::{Clock, Secret, UpstreamObserver};

/// Whether a request may be sent again after its fate became unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Reads and absolute updates: retried after 429, 5xx, timeouts and broken connections.
    Idempotent,
    /// Creates: retried only when the server surely did not act on it (429, or a
    /// connection that never opened). A timeout, 5xx or broken connection after
    /// sending gives [`Failure::Uncertain`] so the caller can look before trying again.
    AtMostOnce,
}

/// A successful (2xx) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; an empty body reads as `null`.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
    }
}

/// Why a request did not succeed. Messages are the upstream's own words with every
/// known secret (configured secrets, the credential sent) replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("credentials refused: {0}")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("rate limited")]
    RateLimited { retry_after: Option<Duration> },
    #[error("rejected with HTTP {status}: {message}")]
    Rejected { status: u16, message: String },
    #[error("unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    #[error("timed out")]
    Timeout,
    #[error("transport failure: {0}")]
    Transport(String),
    #[error("outcome unknown: {0}")]
    Uncertain(String),
    /// The request could not even be built (a malformed URL or header).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Sends requests to one upstream with retries, an optional shared budget and an observer.
pub struct Requester {
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    observer: Arc<dyn UpstreamObserver>,
    policy: RetryPolicy,
    budget: Option<RequestBudget>,
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requester")
            .field("policy", &self.policy)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// What one exchange came to, before judging it.
enum Exchange {
    Answered {
        status: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    /// The connection never opened: the server cannot have acted.
    NotSent { timed_out: bool, detail: String },
    /// Sent, but no complete answer within the timeout.
    TimedOut,
    /// Sent, then the connection broke (reset, truncated body).
    Lost { detail: String },
}

/// What to do after an exchange.
enum Verdict {
    Done(Result<Reply, Failure>),
    /// Wait and try again; if no attempt is left, fail with `otherwise`.
    Retry {
        wait: Duration,
        otherwise: Failure,
    },
}

impl Requester {
    /// A requester whose every exchange is bounded by `timeout`.
    pub fn new(
        timeout: Duration,
        policy: RetryPolicy,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn UpstreamObserver>,
    ) -> Result<Self, Failure> {
        // A redirect would turn a POST into a GET or drop the credential on another
        // host; a 3xx is reported as a rejection instead, naming the status.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!(
                "contraforce-halo-bridge/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| Failure::Invalid(describe(&e, &[])))?;
        Ok(Self {
            http,
            clock,
            observer,
            policy,
            budget: None,
            secrets: Vec::new(),
        })
    }

    /// Every attempt first takes a slot of `budget` (no limit when `None`).
    pub fn with_budget(mut self, budget: Option<RequestBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// Texts to blank out of every failure message, besides the credential sent.
    pub fn with_secrets(mut self, secrets: Vec<Secret>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The HTTP client, for building requests to hand to [`Requester::send`].
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The clock every wait goes through.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends `request`, retrying as `delivery` and the policy allow. Only a 2xx is `Ok`.
    pub async fn send(
        &self,
        target: &'static str,
        request: reqwest::RequestBuilder,
        delivery: Delivery,
    ) -> Result<Reply, Failure> {
        let request = request
            .build()
            .map_err(|e| Failure::Invalid(describe(&e, &self.secrets)))?;
        let secrets = self.secrets_of(&request);
        let attempts = self.policy.attempts();

        let mut attempt = 1;
        loop {
            let copy = request
                .try_clone()
                .ok_or_else(|| Failure::Invalid("a streamed body cannot be retried".into()))?;
            if let Some(budget) = &self.budget {
                budget.acquire().await;
            }

            let exchange = self.exchange(target, copy, &secrets).await;
            match self.judge(exchange, delivery, attempt, &secrets) {
                Verdict::Done(result) => return result,
                Verdict::Retry { otherwise, .. } if attempt >= attempts => return Err(otherwise),
                Verdict::Retry { wait, otherwise } => {
                    tracing::debug!(
                        target_name = target,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        reason = %otherwise,
                        "retrying upstream request"
                    );
                    self.clock.sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// The configured secrets plus the credential this request carries.
    fn secrets_of(&self, request: &reqwest::Request) -> Vec<Secret> {
        let mut secrets = self.secrets.clone();
        if let Some(value) = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            secrets.push(Secret::new(value));
            if let Some((_, credential)) = value.split_once(' ') {
                secrets.push(Secret::new(credential.trim()));
            }
        }
        secrets
    }

    async fn exchange(
        &self,
        target: &'static str,
        request: reqwest::Request,
        secrets: &[Secret],
    ) -> Exchange {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.url().path().to_owned();

        let exchange = match self.http.execute(request).await {
            Err(e) => broken(&e, secrets),
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, self.clock.now()));
                match response.bytes().await {
                    Ok(body) => Exchange::Answered {
                        status,
                        retry_after,
                        body: body.to_vec(),
                    },
                    Err(e) => broken(&e, secrets),
                }
            }
        };

        let elapsed = started.elapsed();
        let status = match &exchange {
            Exchange::Answered { status, .. } => Some(*status),
            _ => None,
        };
        tracing::debug!(
            target_name = target,
            %method,
            path,
            status,
            elapsed_ms = elapsed.as_millis() as u64,
            "upstream exchange"
        );
        self.observer.request(target, status, elapsed);
        exchange
    }

    fn judge(
        &self,
        exchange: Exchange,
        delivery: Delivery,
        attempt: u32,
        secrets: &[Secret],
    ) -> Verdict {
        let backoff = self.policy.backoff(attempt);
        let idempotent = delivery == Delivery::Idempotent;
        match exchange {
            Exchange::Answered { status, body, .. } if (200..300).contains(&status) => {
                Verdict::Done(Ok(Reply { status, body }))
            }
            Exchange::Answered {
                status: 429,
                retry_after,
                ..
            } => match retry_after {
                Some(wait) if wait > self.policy.max_delay => {
                    Verdict::Done(Err(Failure::RateLimited { retry_after }))
                }
                Some(wait) => Verdict::Retry {
                    wait,
                    otherwise: Failure::RateLimited { retry_after },
                },
                None => Verdict::Retry {
                    wait: backoff,
                    otherwise: Failure::RateLimited { retry_after: None },
                },
            },
            Exchange::Answered {
                status,
                retry_after,
                ..
            } if status >= 500 => {
                if !idempotent {
                    return Verdict::Done(Err(Failure::Uncertain(format!(
                        "HTTP {status} after the request was sent"
                    ))));
                }
                let otherwise = Failure::Unavailable { status };
                match retry_after {
                    Some(wait) if wait > self.policy.max_delay => Verdict::Done(Err(otherwise)),
                    wait => Verdict::Retry {
                        wait: wait.unwrap_or(backoff),
                        otherwise,
                    },
                }
            }
            Exchange::Answered { status, body, .. } => {
                Verdict::Done(Err(refusal(status, &body, secrets)))
            }
            Exchange::NotSent { timed_out, detail } => Verdict::Retry {
                wait: backoff,
                otherwise: if timed_out {
                    Failure::Timeout
                } else {
                    Failure::Transport(detail)
                },
            },
            Exchange::TimedOut if idempotent => Verdict::Retry {
                wait: backoff,
                otherwise: Failure::Timeout,
            },
            Exchange::TimedOut => Verdict::Done(Err(Failure::Uncertain(
                "timed out waiting for the answer after the request was sent".into(),
            ))),
            Exchange::Lost { detail } if idempotent => Verdict::Retry {
                wait: backoff,
                otherwise: Failure::Transport(detail),
            },
            Exchange::Lost { detail } => Verdict::Done(Err(Failure::Uncertain(format!(
                "connection lost after the request was sent: {detail}"
            )))),
        }
    }
}

/// A base URL to append paths to: trimmed, without its trailing slash, and refused
/// (naming the setting `name`) unless it is an absolute http(s) URL.
pub fn base_url(name: &str, text: &str) -> Result<String, Failure> {
    let text = text.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(text)
        .map_err(|e| Failure::Invalid(format!("{name} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return Err(Failure::Invalid(format!("{name} must be an http(s) URL")));
    }
    Ok(text.to_owned())
}

/// The failure for a 4xx (other than 429) or any other answer that is not a success.
fn refusal(status: u16, body: &[u8], secrets: &[Secret]) -> Failure {
    let message = redact(&error_message(body), secrets);
    match status {
        401 if message.is_empty() => Failure::Unauthorized("HTTP 401 without a message".into()),
        401 => Failure::Unauthorized(message),
        403 => Failure::Forbidden,
        404 => Failure::NotFound,
        _ => Failure::Rejected { status, message },
    }
}

fn broken(error: &reqwest::Error, secrets: &[Secret]) -> Exchange {
    let detail = describe(error, secrets);
    if error.is_connect() || error.is_builder() {
        Exchange::NotSent {
            timed_out: error.is_timeout(),
            detail,
        }
    } else if error.is_timeout() {
        Exchange::TimedOut
    } else {
        Exchange::Lost { detail }
    }
}

/// The error and its causes on one line, secrets blanked.
fn describe(error: &(dyn StdError + 'static), secrets: &[Secret]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        next = current.source();
    }
    redact(&parts.join(": "), secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_by_status() {
        let secrets = [Secret::new("hunter2")];
        assert_eq!(
            refusal(401, br#"{"error_description":"bad hunter2"}"#, &secrets),
            Failure::Unauthorized("bad ***".into())
        );
        assert!(matches!(refusal(401, b"", &secrets), Failure::Unauthorized(m) if !m.is_empty()));
        assert_eq!(refusal(403, b"", &secrets), Failure::Forbidden);
        assert_eq!(refusal(404, b"", &secrets), Failure::NotFound);
        assert_eq!(
            refusal(409, br#""already closed""#, &secrets),
            Failure::Rejected {
                status: 409,
                message: "already closed".into()
            }
        );
    }

    #[test]
    fn base_urls_are_trimmed_and_must_be_http() {
        assert_eq!(
            base_url("x", " https://h/api/v2/ ").unwrap(),
            "https://h/api/v2"
        );
        for bad in ["h/api", "ftp://h/api", "mailto:a@b", ""] {
            assert!(
                matches!(base_url("x", bad), Err(Failure::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_body_reads_as_null() {
        let reply = Reply {
            status: 204,
            body: b" \n".to_vec(),
        };
        assert_eq!(reply.json().unwrap(), Value::Null);
    }
}
