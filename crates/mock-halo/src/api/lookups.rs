//! `GET /api/Agent/me` and the look-up lists (agents, statuses, ticket types,
//! priorities, outcomes, clients), all counted as the `lookups` route.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::{Access, serve};
use crate::faults::Route;
use crate::lookups::Directory;
use crate::tenant::Tenant;

async fn lookup(
    tenant: web::Data<Tenant>,
    req: HttpRequest,
    access: Access,
    body: fn(&Directory) -> Value,
) -> HttpResponse {
    serve(&tenant, Route::Lookups, access, &req, |_| async {
        HttpResponse::Ok().json(body(&tenant.dir))
    })
    .await
}

/// The agent the token logs in as; needs a valid token but no particular scope.
pub(super) async fn me(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::AnyScope, Directory::me_json).await
}

pub(super) async fn agents(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::agents_json).await
}

pub(super) async fn statuses(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::statuses_json).await
}

pub(super) async fn ticket_types(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::ticket_types_json).await
}

pub(super) async fn priorities(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::priorities_json).await
}

pub(super) async fn outcomes(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::outcomes_json).await
}

pub(super) async fn clients(tenant: web::Data<Tenant>, req: HttpRequest) -> HttpResponse {
    lookup(tenant, req, Access::Scoped, Directory::clients_json).await
}
