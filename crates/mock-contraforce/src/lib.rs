//! A ContraForce stand-in for the bridge's end-to-end tests, benchmarks and the
//! demo. **Test infrastructure and a demo, never a production path**: it keeps
//! everything in memory, its admin API has no authentication, and it knows only
//! what the public documentation and reference samples say about ContraForce.
//!
//! It plays both sides of ContraForce:
//! - **The REST API v2 the bridge calls** (`{base}/api/v2`, so the bridge's
//!   `CF_API_BASE_URL` is [`MockContraForce::api_url`]):
//!   `POST /api/v2/workspaces/{workspaceId}/incidents/{incidentId}/comments` and
//!   `PUT  /api/v2/workspaces/{workspaceId}/incidents/{incidentId}/status`.
//!   Both check HTTP Basic (401), the workspace id (404), the body shape (400
//!   with `{"error":"invalid request","detail":"<field>: <problem>"}`), decode
//!   the percent-encoded incident id, create the incident on first sight and
//!   record the comment or status change with its time. A comment answers
//!   `201 {"id","incidentId"}`, a status change `200 {"incidentId","status"}`,
//!   closing a closed incident `409 {"error":"incident already closed"}`.
//!   Fault knobs per route (500 share, 429 share with and without
//!   `Retry-After`, added latency, held requests answered 504 after a while,
//!   and a queue of faults to serve next) use a seeded RNG.
//! - **The webhook sender**: signed `incident.created.v1` deliveries to the
//!   configured target (`X-CF-Signature`, `X-CF-Timestamp`, `X-CF-Event-Id`,
//!   `X-CF-Schema`, `X-CF-Test` for test deliveries), retried until a 2xx as
//!   ContraForce does (honouring `Retry-After`, else doubling backoff), with
//!   every attempt recorded. Signatures come from [`signing::sign_cf`].
//!
//! # Using it from a test
//!
//! [`MockContraForce::start`] listens on `127.0.0.1:0`; the running mock
//! dereferences to [`MockControl`], which reads state, sets faults, sends,
//! waits and resets.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use mock_contraforce::{FaultSettings, IncidentTemplate, MockCfConfig, MockContraForce, Route};
//!
//! let config = MockCfConfig::default().with_webhook_url("http://127.0.0.1:8080/cf/webhooks");
//! let cf = MockContraForce::start(config).await?;
//! // The bridge's settings: CF_API_BASE_URL = cf.api_url(), CF_WORKSPACE_ID =
//! // cf.workspace_id(), CF_SERVICE_ACCOUNT_CLIENT_ID / _SECRET = cf.client_id() /
//! // cf.client_secret(), CF_WEBHOOK_SECRET = mock_contraforce::DEFAULT_WEBHOOK_SECRET.
//! let delivery = cf.send_incident(&IncidentTemplate::new().severity("Low")).await?;
//! assert_eq!(delivery.outcome(), Some("created"));
//! cf.redeliver(&delivery.event_id).await?;
//!
//! cf.set_faults(Route::Comments, FaultSettings::none().server_errors(0.5));
//! let incident_id = delivery.incident_id.unwrap_or_default();
//! let comments = cf.wait_for_comments(&incident_id, 1, Duration::from_secs(5)).await?;
//! println!("{}", comments[0].content);
//! cf.stop().await;
//! # Ok(()) }
//! ```
//!
//! # The binary
//!
//! `mock-contraforce` listens on `BIND` (default `127.0.0.1`) and `PORT`
//! (default 8082) and logs its URLs. It accepts the service account
//! `MOCK_CF_CLIENT_ID` / `MOCK_CF_CLIENT_SECRET` (defaults `demo-cf-client` /
//! `demo-cf-secret`) for workspace `MOCK_CF_WORKSPACE_ID` (default
//! `00000000-0000-4000-8000-000000000001`), and delivers to
//! `MOCK_CF_WEBHOOK_URL` (unset: set it later with `PUT /_admin/sender`),
//! signing with `MOCK_CF_WEBHOOK_SECRET` (default `demo-webhook-secret`).
//! `RUST_LOG` sets the log level (default `info`).
//!
//! # Other routes
//!
//! `GET /` is an HTML view of incidents, comments, status history and recent
//! delivery attempts, with forms that send a new incident or a test delivery.
//! `GET /healthz` answers `200 {"status":"ok"}`. The admin API (JSON, no auth):
//!
//! - `GET /_admin/state`: `{"workspaceId","targetUrl","incidents":[…]}`, each
//!   incident with its comments and status history.
//! - `GET /_admin/incidents/{id}`: one incident (id percent-encoded); 404 if unknown.
//! - `POST /_admin/send/incident`: body an [`IncidentTemplate`] as JSON (every
//!   field optional; an empty body means the defaults) → [`Delivery`].
//! - `POST /_admin/send/body`: body a whole envelope, sent as given (compact) →
//!   [`Delivery`].
//! - `POST /_admin/send/test`: a test delivery → [`Delivery`].
//! - `POST /_admin/send/redeliver`: `{"eventId"}`; same body and event id, fresh
//!   timestamp and signature → [`Delivery`]; 404 for an unknown id.
//! - `POST /_admin/send/copies`: `{"eventId"?,"template"?,"count"}`; `count`
//!   simultaneous copies of an earlier event, or of a new incident → `[Delivery]`.
//! - `POST /_admin/send/event-ids`: `{"template"?,"count"}`; one new incident
//!   under `count` different event ids at once → `[Delivery]`.
//! - `GET /_admin/events`: every event sent or prepared ([`Event`], body as text).
//! - `GET /_admin/deliveries`: every delivery attempt ([`DeliveryAttempt`]),
//!   oldest first.
//! - `GET /_admin/faults`: `{"seed","comments":{"settings","queued"},"status":{…}}`.
//! - `PUT /_admin/faults/{route}` (`comments` or `status`): body
//!   [`FaultSettings`] as JSON (missing fields default) → the faults view; 400
//!   for a share outside 0..=1.
//! - `POST /_admin/faults/{route}/queue`: body a list of [`Fault`]s served to the
//!   next requests, e.g. `[{"kind":"serverError"},
//!   {"kind":"rateLimited","retryAfterSecs":1},{"kind":"timeout","holdMs":500}]`.
//! - `DELETE /_admin/faults?seed=N`: no faults on either route; the draws restart
//!   from `seed` (default: the current seed).
//! - `GET /_admin/counters`: answers by route and status, e.g.
//!   `{"comments":{"201":3},"status":{"409":1}}`.
//! - `GET /_admin/sender`: `{"url","retry":{"maxAttempts","baseBackoffMs",
//!   "maxBackoffMs","maxRetryAfterMs"}}` (never the secret).
//! - `PUT /_admin/sender`: `{"url"?,"secret"?,"retry"?}` changes the target, the
//!   signing secret, the retry settings.
//! - `POST /_admin/reset`: forgets incidents, counters, faults, events and
//!   attempts (the sender settings stay) → 204.
//! - `POST /_admin/ui/send-incident`: the HTML form (`title`, `severity`,
//!   `source`) → 303 to `/`.
//! - `POST /_admin/ui/send-test`: the HTML test-delivery form → 303 to `/`.
//!
//! Sending without a target answers 409 `{"error":"no webhook target configured"}`.
//!
//! # Modules
//! `config` (settings), `server` (start/stop), `control` (in-process handle),
//! `api` (the two v2 routes) with `auth` and `validate`, `state` (incidents),
//! `faults` and `counters`, `envelope` (delivery bodies, event ids), `sender`
//! (signed deliveries with retries), `admin` (JSON admin API), `page` (HTML).

mod admin;
mod api;
mod auth;
mod config;
mod control;
mod counters;
mod envelope;
mod faults;
mod page;
mod sender;
mod server;
mod shared;
mod state;
mod validate;

pub use config::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_WEBHOOK_SECRET, DEFAULT_WORKSPACE_ID,
    MockCfConfig, SenderRetry,
};
pub use control::{MockControl, WaitTimeout};
pub use counters::Counters;
pub use envelope::{IncidentTemplate, SCHEMA, event_id_for};
pub use faults::{Fault, FaultSettings, Route};
pub use sender::{Delivery, DeliveryAttempt, Event, SendError};
pub use server::MockContraForce;
pub use state::{CLASSIFICATIONS, Comment, Incident, STATUSES, StatusChange};
pub use upstream::Secret;
