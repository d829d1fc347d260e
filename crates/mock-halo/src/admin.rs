//! The admin API under `/_admin` (no authentication): state dumps, scripted
//! notes and status changes, fault knobs, counters, settings, tokens, the
//! webhook and its deliveries, reset. The crate doc lists every route.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::Settings;
use crate::error::MockError;
use crate::faults::{Fault, FaultPlan, Route, RouteFaults};
use crate::input::{ActionInput, TicketInput};
use crate::lookups;
use crate::model::TicketWithActions;
use crate::tenant::Tenant;
use crate::webhooks::WebhookConfig;

pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/_admin")
            .route("/state", web::get().to(state))
            .route("/tickets", web::post().to(save_ticket))
            .route("/tickets/{id}", web::get().to(ticket))
            .route("/tickets/{id}/actions", web::post().to(add_action))
            .route("/tickets/{id}/close", web::post().to(close))
            .route("/tickets/{id}/reopen", web::post().to(reopen))
            .route("/faults", web::get().to(faults))
            .route("/faults", web::put().to(set_faults))
            .route("/faults", web::delete().to(clear_faults))
            .route("/faults/{route}", web::put().to(set_route_faults))
            .route("/faults/{route}/script", web::post().to(script_faults))
            .route("/counters", web::get().to(counters))
            .route("/counters", web::delete().to(clear_counters))
            .route("/settings", web::get().to(settings))
            .route("/settings", web::patch().to(patch_settings))
            .route("/tokens/revoke", web::post().to(revoke_tokens))
            .route("/webhook", web::get().to(webhook))
            .route("/webhook", web::put().to(set_webhook))
            .route("/webhook", web::delete().to(clear_webhook))
            .route("/deliveries", web::get().to(deliveries))
            .route("/reset", web::post().to(reset)),
    );
}

/// A refused admin request: `{"error": message}` with its status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct AdminError {
    status: StatusCode,
    message: String,
}

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<MockError> for AdminError {
    fn from(e: MockError) -> Self {
        let status = match e {
            MockError::TicketNotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, e.to_string())
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({"error": self.message}))
    }
}

type Answer = Result<HttpResponse, AdminError>;

/// A JSON body; an empty body reads as `{}` so bodies of defaults may be left out.
fn body<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AdminError> {
    let raw = if raw.iter().all(u8::is_ascii_whitespace) {
        b"{}" as &[u8]
    } else {
        raw
    };
    serde_json::from_slice(raw)
        .map_err(|e| AdminError::new(StatusCode::BAD_REQUEST, format!("invalid body: {e}")))
}

fn route_name(name: &str) -> Result<Route, AdminError> {
    Route::parse(name).ok_or_else(|| {
        let known: Vec<&str> = Route::ALL.iter().map(|r| r.name()).collect();
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("unknown route '{name}'; known: {}", known.join(", ")),
        )
    })
}

async fn state(tenant: web::Data<Tenant>) -> HttpResponse {
    let tickets: Vec<TicketWithActions> = tenant.read(|s| s.entries().cloned().collect());
    HttpResponse::Ok().json(json!({
        "tickets": tickets,
        "tokens": tenant.token_count(),
        "held_requests": tenant.held(),
        "settings": tenant.settings(),
    }))
}

async fn ticket(tenant: web::Data<Tenant>, id: web::Path<i64>) -> Answer {
    let entry = tenant
        .read(|s| s.entry(*id).cloned())
        .ok_or(MockError::TicketNotFound(*id))?;
    Ok(HttpResponse::Ok().json(entry))
}

/// A ticket element as `POST /api/Tickets` takes it; with an `id` it updates.
/// Logged by the technician, not the API agent.
async fn save_ticket(tenant: web::Data<Tenant>, raw: web::Bytes) -> Answer {
    let element: Value = body(&raw)?;
    let item = TicketInput::from_element(&element)?;
    let technician = tenant.agent(lookups::TECHNICIAN_ID)?;
    let ticket = tenant.save_tickets(&[item], &technician)?.pop();
    Ok(HttpResponse::Created().json(ticket))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NoteBody {
    note_html: Option<String>,
    note: Option<String>,
    #[serde(alias = "hiddenfromuser")]
    private: bool,
    agent_id: Option<i64>,
    who_type: Option<i64>,
    outcome: Option<String>,
    outcome_id: Option<i64>,
    new_status: Option<i64>,
}

async fn add_action(tenant: web::Data<Tenant>, id: web::Path<i64>, raw: web::Bytes) -> Answer {
    let note: NoteBody = body(&raw)?;
    let default_outcome = if note.private {
        "Private Note"
    } else {
        "Public Note"
    };
    let input = ActionInput {
        ticket_id: *id,
        outcome: note.outcome.or_else(|| {
            note.outcome_id
                .is_none()
                .then(|| default_outcome.to_owned())
        }),
        outcome_id: note.outcome_id,
        note_html: note.note_html,
        note: note.note,
        hiddenfromuser: note.private,
        who_agentid: Some(note.agent_id.unwrap_or(lookups::TECHNICIAN_ID)),
        who: None,
        who_type: note.who_type,
        new_status: note.new_status,
    };
    Ok(HttpResponse::Created().json(tenant.act(&input)?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct StatusBody {
    agent_id: Option<i64>,
    note_html: Option<String>,
    status_id: Option<i64>,
}

async fn close(tenant: web::Data<Tenant>, id: web::Path<i64>, raw: web::Bytes) -> Answer {
    change_status(&tenant, *id, true, &raw)
}

async fn reopen(tenant: web::Data<Tenant>, id: web::Path<i64>, raw: web::Bytes) -> Answer {
    change_status(&tenant, *id, false, &raw)
}

fn change_status(tenant: &Tenant, id: i64, close: bool, raw: &[u8]) -> Answer {
    let request: StatusBody = body(raw)?;
    let agent = request.agent_id.unwrap_or(lookups::TECHNICIAN_ID);
    let note = request.note_html.unwrap_or_default();
    let action = tenant.change_status(id, close, agent, &note, request.status_id)?;
    let ticket = tenant.read(|s| s.ticket(id).cloned());
    Ok(HttpResponse::Ok().json(json!({"ticket": ticket, "action": action})))
}

async fn faults(tenant: web::Data<Tenant>) -> HttpResponse {
    HttpResponse::Ok().json(tenant.fault_plan())
}

async fn set_faults(tenant: web::Data<Tenant>, raw: web::Bytes) -> Answer {
    tenant.faults().set_plan(body::<FaultPlan>(&raw)?);
    Ok(faults(tenant).await)
}

async fn clear_faults(tenant: web::Data<Tenant>) -> HttpResponse {
    tenant.faults().set_plan(FaultPlan::default());
    faults(tenant).await
}

async fn set_route_faults(
    tenant: web::Data<Tenant>,
    name: web::Path<String>,
    raw: web::Bytes,
) -> Answer {
    let route = route_name(&name)?;
    tenant.faults().set_route(route, body::<RouteFaults>(&raw)?);
    Ok(faults(tenant).await)
}

async fn script_faults(
    tenant: web::Data<Tenant>,
    name: web::Path<String>,
    raw: web::Bytes,
) -> Answer {
    let route = route_name(&name)?;
    let script: Vec<Fault> = body(&raw)?;
    let queued = script.len();
    tenant.faults().push_script(route, script);
    Ok(HttpResponse::Ok().json(json!({"route": route, "queued": queued})))
}

async fn counters(tenant: web::Data<Tenant>) -> HttpResponse {
    HttpResponse::Ok().json(tenant.counters.snapshot())
}

async fn clear_counters(tenant: web::Data<Tenant>) -> HttpResponse {
    tenant.counters.clear();
    counters(tenant).await
}

async fn settings(tenant: web::Data<Tenant>) -> HttpResponse {
    HttpResponse::Ok().json(tenant.settings())
}

/// Changes only the keys sent.
async fn patch_settings(tenant: web::Data<Tenant>, raw: web::Bytes) -> Answer {
    let patch: serde_json::Map<String, Value> = body(&raw)?;
    let mut merged = match serde_json::to_value(tenant.settings()) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(AdminError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "settings unreadable",
            ));
        }
    };
    merged.extend(patch);
    let settings: Settings = serde_json::from_value(Value::Object(merged))
        .map_err(|e| AdminError::new(StatusCode::BAD_REQUEST, format!("invalid settings: {e}")))?;
    tenant.update_settings(|current| *current = settings);
    Ok(self::settings(tenant).await)
}

async fn revoke_tokens(tenant: web::Data<Tenant>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"revoked": tenant.revoke_tokens()}))
}

async fn webhook(tenant: web::Data<Tenant>) -> HttpResponse {
    let shown = tenant.webhooks.config().map(|c| c.redacted());
    HttpResponse::Ok().json(json!({"webhook": shown}))
}

async fn set_webhook(tenant: web::Data<Tenant>, raw: web::Bytes) -> Answer {
    tenant.webhooks.set(Some(body::<WebhookConfig>(&raw)?))?;
    Ok(webhook(tenant).await)
}

async fn clear_webhook(tenant: web::Data<Tenant>) -> Answer {
    tenant.webhooks.set(None)?;
    Ok(webhook(tenant).await)
}

async fn deliveries(tenant: web::Data<Tenant>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"deliveries": tenant.webhooks.deliveries()}))
}

async fn reset(tenant: web::Data<Tenant>) -> Answer {
    tenant.reset()?;
    Ok(HttpResponse::Ok().json(json!({"status": "reset"})))
}
