//! The HTTP front (contract §2–§4): the two webhook routes with the checks that
//! come before anything is stored (size, event id, signature or shared secret,
//! schema, payload shape), health, readiness and metrics. Every answer is built
//! by [`Answer`]; nothing here answers 500.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use mapping::cf::{Envelope, peek_type};
use mapping::halo_webhook;
use mapping::reference::Reference;
use serde_json::json;
use signing::{CfVerifier, HaloPresented, halo_secret_matches};
use store::{Kind, NewDelivery};
use tracing::Instrument;
use upstream::Secret;

use crate::answer::Answer;
use crate::engine::Engine;
use crate::halo_to_cf::ticket_ids;
use crate::telemetry;

/// The one schema the bridge handles.
const INCIDENT_CREATED: &str = "incident.created.v1";

/// Request headers kept with a stored delivery (never the signature).
const KEPT_HEADERS: [&str; 5] = [
    "x-cf-event-id",
    "x-cf-timestamp",
    "x-cf-schema",
    "x-cf-test",
    "content-type",
];

/// How a webhook route authenticates and reads its deliveries.
pub enum Inbound {
    Cf {
        verifier: CfVerifier,
        process_tests: bool,
    },
    Halo {
        secret: Secret,
    },
}

/// Everything the routes share.
pub struct Front {
    pub engine: Arc<Engine>,
    pub inbound: Inbound,
    pub max_body_bytes: usize,
}

/// Registers the routes; the function edition calls this twice, at `/` and `/api`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cf/webhooks", web::post().to(cf_webhook))
        .route("/halo/webhooks", web::post().to(halo_webhook))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

fn respond(answer: &Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = HttpResponse::build(status);
    if let Some(wait) = answer.retry_after {
        response.insert_header(("Retry-After", wait.as_secs().max(1).to_string()));
    }
    response.json(&answer.body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Reads the body, refusing anything past `limit` bytes without reading it all.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, Answer> {
    let declared = header(request.headers(), "content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Answer::too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Answer::malformed("body: could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(Answer::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn request_id(request: &HttpRequest) -> String {
    telemetry::request_id(header(request.headers(), "x-request-id"))
}

async fn cf_webhook(
    request: HttpRequest,
    payload: web::Payload,
    front: web::Data<Front>,
) -> HttpResponse {
    let span = telemetry::request_span(&request_id(&request), "/cf/webhooks");
    async move {
        let started = Instant::now();
        let event_id = header(request.headers(), "x-cf-event-id").map(str::trim);
        let (answer, reference) = match cf_checks(&request, payload, &front).await {
            Ok((delivery, reference)) => (front.engine.accept(delivery).await, Some(reference)),
            Err(answer) => (answer, None),
        };
        finish(&front, &answer, event_id, reference.as_deref(), started)
    }
    .instrument(span)
    .await
}

/// Contract §3 steps 1–6; `Ok` is a delivery to record and process.
async fn cf_checks(
    request: &HttpRequest,
    payload: web::Payload,
    front: &Front,
) -> Result<(NewDelivery, String), Answer> {
    let Inbound::Cf {
        verifier,
        process_tests,
    } = &front.inbound
    else {
        return Err(Answer::not_found());
    };
    let headers = request.headers();
    let body = read_body(request, payload, front.max_body_bytes).await?;

    let event_id = header(headers, "x-cf-event-id")
        .map(str::trim)
        .unwrap_or_default();
    if event_id.is_empty() {
        tracing::warn!(reason = "missing X-CF-Event-Id", "delivery rejected");
        return Err(Answer::missing_event_id());
    }

    let now = front.engine.core.clock.unix_seconds();
    let timestamp = header(headers, "x-cf-timestamp");
    let signature = header(headers, "x-cf-signature");
    if let Err(problem) = verifier.verify(timestamp, signature, &body, now) {
        tracing::warn!(event_id, reason = %problem, "delivery rejected: invalid signature");
        return Err(Answer::invalid_signature());
    }

    let schema = match header(headers, "x-cf-schema") {
        Some(schema) => Some(schema.trim().to_owned()),
        None => peek_type(&body),
    };
    if !schema.is_some_and(|s| s.eq_ignore_ascii_case(INCIDENT_CREATED)) {
        return Err(Answer::ignored("unhandled schema"));
    }

    let envelope = Envelope::parse(&body).map_err(|problem| {
        tracing::warn!(event_id, reason = %problem, "delivery rejected: malformed payload");
        Answer::malformed(&problem.to_string())
    })?;

    let test_header = header(headers, "x-cf-test")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true") || v.trim() == "1");
    if (test_header || envelope.is_test) && !process_tests {
        return Err(Answer::test_delivery(event_id));
    }

    let incident = &envelope.data;
    let reference = Reference {
        source: incident.source.clone(),
        incident_id: incident.incident_id.clone(),
    }
    .to_string();
    let delivery = NewDelivery {
        id: uuid::Uuid::new_v4().to_string(),
        kind: Kind::Cf,
        event_id: Some(event_id.to_owned()),
        subject: Some(reference.clone()),
        headers: kept_headers(headers),
        body,
        received_at: front.engine.core.clock.unix_millis(),
    };
    Ok((delivery, reference))
}

fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    KEPT_HEADERS
        .iter()
        .filter_map(|name| header(headers, name).map(|v| ((*name).to_owned(), v.to_owned())))
        .collect()
}

async fn halo_webhook(
    request: HttpRequest,
    payload: web::Payload,
    front: web::Data<Front>,
) -> HttpResponse {
    let span = telemetry::request_span(&request_id(&request), "/halo/webhooks");
    async move {
        let started = Instant::now();
        let answer = match halo_checks(&request, payload, &front).await {
            Ok(delivery) => front.engine.accept(delivery).await,
            Err(answer) => answer,
        };
        finish(&front, &answer, None, None, started)
    }
    .instrument(span)
    .await
}

/// Contract §4 steps 1–2; `Ok` is a delivery to record and process.
async fn halo_checks(
    request: &HttpRequest,
    payload: web::Payload,
    front: &Front,
) -> Result<NewDelivery, Answer> {
    let Inbound::Halo { secret } = &front.inbound else {
        return Err(Answer::not_found());
    };
    let headers = request.headers();
    let body = read_body(request, payload, front.max_body_bytes).await?;

    // Authenticate before the body is looked at as JSON.
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    let presented = HaloPresented {
        x_halo_secret: header(headers, "x-halo-secret").map(str::to_owned),
        authorization: header(headers, "authorization").map(str::to_owned),
        query_secret: query
            .into_iter()
            .find(|(k, _)| k == "secret")
            .map(|(_, v)| v),
    };
    if !halo_secret_matches(secret, &presented) {
        tracing::warn!(
            reason = "wrong or missing callback secret",
            "Halo webhook rejected"
        );
        return Err(Answer::invalid_callback_secret());
    }

    let Ok(events) = halo_webhook::parse_events(&body) else {
        tracing::warn!(reason = "body is not JSON", "Halo webhook rejected");
        return Err(Answer::malformed_halo());
    };
    let ids = ticket_ids(&events);
    if ids.is_empty() {
        return Err(Answer::ignored("no ticket id in payload"));
    }
    let subject = ids
        .iter()
        .map(|id| format!("ticket {id}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(NewDelivery {
        id: uuid::Uuid::new_v4().to_string(),
        kind: Kind::Halo,
        event_id: None,
        subject: Some(subject),
        headers: header(headers, "content-type")
            .map(|v| vec![("content-type".to_owned(), v.to_owned())])
            .unwrap_or_default(),
        body,
        received_at: front.engine.core.clock.unix_millis(),
    })
}

/// Logs and counts the answer, then sends it.
fn finish(
    front: &Front,
    answer: &Answer,
    event_id: Option<&str>,
    reference: Option<&str>,
    started: Instant,
) -> HttpResponse {
    let took = started.elapsed();
    let outcome = answer.outcome_label();
    front.engine.core.metrics.delivery(outcome, took);
    telemetry::delivery_outcome(
        event_id.filter(|e| !e.is_empty()),
        reference,
        answer.ticket_id(),
        outcome,
        took.as_millis() as u64,
    );
    respond(answer)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(front: web::Data<Front>) -> HttpResponse {
    match front.engine.core.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(error) => HttpResponse::ServiceUnavailable()
            .json(json!({"status": "not ready", "reason": error.to_string()})),
    }
}

async fn metrics(front: web::Data<Front>) -> HttpResponse {
    let counts = front.engine.core.store.counts().await.ok();
    let depth = counts.map(|c| c.pending + c.in_flight);
    let dead = counts.map(|c| c.dead);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(front.engine.core.metrics.render(depth, dead))
}
