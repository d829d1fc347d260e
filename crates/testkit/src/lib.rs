//! Support for the end-to-end tests of the six services: the mock upstreams
//! started in-process, bridge settings pointing at them, a bridge started on
//! 127.0.0.1 port 0 in the edition under test (or its binary as a child process
//! for crash tests), signed ContraForce deliveries, and fresh state stores.
//! Test infrastructure only; no service depends on it outside its tests.

mod bridge;
pub mod cf_suite;
mod incident;
mod send;
mod state;

pub mod halo_suite;
pub mod halo_world;

pub use bridge::{BinaryBridge, Vars, cf_to_halo_vars, halo_to_cf_vars, start_bridge};
pub use incident::Incident;
pub use send::{Reply, Sender};
pub use state::{fresh_state_url, postgres_available};

/// The ContraForce webhook secret the tests configure.
pub const CF_SECRET: &str = "e2e-cf-webhook-secret";
/// A second, rotated ContraForce secret.
pub const CF_SECRET_ROTATED: &str = "e2e-cf-webhook-secret-next";
/// The Halo webhook secret the tests configure.
pub const HALO_WEBHOOK_SECRET: &str = "e2e-halo-webhook-secret";
/// The Halo client the tests map one account to.
pub const MAPPED_ACCOUNT: &str = "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10";
pub const MAPPED_CLIENT: i64 = 12;
pub const DEFAULT_CLIENT: i64 = 1;
pub const TICKET_TYPE: i64 = 29;
