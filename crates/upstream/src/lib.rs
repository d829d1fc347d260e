//! What the two upstream clients (and the relay above them) share: an injectable
//! [`Clock`], the [`Secret`] wrapper that never prints, and the retry plumbing
//! (backoff with jitter, `Retry-After`). No HTTP client lives here.

mod clock;
mod secret;

pub use clock::{Clock, ManualClock, SystemClock};
pub use secret::Secret;
