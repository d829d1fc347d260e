//! One benchmark run of one service, and the memory-growth check: start the
//! stub upstreams and a fresh store, start the binary (timing it), read idle
//! memory, warm up, measure, read the bridge's counters, send duplicates, stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bench::child::{self, Service};
use bench::load::{self, MakeRequest, Outcome, Until};
use bench::scrape;
use bench::services::{self, Direction, Spec, State};
use bench::stats::{median, percentiles};
use bench::stub::{self, Stub};
use bench::wire;

/// How each run is driven.
#[derive(Debug, Clone)]
pub struct Plan {
    pub connections: usize,
    pub warmup: Duration,
    pub measure: Duration,
    pub log: String,
    pub stub_workers: usize,
    /// Extra settings for the service (`--set NAME=VALUE`), applied last.
    pub extra_env: Vec<(String, String)>,
}

/// Duplicates sent after a ContraForce → Halo run, to count their Halo calls.
const DUPLICATES: u64 = 1000;

/// What one run measured.
#[derive(Debug, Clone)]
pub struct Run {
    pub spec: Spec,
    pub per_second: f64,
    pub latency_ms: [f64; 3],
    pub non_2xx: u64,
    pub startup_ms: f64,
    pub idle_mib: f64,
    pub peak_mib: f64,
    /// Token requests over the process's whole life.
    pub tokens: u64,
    pub halo_per_delivery: f64,
    pub cf_per_delivery: f64,
    /// Halo calls caused by re-sending already processed events (ContraForce → Halo).
    pub duplicate_halo_calls: Option<u64>,
}

/// The requests of one run: distinct deliveries numbered by the shared counter.
fn maker(spec: &Spec, addr: SocketAddr, tag: &str) -> MakeRequest {
    match spec.direction {
        Direction::CfToHalo => {
            let template = wire::incident_body(stub::SOURCE, "__INCIDENT__", 4242).to_string();
            let (before, after) = template
                .split_once("__INCIDENT__")
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .unwrap_or_default();
            let tag = tag.to_owned();
            Arc::new(move |n| {
                let body = format!("{before}bench-{tag}-{n}{after}");
                let event = format!("ev-{tag}-{n}");
                wire::cf_request(
                    addr,
                    services::CF_SECRET,
                    &event,
                    body.as_bytes(),
                    wire::unix_now(),
                )
            })
        }
        Direction::HaloToCf => Arc::new(move |n| {
            let ticket = n + 1;
            let body = format!(
                "{{\"id\":\"0b6e2c1e-6a55-4d1c-9f0e-4f3f3c2a9d11\",\"event\":\"action added\",\
                 \"object_id\":{ticket},\"ticket_id\":{ticket}}}"
            );
            wire::halo_request(addr, services::HALO_WEBHOOK_SECRET, body.as_bytes())
        }),
    }
}

/// Starts the stub, a fresh store and the service binary.
async fn start(spec: &Spec, plan: &Plan) -> Result<(Stub, State, Service), bench::Error> {
    let stub = Stub::start(plan.stub_workers, 3600).await?;
    let state = State::fresh(spec.edition).await?;
    let mut env = stub.halo_env();
    if spec.direction == Direction::HaloToCf {
        env.extend(stub.cf_env());
    }
    env.extend(services::direction_env(spec.direction));
    env.push(("RUST_LOG".into(), plan.log.clone()));
    if let Some(url) = state.url() {
        env.push(("STATE_URL".into(), url.to_owned()));
    }
    env.extend(plan.extra_env.iter().cloned());
    let service = Service::start(&child::binary(spec.binary)?, &env, None).await?;
    Ok((stub, state, service))
}

async fn finish(stub: Stub, state: State, service: Service) {
    service.stop(Duration::from_secs(10)).await;
    stub.stop().await;
    state.remove().await;
}

fn mib(kib: Option<u64>) -> f64 {
    kib.unwrap_or(0) as f64 / 1024.0
}

/// One timed run.
pub async fn timed(spec: &Spec, plan: &Plan) -> Result<Run, bench::Error> {
    let (stub, state, service) = start(spec, plan).await?;
    let addr = service.addr;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_mib = mib(service.rss_kib());

    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let make = maker(spec, addr, &tag);
    let counter = Arc::new(AtomicU64::new(0));
    let before = scrape::read(addr).await?;
    let warm = load::closed_loop(
        addr,
        plan.connections,
        Until::Elapsed(plan.warmup),
        make.clone(),
        counter.clone(),
    )
    .await;
    let mut measured = load::closed_loop(
        addr,
        plan.connections,
        Until::Elapsed(plan.measure),
        make.clone(),
        counter.clone(),
    )
    .await;
    let peak_mib = mib(service.peak_rss_kib());
    let after = scrape::read(addr).await?;

    let calls = after.since(&before);
    let delivered = (warm.answered() - warm.non_2xx().min(warm.answered()))
        + (measured.answered() - measured.non_2xx().min(measured.answered()));
    let per = |target: &str| calls.upstream(target) as f64 / delivered.max(1) as f64;

    let duplicate_halo_calls = if spec.direction == Direction::CfToHalo {
        // Copies of the latest events, as a sender's redeliveries would be. Each
        // connection drew one number past the deadline that it never sent.
        let drawn = counter.load(std::sync::atomic::Ordering::Relaxed);
        let sent = drawn.saturating_sub(plan.connections as u64);
        let first = sent.saturating_sub(DUPLICATES);
        let again = load::closed_loop(
            addr,
            8,
            Until::Counter(first + DUPLICATES),
            make,
            Arc::new(AtomicU64::new(first)),
        )
        .await;
        let later = scrape::read(addr).await?;
        if again.non_2xx() > 0 {
            eprintln!("  duplicates: {:?}", again.statuses);
        }
        Some(later.since(&after).upstream("halo"))
    } else {
        None
    };

    let run = Run {
        spec: *spec,
        per_second: measured.answered() as f64 / measured.elapsed.as_secs_f64(),
        latency_ms: percentiles(&mut measured.micros),
        non_2xx: measured.non_2xx(),
        startup_ms: service.started_in.as_secs_f64() * 1000.0,
        idle_mib,
        peak_mib,
        tokens: after.upstream("halo_token"),
        halo_per_delivery: per("halo"),
        cf_per_delivery: per("contraforce"),
        duplicate_halo_calls,
    };
    report_odd_answers(&measured);
    finish(stub, state, service).await;
    Ok(run)
}

fn report_odd_answers(outcome: &Outcome) {
    if outcome.non_2xx() > 0 {
        eprintln!(
            "  answers: {:?}, without answer: {}",
            outcome.statuses, outcome.failures
        );
    }
}

/// Sends `total` deliveries and compares resident memory after a tenth of
/// them with memory at the end.
pub async fn growth(spec: &Spec, plan: &Plan, total: u64) -> Result<(), bench::Error> {
    let (stub, state, service) = start(spec, plan).await?;
    let addr = service.addr;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let make = maker(spec, addr, &tag);
    let counter = Arc::new(AtomicU64::new(0));
    let mut checkpoints = Vec::new();
    for upto in [total / 10, total] {
        let sent = load::closed_loop(
            addr,
            plan.connections,
            Until::Counter(upto),
            make.clone(),
            counter.clone(),
        )
        .await;
        report_odd_answers(&sent);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = mib(service.rss_kib());
        println!(
            "{} ({}): RSS after {upto} deliveries: {rss:.1} MiB",
            spec.number, spec.binary
        );
        checkpoints.push(rss);
    }
    if let [first, last] = checkpoints[..] {
        println!(
            "{}: growth from {} to {total} deliveries: {:+.1} % (limit +20 %)",
            spec.number,
            total / 10,
            (last / first - 1.0) * 100.0
        );
    }
    finish(stub, state, service).await;
    Ok(())
}

impl Run {
    pub fn header() -> &'static str {
        "service run: deliveries/s, p50/p90/p99 ms, non-2xx, start-up ms, idle/peak RSS MiB, \
         token requests, Halo and ContraForce calls per delivery, Halo calls for duplicates"
    }

    pub fn line(&self, n: usize) -> String {
        let [p50, p90, p99] = self.latency_ms;
        format!(
            "{} run {n}: {:.0}/s, {p50:.2}/{p90:.2}/{p99:.2} ms, {}, {:.1} ms, {:.1}/{:.1} MiB, \
             {}, {:.2} + {:.2}, {}",
            self.spec.number,
            self.per_second,
            self.non_2xx,
            self.startup_ms,
            self.idle_mib,
            self.peak_mib,
            self.tokens,
            self.halo_per_delivery,
            self.cf_per_delivery,
            self.duplicate_halo_calls
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        )
    }
}

/// The Markdown table of medians over each service's runs.
pub fn median_table(table: &[(&Spec, Vec<Run>)]) -> String {
    let mut out = String::from(
        "| service | deliveries/s | p50 ms | p90 ms | p99 ms | non-2xx | start-up ms | \
         idle RSS MiB | peak RSS MiB | token requests | Halo calls / delivery | \
         ContraForce calls / delivery | Halo calls for 1,000 duplicates |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (spec, runs) in table {
        let med = |f: &dyn Fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
        let duplicates = runs
            .iter()
            .filter_map(|r| r.duplicate_halo_calls)
            .max()
            .map_or_else(|| "-".to_owned(), |n| n.to_string());
        out.push_str(&format!(
            "| {} {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} | \
             {:.2} | {:.2} | {duplicates} |\n",
            spec.number,
            spec.binary,
            med(&|r| r.per_second),
            med(&|r| r.latency_ms[0]),
            med(&|r| r.latency_ms[1]),
            med(&|r| r.latency_ms[2]),
            med(&|r| r.non_2xx as f64),
            med(&|r| r.startup_ms),
            med(&|r| r.idle_mib),
            med(&|r| r.peak_mib),
            med(&|r| r.tokens as f64),
            med(&|r| r.halo_per_delivery),
            med(&|r| r.cf_per_delivery),
        ));
    }
    out
}
