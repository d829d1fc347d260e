//! A ContraForce REST API v2 client for the bridge: comments on incidents and
//! incident status changes. It knows nothing of webhooks or of Halo.
//!
//! - [`config`]: [`CfConfig`], the workspace and the service account.
//! - [`client`]: [`CfClient`], construction and the authorised request path.
//! - [`incidents`]: the three calls (comment, close, reopen).
//! - [`error`]: [`CfError`], with [`CfError::is_transient`].
//!
//! Retries, `Retry-After` and the observer come from the `upstream` crate.

pub mod client;
pub mod config;
pub mod error;
pub mod incidents;

pub use client::CfClient;
pub use config::CfConfig;
pub use error::CfError;
