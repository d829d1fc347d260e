//! The bridge's own counters from `GET /metrics`: upstream calls by target and
//! deliveries by outcome, summed over their other labels.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::Error;
use crate::wire;

/// Counter totals read at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    /// `bridge_upstream_requests_total` by `target` (`halo_token`, `halo`, `contraforce`).
    pub upstream: BTreeMap<String, u64>,
    /// `bridge_deliveries_total` by `outcome`.
    pub deliveries: BTreeMap<String, u64>,
    pub queue_depth: Option<u64>,
}

impl Counters {
    pub fn upstream(&self, target: &str) -> u64 {
        self.upstream.get(target).copied().unwrap_or(0)
    }

    pub fn outcome(&self, outcome: &str) -> u64 {
        self.deliveries.get(outcome).copied().unwrap_or(0)
    }

    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &Counters) -> Counters {
        let diff = |now: &BTreeMap<String, u64>, then: &BTreeMap<String, u64>| {
            now.iter()
                .map(|(k, v)| (k.clone(), v - then.get(k).copied().unwrap_or(0).min(*v)))
                .collect()
        };
        Counters {
            upstream: diff(&self.upstream, &earlier.upstream),
            deliveries: diff(&self.deliveries, &earlier.deliveries),
            queue_depth: self.queue_depth,
        }
    }
}

/// Reads `/metrics` from the bridge at `addr`.
pub async fn read(addr: SocketAddr) -> Result<Counters, Error> {
    let answer = wire::get(addr, "/metrics").await?;
    if answer.status != 200 {
        return Err(format!("/metrics answered {}", answer.status).into());
    }
    Ok(parse(&String::from_utf8_lossy(&answer.body)))
}

/// Parses the Prometheus text the bridge serves.
pub fn parse(text: &str) -> Counters {
    let mut counters = Counters::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.trim().parse::<f64>() else {
            continue;
        };
        let value = value as u64;
        if series.starts_with("bridge_upstream_requests_total{") {
            if let Some(target) = label(series, "target") {
                *counters.upstream.entry(target).or_default() += value;
            }
        } else if series.starts_with("bridge_deliveries_total{") {
            if let Some(outcome) = label(series, "outcome") {
                *counters.deliveries.entry(outcome).or_default() += value;
            }
        } else if series == "bridge_queue_depth" {
            counters.queue_depth = Some(value);
        }
    }
    counters
}

fn label(series: &str, name: &str) -> Option<String> {
    let start = series.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = &series[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_upstream_calls_over_statuses() {
        let text = "# HELP x\n\
            bridge_upstream_requests_total{target=\"halo\",status=\"200\"} 5\n\
            bridge_upstream_requests_total{target=\"halo\",status=\"201\"} 2\n\
            bridge_upstream_requests_total{target=\"halo_token\",status=\"200\"} 1\n\
            bridge_deliveries_total{outcome=\"created\"} 7\n\
            bridge_queue_depth 3\n";
        let counters = parse(text);
        assert_eq!(counters.upstream("halo"), 7);
        assert_eq!(counters.upstream("halo_token"), 1);
        assert_eq!(counters.outcome("created"), 7);
        assert_eq!(counters.queue_depth, Some(3));
    }
}
