//! Delivering as the upstreams do: each delivery is tried until the bridge
//! answers 2xx, against whichever replica is up (round robin over the fleet's
//! fixed addresses), waiting what `Retry-After` says (capped) or a doubling
//! backoff after a 503, a 5xx, a refused connection or a timeout. Each attempt
//! is built afresh, so a ContraForce delivery gets a new timestamp and signature
//! as a real redelivery does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bench::wire::{Answer, Conn};

/// How a sender retries.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// The longest one exchange may take before it counts as failed.
    pub request_timeout: Duration,
    /// A `Retry-After` or backoff longer than this is cut to it.
    pub max_wait: Duration,
    /// After this long the delivery is given up (and reported as such).
    pub give_up_after: Duration,
}

/// The bridge replicas a delivery may go to.
#[derive(Debug)]
pub struct Targets {
    addrs: Vec<SocketAddr>,
    next: AtomicUsize,
}

impl Targets {
    pub fn new(addrs: Vec<SocketAddr>) -> Self {
        Self {
            addrs,
            next: AtomicUsize::new(0),
        }
    }

    fn pick(&self) -> SocketAddr {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.addrs[n % self.addrs.len().max(1)]
    }
}

/// How one delivery went.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The 2xx answer that ended it; `None` when it was given up.
    pub answer: Option<Answer>,
    pub attempts: u32,
    /// Attempts that got no answer at all (refused, reset, timed out).
    pub unanswered: u32,
    /// 503 answers, and how many of them carried `Retry-After`.
    pub unavailable: u32,
    pub unavailable_with_retry_after: u32,
}

/// Delivers one request (built per attempt for the chosen replica) until 2xx.
pub async fn deliver(
    targets: &Targets,
    patience: Patience,
    make: impl Fn(SocketAddr) -> Vec<u8>,
) -> Sent {
    let started = Instant::now();
    let mut sent = Sent {
        answer: None,
        attempts: 0,
        unanswered: 0,
        unavailable: 0,
        unavailable_with_retry_after: 0,
    };
    loop {
        sent.attempts += 1;
        let addr = targets.pick();
        let exchange = async {
            let mut conn = Conn::open(addr).await?;
            conn.exchange(&make(addr)).await
        };
        let wait = match tokio::time::timeout(patience.request_timeout, exchange).await {
            Ok(Ok(answer)) if (200..300).contains(&answer.status) => {
                sent.answer = Some(answer);
                return sent;
            }
            Ok(Ok(answer)) => {
                if answer.status == 503 {
                    sent.unavailable += 1;
                    if answer.retry_after.is_some() {
                        sent.unavailable_with_retry_after += 1;
                    }
                }
                answer
                    .retry_after
                    .as_deref()
                    .and_then(|secs| secs.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
            }
            Ok(Err(_)) | Err(_) => {
                sent.unanswered += 1;
                None
            }
        };
        let backoff = Duration::from_millis(250)
            .saturating_mul(1 << sent.attempts.min(6))
            .min(patience.max_wait);
        let wait = wait.unwrap_or(backoff).min(patience.max_wait);
        if started.elapsed() + wait > patience.give_up_after {
            return sent;
        }
        tokio::time::sleep(wait).await;
    }
}
