//! The admin HTTP API under `/_admin` (no auth: a test and demo tool): JSON
//! over the same [`MockControl`] the in-process tests use. The route list is
//! in the crate documentation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::{Value, json};
use upstream::Secret;

use crate::config::SenderRetry;
use crate::control::MockControl;
use crate::envelope::IncidentTemplate;
use crate::faults::{Fault, FaultSettings, Route};
use crate::sender::SendError;

/// Most deliveries one admin call may start at once.
const MAX_FAN_OUT: usize = 1000;

#[derive(Debug, thiserror::Error)]
enum AdminError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Send(#[from] SendError),
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::NotFound(_) | AdminError::Send(SendError::UnknownEvent(_)) => {
                StatusCode::NOT_FOUND
            }
            AdminError::Send(SendError::NoTarget) => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({"error": self.to_string()}))
    }
}

type Answer = Result<HttpResponse, AdminError>;

/// Registers the admin routes and `/healthz`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).service(
        web::scope("/_admin")
            .route("/state", web::get().to(state))
            .route("/incidents/{incident_id}", web::get().to(incident))
            .route("/send/incident", web::post().to(send_incident))
            .route("/send/body", web::post().to(send_body))
            .route("/send/test", web::post().to(send_test))
            .route("/send/redeliver", web::post().to(redeliver))
            .route("/send/copies", web::post().to(send_copies))
            .route("/send/event-ids", web::post().to(send_under_event_ids))
            .route("/events", web::get().to(events))
            .route("/deliveries", web::get().to(deliveries))
            .route("/faults", web::get().to(faults))
            .route("/faults", web::delete().to(clear_faults))
            .route("/faults/{route}", web::put().to(set_faults))
            .route("/faults/{route}/queue", web::post().to(queue_faults))
            .route("/counters", web::get().to(counters))
            .route("/sender", web::get().to(sender_settings))
            .route("/sender", web::put().to(set_sender))
            .route("/reset", web::post().to(reset)),
    );
}

/// Parses a JSON body; an empty body counts as `{}`.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| AdminError::BadRequest(format!("body: {error}")))
}

fn route_named(name: &str) -> Result<Route, AdminError> {
    Route::parse(name)
        .ok_or_else(|| AdminError::NotFound(format!("no route {name}; use comments or status")))
}

fn fan_out(count: usize) -> Result<usize, AdminError> {
    if (1..=MAX_FAN_OUT).contains(&count) {
        Ok(count)
    } else {
        Err(AdminError::BadRequest(format!(
            "count: must be 1 to {MAX_FAN_OUT}"
        )))
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn state(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "workspaceId": mock.workspace_id(),
        "targetUrl": mock.target_url(),
        "incidents": mock.incidents(),
    }))
}

async fn incident(path: web::Path<String>, mock: web::Data<MockControl>) -> Answer {
    let id = path.into_inner();
    let incident = mock
        .incident(&id)
        .ok_or_else(|| AdminError::NotFound(format!("no incident {id}")))?;
    Ok(HttpResponse::Ok().json(incident))
}

async fn send_incident(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let template: IncidentTemplate = parse(&body)?;
    Ok(HttpResponse::Ok().json(mock.send_incident(&template).await?))
}

async fn send_body(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let value: Value = parse(&body)?;
    Ok(HttpResponse::Ok().json(mock.send_body(&value).await?))
}

async fn send_test(mock: web::Data<MockControl>) -> Answer {
    Ok(HttpResponse::Ok().json(mock.send_test().await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RedeliverRequest {
    event_id: String,
}

async fn redeliver(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let request: RedeliverRequest = parse(&body)?;
    Ok(HttpResponse::Ok().json(mock.redeliver(&request.event_id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CopiesRequest {
    /// Copies of this earlier event; without it, of a new incident.
    event_id: Option<String>,
    #[serde(default)]
    template: IncidentTemplate,
    count: usize,
}

async fn send_copies(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let request: CopiesRequest = parse(&body)?;
    let count = fan_out(request.count)?;
    let deliveries = match &request.event_id {
        Some(event_id) => mock.send_copies(event_id, count).await?,
        None => mock.send_incident_copies(&request.template, count).await?,
    };
    Ok(HttpResponse::Ok().json(deliveries))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventIdsRequest {
    #[serde(default)]
    template: IncidentTemplate,
    count: u32,
}

async fn send_under_event_ids(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let request: EventIdsRequest = parse(&body)?;
    let count = fan_out(usize::try_from(request.count).unwrap_or(usize::MAX))?;
    let count = u32::try_from(count).unwrap_or(1);
    Ok(HttpResponse::Ok().json(mock.send_under_event_ids(&request.template, count).await?))
}

async fn events(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(mock.events())
}

async fn deliveries(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(mock.attempts())
}

fn faults_view(mock: &MockControl) -> Value {
    let route =
        |route: Route| json!({"settings": mock.faults(route), "queued": mock.queued_faults(route)});
    json!({
        "seed": mock.fault_seed(),
        "comments": route(Route::Comments),
        "status": route(Route::Status),
    })
}

async fn faults(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(faults_view(&mock))
}

#[derive(Deserialize)]
struct SeedQuery {
    seed: Option<u64>,
}

async fn clear_faults(query: web::Query<SeedQuery>, mock: web::Data<MockControl>) -> HttpResponse {
    let seed = query.seed.unwrap_or_else(|| mock.fault_seed());
    mock.clear_faults(seed);
    HttpResponse::Ok().json(faults_view(&mock))
}

async fn set_faults(
    path: web::Path<String>,
    body: web::Bytes,
    mock: web::Data<MockControl>,
) -> Answer {
    let route = route_named(&path)?;
    let settings: FaultSettings = parse(&body)?;
    if let Some(problem) = settings.problem() {
        return Err(AdminError::BadRequest(problem));
    }
    mock.set_faults(route, settings);
    Ok(HttpResponse::Ok().json(faults_view(&mock)))
}

async fn queue_faults(
    path: web::Path<String>,
    body: web::Bytes,
    mock: web::Data<MockControl>,
) -> Answer {
    let route = route_named(&path)?;
    let faults: Vec<Fault> = serde_json::from_slice(&body)
        .map_err(|error| AdminError::BadRequest(format!("body: {error}")))?;
    mock.queue_faults(route, faults);
    Ok(HttpResponse::Ok().json(faults_view(&mock)))
}

async fn counters(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(mock.counters())
}

fn sender_view(mock: &MockControl) -> Value {
    json!({"url": mock.target_url(), "retry": mock.retry()})
}

async fn sender_settings(mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok().json(sender_view(&mock))
}

#[derive(Deserialize)]
struct SenderUpdate {
    url: Option<String>,
    secret: Option<Secret>,
    retry: Option<SenderRetry>,
}

async fn set_sender(body: web::Bytes, mock: web::Data<MockControl>) -> Answer {
    let update: SenderUpdate = parse(&body)?;
    if let Some(url) = update.url {
        if url::Url::parse(&url).is_err() {
            return Err(AdminError::BadRequest("url: not a URL".to_owned()));
        }
        mock.set_target(url);
    }
    if let Some(secret) = update.secret {
        mock.set_webhook_secret(secret);
    }
    if let Some(retry) = update.retry {
        mock.set_retry(retry);
    }
    Ok(HttpResponse::Ok().json(sender_view(&mock)))
}

async fn reset(mock: web::Data<MockControl>) -> HttpResponse {
    mock.reset();
    HttpResponse::NoContent().finish()
}
