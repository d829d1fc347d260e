//! `POST /auth/token`: the client-credentials grant, with OAuth error bodies for
//! a wrong grant type, tenant, client or scope.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde_json::json;

use super::{Access, param, query, serve};
use crate::faults::Route;
use crate::tenant::Tenant;
use crate::tokens::{parse_scopes, random_text};

pub(super) async fn token(
    tenant: web::Data<Tenant>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    serve(&tenant, Route::Token, Access::Open, &req, |_| async {
        issue(&tenant, &req, &body)
    })
    .await
}

fn issue(tenant: &Tenant, req: &HttpRequest, body: &[u8]) -> HttpResponse {
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return oauth_error(
            400,
            "invalid_request",
            "The request body is not form-encoded.",
        );
    };
    let form_field = |name: &str| param(&form, name).map(str::trim).filter(|v| !v.is_empty());

    match form_field("grant_type") {
        None => {
            return oauth_error(
                400,
                "invalid_request",
                "The mandatory 'grant_type' parameter is missing.",
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "The specified 'grant_type' parameter is not supported.",
            );
        }
    }

    if let Some(expected) = &tenant.config.tenant {
        let query = query(req);
        let presented = param(&query, "tenant").or_else(|| form_field("tenant"));
        match presented {
            None => {
                return oauth_error(400, "invalid_request", "The 'tenant' parameter is missing.");
            }
            Some(t) if !t.eq_ignore_ascii_case(expected) => {
                return oauth_error(401, "invalid_client", "The specified tenant is not known.");
            }
            Some(_) => {}
        }
    }

    let (id, secret) = match (form_field("client_id"), form_field("client_secret")) {
        (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
        _ => basic_credentials(req).unwrap_or_default(),
    };
    if id != tenant.config.client_id || secret != tenant.config.client_secret.expose() {
        return oauth_error(
            401,
            "invalid_client",
            "The specified client credentials are invalid.",
        );
    }

    let scopes = match parse_scopes(form_field("scope")) {
        Ok(scopes) => scopes,
        Err(_) => {
            return oauth_error(
                400,
                "invalid_scope",
                "The specified 'scope' parameter is not valid.",
            );
        }
    };
    let scope = scopes.join(" ");
    let (access_token, expires_in) = tenant.issue_token(scopes);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scope,
            "refresh_token": random_text(24),
            "id_token": format!("eyJhbGciOiJSUzI1NiJ9.{}.mock", random_text(16)),
        }))
}

/// Client credentials sent as HTTP Basic (`client_secret_basic`).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status).json(json!({"error": error, "error_description": description}))
}
