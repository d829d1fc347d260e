//! `GET /api/Actions?ticket_id=N` (wrapped, newest first) and `POST /api/Actions`
//! (array in, one object out; an outcome is required).

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{Access, bad_request, elements, flag, number, query, serve};
use crate::error::halo_exception;
use crate::faults::Route;
use crate::input::ActionInput;
use crate::render;
use crate::tenant::Tenant;

pub(super) async fn list(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    serve(
        &tenant,
        Route::ActionsGet,
        Access::Scoped,
        &req,
        |_| async {
            let params = query(&req);
            let Some(ticket_id) = number(&params, "ticket_id") else {
                return bad_request(halo_exception("Please specify a ticket_id"));
            };
            let with_html = flag(&params, "includehtmlnote");
            let limit = number(&params, "count")
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(usize::MAX);
            let (record_count, actions) = tenant.read(|store| {
                let actions = store
                    .entry(ticket_id)
                    .map_or(&[][..], |e| e.actions.as_slice());
                let newest_first: Vec<Value> = actions
                    .iter()
                    .rev()
                    .take(limit)
                    .map(|a| render::action(a, with_html))
                    .collect();
                (actions.len(), newest_first)
            });
            HttpResponse::Ok().json(json!({
                "ticket_id": ticket_id,
                "record_count": record_count,
                "actions": actions,
            }))
        },
    )
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
        Route::ActionsPost,
        Access::Scoped,
        &req,
        |latency| save(shared, body, latency),
    )
    .await
}

/// Stores in its own task, like ticket writes, so a caller who gives up does
/// not undo the write.
async fn save(tenant: Arc<Tenant>, body: web::Bytes, latency: Duration) -> HttpResponse {
    let inputs = match elements(&body, "Actions", ActionInput::from_element) {
        Ok(inputs) => inputs,
        Err(refusal) => return bad_request(refusal),
    };
    let task = tokio::spawn(async move {
        tokio::time::sleep(latency).await;
        tenant.add_actions(&inputs, tenant.dir.api_agent())
    });
    match task.await {
        Ok(Ok(actions)) => match actions.last() {
            Some(action) => HttpResponse::Created().json(render::action(action, true)),
            None => bad_request(halo_exception("No Actions were sent")),
        },
        Ok(Err(e)) => bad_request(e.halo_body()),
        Err(_) => HttpResponse::InternalServerError()
            .json(halo_exception("The action could not be saved.")),
    }
}
