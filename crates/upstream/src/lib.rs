//! What the two upstream clients (and the relay above them) share: an injectable
//! [`Clock`], the [`Secret`] wrapper that never prints, and the retry plumbing.
//!
//! - [`retry`]: [`RetryPolicy`] (backoff with jitter) and [`parse_retry_after`].
//! - [`observer`]: [`UpstreamObserver`], told about every HTTP exchange.
//! - [`budget`]: [`RequestBudget`], a rolling-window request limit callers wait on.
//! - [`message`]: error messages from upstream bodies, with secrets blanked.
//! - [`request`]: [`Requester`], the one place requests are sent, retried and
//!   sorted into a [`Reply`] or a [`Failure`].

mod clock;
mod secret;

pub mod budget;
pub mod message;
pub mod observer;
pub mod request;
pub mod retry;

pub use budget::RequestBudget;
pub use clock::{Clock, ManualClock, SystemClock};
pub use observer::{NoopObserver, RecordingObserver, UpstreamObserver};
pub use request::{Delivery, Failure, Reply, Requester, base_url};
pub use retry::{RetryPolicy, parse_retry_after, wait_hint};
pub use secret::Secret;
