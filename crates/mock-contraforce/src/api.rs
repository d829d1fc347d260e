//! ContraForce's REST v2 routes as the bridge calls them: add a comment, change
//! an incident's status. Each request passes latency and faults, then Basic
//! auth, the workspace check and body validation, and is then stored.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::auth;
use crate::faults::{Fault, Route};
use crate::shared::Shared;
use crate::state::StatusRefusal;
use crate::validate::{self, Invalid};

/// Why a request to the API was refused.
#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("workspace not found")]
    WorkspaceNotFound,
    #[error("invalid request")]
    Invalid(#[from] Invalid),
    #[error("incident already closed")]
    AlreadyClosed,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::WorkspaceNotFound => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) => StatusCode::BAD_REQUEST,
            ApiError::AlreadyClosed => StatusCode::CONFLICT,
        }
    }

    fn body(&self) -> Value {
        match self {
            ApiError::Invalid(invalid) => json!({"error": self.to_string(), "detail": invalid.0}),
            _ => json!({"error": self.to_string()}),
        }
    }
}

/// Registers the two routes under `/api/v2`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v2/workspaces/{workspace_id}/incidents/{incident_id}")
            .route("/comments", web::post().to(add_comment))
            .route("/status", web::put().to(change_status)),
    );
}

type IncidentPath = web::Path<(String, String)>;
type Work = fn(&Shared, &str, &[u8]) -> Result<(StatusCode, Value), ApiError>;

async fn add_comment(
    request: HttpRequest,
    path: IncidentPath,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(
        Route::Comments,
        &request,
        path,
        &body,
        &shared,
        store_comment,
    )
    .await
}

async fn change_status(
    request: HttpRequest,
    path: IncidentPath,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    serve(Route::Status, &request, path, &body, &shared, store_status).await
}

fn store_comment(
    shared: &Shared,
    incident: &str,
    body: &[u8],
) -> Result<(StatusCode, Value), ApiError> {
    let comment = validate::comment(body, incident)?;
    let now_ms = shared.now_ms();
    let stored = shared.change(|inner| {
        inner
            .incidents
            .add_comment(incident, comment.content, comment.source, now_ms)
    });
    tracing::info!(incident_id = %incident, comment_id = %stored.id, "comment added");
    Ok((
        StatusCode::CREATED,
        json!({"id": stored.id, "incidentId": stored.incident_id}),
    ))
}

fn store_status(
    shared: &Shared,
    incident: &str,
    body: &[u8],
) -> Result<(StatusCode, Value), ApiError> {
    let wanted = validate::status(body, incident)?;
    let now_ms = shared.now_ms();
    let change = shared
        .change(|inner| inner.incidents.change_status(incident, wanted, now_ms))
        .map_err(|refusal| match refusal {
            StatusRefusal::AlreadyClosed => ApiError::AlreadyClosed,
        })?;
    tracing::info!(incident_id = %incident, status = %change.status, "status changed");
    Ok((
        StatusCode::OK,
        json!({"incidentId": change.incident_id, "status": change.status}),
    ))
}

fn check_caller(request: &HttpRequest, shared: &Shared, workspace: &str) -> Result<(), ApiError> {
    let header = request
        .headers()
        .get("Authorization")
        .and_then(|value| value.to_str().ok());
    if !auth::basic_matches(header, &shared.client_id, &shared.client_secret) {
        return Err(ApiError::Unauthorized);
    }
    if !workspace.eq_ignore_ascii_case(&shared.workspace_id) {
        return Err(ApiError::WorkspaceNotFound);
    }
    Ok(())
}

/// Runs one API request: latency, then a fault if one is due, else the caller
/// checks and `work`; counts the answer.
async fn serve(
    route: Route,
    request: &HttpRequest,
    path: IncidentPath,
    body: &[u8],
    shared: &Shared,
    work: Work,
) -> HttpResponse {
    let decision = shared.change(|inner| inner.faults.decide(route));
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }

    if let Some(fault) = decision.fault {
        shared.change(|inner| inner.counters.record(route, fault.status()));
        tracing::info!(route = route.as_str(), path = %request.path(), ?fault, "fault injected");
        return fault_answer(fault).await;
    }

    let (workspace, incident) = path.into_inner();
    let outcome =
        check_caller(request, shared, &workspace).and_then(|()| work(shared, &incident, body));
    let (status, body) = match outcome {
        Ok(answer) => answer,
        Err(error) => {
            tracing::info!(route = route.as_str(), %error, "request refused");
            (error.status(), error.body())
        }
    };
    shared.change(|inner| inner.counters.record(route, status.as_u16()));
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header(("WWW-Authenticate", "Basic realm=\"contraforce\""));
    }
    response.json(body)
}

async fn fault_answer(fault: Fault) -> HttpResponse {
    match fault {
        Fault::ServerError => HttpResponse::InternalServerError()
            .json(json!({"error": "internal server error (injected)"})),
        Fault::RateLimited { retry_after_secs } => {
            let mut response = HttpResponse::TooManyRequests();
            if let Some(secs) = retry_after_secs {
                response.insert_header(("Retry-After", secs.to_string()));
            }
            response.json(json!({"error": "too many requests (injected)"}))
        }
        Fault::Timeout { hold_ms } => {
            tokio::time::sleep(std::time::Duration::from_millis(hold_ms)).await;
            HttpResponse::GatewayTimeout().json(json!({"error": "gateway timeout (injected)"}))
        }
    }
}
