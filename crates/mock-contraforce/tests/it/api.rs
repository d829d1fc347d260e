//! The comment and status routes: auth, workspace, path decoding, validation,
//! storage order, close rules, counters and the wait helpers.

use std::time::Duration;

use mock_contraforce::Route;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn basic_auth_must_match_the_service_account() {
    let mock = start_default().await;
    let url = incident_url(&mock, mock.workspace_id(), "inc-1", "comments");
    let client = reqwest::Client::new();
    let body = comment_body("inc-1", "hello");

    let missing = client.post(&url).json(&body).send().await.expect("sent");
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));

    for header in [
        basic(mock.client_id(), "wrong"),
        basic("someone-else", mock.client_secret().expose()),
        format!("Bearer {}", mock.client_secret().expose()),
    ] {
        let refused = client
            .post(&url)
            .header("Authorization", header)
            .json(&body)
            .send()
            .await
            .expect("sent");
        let (status, body) = answer(refused).await;
        assert_eq!((status, body), (401, json!({"error": "unauthorized"})));
    }
    assert!(mock.comments("inc-1").is_empty());

    let (status, body) = post_comment(&mock, "inc-1", "hello").await;
    assert_eq!(status, 201);
    assert_eq!(body["incidentId"], "inc-1");
    assert_eq!(mock.comments("inc-1").len(), 1);
}

#[tokio::test]
async fn other_workspace_is_not_found() {
    let mock = start_default().await;
    let url = incident_url(
        &mock,
        "11111111-1111-4111-8111-111111111111",
        "inc-1",
        "comments",
    );
    let response = reqwest::Client::new()
        .post(url)
        .header("Authorization", good_auth(&mock))
        .json(&comment_body("inc-1", "x"))
        .send()
        .await
        .expect("sent");
    let (status, body) = answer(response).await;
    assert_eq!(
        (status, body),
        (404, json!({"error": "workspace not found"}))
    );
    assert!(mock.incidents().is_empty());

    let upper = mock.workspace_id().to_uppercase();
    let response = reqwest::Client::new()
        .post(incident_url(&mock, &upper, "inc-1", "comments"))
        .header("Authorization", good_auth(&mock))
        .json(&comment_body("inc-1", "x"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201, "GUID case does not matter");
}

#[tokio::test]
async fn percent_encoded_incident_ids_are_decoded() {
    let mock = start_default().await;
    let ids = [
        "/subscriptions/abc/providers/Microsoft.SecurityInsights/Incidents/7d1e",
        "with space and+plus",
        "cf|sentinel|a|b",
        "100%25 ünïcode?#&",
    ];
    for id in ids {
        let (status, body) = post_comment(&mock, id, "note").await;
        assert_eq!(status, 201, "{id}: {body}");
        let (status, _) = put_status(&mock, id, &close_body(id)).await;
        assert_eq!(status, 200, "{id}");
    }
    for id in ids {
        assert_eq!(mock.comments(id).len(), 1, "{id}");
        assert_eq!(
            mock.incident(id).map(|i| i.status),
            Some("Closed".to_owned())
        );
    }
    assert_eq!(mock.incidents().len(), ids.len());
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_the_field_named() {
    let mock = start_default().await;
    let comment_url = incident_url(&mock, mock.workspace_id(), "inc-1", "comments");
    let status_url = incident_url(&mock, mock.workspace_id(), "inc-1", "status");
    let client = reqwest::Client::new();
    let cases = [
        (
            &comment_url,
            "POST",
            "{not json".to_owned(),
            "body: not valid JSON",
        ),
        (
            &comment_url,
            "POST",
            json!({"incidentId":"inc-1","source":"s"}).to_string(),
            "content: missing",
        ),
        (
            &comment_url,
            "POST",
            json!({"incidentId":"inc-2","content":"x","source":"s"}).to_string(),
            "incidentId: does not match the incident in the path",
        ),
        (
            &comment_url,
            "POST",
            json!({"incidentId":"inc-1","content":"x","extensionId":"e","source":"s"}).to_string(),
            "extensionId: must be null",
        ),
        (
            &status_url,
            "PUT",
            status_body("inc-1", "Resolved").to_string(),
            "status: must be one of New, Active, Closed",
        ),
        (
            &status_url,
            "PUT",
            json!({"incidentId":"inc-1","status":"Active"}).to_string(),
            "source: missing",
        ),
    ];
    for (url, method, body, detail) in cases {
        let request = match method {
            "POST" => client.post(url.as_str()),
            _ => client.put(url.as_str()),
        };
        let response = request
            .header("Authorization", good_auth(&mock))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        let (status, answer) = answer(response).await;
        assert_eq!(status, 400, "{detail}");
        assert_eq!(
            answer,
            json!({"error": "invalid request", "detail": detail})
        );
    }
    assert!(mock.incidents().is_empty(), "nothing invalid is stored");
    assert_eq!(mock.counters().get(Route::Comments, 400), 4);
    assert_eq!(mock.counters().get(Route::Status, 400), 2);
}

#[tokio::test]
async fn comments_are_kept_in_arrival_order_with_times() {
    let mock = start_default().await;
    for n in 1..=5 {
        let (status, _) = post_comment(&mock, "inc-1", &format!("comment {n}")).await;
        assert_eq!(status, 201);
    }
    post_comment(&mock, "inc-2", "elsewhere").await;

    let comments = mock.comments("inc-1");
    let texts: Vec<&str> = comments.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "comment 1",
            "comment 2",
            "comment 3",
            "comment 4",
            "comment 5"
        ]
    );
    assert!(
        comments
            .windows(2)
            .all(|w| w[0].at_unix_ms <= w[1].at_unix_ms)
    );
    assert!(
        comments
            .iter()
            .all(|c| c.source == "sentinel" && c.at_unix_ms > 0)
    );
    let incident = mock.incident("inc-1").expect("created on first comment");
    assert_eq!(incident.status, "New");
    assert_eq!(incident.number, None);
    assert_eq!(mock.counters().get(Route::Comments, 201), 6);
}

#[tokio::test]
async fn close_needs_classification_repeats_conflict_and_reopen_works() {
    let mock = start_default().await;
    let id = "inc-1";

    let (status, body) = put_status(&mock, id, &status_body(id, "Closed")).await;
    assert_eq!(status, 400);
    assert_eq!(body["detail"], "classification: required to close");

    let (status, body) = put_status(&mock, id, &close_body(id)).await;
    assert_eq!(
        (status, body),
        (200, json!({"incidentId": id, "status": "Closed"}))
    );

    let (status, body) = put_status(&mock, id, &close_body(id)).await;
    assert_eq!(
        (status, body),
        (409, json!({"error": "incident already closed"}))
    );

    let (status, _) = put_status(&mock, id, &status_body(id, "Active")).await;
    assert_eq!(status, 200);
    let (status, _) = put_status(&mock, id, &close_body(id)).await;
    assert_eq!(status, 200, "closing a reopened incident is allowed again");

    let changes = mock.status_changes(id);
    let moves: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c.from.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        moves,
        [
            ("New", "Closed"),
            ("Closed", "Active"),
            ("Active", "Closed")
        ]
    );
    assert_eq!(changes[0].classification.as_deref(), Some("Undetermined"));
    assert_eq!(
        changes[0].classification_reason.as_deref(),
        Some("InaccurateData")
    );
    assert_eq!(changes[0].comment.as_deref(), Some("closed in Halo"));
    assert_eq!(changes[1].classification, None);

    let counters = mock.counters();
    assert_eq!(counters.get(Route::Status, 200), 3);
    assert_eq!(counters.get(Route::Status, 409), 1);
    assert_eq!(counters.get(Route::Status, 400), 1);
    assert_eq!(counters.total(Route::Status), 5);
    assert_eq!(counters.total(Route::Comments), 0);
}

#[tokio::test]
async fn wait_helpers_return_once_the_condition_holds_or_time_out() {
    let mock = start_default().await;
    let control = mock.control();
    let api_url = incident_url(&mock, mock.workspace_id(), "inc-9", "comments");
    let auth = good_auth(&mock);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        for n in 0..2 {
            let _ = reqwest::Client::new()
                .post(&api_url)
                .header("Authorization", &auth)
                .json(&comment_body("inc-9", &format!("late {n}")))
                .send()
                .await;
        }
    });

    let comments = control
        .wait_for_comments("inc-9", 2, Duration::from_secs(5))
        .await
        .expect("comments arrive");
    assert_eq!(comments.len(), 2);

    let timeout = mock
        .wait_for_status_changes("inc-9", 1, Duration::from_millis(50))
        .await
        .expect_err("no status change comes");
    assert!(
        timeout.to_string().contains("1 status changes on inc-9"),
        "{timeout}"
    );
}
