//! The admin HTTP API: sending, redelivery, fan-out, faults, counters, state,
//! deliveries log, sender settings and reset, all over JSON.

use reqwest::Client;
use serde_json::{Value, json};

use crate::support::*;

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.expect("sent")).await
}

async fn post(url: String, body: Value) -> (u16, Value) {
    call(reqwest::Method::POST, url, Some(body)).await
}

async fn get(url: String) -> (u16, Value) {
    call(reqwest::Method::GET, url, None).await
}

async fn put(url: String, body: Value) -> (u16, Value) {
    call(reqwest::Method::PUT, url, Some(body)).await
}

#[tokio::test]
async fn sender_settings_and_sending_over_admin() {
    let receiver = Receiver::start(SECRET);
    let mock = start_default().await;
    let admin = format!("{}/_admin", mock.base_url());

    let (status, body) = post(format!("{admin}/send/test"), json!({})).await;
    assert_eq!(
        (status, body),
        (409, json!({"error": "no webhook target configured"}))
    );

    let settings = json!({"url": receiver.url, "secret": SECRET,
        "retry": {"maxAttempts": 2, "baseBackoffMs": 1}});
    let (status, body) = put(format!("{admin}/sender"), settings).await;
    assert_eq!(status, 200);
    assert_eq!(body["url"], receiver.url.as_str());
    assert_eq!(body["retry"]["maxAttempts"], 2);
    assert!(
        !body.to_string().contains(SECRET),
        "the secret is never echoed"
    );
    let (status, _) = put(format!("{admin}/sender"), json!({"url": "not a url"})).await;
    assert_eq!(status, 400);

    let template = json!({"title": "From admin", "severity": "Low", "accountId": "acc-1"});
    let (status, delivery) = post(format!("{admin}/send/incident"), template).await;
    assert_eq!(status, 200);
    assert_eq!(delivery["status"], 200);
    assert_eq!(delivery["body"]["status"], "created");
    let event_id = delivery["eventId"].as_str().expect("event id").to_owned();
    let incident_id = delivery["incidentId"]
        .as_str()
        .expect("incident id")
        .to_owned();
    let first = &receiver.received()[0];
    assert!(first.signature_ok);
    assert_eq!(first.json()["data"]["title"], "From admin");
    assert_eq!(first.json()["data"]["accountId"], "acc-1");

    let (status, again) = post(
        format!("{admin}/send/redeliver"),
        json!({"eventId": event_id}),
    )
    .await;
    assert_eq!(
        (status, again["eventId"].as_str()),
        (200, Some(event_id.as_str()))
    );
    let (status, _) = post(
        format!("{admin}/send/redeliver"),
        json!({"eventId": "nope"}),
    )
    .await;
    assert_eq!(status, 404);

    let (status, copies) = post(
        format!("{admin}/send/copies"),
        json!({"eventId": event_id, "count": 3}),
    )
    .await;
    assert_eq!((status, copies.as_array().map(Vec::len)), (200, Some(3)));
    let (status, fresh) = post(format!("{admin}/send/copies"), json!({"count": 2})).await;
    assert_eq!((status, fresh.as_array().map(Vec::len)), (200, Some(2)));
    let (status, _) = post(format!("{admin}/send/copies"), json!({"count": 0})).await;
    assert_eq!(status, 400);

    let (status, ids) = post(format!("{admin}/send/event-ids"), json!({"count": 2})).await;
    assert_eq!(status, 200);
    assert_ne!(ids[0]["eventId"], ids[1]["eventId"]);

    let (status, test) = post(format!("{admin}/send/test"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        receiver
            .received()
            .last()
            .and_then(|r| r.header("x-cf-test").map(str::to_owned)),
        Some("true".into())
    );
    assert_eq!(test["attempts"][0]["test"], true);

    let body = json!({"type": "incident.created.v1", "data": {"incidentId": "raw-1",
        "source": "sentinel", "title": "Raw"}});
    let (status, _) = post(format!("{admin}/send/body"), body.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(receiver.received().last().map(|r| r.json()), Some(body));

    let sent = 1 + 1 + 3 + 2 + 2 + 1 + 1;
    assert_eq!(receiver.received().len(), sent);
    let (_, deliveries) = get(format!("{admin}/deliveries")).await;
    assert_eq!(deliveries.as_array().map(Vec::len), Some(sent));
    let (_, events) = get(format!("{admin}/events")).await;
    assert!(
        events
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["eventId"] == event_id.as_str()))
    );

    let (status, incident) = get(format!(
        "{admin}/incidents/{}",
        encode_segment(&incident_id)
    ))
    .await;
    assert_eq!(
        (status, incident["title"].as_str()),
        (200, Some("From admin"))
    );
}

#[tokio::test]
async fn faults_counters_state_and_reset_over_admin() {
    let mock = start_default().await;
    let admin = format!("{}/_admin", mock.base_url());

    let (status, view) = put(
        format!("{admin}/faults/comments"),
        json!({"serverErrorShare": 1.0}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(view["comments"]["settings"]["serverErrorShare"], 1.0);
    assert_eq!(post_comment(&mock, "inc-1", "x").await.0, 500);

    let (status, _) = put(
        format!("{admin}/faults/comments"),
        json!({"timeoutShare": 2.0}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = put(format!("{admin}/faults/nowhere"), json!({})).await;
    assert_eq!(status, 404);

    let (status, _) = call(
        reqwest::Method::DELETE,
        format!("{admin}/faults?seed=3"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, view) = get(format!("{admin}/faults")).await;
    assert_eq!(view["seed"], 3);
    assert_eq!(view["comments"]["settings"]["serverErrorShare"], 0.0);

    let queue = json!([{"kind": "rateLimited", "retryAfterSecs": 1}, {"kind": "serverError"}]);
    let (status, view) = post(format!("{admin}/faults/status/queue"), queue).await;
    assert_eq!(
        (status, view["status"]["queued"].as_array().map(Vec::len)),
        (200, Some(2))
    );
    assert_eq!(
        put_status(&mock, "inc-1", &close_body("inc-1")).await.0,
        429
    );
    assert_eq!(
        put_status(&mock, "inc-1", &close_body("inc-1")).await.0,
        500
    );
    assert_eq!(
        put_status(&mock, "inc-1", &close_body("inc-1")).await.0,
        200
    );
    assert_eq!(post_comment(&mock, "inc-1", "kept").await.0, 201);

    let (_, counters) = get(format!("{admin}/counters")).await;
    assert_eq!(
        counters,
        json!({"comments": {"201": 1, "500": 1}, "status": {"200": 1, "429": 1, "500": 1}})
    );

    let (_, state) = get(format!("{admin}/state")).await;
    assert_eq!(state["workspaceId"], mock.workspace_id());
    let incident = &state["incidents"][0];
    assert_eq!(incident["id"], "inc-1");
    assert_eq!(incident["status"], "Closed");
    assert_eq!(incident["comments"][0]["content"], "kept");
    assert_eq!(
        incident["statusChanges"][0]["classification"],
        "Undetermined"
    );

    let response = Client::new()
        .post(format!("{admin}/reset"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let (_, state) = get(format!("{admin}/state")).await;
    assert_eq!(state["incidents"], json!([]));
    let (_, counters) = get(format!("{admin}/counters")).await;
    assert_eq!(counters, json!({"comments": {}, "status": {}}));

    let (status, body) = get(format!("{}/healthz", mock.base_url())).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
}
