//! Errors: the message read from each body shape Halo sends, the status mapping,
//! and no secret or token in any error's text.

use std::time::Duration;

use halo_client::HaloError;
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

async fn rejected_with(body: serde_json::Value, status: u16) -> HaloError {
    let h = Harness::answering(
        "GET",
        "/api/Status",
        ResponseTemplate::new(status).set_body_json(body),
    )
    .await;
    h.client.statuses().await.unwrap_err()
}

#[tokio::test]
async fn the_message_is_read_from_each_fixture_body() {
    let cases = [
        (
            "validation_400",
            "An Outcome must be entered for this Action",
        ),
        (
            "bare_string_400",
            "Please assign this Ticket to an Agent before closing it.",
        ),
        (
            "rate_limited_429",
            "Rate Limit Reached - 300 requests per rolling 5-minute window",
        ),
    ];
    for (key, message) in cases {
        let error = rejected_with(fixture(ERRORS, key), 400).await;
        assert_eq!(
            error,
            HaloError::Rejected {
                status: 400,
                message: message.into()
            },
            "{key}"
        );
    }
}

#[tokio::test]
async fn empty_401_and_403_bodies_become_unauthorized_and_forbidden() {
    assert_eq!(fixture(ERRORS, "unauthorized_401"), json!(""));
    let h = Harness::new().await;
    h.token(2).await;
    h.expect(api("GET", "/api/Status"), ResponseTemplate::new(401), 2)
        .await;
    h.expect(api("GET", "/api/Agent"), ResponseTemplate::new(403), 1)
        .await;

    assert!(matches!(h.client.statuses().await, Err(HaloError::Unauthorized(m)) if !m.is_empty()));
    let forbidden = h.client.agents().await.unwrap_err();
    assert_eq!(forbidden, HaloError::Forbidden);
    assert!(forbidden.is_transient());
}

#[tokio::test]
async fn other_not_found_answers_are_not_found() {
    let error = rejected_with(json!(""), 404).await;
    assert_eq!(error, HaloError::NotFound);
    assert!(!error.is_transient());
}

#[tokio::test]
async fn an_unreadable_read_is_a_decode_error() {
    let h = Harness::answering(
        "GET",
        "/api/Tickets/5",
        ResponseTemplate::new(200).set_body_string("not json"),
    )
    .await;
    assert!(matches!(
        h.client.get_ticket(5).await,
        Err(HaloError::Decode(_))
    ));
}

#[tokio::test]
async fn no_error_text_carries_the_secret_or_the_token() {
    let mut errors = Vec::new();

    // The token endpoint echoing the secret.
    let h = Harness::new().await;
    let echo =
        json!({"error": "invalid_client", "error_description": format!("bad secret {SECRET}")});
    token_request()
        .respond_with(ResponseTemplate::new(401).set_body_json(echo))
        .mount(&h.server)
        .await;
    errors.push(h.client.statuses().await.unwrap_err());
    let scope_echo = json!({"error_description": format!("client_secret={SECRET} scope=x")});
    let h = Harness::new().await;
    token_request()
        .respond_with(ResponseTemplate::new(400).set_body_json(scope_echo))
        .mount(&h.server)
        .await;
    errors.push(h.client.statuses().await.unwrap_err());

    // The API echoing the bearer token and the secret (the 401 costs a second token).
    let h = Harness::new().await;
    h.token(2).await;
    let body = json!({"Message": format!("token {TOKEN} / Bearer {TOKEN} / {SECRET}")});
    api("GET", "/api/Status")
        .respond_with(ResponseTemplate::new(422).set_body_json(body.clone()))
        .mount(&h.server)
        .await;
    api("GET", "/api/Agent")
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .mount(&h.server)
        .await;
    api("POST", "/api/Actions")
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .mount(&h.server)
        .await;
    errors.push(h.client.statuses().await.unwrap_err());
    errors.push(h.client.agents().await.unwrap_err());
    let note = halo_client::NewAction {
        ticket_id: 1,
        outcome: halo_client::OutcomeRef::Id(7),
        note_html: String::new(),
        hiddenfromuser: true,
        new_status: None,
    };
    errors.push(h.client.add_action(&note).await.unwrap_err());
    errors.push(h.client.update_ticket(1, json!(null)).await.unwrap_err());
    errors.push(HaloError::Timeout);
    errors.push(HaloError::RateLimited {
        retry_after: Some(Duration::from_secs(1)),
    });

    assert!(
        errors
            .iter()
            .any(|e| matches!(e, HaloError::Rejected { .. }))
    );
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, HaloError::Unauthorized(_)))
    );
    assert!(errors.iter().any(|e| matches!(e, HaloError::Uncertain(_))));
    for error in &errors {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(SECRET), "secret in {text}");
            assert!(!text.contains(TOKEN), "token in {text}");
        }
    }
    let debug = format!("{:?} {:?}", h.client, config("http://h", "http://h"));
    assert!(!debug.contains(SECRET), "{debug}");
}

#[tokio::test]
async fn a_transport_error_names_the_cause_without_secrets() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = wiremock::MockServer::start().await;
    let h = Harness::over(server, config(&base, &base));

    let error = h.client.statuses().await.unwrap_err();
    assert!(
        matches!(&error, HaloError::Transport(m) if !m.is_empty()),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains(SECRET));
    assert_eq!(h.observer.requests(), vec![("halo_token", None); 3]);
    // Nothing was asked of the wiremock server at all.
    assert!(
        h.server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
