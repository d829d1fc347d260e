//! ContraForce → Halo under faults: distinct incidents, each delivered one to
//! three times under one event id (some copies at once, some much later),
//! through a mock Halo that answers 20 % 500, 5 % 429 (half with
//! `Retry-After`), 5 % timeouts and loses some create replies after storing
//! the ticket. Then every incident must have exactly one ticket.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use bench::services::{self, Direction, Spec};
use bench::wire;
use mock_halo::{FaultPlan, MockHalo, MockHaloConfig, Route, RouteFaults};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::fleet::Fleet;
use crate::report::{Counts, Tally};
use crate::scale::Scale;
use crate::sender::{self, Targets};
use crate::{chaos, halo_env};

/// The faults every Halo route gets.
fn faults(route: Route) -> RouteFaults {
    RouteFaults {
        share_500: 0.20,
        share_429: 0.025,
        share_429_no_retry_after: 0.025,
        retry_after_secs: 1,
        share_timeout: 0.05,
        share_reply_lost: if route == Route::TicketsPost {
            0.05
        } else {
            0.0
        },
        latency_ms: 0,
    }
}

/// One copy of one incident's delivery, and when it goes out.
struct Copy {
    reference: String,
    event_id: String,
    body: Arc<Vec<u8>>,
    after: std::time::Duration,
}

pub async fn run(spec: Spec, scale: &Scale, seed: u64) -> Result<Counts, bench::Error> {
    let halo = MockHalo::start(MockHaloConfig {
        seed,
        ..MockHaloConfig::default()
    })
    .await?;
    halo.update_settings(|s| s.hold_ms = scale.hold.as_millis() as u64);
    let routes = Route::ALL
        .into_iter()
        .filter(|r| *r != Route::Lookups)
        .map(|route| (route, faults(route)))
        .collect();
    halo.set_faults(FaultPlan {
        seed: Some(seed),
        routes,
    });

    let mut env = halo_env(&halo);
    env.extend(services::direction_env(Direction::CfToHalo));
    let mut fleet = Fleet::start(spec, env).await?;
    let targets = Arc::new(Targets::new(fleet.addrs()));

    let mut rng = StdRng::seed_from_u64(seed);
    let mut copies = Vec::new();
    for i in 0..scale.incidents {
        let incident_id = uuid::Uuid::new_v4().to_string();
        let event_id = uuid::Uuid::new_v4().to_string();
        let body = wire::incident_body("sentinel", &incident_id, i as u64 + 1).to_string();
        let body = Arc::new(body.into_bytes());
        let first = scale.window.mul_f64(i as f64 / scale.incidents as f64);
        for copy in 0..rng.random_range(1..=3) {
            let after = if copy == 0 || rng.random_bool(0.5) {
                first
            } else {
                first + scale.late.mul_f64(rng.random_range(0.25..1.0))
            };
            copies.push(Copy {
                reference: format!("cf|sentinel|{incident_id}"),
                event_id: event_id.clone(),
                body: body.clone(),
                after,
            });
        }
    }

    let started = Instant::now();
    let mut tasks = Vec::with_capacity(copies.len());
    let references: Vec<String> = {
        let mut seen: Vec<String> = copies.iter().map(|c| c.reference.clone()).collect();
        seen.dedup();
        seen
    };
    for copy in copies {
        let (targets, patience) = (targets.clone(), scale.patience);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((started + copy.after).into()).await;
            sender::deliver(&targets, patience, |addr| {
                wire::cf_request(
                    addr,
                    services::CF_SECRET,
                    &copy.event_id,
                    &copy.body,
                    wire::unix_now(),
                )
            })
            .await
        }));
    }
    let kills = chaos::run(&mut fleet, started, scale.window).await;

    let mut tally = Tally::default();
    for task in tasks {
        if let Ok(sent) = task.await {
            tally.add(&sent);
        }
    }
    let drained = fleet.drained(scale.settle).await;
    // Lost create replies are held by the mock; give their writes time to land.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;

    let mut by_reference: HashMap<String, usize> = HashMap::new();
    let tickets = halo.tickets();
    for ticket in &tickets {
        *by_reference
            .entry(ticket.thirdpartynumber.clone())
            .or_default() += 1;
    }
    let missing = references
        .iter()
        .filter(|r| !by_reference.contains_key(*r))
        .count();
    let duplicates: usize = by_reference.values().map(|n| n - 1).sum();
    let notes = halo
        .snapshot()
        .iter()
        .flat_map(|t| &t.actions)
        .filter(|a| a.hiddenfromuser)
        .count();

    let mut figures = BTreeMap::new();
    figures.insert("incidents sent", references.len() as u64);
    figures.insert("deliveries (copies) sent", tally.deliveries);
    figures.insert("tickets created", tickets.len() as u64);
    figures.insert("private notes (redelivery seen as an update)", notes as u64);
    let counts = Counts {
        direction: "ContraForce → Halo",
        spec,
        figures,
        duplicates: duplicates as u64,
        missing: missing as u64,
        tally,
        kills: kills.log,
        drained,
        log: fleet.log.clone(),
    };
    fleet.stop().await;
    halo.stop().await;
    Ok(counts)
}
