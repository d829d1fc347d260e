//! The operator view as JSON, for scripts (bearer token only):
//!
//! - `GET /admin/deliveries?status=&limit=` → `{"counts":{"pending","inFlight",
//!   "done","dead"},"deliveries":[…]}`, newest first; `status` is one of
//!   `pending`, `in_flight`, `done`, `dead`.
//! - `GET /admin/dead-letters?limit=` → `{"deadLetters":[…]}`.
//! - `POST /admin/dead-letters/{id}/replay` → `{"replayed":1,"id":"…"}`, or 404
//!   `{"error":"not a dead letter"}`.
//! - `POST /admin/dead-letters/replay` → `{"replayed":n}`.
//!
//! Each delivery is an [`super::overview::DeliveryView`] in camelCase.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use store::DeliveryStatus;

use super::overview::DEFAULT_LIMIT;
use super::{Admin, json_answer, store_failed};
use crate::answer::Answer;
use crate::http::Front;

#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
}

pub(super) async fn deliveries(
    request: HttpRequest,
    query: web::Query<ListQuery>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    if let Err(refusal) = admin.bearer(&request) {
        return refusal.answer(&admin);
    }
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match DeliveryStatus::parse(text) {
            Some(status) => Some(status),
            None => {
                return json_answer(&Answer {
                    status: 400,
                    body: json!({"error": "unknown status",
                                 "detail": "expected pending, in_flight, done or dead"}),
                    retry_after: None,
                });
            }
        },
    };
    let store = front.engine.core.store.as_ref();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let listed = async {
        let counts = store.counts().await?;
        let list = admin.viewer.list(store, status, limit).await?;
        Ok::<_, store::StoreError>((counts, list))
    };
    match listed.await {
        Ok((counts, list)) => ok(json!({
            "counts": super::overview::CountsView::from(counts),
            "deliveries": list,
        })),
        Err(error) => store_failed(&error),
    }
}

pub(super) async fn dead_letters(
    request: HttpRequest,
    query: web::Query<ListQuery>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    if let Err(refusal) = admin.bearer(&request) {
        return refusal.answer(&admin);
    }
    let store = front.engine.core.store.as_ref();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    match admin
        .viewer
        .list(store, Some(DeliveryStatus::Dead), limit)
        .await
    {
        Ok(list) => ok(json!({ "deadLetters": list })),
        Err(error) => store_failed(&error),
    }
}

/// One dead letter (`/admin/dead-letters/{id}/replay`) or all
/// (`/admin/dead-letters/replay`).
pub(super) async fn replay(
    request: HttpRequest,
    id: Option<web::Path<String>>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    if let Err(refusal) = admin.bearer(&request) {
        return refusal.answer(&admin);
    }
    let id = id.map(web::Path::into_inner);
    match (super::replay(&front, id.as_deref(), "admin API").await, id) {
        (Ok(0), Some(_)) => json_answer(&Answer {
            status: 404,
            body: json!({"error": "not a dead letter"}),
            retry_after: None,
        }),
        (Ok(_), Some(id)) => ok(json!({"replayed": 1, "id": id})),
        (Ok(count), None) => ok(json!({ "replayed": count })),
        (Err(error), _) => store_failed(&error),
    }
}

fn ok(body: serde_json::Value) -> HttpResponse {
    json_answer(&Answer {
        status: 200,
        body,
        retry_after: None,
    })
}
