//! End-to-end tests of the function edition: the shared ContraForce → Halo
//! scenarios, and the routes the Functions host forwards under `/api`.

use testkit::cf_suite::{
    CfBed, Edition, assert_reply, created_id, delivery_headers, duplicate, updated,
};
use testkit::{Incident, Sender};

testkit::cf_to_halo_e2e!(Function, env!("CARGO_BIN_EXE_cf-to-halo-function"));

/// Every route answers at its path and under `/api`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_under_api_too() {
    let Some(bed) = CfBed::start(Edition::Function, |v| v).await else {
        return;
    };
    let api = Sender::new(format!("{}/api", bed.bridge.url()));

    let (status, text) = api.get_text("/healthz").await;
    assert_eq!((status, text.as_str()), (200, r#"{"status":"ok"}"#));
    assert_eq!(api.get_text("/readyz").await.0, 200);

    let incident = Incident::new("inc-api");
    let body = incident.text();
    let headers = delivery_headers("api-1", &body);
    let reply = api
        .cf_raw("/cf/webhooks", &headers, body.clone().into_bytes())
        .await;
    let ticket_id = created_id(&reply);
    let reply = bed.post(&headers, &body).await;
    assert_reply(&reply, 200, duplicate(ticket_id));
    let reply = api.cf("api-2", &body).await;
    assert_reply(&reply, 200, updated(ticket_id));
    assert_eq!(bed.only_ticket(&incident.reference()).id, ticket_id);

    let (status, text) = api.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(text.contains("bridge_deliveries_total"), "{text}");
    bed.stop().await;
}
