//! A HaloPSA REST client for the bridge: what it reads and writes, and nothing about
//! webhooks or ContraForce.
//!
//! - [`config`]: [`HaloConfig`], everything the client needs to know.
//! - [`client`]: [`HaloClient`], the authorised request path shared by every call.
//! - [`token`]: the client-credentials token, cached and refreshed one at a time.
//! - [`tickets`], [`actions`], [`lookups`]: the calls, one file per resource.
//! - [`records`]: the small look-up records (agents, statuses, …).
//! - [`error`]: [`HaloError`], with [`HaloError::is_transient`].
//!
//! Retries, `Retry-After`, the rolling request budget and the observer come from
//! the `upstream` crate; tickets and actions are `mapping::halo`'s types.

pub mod actions;
pub mod client;
pub mod config;
mod decode;
pub mod error;
pub mod lookups;
pub mod records;
pub mod tickets;
mod token;

pub use client::HaloClient;
pub use config::HaloConfig;
pub use error::HaloError;
pub use mapping::halo::{Action, NewAction, NewTicket, OutcomeRef, RefField, Ticket};
pub use records::{Agent, Client, Outcome, Priority, Status, TicketType};
pub use tickets::CREATE_TURN;
