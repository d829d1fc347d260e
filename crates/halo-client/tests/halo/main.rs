//! The Halo client against a wiremock Halo: every request pinned exactly, every
//! failure path exercised, all waits taken on a manual clock.

mod actions;
mod errors;
mod lookups;
mod resilience;
mod support;
mod tickets;
mod token;
