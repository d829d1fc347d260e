//! Webhook authenticity, with no I/O: the HMAC signature ContraForce puts on its
//! deliveries ([`sign_cf`], [`CfVerifier`]) and the shared secret Halo presents on
//! its callbacks ([`halo_secret_matches`]). Reading headers is the caller's job.

mod contraforce;
mod halo;

pub use contraforce::{CfVerifier, SignatureError, sign_cf};
pub use halo::{HaloPresented, halo_secret_matches};
