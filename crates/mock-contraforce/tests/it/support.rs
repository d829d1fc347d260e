//! What the tests share: starting a mock, calling its API as the bridge would,
//! and a small local receiver that stands in for the bridge's webhook route and
//! checks every signature it gets.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mock_contraforce::{MockCfConfig, MockContraForce, SenderRetry};
use serde_json::{Value, json};

pub const SECRET: &str = "receiver-test-secret";

pub async fn start(config: MockCfConfig) -> MockContraForce {
    MockContraForce::start(config).await.expect("mock starts")
}

/// A configuration whose sender delivers to `receiver` with its secret and
/// retries quickly.
pub fn sending_to(receiver: &Receiver) -> MockCfConfig {
    MockCfConfig::default()
        .with_webhook_url(receiver.url.clone())
        .with_webhook_secret(SECRET)
        .with_retry(SenderRetry::attempts(5, Duration::from_millis(1)))
}

pub async fn start_default() -> MockContraForce {
    start(MockCfConfig::default()).await
}

/// Percent-encodes every byte outside the URL "unreserved" set.
pub fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

pub fn good_auth(mock: &MockContraForce) -> String {
    basic(mock.client_id(), mock.client_secret().expose())
}

pub fn incident_url(mock: &MockContraForce, workspace: &str, incident: &str, tail: &str) -> String {
    format!(
        "{}/workspaces/{}/incidents/{}/{tail}",
        mock.api_url(),
        workspace,
        encode_segment(incident)
    )
}

pub fn comment_body(incident: &str, content: &str) -> Value {
    json!({"incidentId": incident, "commentId": null, "content": content,
        "extensionId": null, "source": "sentinel"})
}

pub fn close_body(incident: &str) -> Value {
    json!({"incidentId": incident, "source": "sentinel", "status": "Closed",
        "comment": "closed in Halo", "classification": "Undetermined",
        "classificationReason": "InaccurateData"})
}

pub fn status_body(incident: &str, status: &str) -> Value {
    json!({"incidentId": incident, "source": "sentinel", "status": status})
}

/// Status and JSON body (Null when not JSON) of an answer.
pub async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

pub async fn post_comment(mock: &MockContraForce, incident: &str, content: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(incident_url(
            mock,
            mock.workspace_id(),
            incident,
            "comments",
        ))
        .header("Authorization", good_auth(mock))
        .json(&comment_body(incident, content))
        .send()
        .await
        .expect("request sent");
    answer(response).await
}

pub async fn put_status(mock: &MockContraForce, incident: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .put(incident_url(mock, mock.workspace_id(), incident, "status"))
        .header("Authorization", good_auth(mock))
        .json(body)
        .send()
        .await
        .expect("request sent");
    answer(response).await
}

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// Whether `X-CF-Signature` matched `X-CF-Timestamp` and the body under
    /// the receiver's secret.
    pub signature_ok: bool,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
        }
    }

    pub fn retry_after(status: u16, value: &str) -> Self {
        Self {
            status,
            retry_after: Some(value.to_owned()),
        }
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Reply>>,
    secret: String,
}

/// The bridge's webhook route, played by a tiny actix server: it records each
/// delivery, checks its signature, and answers from a script (then 200).
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
    handle: ServerHandle,
}

impl Receiver {
    pub fn start(secret: &str) -> Self {
        let state = Arc::new(ReceiverState {
            secret: secret.to_owned(),
            ..ReceiverState::default()
        });
        let data = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/cf/webhooks", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("receiver binds");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{addr}/cf/webhooks"),
            state,
            handle,
        }
    }

    /// Answers the next deliveries with `replies`, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.script.lock().expect("lock").extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or_default().to_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    let timestamp = headers.get("x-cf-timestamp").cloned();
    let signature = headers.get("x-cf-signature").cloned();
    let verifier = signing::CfVerifier::new(vec![upstream::Secret::new(state.secret.clone())], 0);
    // Skew is checked by the tests that care; here only the signature counts.
    let now = timestamp
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let signature_ok = verifier
        .verify(timestamp.as_deref(), signature.as_deref(), &body, now)
        .is_ok();

    let event_id = headers.get("x-cf-event-id").cloned().unwrap_or_default();
    state.received.lock().expect("lock").push(Received {
        headers,
        body: body.to_vec(),
        signature_ok,
    });

    let reply = state.script.lock().expect("lock").pop_front();
    match reply {
        Some(reply) => {
            let status = actix_web::http::StatusCode::from_u16(reply.status).expect("status");
            let mut response = HttpResponse::build(status);
            if let Some(value) = reply.retry_after {
                response.insert_header(("Retry-After", value));
            }
            response.json(json!({"error": "scripted"}))
        }
        None => HttpResponse::Ok()
            .json(json!({"status": "created", "ticketId": 1, "eventId": event_id})),
    }
}
