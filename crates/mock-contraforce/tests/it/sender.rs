//! The signed sender against a local receiver: headers, signatures (including
//! the shared vectors), test deliveries, redelivery, concurrent copies, one
//! incident under several event ids, retries and `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use mock_contraforce::{
    Event, IncidentTemplate, MockCfConfig, SendError, SenderRetry, event_id_for,
};
use serde_json::Value;
use upstream::{Clock, ManualClock, SystemClock};

use crate::support::*;

const VECTORS: &str = include_str!("../data/cf-signature-vectors.json");

fn statuses(delivery: &mock_contraforce::Delivery) -> Vec<Option<u16>> {
    delivery.attempts.iter().map(|a| a.status).collect()
}

#[tokio::test]
async fn delivery_carries_every_header_and_a_valid_signature() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;
    let template = IncidentTemplate::new()
        .title("Impossible travel")
        .severity("Medium")
        .account_id("acc-42")
        .source("defenderxdr");

    let delivery = mock.send_incident(&template).await.expect("target set");
    assert!(delivery.succeeded());
    assert_eq!(delivery.status, Some(200));
    assert_eq!(delivery.outcome(), Some("created"));
    let incident_id = delivery.incident_id.clone().expect("incident id");
    assert_eq!(delivery.event_id, event_id_for(&incident_id, 0));

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert!(
        got.signature_ok,
        "signature verifies with the shared secret"
    );
    assert!(
        got.header("x-cf-signature")
            .is_some_and(|s| s.starts_with("sha256="))
    );
    assert_eq!(
        got.header("x-cf-event-id"),
        Some(delivery.event_id.as_str())
    );
    assert_eq!(got.header("x-cf-schema"), Some("incident.created.v1"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("x-cf-test"), None);
    let sent_at: i64 = got
        .header("x-cf-timestamp")
        .and_then(|t| t.parse().ok())
        .expect("ts");
    assert!(
        (SystemClock.unix_seconds() - sent_at).abs() <= 5,
        "timestamp is now"
    );

    let body = got.json();
    assert_eq!(body["type"], "incident.created.v1");
    assert_eq!(body["isTest"], false);
    assert_eq!(body["data"]["incidentId"], incident_id.as_str());
    assert_eq!(body["data"]["incidentNumber"], 1001);
    assert_eq!(body["data"]["title"], "Impossible travel");
    assert_eq!(body["data"]["severity"], "Medium");
    assert_eq!(body["data"]["accountId"], "acc-42");
    assert_eq!(body["data"]["source"], "defenderxdr");
    assert_eq!(body["data"]["sourceDisplayName"], "Microsoft Defender XDR");

    let incident = mock
        .incident(&incident_id)
        .expect("announced incident is known");
    assert_eq!(
        (incident.number, incident.title.as_deref()),
        (Some(1001), Some("Impossible travel"))
    );

    let second = mock.send_incident(&template).await.expect("sent");
    assert_ne!(
        second.incident_id, delivery.incident_id,
        "a fresh GUID each time"
    );
    assert_eq!(
        receiver.received()[1].json()["data"]["incidentNumber"],
        1002
    );
}

#[tokio::test]
async fn a_wrong_secret_does_not_verify() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver).with_webhook_secret("other-secret")).await;
    mock.set_retry(SenderRetry::none());
    mock.send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    assert!(!receiver.received()[0].signature_ok);
}

#[tokio::test]
async fn signatures_match_the_shared_vectors() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("vectors parse");
    for vector in vectors["vectors"].as_array().expect("list") {
        let secret = vector["secret"].as_str().expect("secret");
        let timestamp: u64 = vector["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("ts");
        let body = vector["body"].as_str().expect("body");

        let receiver = Receiver::start(secret);
        let config = MockCfConfig::default()
            .with_webhook_url(receiver.url.clone())
            .with_webhook_secret(secret)
            .with_clock(Arc::new(ManualClock::at_unix(timestamp)));
        let mock = start(config).await;
        mock.send_event(Event::new("evt-vector", body.as_bytes().to_vec()))
            .await
            .expect("sent");

        let got = &receiver.received()[0];
        assert_eq!(
            got.body,
            body.as_bytes(),
            "{}: body sent byte for byte",
            vector["name"]
        );
        assert_eq!(got.header("x-cf-timestamp"), vector["timestamp"].as_str());
        assert_eq!(
            got.header("x-cf-signature"),
            vector["expected_signature"].as_str()
        );
    }
}

#[tokio::test]
async fn test_delivery_is_marked_in_header_and_body() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;
    let delivery = mock.send_test().await.expect("sent");
    assert!(delivery.succeeded());

    let got = &receiver.received()[0];
    assert_eq!(got.header("x-cf-test"), Some("true"));
    assert_eq!(got.json()["isTest"], true);
    assert!(got.signature_ok);
    assert!(delivery.attempts[0].test);
}

#[tokio::test]
async fn redelivery_keeps_body_and_event_id_with_a_fresh_signature() {
    let receiver = Receiver::start(SECRET);
    let clock = Arc::new(ManualClock::at_unix(1_776_870_000));
    let mock = start(sending_to(&receiver).with_clock(clock.clone())).await;

    let first = mock
        .send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    clock.advance(Duration::from_secs(90));
    let again = mock.redeliver(&first.event_id).await.expect("known event");
    assert_eq!(again.event_id, first.event_id);

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    let (a, b) = (&received[0], &received[1]);
    assert_eq!(a.header("x-cf-event-id"), b.header("x-cf-event-id"));
    assert_eq!(a.body, b.body);
    assert_eq!(a.header("x-cf-timestamp"), Some("1776870000"));
    assert_eq!(b.header("x-cf-timestamp"), Some("1776870090"));
    assert_ne!(a.header("x-cf-signature"), b.header("x-cf-signature"));
    assert!(a.signature_ok && b.signature_ok);

    assert_eq!(
        mock.redeliver("evt_unknown").await.expect_err("unknown"),
        SendError::UnknownEvent("evt_unknown".to_owned())
    );
}

#[tokio::test]
async fn concurrent_copies_all_arrive_with_one_event_id() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;

    let deliveries = mock
        .send_incident_copies(&IncidentTemplate::new(), 6)
        .await
        .expect("sent");
    assert_eq!(deliveries.len(), 6);
    assert!(deliveries.iter().all(|d| d.succeeded()));

    let received = receiver.received();
    assert_eq!(received.len(), 6);
    let first_id = received[0].header("x-cf-event-id").map(str::to_owned);
    assert!(
        received
            .iter()
            .all(|r| r.header("x-cf-event-id").map(str::to_owned) == first_id)
    );
    assert!(
        received
            .iter()
            .all(|r| r.body == received[0].body && r.signature_ok)
    );

    let event_id = first_id.expect("event id");
    let more = mock.send_copies(&event_id, 3).await.expect("known event");
    assert_eq!(more.len(), 3);
    assert_eq!(receiver.received().len(), 9);
    assert_eq!(mock.attempts_for(&event_id).len(), 9);
}

#[tokio::test]
async fn one_incident_under_several_event_ids() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;

    let deliveries = mock
        .send_under_event_ids(&IncidentTemplate::new(), 3)
        .await
        .expect("sent");
    let mut ids: Vec<&str> = deliveries.iter().map(|d| d.event_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three different event ids");

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.body == received[0].body));
    assert_eq!(mock.incidents().len(), 1);
}

#[tokio::test]
async fn retries_until_a_2xx_and_records_every_attempt() {
    let receiver = Receiver::start(SECRET);
    receiver.script([Reply::status(500), Reply::status(502)]);
    let clock = Arc::new(ManualClock::at_unix(1_776_870_000));
    let retry = SenderRetry::attempts(5, Duration::from_millis(200));
    let mock = start(
        sending_to(&receiver)
            .with_clock(clock.clone())
            .with_retry(retry),
    )
    .await;

    let delivery = mock
        .send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    assert_eq!(statuses(&delivery), [Some(500), Some(502), Some(200)]);
    assert!(delivery.succeeded());
    assert_eq!(
        delivery
            .attempts
            .iter()
            .map(|a| a.attempt)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(delivery.attempts[0].body, r#"{"error":"scripted"}"#);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(200), Duration::from_millis(400)]
    );

    let log = mock.attempts_for(&delivery.event_id);
    assert_eq!(log, delivery.attempts, "the log holds every attempt");
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|r| r.body == received[0].body && r.signature_ok)
    );
}

#[tokio::test]
async fn retry_after_is_honoured_in_seconds_and_as_a_date() {
    let receiver = Receiver::start(SECRET);
    let clock = Arc::new(ManualClock::at_unix(1_776_870_000));
    let date = httpdate_in(&*clock, 7);
    receiver.script([Reply::retry_after(429, "2"), Reply::retry_after(503, &date)]);
    let mock = start(sending_to(&receiver).with_clock(clock.clone())).await;

    let delivery = mock
        .send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    assert_eq!(statuses(&delivery), [Some(429), Some(503), Some(200)]);
    assert_eq!(delivery.attempts[0].retry_after.as_deref(), Some("2"));
    // The date was 7 s away when scripted; the first wait used 2 of them.
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(5)]
    );
}

fn httpdate_in(clock: &dyn Clock, secs: u64) -> String {
    httpdate::fmt_http_date(clock.now() + Duration::from_secs(secs))
}

#[tokio::test]
async fn gives_up_after_the_last_attempt_with_the_last_answer() {
    let receiver = Receiver::start(SECRET);
    receiver.script((0..10).map(|_| Reply::status(503)));
    let mock =
        start(sending_to(&receiver).with_retry(SenderRetry::attempts(3, Duration::ZERO))).await;

    let delivery = mock
        .send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    assert!(!delivery.succeeded());
    assert_eq!(delivery.status, Some(503));
    assert_eq!(
        delivery.body,
        Some(serde_json::json!({"error": "scripted"}))
    );
    assert_eq!(delivery.attempts.len(), 3);
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn transport_failures_are_recorded_and_retried() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let config = MockCfConfig::default()
        .with_webhook_url(format!("http://127.0.0.1:{closed_port}/cf/webhooks"))
        .with_retry(SenderRetry::attempts(2, Duration::ZERO));
    let mock = start(config).await;

    let delivery = mock
        .send_incident(&IncidentTemplate::new())
        .await
        .expect("sent");
    assert_eq!(delivery.status, None);
    assert_eq!(delivery.attempts.len(), 2);
    assert!(
        delivery
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("could not connect"))
    );
    assert_eq!(mock.attempts().len(), 2);
}

#[tokio::test]
async fn sending_without_a_target_is_an_error() {
    let mock = start_default().await;
    assert_eq!(
        mock.send_incident(&IncidentTemplate::new())
            .await
            .expect_err("no target"),
        SendError::NoTarget
    );
    assert_eq!(
        mock.send_copies("x", 2).await.expect_err("unknown"),
        SendError::UnknownEvent("x".into())
    );
}

#[tokio::test]
async fn a_given_body_is_sent_as_is_and_its_incident_is_known() {
    let receiver = Receiver::start(SECRET);
    let mock = start(sending_to(&receiver)).await;
    let body = serde_json::json!({"type": "incident.created.v1", "isTest": false,
        "data": {"incidentId": "given-1", "source": "sentinel", "title": "Given",
            "incidentNumber": 77}});

    let delivery = mock.send_body(&body).await.expect("sent");
    assert_eq!(delivery.event_id, event_id_for("given-1", 0));
    assert_eq!(receiver.received()[0].json(), body);
    assert_eq!(mock.incident("given-1").and_then(|i| i.number), Some(77));
}
