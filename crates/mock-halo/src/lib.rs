//! A stateful HaloPSA stand-in: **test infrastructure and a demo, never a
//! production path.** End-to-end tests start it in-process on port 0, the
//! benchmarks and the compose demo run the `mock-halo` binary. It keeps
//! tickets and actions in memory and reproduces Halo's quirks on purpose so
//! that the bridge's client is tested against them.
//!
//! # Using it from a test
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use mock_halo::{MockHalo, MockHaloConfig, Route, RouteFaults};
//!
//! let halo = MockHalo::start(MockHaloConfig::default()).await?;
//! // HALO_AUTH_URL = halo.auth_url(), HALO_API_BASE_URL = halo.api_url(),
//! // HALO_CLIENT_ID = "demo-client", HALO_CLIENT_SECRET = "demo-secret"
//! halo.set_route_faults(Route::TicketsPost, RouteFaults { share_500: 0.5, ..Default::default() });
//! let tickets = halo.wait_for_tickets(1, Duration::from_secs(5)).await;
//! halo.stop().await;
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! - `POST /auth/token` (form): `grant_type=client_credentials` (else 400
//!   `unsupported_grant_type`); `client_id` / `client_secret` in the form or as
//!   HTTP Basic (else 401 `invalid_client`); `scope` space-separated from
//!   [`KNOWN_SCOPES`] (default `all`; one unknown scope → 400 `invalid_scope`);
//!   when a tenant is configured, `tenant` in the query or the form (missing →
//!   400 `invalid_request`, wrong → 401 `invalid_client`). Answers
//!   `access_token`, `token_type`, `expires_in`, `scope`, `refresh_token`,
//!   `id_token`. Tokens are random and kept with their expiry.
//! - Every `/api` route wants `Authorization: Bearer` with a live token, else
//!   401 with an empty body; a token whose scopes do not cover the route gets
//!   403 with an empty body (`edit:` implies `read:` on the same area, `all`
//!   covers everything, `GET /api/Agent/me` needs no particular scope).
//! - `GET /api/Tickets`: `{"page_no","page_size","record_count","tickets"}`,
//!   newest first. Page size from `page_size` (with `pageinate=true`) or
//!   `count`, default 50, **capped at 100**; `page_no` counts from 1;
//!   `record_count` counts every match. `open_only`, `closed_only`. The
//!   reference filters `thirdpartynumber`, `third_party_id_string` and
//!   `searchcustomfield_{N}` are a **case-insensitive "contains"** by default
//!   ([`FilterMode`]; also `exact` or `ignored`), so a filter for `cf|s|1` also
//!   returns `CF|S|10`: a client must check the field itself.
//! - `GET /api/Tickets/{id}`: the bare ticket; unknown → 404.
//! - `POST /api/Tickets`: the body must be a JSON array (an object → 400 with a
//!   Halo exception body). An element without `id` (or `id: 0`) creates; with
//!   `id` it updates only the fields sent (`customfields` merged by id). Every
//!   element is checked before any is applied. 201 with the last ticket, or
//!   an array of all with `?returnall=true`. A create logs action 1 ("New", by
//!   the API agent) and gets status 1 unless `status_id` is sent.
//! - `POST /api/Actions`: a JSON array; `outcome` (a name) or `outcome_id` is
//!   required, else 400 `{"ClassName":"System.Exception","Message":"An Outcome
//!   must be entered for this Action"}`; an unknown ticket → 400. Action ids
//!   are a sequence per ticket. `new_status`, or the outcome's own status
//!   ("Close" → 9, "Re-open" → 2), moves the ticket; a closed status sets
//!   `hasbeenclosed`, which a reopen leaves set. `who` / `who_agentid` are the
//!   API agent's unless sent. 201 with the action.
//! - `GET /api/Actions?ticket_id=N`: `{"ticket_id","record_count","actions"}`
//!   newest first; `note_html` only with `includehtmlnote=true`; `count`
//!   limits. An unknown ticket gives an empty list.
//! - Look-ups `GET /api/Agent/me`, `/api/Agent`, `/api/Status`,
//!   `/api/TicketType`, `/api/Priority`, `/api/Outcome`, `/api/Client`: the API
//!   agent (default 21 "ContraForce Integration"), technician 6 "Sam
//!   Technician"; statuses 1 New, 2 In Progress, 9 Closed and 10 Cancelled
//!   (both closed); ticket type 29 "Security Incident"; one priority row per
//!   SLA with a GUID `id`, `slaid`, `priorityid`, `name`; outcomes including
//!   "Public Note", "Private Note", "Close"; clients wrapped as
//!   `{"record_count","clients"}` with 12 "Contoso Ltd" and 1 "Default Client".
//! - `GET /`: an HTML page for people with every ticket and its actions, and
//!   forms posting to `/ui/tickets/{id}/note`, `/close` and `/reopen` (each
//!   answers 303 back to the page).
//!
//! Paths are matched as written above (Halo's own are case-insensitive).
//!
//! Quirks in what it returns: `status_id` as a float (`1.0`), `tickettype_id`
//! as a string, `site_id` a float, `dateoccurred` with 7 fractional digits,
//! `last_update` without `Z`, sentinel dates (`1900-01-01T00:00:00`,
//! `0001-01-01T00:00:00`, `1899-12-30T00:00:00`) for empty dates, a GUID
//! priority row id, and many fields a client must ignore. Integer fields sent
//! as `95.0` are refused (400), as Halo does; `"95"` is accepted.
//!
//! # Faults
//!
//! Per [`Route`] (`token`, `tickets_list`, `ticket_get`, `tickets_post`,
//! `actions_post`, `actions_get`, `lookups`), [`RouteFaults`] sets shares of
//! 500s, 429s with `Retry-After: N` and without (body `{"message":"Rate Limit
//! Reached - 300 requests per rolling 5-minute window"}`), timeouts, lost
//! replies (writes only: the ticket or action **is stored**, then the request
//! is held like a timeout), and added latency. Held requests wait
//! [`Settings::hold_ms`] (default 60 s) and then get a 504, or are dropped
//! unanswered when the mock stops. Shares are drawn with one seeded die per
//! route ([`MockHaloConfig::seed`], or the plan's `seed`), so a run repeats;
//! [`Fault`] scripts give exact outcomes for the next calls.
//!
//! Concurrent creates: a `POST /api/Tickets` that creates while another
//! create is in progress fails with 500 and Halo's primary-key message
//! ([`Settings::concurrent_create_failure`], on by default). Latency on
//! `tickets_post` is spent inside that window, so it widens it.
//!
//! Counters count every `/auth/token` and `/api` call by route and answered
//! status; status 0 ([`NO_REPLY`]) counts a call held without an answer.
//!
//! # Webhooks
//!
//! With a [`WebhookConfig`], every ticket create or update and every action
//! (from the API, the library, the admin API or the HTML page) is delivered
//! from a background task in Halo's shape: `id` (GUID), `webhook_id`,
//! `notification_id`, `escmsg_id`, `event` (`new ticket logged`, `ticket
//! updated by agent`, `ticket status changed`, `action added`), `message`,
//! `object_id` (the ticket id), `agent_id`, `timestamp`, `ticket` (partial;
//! every other payload has `ticket.id` as a string) and, on action events,
//! `action` (with `ticket_id` as a float). `event_info_only` sends ids only
//! (`object_id` as a string). The secret goes in [`SecretPlacement`]: header
//! `X-Halo-Secret`, Basic password, Bearer, or query `secret`. Batching sends
//! arrays of the events of one window. A delivery that fails is retried
//! (`max_attempts`, default 3); every attempt is recorded as a [`Delivery`].
//!
//! # Admin API (no authentication, JSON)
//!
//! - `GET /_admin/state`: `{"tickets":[{"ticket","actions"}],"tokens",
//!   "held_requests","settings"}`.
//! - `GET /_admin/tickets/{id}`: `{"ticket","actions"}` (actions oldest
//!   first); 404 when unknown.
//! - `POST /_admin/tickets`: a ticket element as the API takes it, logged by
//!   the technician (with `id`: an update); 201 with the ticket.
//! - `POST /_admin/tickets/{id}/actions`: `{"note_html" or "note", "private",
//!   "agent_id" (6), "who_type" (1), "outcome" or "outcome_id", "new_status"}`;
//!   201 with the action.
//! - `POST /_admin/tickets/{id}/close` and `/reopen`: `{"agent_id" (6),
//!   "note_html" (""), "status_id" (9 / 2)}`: the status change, its action and
//!   its webhook; answers `{"ticket","action"}`.
//! - `GET`, `PUT`, `DELETE /_admin/faults`: the [`FaultPlan`]
//!   `{"seed":N,"routes":{"tickets_post":{…}}}`; PUT replaces it and restarts
//!   the dice; DELETE clears it.
//! - `PUT /_admin/faults/{route}`: one route's [`RouteFaults`].
//! - `POST /_admin/faults/{route}/script`: a list of [`Fault`]s for the next
//!   calls, e.g. `[{"kind":"error_500"},{"kind":"rate_limited",
//!   "retry_after_secs":5},{"kind":"timeout"},{"kind":"reply_lost"},
//!   {"kind":"pass"}]`.
//! - `GET`, `DELETE /_admin/counters`: `{"ticket_get":{"200":3,"404":1},…}`;
//!   DELETE zeroes them.
//! - `GET`, `PATCH /_admin/settings`: the [`Settings`] (`token_lifetime_secs`,
//!   `enforce_scopes`, `concurrent_create_failure`, `reference_filter`,
//!   `dropped_fields`, `hold_ms`); PATCH changes only the keys sent.
//! - `POST /_admin/tokens/revoke`: revokes every token, `{"revoked":n}`.
//! - `GET`, `PUT`, `DELETE /_admin/webhook`: the [`WebhookConfig`] (the secret
//!   shown as `***`).
//! - `GET /_admin/deliveries`: `{"deliveries":[…]}`, every attempt, oldest
//!   first.
//! - `POST /_admin/reset`: back to the start: tickets, tokens, faults,
//!   counters and deliveries cleared; settings and webhook as configured.
//!
//! # The binary
//!
//! `mock-halo` reads `BIND` (127.0.0.1), `PORT` (8081), `MOCK_HALO_CLIENT_ID`
//! (`demo-client`), `MOCK_HALO_CLIENT_SECRET` (`demo-secret`), and optionally
//! `MOCK_HALO_TENANT`, `MOCK_HALO_AGENT_ID`, `MOCK_HALO_SEED`,
//! `MOCK_HALO_TOKEN_LIFETIME_SECS`, `MOCK_HALO_WORKERS`,
//! `MOCK_HALO_WEBHOOK_URL`, `MOCK_HALO_WEBHOOK_SECRET`,
//! `MOCK_HALO_WEBHOOK_SECRET_IN` (`header`/`basic`/`bearer`/`query`) and
//! `MOCK_HALO_WEBHOOK_BATCH_MS`.

mod admin;
mod api;
mod config;
mod counters;
mod error;
mod faults;
mod handle;
mod input;
mod lookups;
mod model;
mod page;
mod render;
mod store;
mod tenant;
mod tokens;
mod webhooks;

pub use config::{FilterMode, MockHaloConfig, Settings};
pub use counters::{Counters, NO_REPLY};
pub use error::MockError;
pub use faults::{Fault, FaultPlan, Route, RouteFaults};
pub use handle::{MockHalo, WaitTimeout};
pub use input::{ActionInput, TicketInput};
pub use lookups::{STATUS_CLOSED, STATUS_IN_PROGRESS, STATUS_NEW, TECHNICIAN_ID};
pub use model::{Action, CustomFieldValue, Ticket, TicketWithActions};
pub use tokens::KNOWN_SCOPES;
pub use upstream::Secret;
pub use webhooks::{Delivery, SecretPlacement, WebhookConfig};
