//! End-to-end tests of the Halo → ContraForce cluster edition: the shared
//! scenarios of contract §4 in-process on a new PostgreSQL database each, plus
//! two replicas of the service's own binary sharing one database.

use mock_contraforce::{FaultSettings, Route as CfRoute};
use relay::settings::Edition;
use testkit::halo_world::{Upstreams, edition_ready, expect_pending, processed, settled, webhook};
use testkit::{BinaryBridge, Sender};

const BINARY: &str = env!("CARGO_BIN_EXE_halo-to-cf-cluster");

testkit::halo_suite!(Edition::Cluster, BINARY);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_forward_each_note_once() {
    if !edition_ready(Edition::Cluster) {
        return;
    }
    let up = Upstreams::start().await;
    let vars = up.vars_on_fresh_store(Edition::Cluster).await;
    let incidents = ["incident-r1", "incident-r2", "incident-r3"];
    let mut tickets = Vec::new();
    let mut expected = Vec::new();
    for incident in incidents {
        let ticket = up.linked_ticket(incident);
        let notes: Vec<String> = (1..=3)
            .map(|n| up.public_note(ticket, &format!("Note {n} on {incident}.")))
            .collect();
        tickets.push(ticket);
        expected.push(notes);
    }
    up.close(tickets[0]);

    let replicas = [
        BinaryBridge::start(BINARY, &vars).await,
        BinaryBridge::start(BINARY, &vars).await,
    ];
    let senders: Vec<Sender> = replicas
        .iter()
        .map(|r| Sender::new(r.url.clone()))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..24 {
        let sender = senders[n % 2].clone();
        let ticket = tickets[n % 3];
        tasks.spawn(async move { sender.halo(&webhook(ticket)).await });
    }
    let mut forwarded = 0;
    while let Some(answer) = tasks.join_next().await {
        let answer = answer.expect("the task ends");
        match answer.status {
            200 => {
                let n = answer.body["actionsForwarded"].as_u64().unwrap_or(99);
                let closed = answer.body["closed"].as_bool().unwrap_or_default();
                assert_eq!(answer.body, processed(n, closed));
                forwarded += n;
            }
            202 => assert_eq!(answer.body["status"], "queued"),
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
    for sender in &senders {
        settled(sender).await;
    }

    assert!(forwarded <= 9, "{forwarded} forwarded");
    for (incident, notes) in incidents.iter().zip(&expected) {
        assert_eq!(&up.comments(incident), notes, "{incident}");
    }
    assert_eq!(up.status_changes("incident-r1").len(), 1);
    assert_eq!(up.cf.counters().total(CfRoute::Status), 1);
    assert_eq!(up.cf.counters().get(CfRoute::Comments, 201), 9);
    for (sender, ticket) in senders.iter().zip(&tickets) {
        let answer = sender.halo(&webhook(*ticket)).await;
        assert_eq!((answer.status, answer.body), (200, processed(0, false)));
    }
    drop(replicas);
    up.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_queued_by_a_dead_replica_is_finished_by_another() {
    if !edition_ready(Edition::Cluster) {
        return;
    }
    let up = Upstreams::start().await;
    let vars = up.vars_on_fresh_store(Edition::Cluster).await;
    let incident = "incident-orphaned";
    let ticket = up.linked_ticket(incident);
    let expected = vec![up.public_note(ticket, "Left behind by a dead replica.")];
    up.close(ticket);

    let doomed = BinaryBridge::start(BINARY, &vars).await;
    let survivor = BinaryBridge::start(BINARY, &vars).await;
    up.cf
        .set_faults(CfRoute::Comments, FaultSettings::none().server_errors(1.0));
    let answer = Sender::new(doomed.url.clone()).halo(&webhook(ticket)).await;
    expect_pending(Edition::Cluster, &answer, "ContraForce failing");
    doomed.kill();
    up.cf.clear_faults(1);

    assert_eq!(up.await_comments(incident, 1).await, expected);
    let survivor_sender = Sender::new(survivor.url.clone());
    settled(&survivor_sender).await;
    assert_eq!(up.status_changes(incident).len(), 1);
    let answer = survivor_sender.halo(&webhook(ticket)).await;
    assert_eq!((answer.status, answer.body), (200, processed(0, false)));
    assert_eq!(up.comments(incident), expected);
    drop(survivor);
    up.stop().await;
}
