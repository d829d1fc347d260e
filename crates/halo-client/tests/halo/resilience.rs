//! Retries, Retry-After, the request budget and the observer, with every wait
//! recorded on the manual clock.

use std::time::{Duration, SystemTime};

use halo_client::HaloError;
use serde_json::json;
use upstream::{Clock, RetryPolicy};
use wiremock::ResponseTemplate;

use crate::support::*;

async fn then_ok(h: &Harness, route: &str) {
    h.expect(
        api("GET", route),
        ResponseTemplate::new(200).set_body_json(json!([])),
        1,
    )
    .await;
}

async fn refuse(h: &Harness, route: &str, answer: ResponseTemplate, times: u64) {
    api("GET", route)
        .respond_with(answer)
        .up_to_n_times(times)
        .expect(times)
        .mount(&h.server)
        .await;
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_waits_that_long() {
    let h = Harness::new().await;
    h.token(1).await;
    refuse(
        &h,
        "/api/Status",
        ResponseTemplate::new(429).insert_header("retry-after", "2"),
        1,
    )
    .await;
    then_ok(&h, "/api/Status").await;

    h.client.statuses().await.unwrap();
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(
        h.observer.requests(),
        vec![
            ("halo_token", Some(200)),
            ("halo", Some(429)),
            ("halo", Some(200))
        ]
    );
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_then() {
    let h = Harness::new().await;
    h.token(1).await;
    let at = httpdate::fmt_http_date(h.clock.now() + Duration::from_secs(3));
    refuse(
        &h,
        "/api/Status",
        ResponseTemplate::new(429).insert_header("retry-after", at.as_str()),
        1,
    )
    .await;
    then_ok(&h, "/api/Status").await;

    h.client.statuses().await.unwrap();
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_then_reports_rate_limited() {
    let h = Harness::new().await;
    h.token(1).await;
    let body = fixture(ERRORS, "rate_limited_429");
    refuse(
        &h,
        "/api/Status",
        ResponseTemplate::new(429).set_body_json(body),
        3,
    )
    .await;

    let error = h.client.statuses().await.unwrap_err();
    assert_eq!(error, HaloError::RateLimited { retry_after: None });
    assert!(error.is_transient());
    let sleeps = h.clock.sleeps();
    assert_eq!(sleeps.len(), 2, "three attempts, two waits");
    let policy = RetryPolicy::default();
    assert!(
        sleeps[0] <= policy.ceiling(1) && sleeps[1] <= policy.ceiling(2),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_handed_to_the_caller_at_once() {
    let h = Harness::new().await;
    h.token(1).await;
    refuse(
        &h,
        "/api/Status",
        ResponseTemplate::new(429).insert_header("retry-after", "600"),
        1,
    )
    .await;

    let error = h.client.statuses().await.unwrap_err();
    assert_eq!(
        error,
        HaloError::RateLimited {
            retry_after: Some(Duration::from_secs(600))
        }
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(600)));
    assert!(
        h.clock.sleeps().is_empty(),
        "no sleeping through a long wait"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_unavailable() {
    let h = Harness::new().await;
    h.token(1).await;
    refuse(&h, "/api/Tickets/5", ResponseTemplate::new(503), 3).await;

    let error = h.client.get_ticket(5).await.unwrap_err();
    assert_eq!(error, HaloError::Unavailable { status: 503 });
    assert_eq!(h.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn a_server_error_then_success_is_a_success() {
    let h = Harness::new().await;
    h.token(1).await;
    refuse(&h, "/api/Tickets/5", ResponseTemplate::new(500), 1).await;
    h.expect(
        api("GET", "/api/Tickets/5"),
        ResponseTemplate::new(200).set_body_json(ticket_json(5, "")),
        1,
    )
    .await;

    assert!(h.client.get_ticket(5).await.unwrap().is_some());
    assert_eq!(h.clock.sleeps().len(), 1);
}

#[tokio::test]
async fn a_read_that_times_out_is_retried_then_a_timeout() {
    let h = Harness::new().await;
    h.token(1).await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(2));
    refuse(&h, "/api/Tickets/5", slow, 3).await;

    let error = h.client.get_ticket(5).await.unwrap_err();
    assert_eq!(error, HaloError::Timeout);
    assert_eq!(
        h.observer.requests(),
        vec![
            ("halo_token", Some(200)),
            ("halo", None),
            ("halo", None),
            ("halo", None)
        ]
    );
}

#[tokio::test]
async fn token_requests_are_retried_like_reads() {
    let h = Harness::new().await;
    token_request()
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    h.token(1).await;
    then_ok(&h, "/api/Status").await;

    h.client.statuses().await.unwrap();
    assert_eq!(
        h.observer.requests()[..2],
        [("halo_token", Some(502)), ("halo_token", Some(200))]
    );
}

#[tokio::test]
async fn a_spent_budget_makes_the_caller_wait_for_a_slot() {
    let h = Harness::with(|c| c.max_requests_per_5min = 3).await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Status"),
        ResponseTemplate::new(200).set_body_json(json!([])),
        3,
    )
    .await;
    let started: SystemTime = h.clock.now();

    // The token request and two reads fill the window; the third read waits.
    h.client.statuses().await.unwrap();
    h.client.statuses().await.unwrap();
    assert!(h.clock.sleeps().is_empty());
    h.client.statuses().await.unwrap();

    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(300)]);
    assert_eq!(h.clock.now(), started + Duration::from_secs(300));
}

#[tokio::test]
async fn retries_spend_the_budget_too() {
    let h = Harness::with(|c| c.max_requests_per_5min = 2).await;
    h.token(1).await;
    refuse(
        &h,
        "/api/Status",
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        1,
    )
    .await;
    then_ok(&h, "/api/Status").await;

    h.client.statuses().await.unwrap();
    // Retry-After 1 s, then the budget: the window frees 300 s after the token request.
    assert_eq!(
        h.clock.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(299)]
    );
}
