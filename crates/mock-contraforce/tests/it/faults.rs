//! Each fault knob, made deterministic with a share of 1.0, a queue, or a
//! fixed seed; and reset.

use std::time::{Duration, Instant};

use mock_contraforce::{Fault, FaultSettings, MockCfConfig, Route};

use crate::support::*;

#[tokio::test]
async fn server_error_share_of_one_fails_every_request_on_that_route_only() {
    let mock = start_default().await;
    mock.set_faults(Route::Comments, FaultSettings::none().server_errors(1.0));

    for _ in 0..3 {
        let (status, _) = post_comment(&mock, "inc-1", "x").await;
        assert_eq!(status, 500);
    }
    let (status, _) = put_status(&mock, "inc-1", &close_body("inc-1")).await;
    assert_eq!(status, 200, "the status route has no faults");

    assert!(
        mock.comments("inc-1").is_empty(),
        "a failed request stores nothing"
    );
    assert_eq!(mock.counters().get(Route::Comments, 500), 3);
    assert_eq!(mock.counters().get(Route::Status, 200), 1);
}

#[tokio::test]
async fn rate_limits_come_with_or_without_retry_after() {
    let mock = start_default().await;
    mock.set_faults(
        Route::Status,
        FaultSettings::none().rate_limited(1.0, Some(3)),
    );
    let url = incident_url(&mock, mock.workspace_id(), "inc-1", "status");
    let send = || {
        reqwest::Client::new()
            .put(&url)
            .header("Authorization", good_auth(&mock))
            .json(&close_body("inc-1"))
            .send()
    };

    let limited = send().await.expect("sent");
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");

    mock.set_faults(Route::Status, FaultSettings::none().rate_limited(1.0, None));
    let bare = send().await.expect("sent");
    assert_eq!(bare.status(), 429);
    assert!(!bare.headers().contains_key("retry-after"));
    assert_eq!(mock.counters().get(Route::Status, 429), 2);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let mock = start_default().await;
    mock.set_faults(
        Route::Comments,
        FaultSettings::none().latency(Duration::from_millis(150)),
    );
    let started = Instant::now();
    let (status, _) = post_comment(&mock, "inc-1", "slow").await;
    assert_eq!(status, 201);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn timeouts_hold_the_request_then_answer_504() {
    let mock = start_default().await;
    mock.set_faults(
        Route::Comments,
        FaultSettings::none().timeouts(1.0, Duration::from_millis(300)),
    );
    let url = incident_url(&mock, mock.workspace_id(), "inc-1", "comments");

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(50))
        .build()
        .expect("client");
    let error = impatient
        .post(&url)
        .header("Authorization", good_auth(&mock))
        .json(&comment_body("inc-1", "x"))
        .send()
        .await
        .expect_err("no answer within 50 ms");
    assert!(error.is_timeout());

    let started = Instant::now();
    let (status, _) = post_comment(&mock, "inc-1", "x").await;
    assert_eq!(status, 504);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(mock.counters().get(Route::Comments, 504), 2);
    assert!(mock.comments("inc-1").is_empty());
}

#[tokio::test]
async fn queued_faults_are_served_first_in_order() {
    let mock = start_default().await;
    mock.queue_faults(
        Route::Comments,
        [
            Fault::ServerError,
            Fault::RateLimited {
                retry_after_secs: Some(1),
            },
            Fault::Timeout { hold_ms: 10 },
        ],
    );
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post_comment(&mock, "inc-1", "x").await.0);
    }
    assert_eq!(statuses, [500, 429, 504, 201]);
    assert!(mock.queued_faults(Route::Comments).is_empty());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let settings = FaultSettings::none()
        .server_errors(0.4)
        .rate_limited(0.2, None);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mock = start(MockCfConfig::default().with_fault_seed(7)).await;
        mock.set_faults(Route::Comments, settings.clone());
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(post_comment(&mock, "inc-1", "x").await.0);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    for status in [201, 429, 500] {
        assert!(runs[0].contains(&status), "{status} in {:?}", runs[0]);
    }
}

#[tokio::test]
async fn reset_forgets_incidents_counters_and_faults() {
    let mock = start_default().await;
    post_comment(&mock, "inc-1", "x").await;
    mock.set_faults(Route::Comments, FaultSettings::none().server_errors(1.0));
    post_comment(&mock, "inc-1", "y").await;

    mock.reset();
    assert!(mock.incidents().is_empty());
    assert_eq!(mock.counters().total(Route::Comments), 0);
    assert_eq!(mock.faults(Route::Comments), FaultSettings::none());
    assert_eq!(post_comment(&mock, "inc-1", "z").await.0, 201);
}
