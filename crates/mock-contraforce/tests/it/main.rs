//! The mock ContraForce driven over real HTTP on 127.0.0.1 port 0: its v2 API,
//! its fault knobs, its signed sender against a local receiver, the admin API,
//! the HTML view and the binary.

mod admin;
mod api;
mod binary;
mod faults;
mod page;
mod sender;
mod support;
