//! The Prometheus text the bridge serves at `/metrics`: deliveries by outcome,
//! upstream calls by target and status, queue depth, retries, dead letters and a
//! delivery-duration histogram. Hand-rolled: a few counters need no registry crate.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use upstream::UpstreamObserver;

/// Upper bounds of the duration histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
pub struct Metrics {
    deliveries: Mutex<BTreeMap<&'static str, u64>>,
    upstream: Mutex<BTreeMap<(&'static str, String), u64>>,
    retries: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    duration_count: AtomicU64,
    duration_sum_micros: AtomicU64,
}

impl Metrics {
    /// Counts one answered delivery and its duration.
    pub fn delivery(&self, outcome: &'static str, took: Duration) {
        *self
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(outcome)
            .or_default() += 1;
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.duration_count.fetch_add(1, Ordering::Relaxed);
        self.duration_sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts one scheduled retry.
    pub fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Upstream calls so far to `target` (all statuses), for tests and benchmarks.
    pub fn upstream_calls(&self, target: &str) -> u64 {
        self.upstream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((t, _), _)| *t == target)
            .map(|(_, n)| n)
            .sum()
    }

    /// The Prometheus exposition text; `queue_depth` and `dead_letters` come
    /// from the store at scrape time.
    pub fn render(&self, queue_depth: Option<u64>, dead_letters: Option<u64>) -> String {
        let mut out = String::new();
        out.push_str("# HELP bridge_deliveries_total Webhook deliveries answered, by outcome.\n");
        out.push_str("# TYPE bridge_deliveries_total counter\n");
        for (outcome, n) in self
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(out, "bridge_deliveries_total{{outcome=\"{outcome}\"}} {n}");
        }

        out.push_str("# HELP bridge_upstream_requests_total Calls to Halo and ContraForce.\n");
        out.push_str("# TYPE bridge_upstream_requests_total counter\n");
        for ((target, status), n) in self
            .upstream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "bridge_upstream_requests_total{{target=\"{target}\",status=\"{status}\"}} {n}"
            );
        }

        out.push_str("# HELP bridge_retries_total Deliveries scheduled for another attempt.\n");
        out.push_str("# TYPE bridge_retries_total counter\n");
        let _ = writeln!(
            out,
            "bridge_retries_total {}",
            self.retries.load(Ordering::Relaxed)
        );

        if let Some(depth) = queue_depth {
            out.push_str("# HELP bridge_queue_depth Deliveries waiting or in progress.\n");
            out.push_str("# TYPE bridge_queue_depth gauge\n");
            let _ = writeln!(out, "bridge_queue_depth {depth}");
        }
        if let Some(dead) = dead_letters {
            out.push_str("# HELP bridge_dead_letters Deliveries given up on.\n");
            out.push_str("# TYPE bridge_dead_letters gauge\n");
            let _ = writeln!(out, "bridge_dead_letters {dead}");
        }

        out.push_str("# HELP bridge_delivery_duration_seconds Time to answer a delivery.\n");
        out.push_str("# TYPE bridge_delivery_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let n = bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "bridge_delivery_duration_seconds_bucket{{le=\"{bound}\"}} {n}"
            );
        }
        let count = self.duration_count.load(Ordering::Relaxed);
        let sum = self.duration_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "bridge_delivery_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "bridge_delivery_duration_seconds_sum {sum}");
        let _ = writeln!(out, "bridge_delivery_duration_seconds_count {count}");
        out
    }
}

impl UpstreamObserver for Metrics {
    fn request(&self, target: &'static str, status: Option<u16>, _elapsed: Duration) {
        let status = status.map_or_else(|| "error".to_owned(), |s| s.to_string());
        *self
            .upstream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((target, status))
            .or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_histogram() {
        let metrics = Metrics::default();
        metrics.delivery("created", Duration::from_millis(30));
        metrics.delivery("created", Duration::from_millis(3));
        metrics.request("halo", Some(201), Duration::ZERO);
        metrics.request("halo", None, Duration::ZERO);
        metrics.retry();
        let text = metrics.render(Some(4), Some(1));
        assert!(text.contains("bridge_deliveries_total{outcome=\"created\"} 2"));
        assert!(text.contains("bridge_upstream_requests_total{target=\"halo\",status=\"201\"} 1"));
        assert!(
            text.contains("bridge_upstream_requests_total{target=\"halo\",status=\"error\"} 1")
        );
        assert!(text.contains("bridge_queue_depth 4"));
        assert!(text.contains("bridge_dead_letters 1"));
        assert!(text.contains("bridge_retries_total 1"));
        assert!(text.contains("bridge_delivery_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("bridge_delivery_duration_seconds_bucket{le=\"0.05\"} 2"));
        assert!(text.contains("bridge_delivery_duration_seconds_count 2"));
        assert_eq!(metrics.upstream_calls("halo"), 2);
    }
}
