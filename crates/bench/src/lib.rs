//! Measuring the bridge from outside, as an operator would: its service
//! binaries run as child processes, driven over HTTP. Shared by the `bench`
//! binary (throughput, latency, memory, start-up) and the `soak` crate (faults
//! and kills).
//!
//! - [`wire`]: signed ContraForce deliveries and Halo webhooks as raw HTTP/1.1,
//!   and reading one answer off a kept-alive connection.
//! - [`load`]: a closed-loop load generator over many connections.
//! - [`child`]: a service binary in a child process: start-up time, RSS, kill.
//! - [`stub`]: Halo and ContraForce stand-ins that answer at once with fixed
//!   bodies and count every call.
//! - [`services`]: the six services and a fresh state store per run.
//! - [`scrape`]: the bridge's `/metrics` counters.
//! - [`stats`]: latency percentiles.

pub mod child;
pub mod load;
pub mod scrape;
pub mod services;
pub mod stats;
pub mod stub;
pub mod wire;

/// A boxed error for a tool that reports and exits.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
