//! Halo → ContraForce under faults: tickets linked to incidents get public
//! notes, private notes, notes by the bridge's own agent, closes and reopens;
//! every change is announced by a webhook, batched with others in short
//! windows and sometimes sent twice (at once or much later); mock ContraForce
//! answers 20 % 500 and 5 % 429 (half with `Retry-After`). Then every public
//! note must be exactly one comment, every close and reopen exactly one status
//! change, and nothing private or by the bridge's own agent may appear.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench::services::{self, Direction, Spec};
use bench::wire;
use mock_contraforce::{FaultSettings, MockCfConfig, MockContraForce, MockControl, Route};
use mock_halo::{MockHalo, MockHaloConfig, TicketInput};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::fleet::Fleet;
use crate::report::{Counts, Tally};
use crate::scale::Scale;
use crate::sender::{self, Sent, Targets};
use crate::{chaos, halo_env};

/// The technician who writes the notes.
const TECHNICIAN: i64 = mock_halo::TECHNICIAN_ID;
/// Events one webhook carries at most.
const BATCH: usize = 8;
/// How long the batcher waits for more events.
const BATCH_WINDOW: Duration = Duration::from_millis(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Public,
    Private,
    Own,
    Close,
    Reopen,
}

/// What one ticket should end up as in ContraForce.
#[derive(Debug, Default)]
struct Expected {
    incident_id: String,
    public_actions: Vec<i64>,
    statuses: Vec<&'static str>,
}

/// An event to announce; `done` hears when a webhook carrying it got a 2xx.
struct Emit {
    event: Value,
    done: Option<oneshot::Sender<()>>,
}

fn cf_faults() -> FaultSettings {
    FaultSettings::none()
        .server_errors(0.20)
        .rate_limited(0.025, Some(1))
        .rate_limited(0.025, None)
}

pub async fn run(spec: Spec, scale: &Scale, seed: u64) -> Result<Counts, bench::Error> {
    let halo = Arc::new(MockHalo::start(MockHaloConfig::default()).await?);
    let cf = MockContraForce::start(MockCfConfig::default().with_fault_seed(seed)).await?;
    let control = cf.control();
    control.set_faults(Route::Comments, cf_faults());
    control.set_faults(Route::Status, cf_faults());

    let mut env = halo_env(&halo);
    env.extend([
        ("CF_API_BASE_URL".to_owned(), cf.api_url()),
        (
            "CF_SERVICE_ACCOUNT_CLIENT_ID".to_owned(),
            control.client_id().to_owned(),
        ),
        (
            "CF_SERVICE_ACCOUNT_CLIENT_SECRET".to_owned(),
            control.client_secret().expose().to_owned(),
        ),
        (
            "CF_WORKSPACE_ID".to_owned(),
            control.workspace_id().to_owned(),
        ),
    ]);
    env.extend(services::direction_env(Direction::HaloToCf));
    let mut fleet = Fleet::start(spec, env).await?;
    let targets = Arc::new(Targets::new(fleet.addrs()));

    let tally = Arc::new(Mutex::new(Tally::default()));
    let (emit, events) = mpsc::channel::<Emit>(1024);
    let batcher = tokio::spawn(batch(
        events,
        targets.clone(),
        scale.patience,
        scale.late,
        seed,
    ));

    let started = Instant::now();
    let mut lanes = Vec::new();
    for n in 0..scale.tickets {
        let incident_id = uuid::Uuid::new_v4().to_string();
        let ticket = halo.create_ticket(&TicketInput {
            summary: Some(format!("[CF #{n}] Soak incident")),
            thirdpartynumber: Some(format!("cf|sentinel|{incident_id}")),
            ..TicketInput::default()
        })?;
        let pause = scale.window.mul_f64(n as f64 / scale.tickets as f64);
        lanes.push(tokio::spawn(lane(
            halo.clone(),
            control.clone(),
            emit.clone(),
            ticket.id,
            incident_id,
            seed ^ (n as u64 + 1),
            pause,
            scale.patience.give_up_after,
        )));
    }
    let kills = chaos::run(&mut fleet, started, scale.window).await;

    let mut expected = Vec::new();
    for lane in lanes {
        if let Ok(Ok(lane)) = lane.await {
            expected.push(lane);
        }
    }
    // One last announcement per ticket, so whatever a failed or collapsed
    // webhook left undone is picked up.
    let mut finals = Vec::new();
    for (ticket_id, _) in &expected {
        let (done, heard) = oneshot::channel();
        let event = event(*ticket_id, "ticket updated by agent");
        let _ = emit
            .send(Emit {
                event,
                done: Some(done),
            })
            .await;
        finals.push(heard);
    }
    for heard in finals {
        let _ = heard.await;
    }
    drop(emit);
    if let Ok(sends) = batcher.await {
        for send in sends {
            if let Ok(sent) = send.await {
                tally.lock().unwrap_or_else(|e| e.into_inner()).add(&sent);
            }
        }
    }
    let drained = fleet.drained(scale.settle).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (mut missing, mut duplicates, mut leaked) = (0u64, 0u64, 0u64);
    let (mut notes, mut status_changes, mut in_kill_window) = (0u64, 0u64, 0u64);
    // A copy whose first one landed just before a kill is the at-least-once
    // window ContraForce's API leaves (no idempotency key, no way to read
    // comments back): counted apart, and only there.
    let first_landed_before_kill =
        |at_unix_ms: i64| kills.just_before_one(at_unix_ms, KILL_WINDOW_MS);
    for (ticket_id, want) in &expected {
        // Action id → (copies, when the first landed).
        let mut seen: BTreeMap<i64, (u64, i64)> = BTreeMap::new();
        for comment in control.comments(&want.incident_id) {
            match action_of(&comment.content) {
                Some(action) => {
                    let entry = seen.entry(action).or_insert((0, comment.at_unix_ms));
                    entry.0 += 1;
                }
                None => leaked += 1,
            }
        }
        for action in &want.public_actions {
            match seen.remove(action) {
                None => missing += 1,
                Some((n, first_at)) if n > 1 && first_landed_before_kill(first_at) => {
                    in_kill_window += n - 1;
                }
                Some((n, _)) => duplicates += n - 1,
            }
        }
        leaked += seen.values().map(|(n, _)| n).sum::<u64>();
        notes += want.public_actions.len() as u64;

        let changes = control.status_changes(&want.incident_id);
        let got: Vec<String> = changes.iter().map(|change| change.status.clone()).collect();
        status_changes += want.statuses.len() as u64;
        let (mut repeated, mut repeated_in_window) = (0u64, 0u64);
        for pair in changes.windows(2) {
            if pair[0].status == pair[1].status {
                if first_landed_before_kill(pair[0].at_unix_ms) {
                    repeated_in_window += 1;
                } else {
                    repeated += 1;
                }
            }
        }
        in_kill_window += repeated_in_window;
        let extra = (got.len() as u64).saturating_sub(want.statuses.len() as u64);
        duplicates += repeated.max(extra.saturating_sub(repeated_in_window));
        let matched = got
            .iter()
            .zip(&want.statuses)
            .take_while(|(g, w)| g.as_str() == **w)
            .count() as u64;
        missing += want.statuses.len() as u64 - matched;
        let _ = ticket_id;
    }
    let refused_closes = control.counters().get(Route::Status, 409);

    let mut figures = BTreeMap::new();
    figures.insert("tickets", expected.len() as u64);
    figures.insert("public notes (each must be one comment)", notes);
    figures.insert(
        "closes and reopens (each must be one status change)",
        status_changes,
    );
    figures.insert("comments from private or own-agent notes", leaked);
    figures.insert(
        "copies whose first landed within 1 s before a kill (at-least-once window)",
        in_kill_window,
    );
    // A close sent again after a kill between ContraForce's answer and the
    // bridge's record of it: ContraForce refuses it, so it changes nothing there.
    figures.insert(
        "closes sent again and refused as already closed (409)",
        refused_closes,
    );
    let tally = tally.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let counts = Counts {
        direction: "Halo → ContraForce",
        spec,
        figures,
        duplicates: duplicates + leaked,
        missing,
        tally,
        kills: kills.log,
        drained,
        log: fleet.log.clone(),
    };
    fleet.stop().await;
    cf.stop().await;
    if let Ok(halo) = Arc::try_unwrap(halo) {
        halo.stop().await;
    }
    Ok(counts)
}

/// The action id in a comment's first line `[Halo ticket #T · action A · who]`.
/// How long before a kill a comment or status change may have landed without the
/// bridge recording it (the upstream call's answer, then one store commit).
const KILL_WINDOW_MS: i64 = 1_000;

fn action_of(content: &str) -> Option<i64> {
    let (_, rest) = content.split_once("· action ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn event(ticket_id: i64, what: &str) -> Value {
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "event": what,
        "object_id": ticket_id,
        "ticket": {"id": ticket_id.to_string()},
    })
}

/// One ticket's changes, in a random order with the status changes kept in
/// theirs; after a close or reopen the lane waits until ContraForce shows it.
#[allow(clippy::too_many_arguments)]
async fn lane(
    halo: Arc<MockHalo>,
    cf: MockControl,
    emit: mpsc::Sender<Emit>,
    ticket_id: i64,
    incident_id: String,
    seed: u64,
    pause: Duration,
    patience: Duration,
) -> Result<(i64, Expected), bench::Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut notes = vec![Step::Private, Step::Own];
    notes.extend(std::iter::repeat_n(Step::Public, rng.random_range(1..=5)));
    notes.shuffle(&mut rng);
    let mut statuses = vec![Step::Close];
    if rng.random_bool(0.5) {
        statuses.push(Step::Reopen);
        if rng.random_bool(0.5) {
            statuses.push(Step::Close);
        }
    }
    let mut steps = notes;
    let mut at = 0;
    for status in statuses {
        at = rng.random_range(at..=steps.len());
        steps.insert(at, status);
        at += 1;
    }

    tokio::time::sleep(pause).await;
    let own = halo.api_agent_id();
    let mut want = Expected {
        incident_id,
        ..Expected::default()
    };
    for (k, step) in steps.into_iter().enumerate() {
        let note = format!("<p>Step {k} on ticket {ticket_id}: <b>checked</b> &amp; noted</p>");
        let status = match step {
            Step::Public => {
                let action = halo.add_note(ticket_id, TECHNICIAN, &note, false)?;
                want.public_actions.push(action.id);
                None
            }
            Step::Private => {
                halo.add_note(ticket_id, TECHNICIAN, &note, true)?;
                None
            }
            Step::Own => {
                halo.add_note(ticket_id, own, &note, false)?;
                None
            }
            Step::Close => {
                halo.close_ticket(ticket_id, TECHNICIAN, "")?;
                Some("Closed")
            }
            Step::Reopen => {
                halo.reopen_ticket(ticket_id, TECHNICIAN, "")?;
                Some("Active")
            }
        };
        let (done, heard) = oneshot::channel();
        let kind = if status.is_some() {
            "ticket status changed"
        } else {
            "action added"
        };
        emit.send(Emit {
            event: event(ticket_id, kind),
            done: Some(done),
        })
        .await?;
        if let Some(status) = status {
            want.statuses.push(status);
            let _ = heard.await;
            let _ = cf
                .wait_for_status(&want.incident_id, status, patience)
                .await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
    }
    Ok((ticket_id, want))
}

/// Gathers events into webhooks of up to [`BATCH`] events per [`BATCH_WINDOW`]
/// and sends each until 2xx; a fifth of them is sent a second time, at once or
/// up to `late` later. Returns every send so the caller can count them.
async fn batch(
    mut events: mpsc::Receiver<Emit>,
    targets: Arc<Targets>,
    patience: sender::Patience,
    late: Duration,
    seed: u64,
) -> Vec<JoinHandle<Sent>> {
    let mut rng = StdRng::seed_from_u64(seed.rotate_left(7));
    let mut sends = Vec::new();
    while let Some(first) = events.recv().await {
        let mut group = vec![first];
        let window = tokio::time::sleep(BATCH_WINDOW);
        tokio::pin!(window);
        while group.len() < BATCH {
            tokio::select! {
                more = events.recv() => match more {
                    Some(more) => group.push(more),
                    None => break,
                },
                _ = &mut window => break,
            }
        }
        let body = if group.len() == 1 {
            group[0].event.to_string()
        } else {
            Value::Array(group.iter().map(|e| e.event.clone()).collect()).to_string()
        };
        let body = Arc::new(body.into_bytes());
        let waiting: Vec<_> = group.into_iter().filter_map(|e| e.done).collect();

        let copy = rng.random_bool(0.2).then(|| {
            if rng.random_bool(0.5) {
                Duration::ZERO
            } else {
                late.mul_f64(rng.random_range(0.1..1.0))
            }
        });
        sends.push(tokio::spawn(send(
            targets.clone(),
            patience,
            body.clone(),
            waiting,
        )));
        if let Some(after) = copy {
            let (targets, body) = (targets.clone(), body.clone());
            sends.push(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                send(targets, patience, body, Vec::new()).await
            }));
        }
    }
    sends
}

async fn send(
    targets: Arc<Targets>,
    patience: sender::Patience,
    body: Arc<Vec<u8>>,
    waiting: Vec<oneshot::Sender<()>>,
) -> Sent {
    let sent = sender::deliver(&targets, patience, |addr| {
        wire::halo_request(addr, services::HALO_WEBHOOK_SECRET, &body)
    })
    .await;
    for done in waiting {
        let _ = done.send(());
    }
    sent
}
