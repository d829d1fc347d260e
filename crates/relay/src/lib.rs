//! The engine the six bridge binaries share.
//!
//! - [`settings`]: every variable of the contract, validated together.
//! - [`telemetry`]: logs (text or JSON) with a request id on every line.

pub mod settings;
pub mod telemetry;
