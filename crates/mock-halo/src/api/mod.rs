//! Halo's public surface: the token endpoint and `/api`. Every call passes
//! through [`serve`], which applies the route's faults, checks the bearer
//! token and counts the answer.

mod actions;
mod auth;
mod lookups;
mod tickets;

use std::future::Future;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::error::{MockError, halo_exception};
use crate::faults::{Fault, Route};
use crate::tenant::Tenant;
use crate::tokens::Refusal;

/// Registers `POST /auth/token` and the `/api` routes.
pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/auth/token", web::post().to(auth::token))
        .route("/api/Tickets", web::get().to(tickets::list))
        .route("/api/Tickets", web::post().to(tickets::post))
        .route("/api/Tickets/{id}", web::get().to(tickets::get))
        .route("/api/Actions", web::get().to(actions::list))
        .route("/api/Actions", web::post().to(actions::post))
        .route("/api/Agent/me", web::get().to(lookups::me))
        .route("/api/Agent", web::get().to(lookups::agents))
        .route("/api/Status", web::get().to(lookups::statuses))
        .route("/api/TicketType", web::get().to(lookups::ticket_types))
        .route("/api/Priority", web::get().to(lookups::priorities))
        .route("/api/Outcome", web::get().to(lookups::outcomes))
        .route("/api/Client", web::get().to(lookups::clients));
}

/// What a route asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// No bearer token (the token endpoint).
    Open,
    /// A valid bearer token, any scope.
    AnyScope,
    /// A valid bearer token whose scopes cover the route.
    Scoped,
}

/// Runs `handler` for one call of `route`: faults first (latency, 500, 429,
/// timeout), then the token, then the handler, then a lost reply if drawn.
/// Writes get the latency to spend themselves, inside their critical window.
async fn serve<F, Fut>(
    tenant: &Tenant,
    route: Route,
    access: Access,
    req: &HttpRequest,
    handler: F,
) -> HttpResponse
where
    F: FnOnce(Duration) -> Fut,
    Fut: Future<Output = HttpResponse>,
{
    let decision = tenant.decide(route);
    let mut latency = decision.latency;
    if !route.writes() && !latency.is_zero() {
        tokio::time::sleep(latency).await;
        latency = Duration::ZERO;
    }
    match decision.fault {
        Fault::Error500 => return answer(tenant, route, server_error()),
        Fault::RateLimited { retry_after_secs } => {
            return answer(tenant, route, rate_limited(retry_after_secs));
        }
        Fault::Timeout => return tenant.hold(route).await,
        Fault::ReplyLost if !route.writes() => return tenant.hold(route).await,
        Fault::Pass | Fault::ReplyLost => {}
    }
    if access != Access::Open {
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        match tenant.check_token(authorization, route, access == Access::Scoped) {
            Ok(()) => {}
            Err(Refusal::Unauthorized) => {
                return answer(tenant, route, HttpResponse::Unauthorized().finish());
            }
            Err(Refusal::Forbidden) => {
                return answer(tenant, route, HttpResponse::Forbidden().finish());
            }
        }
    }
    let response = handler(latency).await;
    if decision.fault == Fault::ReplyLost && response.status().is_success() {
        return tenant.hold(route).await;
    }
    answer(tenant, route, response)
}

fn answer(tenant: &Tenant, route: Route, response: HttpResponse) -> HttpResponse {
    tenant.counters.record(route, response.status().as_u16());
    response
}

fn server_error() -> HttpResponse {
    HttpResponse::InternalServerError().json(halo_exception(
        "An error occurred while processing your request.",
    ))
}

fn rate_limited(retry_after_secs: Option<u64>) -> HttpResponse {
    let mut response = HttpResponse::TooManyRequests();
    if let Some(secs) = retry_after_secs {
        response.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    response
        .json(json!({"message": "Rate Limit Reached - 300 requests per rolling 5-minute window"}))
}

fn bad_request(body: Value) -> HttpResponse {
    HttpResponse::BadRequest().json(body)
}

/// The elements of a request body that must be a JSON array (Halo reads a
/// list even for one item), each read by `read`; `Err` is Halo's 400 body.
fn elements<T>(
    body: &[u8],
    type_name: &str,
    read: impl Fn(&Value) -> Result<T, MockError>,
) -> Result<Vec<T>, Value> {
    let items = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) if !items.is_empty() => items,
        Ok(Value::Array(_)) => return Err(halo_exception(&format!("No {type_name} were sent"))),
        Ok(other) => {
            return Err(halo_exception(&format!(
                "Cannot deserialize the current JSON {} into type \
                 'System.Collections.Generic.List`1[{type_name}]' because the type requires a \
                 JSON array (e.g. [1,2,3]) to deserialize correctly.",
                json_kind(&other)
            )));
        }
        Err(e) => return Err(halo_exception(&format!("Invalid JSON: {e}"))),
    };
    items
        .iter()
        .map(read)
        .collect::<Result<_, _>>()
        .map_err(|e| e.halo_body())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        _ => "value",
    }
}

/// Query parameters with lower-case names (Halo reads them in any case).
fn query(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn flag(params: &[(String, String)], name: &str) -> bool {
    param(params, name).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn number(params: &[(String, String)], name: &str) -> Option<i64> {
    param(params, name).and_then(|v| v.trim().parse().ok())
}
