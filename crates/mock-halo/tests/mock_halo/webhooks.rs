//! Outbound webhooks received by a local receiver: Halo's payload shape, every
//! secret placement, batching, ids-only payloads, retries, and no blocking.

use std::time::{Duration, Instant};

use base64::Engine as _;
use mock_halo::{SecretPlacement, TicketInput, WebhookConfig};
use serde_json::{Value, json};

use crate::support::{Receiver, create_ticket, post, start, token};

const WAIT: Duration = Duration::from_secs(5);

fn is_guid(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 36 && s.matches('-').count() == 4)
}

#[tokio::test]
async fn api_changes_are_sent_in_halos_shape() {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    halo.set_webhook(Some(WebhookConfig::new(&receiver.url)))
        .unwrap();
    let token = token(&halo).await;
    let id = create_ticket(
        &halo,
        &token,
        json!({"summary": "s", "thirdpartynumber": "cf|s|1"}),
    )
    .await;
    let note = json!([{"ticket_id": id, "outcome": "Public Note", "note_html": "<p>hi</p>"}]);
    assert_eq!(post(&halo, &token, "/Actions", &note).await.status(), 201);

    let deliveries = halo.wait_for_deliveries(2, WAIT).await.unwrap();
    assert!(deliveries.iter().all(|d| d.succeeded() && d.attempt == 1));
    assert_eq!(deliveries[0].events, vec!["new ticket logged"]);
    assert_eq!(deliveries[1].events, vec!["action added"]);

    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    let created = &seen[0].body;
    assert!(
        is_guid(&created["id"])
            && is_guid(&created["webhook_id"])
            && is_guid(&created["escmsg_id"])
    );
    assert_eq!(created["event"], "new ticket logged");
    assert_eq!(created["object_id"], id);
    assert_eq!(created["agent_id"], 21);
    assert!(created["notification_id"].is_u64() && created["timestamp"].is_string());
    assert!(created["message"].is_string());
    assert_eq!(created["ticket"]["thirdpartynumber"], "cf|s|1");
    assert!(created.get("action").is_none());

    let added = &seen[1].body;
    assert_eq!(added["action"]["id"], 2);
    assert_eq!(added["action"]["ticket_id"].as_f64(), Some(id as f64));
    assert_eq!(added["action"]["note_html"], "<p>hi</p>");
    let ids: Vec<&Value> = seen.iter().map(|r| &r.body["ticket"]["id"]).collect();
    assert!(
        ids.iter().any(|v| v.is_number()) && ids.iter().any(|v| v.is_string()),
        "{ids:?}"
    );
    assert!(
        seen.iter().all(|r| r.header("x-halo-secret").is_none()),
        "no secret configured"
    );
    halo.stop().await;
    receiver.stop().await;
}

async fn secret_seen(placement: SecretPlacement) -> crate::support::Received {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    halo.set_webhook(Some(
        WebhookConfig::new(&receiver.url).with_secret("s3cr3t", placement),
    ))
    .unwrap();
    halo.create_ticket(&TicketInput::with_summary("s")).unwrap();
    let delivery = halo.wait_for_deliveries(1, WAIT).await.unwrap().remove(0);
    assert!(
        !delivery.url.contains("s3cr3t"),
        "the log never holds the secret"
    );
    let seen = receiver.seen().remove(0);
    halo.stop().await;
    receiver.stop().await;
    seen
}

#[tokio::test]
async fn the_secret_goes_in_the_x_halo_secret_header() {
    let seen = secret_seen(SecretPlacement::Header).await;
    assert_eq!(seen.header("x-halo-secret"), Some("s3cr3t"));
    assert!(seen.header("authorization").is_none());
}

#[tokio::test]
async fn the_secret_goes_as_the_basic_password() {
    let seen = secret_seen(SecretPlacement::Basic).await;
    let encoded = base64::engine::general_purpose::STANDARD.encode("halo:s3cr3t");
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Basic {encoded}").as_str())
    );
}

#[tokio::test]
async fn the_secret_goes_as_a_bearer_token() {
    let seen = secret_seen(SecretPlacement::Bearer).await;
    assert_eq!(seen.header("authorization"), Some("Bearer s3cr3t"));
}

#[tokio::test]
async fn the_secret_goes_in_the_query() {
    let seen = secret_seen(SecretPlacement::Query).await;
    assert_eq!(seen.query, "secret=s3cr3t");
    assert!(seen.header("x-halo-secret").is_none());
}

#[tokio::test]
async fn batching_sends_the_events_of_a_window_as_one_array() {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    halo.set_webhook(Some(
        WebhookConfig::new(&receiver.url).batched(Duration::from_millis(300)),
    ))
    .unwrap();
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    halo.add_note(id, 6, "<p>n</p>", false).unwrap();
    halo.close_ticket(id, 6, "").unwrap();

    let deliveries = halo.wait_for_deliveries(1, WAIT).await.unwrap();
    assert_eq!(
        deliveries[0].events,
        vec!["new ticket logged", "action added", "ticket status changed"]
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    let events: Vec<&str> = seen[0]
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        vec!["new ticket logged", "action added", "ticket status changed"]
    );
    assert_eq!(seen[0].body[2]["ticket"]["status_id"], 9);
    assert_eq!(seen[0].body[2]["ticket"]["hasbeenclosed"], true);
    halo.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn event_information_only_payloads_carry_ids_alone() {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    let mut config = WebhookConfig::new(&receiver.url);
    config.event_info_only = true;
    halo.set_webhook(Some(config)).unwrap();
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    halo.wait_for_deliveries(1, WAIT).await.unwrap();
    let body = &receiver.seen()[0].body;
    assert_eq!(body["object_id"], id.to_string());
    assert!(body.get("ticket").is_none() && body.get("message").is_none());
    assert!(is_guid(&body["id"]));
    halo.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_every_attempt_recorded() {
    let receiver = Receiver::start(vec![500, 503]).await;
    let halo = start().await;
    let mut config = WebhookConfig::new(&receiver.url);
    config.retry_delay_ms = 20;
    halo.set_webhook(Some(config)).unwrap();
    halo.create_ticket(&TicketInput::with_summary("s")).unwrap();
    let deliveries = halo.wait_for_deliveries(3, WAIT).await.unwrap();
    let attempts: Vec<(u64, u32, Option<u16>)> = deliveries
        .iter()
        .map(|d| (d.seq, d.attempt, d.status))
        .collect();
    assert_eq!(
        attempts,
        vec![(1, 1, Some(500)), (1, 2, Some(503)), (1, 3, Some(200))]
    );
    halo.stop().await;
    receiver.stop().await;
}

#[tokio::test]
async fn an_unreachable_receiver_is_recorded_as_an_error_and_never_blocks_the_api() {
    let receiver = Receiver::start(vec![]).await;
    let dead = receiver.url.clone();
    receiver.stop().await;
    let halo = start().await;
    let mut config = WebhookConfig::new(dead);
    config.max_attempts = 2;
    config.retry_delay_ms = 300;
    halo.set_webhook(Some(config)).unwrap();
    let token = token(&halo).await;
    let started = Instant::now();
    create_ticket(&halo, &token, json!({"summary": "s"})).await;
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the API does not wait for delivery"
    );
    let deliveries = halo.wait_for_deliveries(2, WAIT).await.unwrap();
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
    halo.stop().await;
}

#[tokio::test]
async fn a_url_that_is_not_http_is_refused() {
    let halo = start().await;
    assert!(
        halo.set_webhook(Some(WebhookConfig::new("ftp://example.invalid/x")))
            .is_err()
    );
    halo.stop().await;
}
