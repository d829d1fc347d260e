//! End-to-end tests of the Halo → ContraForce service edition: the shared
//! scenarios of contract §4 in-process on a fresh SQLite file each, plus the
//! service's own binary killed without warning and restarted on the same file.

use mock_contraforce::{FaultSettings, Route as CfRoute};
use relay::settings::Edition;
use serde_json::Value;
use testkit::halo_suite::ten_notes;
use testkit::halo_world::{Upstreams, expect_ok, expect_pending, processed, settled, webhook};
use testkit::{BinaryBridge, Reply, Sender};

const BINARY: &str = env!("CARGO_BIN_EXE_halo-to-cf-service");

testkit::halo_suite!(Edition::Service, BINARY);

async fn post(bridge: &BinaryBridge, body: &Value) -> Reply {
    Sender::new(bridge.url.clone()).halo(body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_replays_nothing() {
    let up = Upstreams::start().await;
    let vars = up.vars_on_fresh_store(Edition::Service).await;
    let history = up.linked_ticket("incident-history");
    let expected_history = ten_notes(&up, history);
    let closing = up.linked_ticket("incident-closing");
    let expected_closing = vec![up.public_note(closing, "Contained.")];
    up.close(closing);

    let first = BinaryBridge::start(BINARY, &vars).await;
    let bodies = [webhook(history), webhook(closing)];
    expect_ok(
        &post(&first, &bodies[0]).await,
        &processed(10, false),
        "history",
    );
    expect_ok(
        &post(&first, &bodies[1]).await,
        &processed(1, true),
        "closing",
    );
    first.kill();

    let second = BinaryBridge::start(BINARY, &vars).await;
    for body in &bodies {
        expect_ok(
            &post(&second, body).await,
            &processed(0, false),
            "after restart",
        );
    }
    assert_eq!(up.comments("incident-history"), expected_history);
    assert_eq!(up.comments("incident-closing"), expected_closing);
    assert_eq!(up.status_changes("incident-closing").len(), 1);
    assert_eq!(up.cf.counters().total(CfRoute::Status), 1);
    drop(second);
    up.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_work_survives_a_kill() {
    let up = Upstreams::start().await;
    let vars = up.vars_on_fresh_store(Edition::Service).await;
    let incident = "incident-queued";
    let ticket = up.linked_ticket(incident);
    let expected = vec![
        up.public_note(ticket, "Queued, first."),
        up.public_note(ticket, "Queued, second."),
    ];

    let first = BinaryBridge::start(BINARY, &vars).await;
    up.cf
        .set_faults(CfRoute::Comments, FaultSettings::none().server_errors(1.0));
    let answer = post(&first, &webhook(ticket)).await;
    expect_pending(Edition::Service, &answer, "ContraForce failing");
    first.kill();
    up.cf.clear_faults(1);

    // Acknowledged with 202, so the restarted process finishes it on its own.
    let second = BinaryBridge::start(BINARY, &vars).await;
    assert_eq!(up.await_comments(incident, 2).await, expected);
    settled(&Sender::new(second.url.clone())).await;
    let answer = post(&second, &webhook(ticket)).await;
    expect_ok(&answer, &processed(0, false), "after the restart");
    assert_eq!(up.comments(incident), expected);
    drop(second);
    up.stop().await;
}
