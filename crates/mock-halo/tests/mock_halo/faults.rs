//! Fault knobs per route (500, 429 with and without `Retry-After`, latency,
//! timeouts, lost replies, the create race), seeded draws, and counters.

use std::time::{Duration, Instant};

use mock_halo::{Fault, FaultPlan, NO_REPLY, Route, RouteFaults, TicketInput};
use serde_json::json;

use crate::support::{
    create_ticket, get, http, impatient, json, post, start, token, token_response,
};

#[tokio::test]
async fn share_500_answers_a_halo_exception() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::TicketGet,
        RouteFaults {
            share_500: 1.0,
            ..Default::default()
        },
    );
    let response = get(&halo, &token, "/Tickets/1").await;
    assert_eq!(response.status(), 500);
    assert_eq!(json(response).await["ClassName"], "System.Exception");
    assert_eq!(
        get(&halo, &token, "/Tickets").await.status(),
        200,
        "other routes unaffected"
    );
    halo.stop().await;
}

#[tokio::test]
async fn share_429_sets_retry_after_and_the_other_share_does_not() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::TicketsList,
        RouteFaults {
            share_429: 1.0,
            retry_after_secs: 7,
            ..Default::default()
        },
    );
    let limited = get(&halo, &token, "/Tickets").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_eq!(
        json(limited).await,
        json!({"message": "Rate Limit Reached - 300 requests per rolling 5-minute window"})
    );

    halo.set_route_faults(
        Route::TicketsList,
        RouteFaults {
            share_429_no_retry_after: 1.0,
            ..Default::default()
        },
    );
    let bare = get(&halo, &token, "/Tickets").await;
    assert_eq!(bare.status(), 429);
    assert!(bare.headers().get("retry-after").is_none());
    halo.stop().await;
}

#[tokio::test]
async fn the_token_route_has_its_own_faults() {
    let halo = start().await;
    halo.script_faults(
        Route::Token,
        [Fault::RateLimited {
            retry_after_secs: Some(3),
        }],
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ];
    let limited = token_response(&halo, &form).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "3");
    assert_eq!(token_response(&halo, &form).await.status(), 200);
    halo.stop().await;
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::Lookups,
        RouteFaults {
            latency_ms: 250,
            ..Default::default()
        },
    );
    let started = Instant::now();
    assert_eq!(get(&halo, &token, "/Status").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    halo.stop().await;
}

#[tokio::test]
async fn a_timeout_holds_the_request_without_an_answer() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::TicketGet,
        RouteFaults {
            share_timeout: 1.0,
            ..Default::default()
        },
    );
    let client = impatient(Duration::from_millis(300));
    let result = client
        .get(format!("{}/Tickets/1", halo.api_url()))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert_eq!(halo.counters().get(Route::TicketGet, NO_REPLY), 1);
    halo.stop().await;
}

#[tokio::test]
async fn a_held_request_ends_with_504_after_hold_ms() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.update_settings(|s| s.hold_ms = 200);
    halo.script_faults(Route::Lookups, [Fault::Timeout]);
    let started = Instant::now();
    let response = get(&halo, &token, "/Status").await;
    assert_eq!(response.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(200));
    halo.stop().await;
}

#[tokio::test]
async fn stopping_drops_held_requests_at_once() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.script_faults(Route::TicketsList, [Fault::Timeout]);
    let url = format!("{}/Tickets", halo.api_url());
    let call = tokio::spawn(async move { http().get(url).bearer_auth(token).send().await });
    halo.wait_until(Duration::from_secs(5), "a held request", |m| {
        (m.held_requests() == 1).then_some(())
    })
    .await
    .unwrap();
    let started = Instant::now();
    halo.stop().await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "stop took {:?}",
        started.elapsed()
    );
    assert!(
        call.await.unwrap().is_err(),
        "the held request never gets an answer"
    );
}

#[tokio::test]
async fn a_lost_reply_create_stores_the_ticket_and_never_answers() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::TicketsPost,
        RouteFaults {
            share_reply_lost: 1.0,
            ..Default::default()
        },
    );
    let client = impatient(Duration::from_millis(400));
    let result = client
        .post(format!("{}/Tickets", halo.api_url()))
        .bearer_auth(&token)
        .json(&json!([{"summary": "lost", "thirdpartynumber": "cf|s|lost"}]))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    let stored = halo.tickets_with_reference("cf|s|lost");
    assert_eq!(stored.len(), 1, "the create happened");
    assert_eq!(halo.counters().get(Route::TicketsPost, NO_REPLY), 1);
    assert_eq!(halo.counters().get(Route::TicketsPost, 201), 0);
    halo.stop().await;
}

#[tokio::test]
async fn a_lost_reply_action_is_stored() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(&halo, &token, json!({"summary": "s"})).await;
    halo.script_faults(Route::ActionsPost, [Fault::ReplyLost]);
    let client = impatient(Duration::from_millis(400));
    let result = client
        .post(format!("{}/Actions", halo.api_url()))
        .bearer_auth(&token)
        .json(&json!([{"ticket_id": id, "outcome": "Private Note", "note_html": "kept"}]))
        .send()
        .await;
    assert!(result.is_err());
    assert_eq!(halo.actions(id).last().unwrap().note_html, "kept");
    halo.stop().await;
}

#[tokio::test]
async fn a_create_during_another_create_fails_like_halos_numbering_race() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.set_route_faults(
        Route::TicketsPost,
        RouteFaults {
            latency_ms: 400,
            ..Default::default()
        },
    );
    let body = json!([{"summary": "first"}]);
    let first = post(&halo, &token, "/Tickets", &body);
    let second = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        post(&halo, &token, "/Tickets", &json!([{"summary": "second"}])).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 500);
    assert!(
        json(second).await["Message"]
            .as_str()
            .unwrap()
            .contains("PRIMARY KEY")
    );
    assert_eq!(halo.tickets().len(), 1);

    halo.update_settings(|s| s.concurrent_create_failure = false);
    let body = json!([{"summary": "third"}]);
    let first = post(&halo, &token, "/Tickets", &body);
    let second = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        post(&halo, &token, "/Tickets", &json!([{"summary": "fourth"}])).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(
        (first.status(), second.status()),
        (reqwest::StatusCode::CREATED, reqwest::StatusCode::CREATED)
    );
    halo.stop().await;
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let halo = start().await;
    let token = token(&halo).await;
    let plan = FaultPlan {
        seed: Some(99),
        ..FaultPlan::on(
            Route::Lookups,
            RouteFaults {
                share_500: 0.5,
                ..Default::default()
            },
        )
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        halo.set_faults(plan.clone());
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(get(&halo, &token, "/Status").await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
    halo.stop().await;
}

#[tokio::test]
async fn counters_count_every_call_by_route_and_status() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.create_ticket(&TicketInput::with_summary("s")).unwrap();
    get(&halo, &token, "/Tickets/1001").await;
    get(&halo, &token, "/Tickets/1001").await;
    get(&halo, &token, "/Tickets/5").await;
    get(&halo, "bad", "/Tickets/5").await;
    get(&halo, &token, "/Agent").await;
    let counters = halo.counters();
    assert_eq!(counters.get(Route::Token, 200), 1);
    assert_eq!(counters.get(Route::TicketGet, 200), 2);
    assert_eq!(counters.get(Route::TicketGet, 404), 1);
    assert_eq!(counters.get(Route::TicketGet, 401), 1);
    assert_eq!(counters.get(Route::Lookups, 200), 1);
    assert_eq!(counters.total(), 6);
    halo.reset_counters();
    assert_eq!(halo.counters().total(), 0);
    halo.stop().await;
}
