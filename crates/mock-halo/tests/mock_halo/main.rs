//! The mock Halo driven over HTTP, as the bridge and the end-to-end tests use
//! it: one integration binary, every mock on 127.0.0.1 port 0.

mod actions;
mod admin;
mod faults;
mod fidelity;
mod page;
mod support;
mod tickets;
mod token;
mod webhooks;
