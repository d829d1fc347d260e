//! The token: its exact request, caching, refresh, single flight, re-authorisation.

use std::time::Duration;

use halo_client::HaloError;
use serde_json::json;
use wiremock::matchers::{body_string, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn one_token_serves_many_calls_and_every_call_carries_it() {
    let h = Harness::new().await;
    h.expect(
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .and(ExactQuery::new(&[]))
            .and(body_string(FORM)),
        ResponseTemplate::new(200).set_body_json(fixture(AUTH, "success")),
        1,
    )
    .await;
    h.expect(
        api_as("GET", "/api/Tickets/5123", "eyJhbGciOi...example"),
        ResponseTemplate::new(200).set_body_json(fixture(TICKET, "ticket")),
        3,
    )
    .await;

    for _ in 0..3 {
        assert!(h.client.get_ticket(5123).await.unwrap().is_some());
    }
    assert_eq!(
        h.observer.requests(),
        vec![
            ("halo_token", Some(200)),
            ("halo", Some(200)),
            ("halo", Some(200)),
            ("halo", Some(200))
        ]
    );
}

#[tokio::test]
async fn tenant_goes_in_the_query_and_in_the_form() {
    let h = Harness::with(|c| c.tenant = Some("acme".into())).await;
    h.expect(
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .and(ExactQuery::new(&[("tenant", "acme")]))
            .and(body_string(format!("{FORM}&tenant=acme"))),
        ResponseTemplate::new(200).set_body_json(json!({"access_token": TOKEN})),
        1,
    )
    .await;
    h.expect(
        api("GET", "/api/Agent/me"),
        ResponseTemplate::new(200).set_body_json(json!({"id": 21, "name": "Bridge"})),
        1,
    )
    .await;

    assert_eq!(h.client.me().await.unwrap().id, 21);
}

#[tokio::test]
async fn the_token_is_replaced_sixty_seconds_before_it_expires() {
    let h = Harness::new().await;
    token_mock("tok-1", 3600)
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    token_mock("tok-2", 3600).expect(1).mount(&h.server).await;
    let agent = json!({"id": 21});
    h.expect(
        api_as("GET", "/api/Agent/me", "tok-1"),
        ResponseTemplate::new(200).set_body_json(agent.clone()),
        2,
    )
    .await;
    h.expect(
        api_as("GET", "/api/Agent/me", "tok-2"),
        ResponseTemplate::new(200).set_body_json(agent),
        1,
    )
    .await;

    h.client.me().await.unwrap();
    h.clock.advance(Duration::from_secs(3539));
    h.client.me().await.unwrap();
    h.clock.advance(Duration::from_secs(2));
    h.client.me().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_callers_on_a_cold_cache_make_one_token_request() {
    let h = Harness::new().await;
    h.expect(
        token_request(),
        ResponseTemplate::new(200)
            .set_body_json(json!({"access_token": TOKEN, "expires_in": 3600}))
            .set_delay(Duration::from_millis(100)),
        1,
    )
    .await;
    h.expect(
        api("GET", "/api/Tickets/7"),
        ResponseTemplate::new(200).set_body_json(ticket_json(7, "")),
        100,
    )
    .await;

    let mut callers = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = h.client.clone();
        callers.spawn(async move { client.get_ticket(7).await });
    }
    while let Some(done) = callers.join_next().await {
        assert_eq!(done.unwrap().unwrap().map(|t| t.id), Some(7));
    }
}

#[tokio::test]
async fn a_401_discards_the_token_and_retries_once_with_a_fresh_one() {
    let h = Harness::new().await;
    token_mock("tok-1", 3600)
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    token_mock("tok-2", 3600).expect(1).mount(&h.server).await;
    h.expect(
        api_as("GET", "/api/Tickets/5", "tok-1"),
        ResponseTemplate::new(401),
        1,
    )
    .await;
    h.expect(
        api_as("GET", "/api/Tickets/5", "tok-2"),
        ResponseTemplate::new(200).set_body_json(ticket_json(5, "")),
        1,
    )
    .await;

    assert_eq!(h.client.get_ticket(5).await.unwrap().map(|t| t.id), Some(5));
}

#[tokio::test]
async fn a_second_401_is_unauthorized_and_transient() {
    let h = Harness::new().await;
    h.token(2).await;
    h.expect(api("GET", "/api/Tickets/5"), ResponseTemplate::new(401), 2)
        .await;

    let error = h.client.get_ticket(5).await.unwrap_err();
    assert!(matches!(error, HaloError::Unauthorized(_)), "{error:?}");
    assert!(
        error.is_transient(),
        "refused credentials are an outage, not a verdict"
    );
}

#[tokio::test]
async fn invalid_client_is_unauthorized_with_halos_description() {
    let h = Harness::new().await;
    h.expect(
        token_request(),
        ResponseTemplate::new(401).set_body_json(fixture(AUTH, "invalid_client_401")),
        1,
    )
    .await;
    h.expect(api("GET", "/api/Tickets/5"), ResponseTemplate::new(200), 0)
        .await;

    let error = h.client.get_ticket(5).await.unwrap_err();
    assert_eq!(
        error,
        HaloError::Unauthorized("The specified client credentials are invalid.".into())
    );
    assert_eq!(h.observer.requests(), vec![("halo_token", Some(401))]);
}

#[tokio::test]
async fn invalid_scope_is_rejected_with_halos_description() {
    let h = Harness::new().await;
    h.expect(
        token_request(),
        ResponseTemplate::new(400).set_body_json(fixture(AUTH, "invalid_scope_400")),
        1,
    )
    .await;

    let error = h.client.statuses().await.unwrap_err();
    assert_eq!(
        error,
        HaloError::Rejected {
            status: 400,
            message: "The specified 'scope' parameter is not valid.".into()
        }
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn a_failed_token_request_is_not_cached() {
    let h = Harness::new().await;
    token_request()
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture(AUTH, "invalid_client_401")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Status"),
        ResponseTemplate::new(200).set_body_json(json!([])),
        1,
    )
    .await;

    assert!(h.client.statuses().await.is_err());
    assert_eq!(h.client.statuses().await.unwrap(), vec![]);
}
