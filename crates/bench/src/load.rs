//! A load generator: many kept-alive connections, each sending the next request
//! as soon as the last is answered (closed loop), or on a schedule (paced, for
//! overload). Every request is made fresh by a caller-supplied function, so each
//! delivery is distinct and signed when it is sent. Latency is measured per
//! request from the first byte written to the last byte read; a closed loop does
//! not see the queueing a slower server would cause in an open one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::wire::{Answer, Conn};

/// Makes request number `n` (a counter shared by every connection).
pub type MakeRequest = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

/// What one run saw.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Microseconds per answered request.
    pub micros: Vec<u32>,
    pub statuses: BTreeMap<u16, u64>,
    /// 503s that carried `Retry-After`.
    pub with_retry_after: u64,
    /// Requests that got no answer (connection failure or per-request timeout).
    pub failures: u64,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn answered(&self) -> u64 {
        self.statuses.values().sum()
    }

    pub fn non_2xx(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(_, n)| n)
            .sum::<u64>()
            + self.failures
    }

    fn merge(&mut self, other: Outcome) {
        self.micros.extend(other.micros);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.with_retry_after += other.with_retry_after;
        self.failures += other.failures;
    }

    fn record(&mut self, answer: &Answer, took: Duration) {
        self.micros
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        *self.statuses.entry(answer.status).or_default() += 1;
        if answer.status == 503 && answer.retry_after.is_some() {
            self.with_retry_after += 1;
        }
    }
}

/// When a closed loop stops.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// After this long.
    Elapsed(Duration),
    /// Once the shared counter reaches this number.
    Counter(u64),
}

/// `connections` connections sending back to back until `until`.
pub async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    until: Until,
    make: MakeRequest,
    counter: Arc<AtomicU64>,
) -> Outcome {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (make, counter) = (make.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = Outcome::default();
            let mut conn = None;
            loop {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let done = match until {
                    Until::Elapsed(limit) => started.elapsed() >= limit,
                    Until::Counter(last) => n >= last,
                };
                if done {
                    break;
                }
                send_one(addr, &mut conn, &make(n), None, &mut seen).await;
            }
            seen
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        if let Ok(seen) = task.await {
            total.merge(seen);
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// About `rate` requests a second for `duration`, spread over `connections`
/// connections; a connection behind its schedule sends at once. Each request
/// may take `timeout`, after which it counts as a failure and its connection
/// is replaced.
pub async fn paced(
    addr: SocketAddr,
    connections: usize,
    rate: f64,
    duration: Duration,
    timeout: Duration,
    make: MakeRequest,
    counter: Arc<AtomicU64>,
) -> Outcome {
    let started = Instant::now();
    let deadline = started + duration;
    let connections = connections.max(1);
    let interval = Duration::from_secs_f64(connections as f64 / rate.max(0.001));
    let mut tasks = Vec::with_capacity(connections);
    for i in 0..connections {
        let (make, counter) = (make.clone(), counter.clone());
        let offset = interval.mul_f64(i as f64 / connections as f64);
        tasks.push(tokio::spawn(async move {
            let mut seen = Outcome::default();
            let mut conn = None;
            let mut next = started + offset;
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                let request = make(counter.fetch_add(1, Ordering::Relaxed));
                send_one(addr, &mut conn, &request, Some(timeout), &mut seen).await;
                next += interval;
            }
            seen
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        if let Ok(seen) = task.await {
            total.merge(seen);
        }
    }
    total.elapsed = started.elapsed();
    total
}

async fn send_one(
    addr: SocketAddr,
    conn: &mut Option<Conn>,
    request: &[u8],
    timeout: Option<Duration>,
    seen: &mut Outcome,
) {
    if conn.is_none() {
        match Conn::open(addr).await {
            Ok(fresh) => *conn = Some(fresh),
            Err(_) => {
                seen.failures += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                return;
            }
        }
    }
    let Some(open) = conn.as_mut() else {
        return;
    };
    let sent = Instant::now();
    let exchange = open.exchange(request);
    let answer = match timeout {
        Some(limit) => tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
        None => exchange.await,
    };
    match answer {
        Ok(answer) => seen.record(&answer, sent.elapsed()),
        Err(_) => {
            seen.failures += 1;
            *conn = None;
        }
    }
}
