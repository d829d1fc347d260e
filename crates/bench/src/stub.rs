//! Halo and ContraForce stand-ins that answer at once with fixed, valid bodies
//! and count every call: what the benchmark measures the bridge against, so
//! that the figures are the bridge's own cost. The full mocks (`mock-halo`,
//! `mock-contraforce`) are what tests and the soak use; their ticket search
//! scans every ticket, which at thousands of tickets a second would measure the
//! mock instead of the bridge.
//!
//! Every ticket the Halo side serves by id is linked to a ContraForce incident
//! and has one public note, so a Halo webhook naming a new ticket id makes the
//! bridge forward exactly one comment.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::Error;

/// The credentials the stub expects (it accepts any, but these go in the settings).
pub const HALO_CLIENT_ID: &str = "bench-client";
pub const HALO_CLIENT_SECRET: &str = "bench-halo-client-secret";
pub const CF_CLIENT_ID: &str = "bench-cf-client";
pub const CF_CLIENT_SECRET: &str = "bench-cf-client-secret";
pub const CF_WORKSPACE_ID: &str = "00000000-0000-4000-8000-000000000001";
/// The source every stub ticket's reference names.
pub const SOURCE: &str = "sentinel";

/// Calls by route.
#[derive(Debug, Default)]
pub struct Calls {
    pub token: AtomicU64,
    pub tickets_list: AtomicU64,
    pub tickets_post: AtomicU64,
    pub ticket_get: AtomicU64,
    pub actions_get: AtomicU64,
    pub actions_post: AtomicU64,
    pub agent: AtomicU64,
    pub cf_comments: AtomicU64,
    pub cf_status: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct State {
    calls: Arc<Calls>,
    next_ticket: AtomicU64,
    token_lifetime_secs: u64,
}

/// A running stub; dropping it stops the server.
pub struct Stub {
    pub base_url: String,
    pub calls: Arc<Calls>,
    server: ServerHandle,
}

impl Stub {
    /// Starts on 127.0.0.1 with `workers` threads; tokens live `token_lifetime_secs`.
    pub async fn start(workers: usize, token_lifetime_secs: u64) -> Result<Stub, Error> {
        let calls = Arc::new(Calls::default());
        let state = web::Data::new(State {
            calls: calls.clone(),
            next_ticket: AtomicU64::new(1),
            token_lifetime_secs,
        });
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr: SocketAddr = listener.local_addr()?;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/auth/token", web::post().to(token))
                .route("/api/Tickets", web::get().to(tickets_list))
                .route("/api/Tickets", web::post().to(tickets_post))
                .route("/api/Tickets/{id}", web::get().to(ticket_get))
                .route("/api/Actions", web::get().to(actions_get))
                .route("/api/Actions", web::post().to(actions_post))
                .route("/api/Agent/me", web::get().to(agent_me))
                .route(
                    "/api/v2/workspaces/{ws}/incidents/{id}/comments",
                    web::post().to(cf_comment),
                )
                .route(
                    "/api/v2/workspaces/{ws}/incidents/{id}/status",
                    web::put().to(cf_status),
                )
        })
        .workers(workers.max(1))
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Stub {
            base_url: format!("http://{addr}"),
            calls,
            server: handle,
        })
    }

    /// The settings pointing a bridge's Halo client here.
    pub fn halo_env(&self) -> Vec<(String, String)> {
        [
            ("HALO_AUTH_URL", format!("{}/auth", self.base_url)),
            ("HALO_API_BASE_URL", format!("{}/api", self.base_url)),
            ("HALO_CLIENT_ID", HALO_CLIENT_ID.to_owned()),
            ("HALO_CLIENT_SECRET", HALO_CLIENT_SECRET.to_owned()),
            ("HALO_MAX_REQUESTS_PER_5MIN", "0".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    /// The settings pointing a bridge's ContraForce client here.
    pub fn cf_env(&self) -> Vec<(String, String)> {
        [
            ("CF_API_BASE_URL", format!("{}/api/v2", self.base_url)),
            ("CF_SERVICE_ACCOUNT_CLIENT_ID", CF_CLIENT_ID.to_owned()),
            (
                "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
                CF_CLIENT_SECRET.to_owned(),
            ),
            ("CF_WORKSPACE_ID", CF_WORKSPACE_ID.to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

// Every handler of a request with a body takes the body, even when it does not look
// at it: actix closes a connection whose request body was left unread, which would
// make the bridge open a new connection for each such call, as no real upstream does.

async fn token(state: web::Data<State>, _form: web::Bytes) -> HttpResponse {
    bump(&state.calls.token);
    HttpResponse::Ok().json(json!({
        "access_token": format!("stub-{}", uuid::Uuid::new_v4().simple()),
        "token_type": "Bearer",
        "expires_in": state.token_lifetime_secs,
        "scope": "all",
    }))
}

async fn tickets_list(state: web::Data<State>) -> HttpResponse {
    bump(&state.calls.tickets_list);
    HttpResponse::Ok().json(json!({"page_no": 1, "page_size": 100, "record_count": 0,
        "tickets": []}))
}

async fn tickets_post(state: web::Data<State>, body: web::Json<Value>) -> HttpResponse {
    bump(&state.calls.tickets_post);
    let mut ticket = body
        .get(0)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    let id = state.next_ticket.fetch_add(1, Ordering::Relaxed);
    ticket["id"] = json!(id);
    ticket["status_id"] = json!(1);
    HttpResponse::Created().json(ticket)
}

async fn ticket_get(state: web::Data<State>, id: web::Path<i64>) -> HttpResponse {
    bump(&state.calls.ticket_get);
    let id = id.into_inner();
    HttpResponse::Ok().json(json!({
        "id": id,
        "summary": format!("[CF #{id}] Suspicious sign-in activity"),
        "status_id": 2,
        "hasbeenclosed": false,
        "thirdpartynumber": format!("cf|{SOURCE}|bench-{id}"),
    }))
}

async fn actions_get(
    state: web::Data<State>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    bump(&state.calls.actions_get);
    let ticket_id = query
        .iter()
        .find(|(k, _)| k == "ticket_id")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .unwrap_or(0);
    HttpResponse::Ok().json(json!({
        "ticket_id": ticket_id,
        "record_count": 1,
        "actions": [{
            "id": 1, "ticket_id": ticket_id, "who": "Sam Technician", "who_type": 1,
            "who_agentid": 6, "hiddenfromuser": false, "outcome": "Public Note",
            "note_html": "<p>Investigating the <b>sign-ins</b> now.</p>",
        }],
    }))
}

async fn actions_post(state: web::Data<State>, body: web::Json<Value>) -> HttpResponse {
    bump(&state.calls.actions_post);
    let mut action = body
        .get(0)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    action["id"] = json!(2);
    HttpResponse::Created().json(action)
}

async fn agent_me(state: web::Data<State>) -> HttpResponse {
    bump(&state.calls.agent);
    HttpResponse::Ok().json(json!({"id": 21, "name": "ContraForce Integration"}))
}

async fn cf_comment(
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    _body: web::Bytes,
) -> HttpResponse {
    bump(&state.calls.cf_comments);
    let (_, incident) = path.into_inner();
    HttpResponse::Created().json(json!({"id": "comment", "incidentId": incident}))
}

async fn cf_status(
    state: web::Data<State>,
    path: web::Path<(String, String)>,
    _body: web::Bytes,
) -> HttpResponse {
    bump(&state.calls.cf_status);
    let (_, incident) = path.into_inner();
    HttpResponse::Ok().json(json!({"incidentId": incident, "status": "Closed"}))
}
