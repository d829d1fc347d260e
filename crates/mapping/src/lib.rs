//! Pure translation between the two systems, with no I/O.
//!
//! - [`halo`]: HaloPSA's data model as the bridge reads and writes it (tickets,
//!   actions, create bodies), decoded leniently because Halo's serialisation varies.
//! - [`cf`]: ContraForce's delivery body, checked for the fields the bridge needs.
//! - [`reference`]: the `cf|{source}|{incidentId}` link kept on a Halo ticket.
//! - [`ticket`]: incident → new Halo ticket (summary, details, priority, client),
//!   and the note for a repeated delivery.
//! - [`comments`]: Halo actions → ContraForce comments, and whether to close or
//!   reopen the incident.
//! - [`halo_webhook`]: Halo's webhook body → events and their ticket ids.

pub mod cf;
pub mod comments;
pub mod halo;
pub mod halo_webhook;
pub mod reference;
pub mod ticket;

#[cfg(test)]
mod samples;
