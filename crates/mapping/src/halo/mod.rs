//! HaloPSA's tickets and actions as the bridge reads and writes them.
//!
//! Reading is lenient on purpose: ids arrive as `21`, `21.0` or `"21"`, empty
//! dates are sentinels such as `1900-01-01T00:00:00`, fractions have 0–7 digits
//! with or without `Z`, and property-name case varies. Writing is strict: plain
//! integers, exact field names.

pub mod lenient;
mod model;

pub use model::{Action, CustomField, NewAction, NewTicket, OutcomeRef, RefField, Ticket};
