//! Overload: one ContraForce → Halo service against a mock Halo that takes a
//! few milliseconds per call (so the bridge, not the machine, sets the pace).
//! First the sustainable rate is measured (tickets created per second under a
//! closed loop of 32 connections), then ten times that rate is offered for the
//! given time. Meanwhile `/healthz` is probed every 100 ms and resident memory
//! sampled. Afterwards every delivery the bridge accepted (2xx) must end as
//! exactly one ticket.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::child::Service;
use bench::load::{self, MakeRequest, Until};
use bench::services::{self, Direction, Spec};
use bench::wire;
use mock_halo::{FaultPlan, MockHalo, MockHaloConfig, Route, RouteFaults};

use crate::fleet::Fleet;
use crate::halo_env;

/// Milliseconds mock Halo adds to every ticket search and create.
const HALO_LATENCY_MS: u64 = 5;
/// How long a request may wait for its answer before it counts as timed out.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections the overload may keep open at once.
const CONNECTIONS: usize = 512;

fn maker(tag: String) -> MakeRequest {
    Arc::new(move |n| {
        let incident = format!("overload-{tag}-{n}");
        let body = wire::incident_body("sentinel", &incident, n).to_string();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        wire::cf_request(
            addr,
            services::CF_SECRET,
            &incident,
            body.as_bytes(),
            wire::unix_now(),
        )
    })
}

pub async fn run(spec: Spec, seconds: Duration) -> Result<bool, bench::Error> {
    if spec.direction != Direction::CfToHalo {
        return Err("the overload runs the ContraForce → Halo services (01, 02, 05)".into());
    }
    let halo = MockHalo::start(MockHaloConfig::default()).await?;
    let slow = RouteFaults {
        latency_ms: HALO_LATENCY_MS,
        ..RouteFaults::default()
    };
    halo.set_faults(FaultPlan {
        seed: Some(1),
        routes: [
            (Route::TicketsList, slow.clone()),
            (Route::TicketsPost, slow),
        ]
        .into_iter()
        .collect(),
    });
    halo.update_settings(|s| s.reference_filter = mock_halo::FilterMode::Exact);
    let mut env = halo_env(&halo);
    env.extend(services::direction_env(Direction::CfToHalo));
    let fleet = Fleet::start(spec, env).await?;
    let addr = fleet.addrs()[0];
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let counter = Arc::new(AtomicU64::new(0));

    let calm = load::closed_loop(
        addr,
        32,
        Until::Elapsed(Duration::from_secs(10)),
        maker(tag.clone()),
        counter.clone(),
    )
    .await;
    fleet.drained(Duration::from_secs(120)).await;
    let sustainable = halo.tickets().len() as f64 / calm.elapsed.as_secs_f64();
    let offered = sustainable * 10.0;
    println!(
        "== overload of {} {}: sustainable {sustainable:.0} deliveries/s (tickets created in 10 s \
         of 32 connections); offering {offered:.0}/s for {} s",
        spec.number,
        spec.binary,
        seconds.as_secs()
    );

    let service = fleet.service(0).ok_or("the bridge is not running")?;
    let rss_before = service.rss_kib().unwrap_or(0);
    let watching = Arc::new(AtomicBool::new(true));
    let probe = tokio::spawn(watch_health(addr, watching.clone()));
    let pid = service.pid();
    let rss = tokio::spawn(watch_rss(pid, watching.clone()));
    let tickets_before = halo.tickets().len();
    let storm = load::paced(
        addr,
        CONNECTIONS,
        offered,
        seconds,
        REQUEST_TIMEOUT,
        maker(tag),
        counter,
    )
    .await;
    watching.store(false, Ordering::Relaxed);
    let health = probe.await.unwrap_or_default();
    let rss_peak = rss.await.unwrap_or(0);

    let drain_started = Instant::now();
    let drained = fleet.drained(Duration::from_secs(600)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let drain_secs = drain_started.elapsed().as_secs_f64();
    let rss_after = fleet.service(0).and_then(Service::rss_kib).unwrap_or(0);

    let tickets = halo.tickets();
    let mut per_reference: HashMap<&str, usize> = HashMap::new();
    for ticket in &tickets {
        *per_reference
            .entry(ticket.thirdpartynumber.as_str())
            .or_default() += 1;
    }
    let duplicates: usize = per_reference.values().map(|n| n - 1).sum();
    let accepted: u64 = storm
        .statuses
        .iter()
        .filter(|(status, _)| (200..300).contains(*status))
        .map(|(_, n)| n)
        .sum();
    let created = (tickets.len() - tickets_before) as u64;

    println!(
        "  offered {} deliveries in {:.1} s",
        storm.answered() + storm.failures,
        storm.elapsed.as_secs_f64()
    );
    println!("  answers by status: {:?}", storm.statuses);
    println!("  503 with Retry-After: {}", storm.with_retry_after);
    println!(
        "  no answer within {} s: {}",
        REQUEST_TIMEOUT.as_secs(),
        storm.failures
    );
    println!(
        "  /healthz: {} probes, {} failed, slowest {:.1} ms",
        health.probes, health.failed, health.slowest_ms
    );
    println!(
        "  RSS: {:.1} MiB before, {:.1} MiB peak during, {:.1} MiB after draining",
        rss_before as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "  after: queue {} in {drain_secs:.0} s; accepted {accepted}, tickets created {created}, \
         duplicates {duplicates}",
        if drained { "emptied" } else { "NOT emptied" }
    );
    let passed = drained
        && duplicates == 0
        && created >= accepted
        && storm.failures == 0
        && health.failed == 0;
    println!("{}", if passed { "PASS" } else { "FAIL" });
    fleet.stop().await;
    halo.stop().await;
    Ok(passed)
}

#[derive(Debug, Default)]
struct Health {
    probes: u64,
    failed: u64,
    slowest_ms: f64,
}

async fn watch_health(addr: std::net::SocketAddr, watching: Arc<AtomicBool>) -> Health {
    let mut health = Health::default();
    while watching.load(Ordering::Relaxed) {
        let asked = Instant::now();
        let answer =
            tokio::time::timeout(Duration::from_secs(2), wire::get(addr, "/healthz")).await;
        health.probes += 1;
        if !matches!(answer, Ok(Ok(ref a)) if a.status == 200) {
            health.failed += 1;
        }
        health.slowest_ms = health
            .slowest_ms
            .max(asked.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    health
}

async fn watch_rss(pid: u32, watching: Arc<AtomicBool>) -> u64 {
    let mut peak = 0;
    while watching.load(Ordering::Relaxed) {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kib) = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    peak
}
