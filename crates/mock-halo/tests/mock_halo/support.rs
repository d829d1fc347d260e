//! Starting mocks, getting tokens, calling the API, and a small webhook receiver.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use mock_halo::{MockHalo, MockHaloConfig};
use serde_json::Value;

pub fn config() -> MockHaloConfig {
    MockHaloConfig {
        workers: 1,
        ..MockHaloConfig::default()
    }
}

pub async fn start() -> MockHalo {
    start_with(config()).await
}

pub async fn start_with(config: MockHaloConfig) -> MockHalo {
    MockHalo::start(config).await.expect("mock starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client that gives up after `timeout`, to see a held request as a timeout.
pub fn impatient(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("client")
}

/// Posts a token request with these form fields.
pub async fn token_response(halo: &MockHalo, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(format!("{}/token", halo.auth_url()))
        .form(form)
        .send()
        .await
        .expect("token call")
}

/// A token for the demo credentials with `scope`.
pub async fn token_with_scope(halo: &MockHalo, scope: &str) -> String {
    let response = token_response(
        halo,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub async fn token(halo: &MockHalo) -> String {
    token_with_scope(halo, "all").await
}

pub async fn get(halo: &MockHalo, token: &str, path: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path}", halo.api_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("api call")
}

pub async fn post(halo: &MockHalo, token: &str, path: &str, body: &Value) -> reqwest::Response {
    http()
        .post(format!("{}{path}", halo.api_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("api call")
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
}

/// Creates a ticket over the API and returns its id.
pub async fn create_ticket(halo: &MockHalo, token: &str, element: Value) -> i64 {
    let response = post(halo, token, "/Tickets", &Value::Array(vec![element])).await;
    assert_eq!(response.status(), 201);
    json(response).await["id"].as_i64().expect("ticket id")
}

/// One request as the webhook receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A webhook receiver on 127.0.0.1 port 0 that records every request and
/// answers the statuses given in turn (then 200).
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Received>>>,
    server: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start(statuses: Vec<u16>) -> Receiver {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(statuses));
        let state = (Arc::clone(&seen), script);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .default_service(web::to(record))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("receiver binds");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://{addr}/hook"),
            seen,
            server: handle,
        }
    }

    pub fn seen(&self) -> Vec<Received> {
        self.seen.lock().expect("lock").clone()
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

type ReceiverState = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Vec<u16>>>);

async fn record(
    state: web::Data<ReceiverState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let received = Received {
        query: req.query_string().to_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    state.0.lock().expect("lock").push(received);
    let status = {
        let mut script = state.1.lock().expect("lock");
        if script.is_empty() {
            200
        } else {
            script.remove(0)
        }
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
}
