//! The engine the six bridge binaries share.
//!
//! A delivery flows one way: *authenticate → parse → record → dedupe → route →
//! call upstream → record outcome → answer*.
//!
//! - [`settings`]: every variable of the contract, validated together.
//! - [`telemetry`]: logs (text or JSON) with a request id on every line.
//! - [`http`]: the routes and the checks made before anything is stored.
//! - [`engine`]: durable intake, the worker, retries and dead letters.
//! - [`cf_to_halo`] and [`halo_to_cf`]: the two pipelines.
//! - [`answer`]: every answer's exact status and body.
//! - [`app`]: start-up and shutdown; [`run`] is each binary's `main`.
//! - [`cli`]: the subcommands (`serve`, `check-config`, `halo ids`, `doctor`,
//!   `send-test-event`, `replay`); [`admin`]: the operator view.

pub mod admin;
pub mod answer;
pub mod app;
pub mod cf_to_halo;
pub mod cli;
pub mod engine;
pub mod halo_to_cf;
pub mod http;
pub mod locks;
pub mod metrics;
pub mod schedule;
pub mod settings;
pub mod telemetry;

pub use app::{Bridge, StartError, run};
