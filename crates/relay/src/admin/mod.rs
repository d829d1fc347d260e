//! The operator view of the service and cluster editions (contract §2): the
//! HTML page at `/` with its login and replay forms, and the JSON routes under
//! `/admin/`. All of it answers 404 while `ADMIN_TOKEN` is unset.
//!
//! Authentication: the JSON routes take only `Authorization: Bearer
//! <ADMIN_TOKEN>`. The page takes that header too, or the session cookie that
//! `POST /login` sets after checking the token (HttpOnly, SameSite=Strict,
//! Secure over https). The page's forms post to `/ui/…` routes that also check
//! that a browser's `Origin`, when sent, is this host, so another site cannot
//! make a logged-in browser replay anything.
//!
//! - `auth.rs`: the token and the session cookie;
//! - `overview.rs`: what is shown, redacted;
//! - `page.rs`: the HTML; `json.rs`: the JSON routes.

mod auth;
mod json;
pub mod overview;
mod page;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use upstream::Secret;

use crate::answer::Answer;
use crate::http::Front;
use crate::settings::{Direction, Settings};
pub use auth::{AdminAuth, COOKIE, SESSION};
use overview::{DEFAULT_LIMIT, Viewer};

/// What the operator view needs besides the engine: the token (none: the view
/// is off), the secrets to blank from anything shown, and the page title.
pub struct Admin {
    auth: Option<AdminAuth>,
    viewer: Viewer,
    title: String,
}

impl Admin {
    pub fn new(token: Option<Secret>, secrets: Vec<Secret>, title: impl Into<String>) -> Self {
        Self {
            auth: token.map(AdminAuth::new),
            viewer: Viewer::new(secrets),
            title: title.into(),
        }
    }

    /// The view of a bridge with these settings.
    pub fn from_settings(settings: &Settings) -> Self {
        Self::new(
            settings.admin_token.clone(),
            secrets_of(settings),
            title(settings),
        )
    }

    /// The bearer check of the JSON routes.
    fn bearer(&self, request: &HttpRequest) -> Result<&AdminAuth, Refusal> {
        let auth = self.auth.as_ref().ok_or(Refusal::Off)?;
        let presented = header_text(request, header::AUTHORIZATION.as_str());
        if auth.bearer_matches(presented) {
            Ok(auth)
        } else {
            Err(Refusal::Unauthorized)
        }
    }

    /// Whether a browser request carries the token or a live session.
    fn browser(&self, request: &HttpRequest, front: &Front) -> Result<bool, Refusal> {
        let auth = self.auth.as_ref().ok_or(Refusal::Off)?;
        let now = front.engine.core.clock.unix_seconds();
        let by_header = auth.bearer_matches(header_text(request, header::AUTHORIZATION.as_str()));
        let by_cookie = session_cookie(request).is_some_and(|value| auth.session_valid(value, now));
        Ok(by_header || by_cookie)
    }
}

/// Why the view turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// `ADMIN_TOKEN` is unset: the view does not exist.
    Off,
    /// A JSON route without the right bearer token.
    Unauthorized,
    /// A page or form without a session or token: show the login form.
    LoginNeeded,
    /// A form posted from another site.
    CrossOrigin,
}

impl Refusal {
    fn answer(self, admin: &Admin) -> HttpResponse {
        match self {
            Refusal::Off => json_answer(&Answer::not_found()),
            Refusal::Unauthorized => json_answer(&Answer::unauthorized()),
            Refusal::LoginNeeded => html(401, page::login(&admin.title, None)),
            Refusal::CrossOrigin => json_answer(&Answer {
                status: 403,
                body: serde_json::json!({"error": "forbidden"}),
                retry_after: None,
            }),
        }
    }
}

/// Every secret the settings hold, so none can surface in the view.
pub(crate) fn secrets_of(settings: &Settings) -> Vec<Secret> {
    let mut secrets = vec![settings.halo.client_secret.clone()];
    secrets.extend(settings.admin_token.clone());
    if let Some(cf) = &settings.cf_inbound {
        secrets.extend(cf.webhook_secrets.iter().cloned());
    }
    if let Some(cf) = &settings.cf_outbound {
        secrets.push(cf.client_secret.clone());
    }
    if let Some(halo) = &settings.halo_inbound {
        secrets.push(halo.webhook_secret.clone());
    }
    secrets
}

fn title(settings: &Settings) -> String {
    let direction = match settings.direction {
        Direction::CfToHalo => "ContraForce → Halo",
        Direction::HaloToCf => "Halo → ContraForce",
    };
    let edition = format!("{:?}", settings.edition).to_lowercase();
    format!("{direction} · {edition} edition")
}

/// Registers the page, its forms and the JSON routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/ui/dead-letters/replay", web::post().to(ui_replay))
        .route("/ui/dead-letters/{id}/replay", web::post().to(ui_replay))
        .route("/admin/deliveries", web::get().to(json::deliveries))
        .route("/admin/dead-letters", web::get().to(json::dead_letters))
        .route("/admin/dead-letters/replay", web::post().to(json::replay))
        .route(
            "/admin/dead-letters/{id}/replay",
            web::post().to(json::replay),
        );
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<u32>,
    replayed: Option<u64>,
}

async fn page(
    request: HttpRequest,
    query: web::Query<PageQuery>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    match admin.browser(&request, &front) {
        Err(refusal) => return refusal.answer(&admin),
        Ok(false) => return Refusal::LoginNeeded.answer(&admin),
        Ok(true) => {}
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let store = front.engine.core.store.as_ref();
    match admin.viewer.overview(store, limit).await {
        Ok(overview) => {
            let notice = query.replayed.map(|n| match n {
                0 => "Nothing was replayed: it was no longer a dead letter.".to_owned(),
                1 => "Replayed 1 dead letter: it is queued again.".to_owned(),
                n => format!("Replayed {n} dead letters: they are queued again."),
            });
            html(
                200,
                page::dashboard(&admin.title, &overview, notice.as_deref()),
            )
        }
        Err(error) => store_failed(&error),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(
    request: HttpRequest,
    form: web::Form<LoginForm>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    let Some(auth) = admin.auth.as_ref() else {
        return Refusal::Off.answer(&admin);
    };
    if !auth.token_matches(form.token.trim()) {
        tracing::warn!(reason = "wrong admin token", "operator login refused");
        return html(
            401,
            page::login(&admin.title, Some("That is not the admin token.")),
        );
    }
    let session = auth.new_session(front.engine.core.clock.unix_seconds());
    let cookie = format!(
        "{COOKIE}={session}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        SESSION.as_secs(),
        secure_flag(&request)
    );
    see_other("/", Some(cookie))
}

async fn logout(request: HttpRequest, admin: web::Data<Admin>) -> HttpResponse {
    if admin.auth.is_none() {
        return Refusal::Off.answer(&admin);
    }
    let cookie = format!(
        "{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
        secure_flag(&request)
    );
    see_other("/", Some(cookie))
}

/// The page's replay buttons: one dead letter (`/ui/dead-letters/{id}/replay`)
/// or all (`/ui/dead-letters/replay`); back to the page with how many.
async fn ui_replay(
    request: HttpRequest,
    id: Option<web::Path<String>>,
    front: web::Data<Front>,
    admin: web::Data<Admin>,
) -> HttpResponse {
    if let Err(refusal) = form_allowed(&request, &front, &admin) {
        return refusal.answer(&admin);
    }
    match replay(&front, id.as_deref().map(String::as_str), "operator page").await {
        Ok(count) => see_other(&format!("/?replayed={count}"), None),
        Err(error) => store_failed(&error),
    }
}

/// Replays one dead letter, or every one when `id` is `None`; how many were.
async fn replay(
    front: &Front,
    id: Option<&str>,
    via: &'static str,
) -> Result<u64, store::StoreError> {
    let core = &front.engine.core;
    let now = core.clock.unix_millis();
    let count = match id {
        Some(id) => u64::from(core.store.replay(id, now).await?),
        None => core.store.replay_all(now).await?,
    };
    if count > 0 {
        tracing::info!(id, count, via, "dead letters replayed by an operator");
    }
    Ok(count)
}

/// The answer when the store fails under the view.
fn store_failed(error: &store::StoreError) -> HttpResponse {
    tracing::error!(%error, "the operator view cannot use the store");
    json_answer(&Answer {
        status: 503,
        body: serde_json::json!({"error": "store unavailable"}),
        retry_after: None,
    })
}

/// A form post from the page: a logged-in browser on this very site.
fn form_allowed(request: &HttpRequest, front: &Front, admin: &Admin) -> Result<(), Refusal> {
    if !admin.browser(request, front)? {
        return Err(Refusal::LoginNeeded);
    }
    if let Some(origin) = header_text(request, header::ORIGIN.as_str()) {
        let host = request.connection_info().host().to_owned();
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        if origin_host != Some(host.as_str()) {
            tracing::warn!(
                reason = "form posted from another origin",
                "operator form refused"
            );
            return Err(Refusal::CrossOrigin);
        }
    }
    Ok(())
}

fn session_cookie(request: &HttpRequest) -> Option<&str> {
    header_text(request, header::COOKIE.as_str())?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn secure_flag(request: &HttpRequest) -> &'static str {
    if request.connection_info().scheme() == "https" {
        "; Secure"
    } else {
        ""
    }
}

fn header_text<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn json_answer(answer: &Answer) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::SERVICE_UNAVAILABLE);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response.json(&answer.body)
}

/// An HTML answer that nothing may cache, frame or extend with scripts.
fn html(status: u16, body: String) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

fn see_other(location: &str, cookie: Option<String>) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location));
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.insert_header((header::SET_COOKIE, cookie));
    }
    response.finish()
}
