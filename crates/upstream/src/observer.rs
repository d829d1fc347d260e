//! The hook through which every upstream HTTP exchange is reported, so the relay can
//! count calls by target and status for its metrics. Counting itself happens elsewhere.

use std::sync::Mutex;
use std::time::Duration;

/// Told about every HTTP exchange with an upstream, retries included.
pub trait UpstreamObserver: Send + Sync {
    /// `target` is `"halo_token"`, `"halo"` or `"contraforce"`; `status` is `None`
    /// when no answer came (transport failure, timeout).
    fn request(&self, target: &'static str, status: Option<u16>, elapsed: Duration);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl UpstreamObserver for NoopObserver {
    fn request(&self, _target: &'static str, _status: Option<u16>, _elapsed: Duration) {}
}

/// An observer that remembers `(target, status)` of every exchange, for tests.
#[derive(Debug, Default)]
pub struct RecordingObserver {
    seen: Mutex<Vec<(&'static str, Option<u16>)>>,
}

impl RecordingObserver {
    /// Every exchange reported so far, in order.
    pub fn requests(&self) -> Vec<(&'static str, Option<u16>)> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl UpstreamObserver for RecordingObserver {
    fn request(&self, target: &'static str, status: Option<u16>, _elapsed: Duration) {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((target, status));
    }
}
