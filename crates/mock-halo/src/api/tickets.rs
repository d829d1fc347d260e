//! `GET /api/Tickets` (wrapped, paged, filtered), `GET /api/Tickets/{id}`, and
//! `POST /api/Tickets` (array in; one object out, or all with `returnall`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{Access, bad_request, elements, flag, number, query, serve};
use crate::error::halo_exception;
use crate::faults::Route;
use crate::input::TicketInput;
use crate::render;
use crate::store::{RefFilter, TicketFilter};
use crate::tenant::Tenant;

/// Page size when none is asked for, and the most a page ever holds.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;

pub(super) async fn list(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    serve(
        &tenant,
        Route::TicketsList,
        Access::Scoped,
        &req,
        |_| async { HttpResponse::Ok().json(list_body(&tenant, &query(&req))) },
    )
    .await
}

fn list_body(tenant: &Tenant, params: &[(String, String)]) -> Value {
    let mut filter = TicketFilter {
        open_only: flag(params, "open_only"),
        closed_only: flag(params, "closed_only"),
        refs: Vec::new(),
    };
    for (name, value) in params {
        let wanted = value.clone();
        let reference = match name.as_str() {
            "thirdpartynumber" => Some(RefFilter::ThirdPartyNumber(wanted)),
            "third_party_id_string" => Some(RefFilter::ThirdPartyIdString(wanted)),
            other => other
                .strip_prefix("searchcustomfield_")
                .and_then(|id| id.parse().ok())
                .map(|id| RefFilter::CustomField(id, wanted)),
        };
        filter.refs.extend(reference);
    }

    let paginate = flag(params, "pageinate");
    let asked = if paginate {
        number(params, "page_size").or_else(|| number(params, "count"))
    } else {
        number(params, "count")
    };
    let page_size = asked
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PAGE)
        .min(MAX_PAGE);
    let page_no = if paginate {
        number(params, "page_no")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(1)
            .max(1)
    } else {
        1
    };

    let mode = tenant.filter_mode();
    let (record_count, tickets) = tenant.read(|store| {
        let found = store.matching(&filter, mode, &tenant.dir);
        let page: Vec<Value> = found
            .iter()
            .skip((page_no - 1).saturating_mul(page_size))
            .take(page_size)
            .map(|t| render::ticket(t, &tenant.dir))
            .collect();
        (found.len(), page)
    });
    json!({
        "page_no": page_no,
        "page_size": page_size,
        "record_count": record_count,
        "tickets": tickets,
    })
}

pub(super) async fn get(
    tenant: web::Data<Tenant>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    serve(&tenant, Route::TicketGet, Access::Scoped, &req, |_| async {
        let found = id.trim().parse::<i64>().ok().and_then(|id| {
            tenant.read(|store| store.ticket(id).map(|t| render::ticket(t, &tenant.dir)))
        });
        match found {
            Some(body) => HttpResponse::Ok().json(body),
            None => HttpResponse::NotFound().json(halo_exception("Ticket not found")),
        }
    })
    .await
}

pub(super) async fn post(
    tenant: web::Data<Tenant>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let shared = Arc::clone(&tenant);
    serve(
        &tenant,
        Route::TicketsPost,
        Access::Scoped,
        &req,
        |latency| save(shared, flag(&query(&req), "returnall"), body, latency),
    )
    .await
}

/// Validates the whole array, claims the create window when something is
/// created, then stores. The store runs in its own task so that a caller who
/// gives up does not stop a write Halo would have finished.
async fn save(
    tenant: Arc<Tenant>,
    return_all: bool,
    body: web::Bytes,
    latency: Duration,
) -> HttpResponse {
    let items = match elements(&body, "Faults", TicketInput::from_element) {
        Ok(items) => items,
        Err(refusal) => return bad_request(refusal),
    };
    let creates = items.iter().any(|(id, _)| id.is_none());
    let window = if creates {
        match tenant.begin_create() {
            Some(guard) => Some(guard),
            None => return concurrent_create_refused(),
        }
    } else {
        None
    };

    let task = tokio::spawn(async move {
        tokio::time::sleep(latency).await;
        let saved = tenant.save_tickets(&items, tenant.dir.api_agent());
        drop(window);
        saved.map(|tickets| {
            tickets
                .iter()
                .map(|t| render::ticket(t, &tenant.dir))
                .collect::<Vec<_>>()
        })
    });
    match task.await {
        Ok(Ok(mut bodies)) => {
            let body = if return_all {
                Value::Array(bodies)
            } else {
                bodies.pop().unwrap_or(Value::Null)
            };
            HttpResponse::Created().json(body)
        }
        Ok(Err(e)) => bad_request(e.halo_body()),
        Err(_) => HttpResponse::InternalServerError()
            .json(halo_exception("The ticket could not be saved.")),
    }
}

/// What Halo answers when two creates race for the next ticket number.
fn concurrent_create_refused() -> HttpResponse {
    HttpResponse::InternalServerError().json(json!({
        "ClassName": "System.Data.SqlClient.SqlException",
        "Message": "Violation of PRIMARY KEY constraint 'PK_FAULTS'. Cannot insert duplicate key \
                    in object 'dbo.FAULTS'. The statement has been terminated.",
    }))
}
