//! The operator tools (`halo ids`, `doctor`, `send-test-event`, `replay`) called
//! in-process against the mock upstreams, and the operator view end to end:
//! a failing delivery shows on the page, is replayed through the admin API once
//! Halo recovers, and succeeds.

mod admin_view;
mod doctor;
mod halo_ids;
mod replay;
mod send_test_event;
mod support;
