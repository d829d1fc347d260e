//! Pure translation between the two systems, with no I/O.
//!
//! - [`halo`]: HaloPSA's data model as the bridge reads and writes it (tickets,
//!   actions, create bodies), decoded leniently because Halo's serialisation varies.

pub mod halo;
