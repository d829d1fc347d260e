//! The token endpoint and bearer checks: credentials, grant type, scopes,
//! tenant, expiry, revocation, and the empty 401/403 bodies.

use std::sync::Arc;
use std::time::Duration;

use mock_halo::{MockHaloConfig, Secret};
use serde_json::{Value, json};
use upstream::ManualClock;

use crate::support::{
    config, get, http, json, post, start, start_with, token, token_response, token_with_scope,
};

const GOOD: [(&str, &str); 3] = [
    ("grant_type", "client_credentials"),
    ("client_id", "demo-client"),
    ("client_secret", "demo-secret"),
];

#[tokio::test]
async fn good_credentials_get_a_bearer_token_with_the_configured_lifetime() {
    let halo = start().await;
    let response = token_response(&halo, &GOOD).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "all");
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert!(body["refresh_token"].is_string() && body["id_token"].is_string());

    halo.set_token_lifetime(120);
    let body = json(token_response(&halo, &GOOD).await).await;
    assert_eq!(body["expires_in"], 120);
    halo.stop().await;
}

#[tokio::test]
async fn tokens_are_random() {
    let halo = start().await;
    assert_ne!(token(&halo).await, token(&halo).await);
    halo.stop().await;
}

#[tokio::test]
async fn configured_credentials_replace_the_demo_ones() {
    let halo = start_with(MockHaloConfig {
        client_id: "cid".into(),
        client_secret: Secret::new("csecret"),
        ..config()
    })
    .await;
    assert_eq!(token_response(&halo, &GOOD).await.status(), 401);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "cid"),
        ("client_secret", "csecret"),
    ];
    assert_eq!(token_response(&halo, &form).await.status(), 200);
    halo.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_is_401_invalid_client() {
    let halo = start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "nope"),
    ];
    let response = token_response(&halo, &form).await;
    assert_eq!(response.status(), 401);
    let body = json(response).await;
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string());
    halo.stop().await;
}

#[tokio::test]
async fn client_credentials_may_come_as_http_basic() {
    let halo = start().await;
    let response = http()
        .post(format!("{}/token", halo.auth_url()))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    halo.stop().await;
}

#[tokio::test]
async fn another_grant_type_is_400_unsupported_grant_type() {
    let halo = start().await;
    let form = [
        ("grant_type", "password"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ];
    let response = token_response(&halo, &form).await;
    assert_eq!(response.status(), 400);
    assert_eq!(json(response).await["error"], "unsupported_grant_type");
    halo.stop().await;
}

#[tokio::test]
async fn one_unknown_scope_fails_the_request_with_invalid_scope() {
    let halo = start().await;
    let mut form = GOOD.to_vec();
    form.push(("scope", "read:tickets edit:everything"));
    let response = token_response(&halo, &form).await;
    assert_eq!(response.status(), 400);
    assert_eq!(json(response).await["error"], "invalid_scope");

    let mut form = GOOD.to_vec();
    form.push((
        "scope",
        "read:tickets edit:tickets read:actions edit:actions",
    ));
    let body = json(token_response(&halo, &form).await).await;
    assert_eq!(
        body["scope"],
        "read:tickets edit:tickets read:actions edit:actions"
    );
    halo.stop().await;
}

#[tokio::test]
async fn tenant_is_accepted_in_the_query_or_the_form_and_required_when_configured() {
    let halo = start_with(MockHaloConfig {
        tenant: Some("acme".into()),
        ..config()
    })
    .await;
    let url = format!("{}/token", halo.auth_url());

    let in_query = http()
        .post(format!("{url}?tenant=acme"))
        .form(&GOOD)
        .send()
        .await
        .unwrap();
    assert_eq!(in_query.status(), 200);

    let mut form = GOOD.to_vec();
    form.push(("tenant", "acme"));
    assert_eq!(token_response(&halo, &form).await.status(), 200);

    let missing = token_response(&halo, &GOOD).await;
    assert_eq!(missing.status(), 400);
    assert_eq!(json(missing).await["error"], "invalid_request");

    let wrong = http()
        .post(format!("{url}?tenant=other"))
        .form(&GOOD)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(json(wrong).await["error"], "invalid_client");
    halo.stop().await;
}

#[tokio::test]
async fn an_api_call_without_a_valid_token_is_401_with_an_empty_body() {
    let halo = start().await;
    let bare = http()
        .get(format!("{}/Tickets", halo.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    assert_eq!(bare.text().await.unwrap(), "");

    let unknown = get(&halo, "not-a-token", "/Tickets/1").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(unknown.text().await.unwrap(), "");
    halo.stop().await;
}

#[tokio::test]
async fn a_token_expires_after_its_lifetime_on_the_configured_clock() {
    let clock = Arc::new(ManualClock::at_unix(1_800_000_000));
    let halo = start_with(MockHaloConfig {
        clock: clock.clone(),
        ..config()
    })
    .await;
    halo.set_token_lifetime(5);
    let token = token(&halo).await;
    assert_eq!(get(&halo, &token, "/Status").await.status(), 200);

    clock.advance(Duration::from_secs(4));
    assert_eq!(get(&halo, &token, "/Status").await.status(), 200);
    clock.advance(Duration::from_secs(1));
    let expired = get(&halo, &token, "/Status").await;
    assert_eq!(expired.status(), 401);
    assert_eq!(expired.text().await.unwrap(), "");
    halo.stop().await;
}

#[tokio::test]
async fn revoked_tokens_are_refused_and_new_ones_work() {
    let halo = start().await;
    let old = token(&halo).await;
    assert_eq!(halo.revoke_tokens(), 1);
    assert_eq!(get(&halo, &old, "/Tickets").await.status(), 401);
    let fresh = token(&halo).await;
    assert_eq!(get(&halo, &fresh, "/Tickets").await.status(), 200);
    halo.stop().await;
}

#[tokio::test]
async fn a_read_only_token_gets_403_with_an_empty_body_on_writes() {
    let halo = start().await;
    let token = token_with_scope(&halo, "read:tickets").await;
    assert_eq!(get(&halo, &token, "/Tickets").await.status(), 200);
    let refused = post(&halo, &token, "/Tickets", &json!([{"summary": "x"}])).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.text().await.unwrap(), "");
    assert!(halo.tickets().is_empty());

    let actions = get(&halo, &token, "/Actions?ticket_id=1").await;
    assert_eq!(actions.status(), 403);

    let me = json(get(&halo, &token, "/Agent/me").await).await;
    assert_eq!(me["id"], 21);

    halo.update_settings(|s| s.enforce_scopes = false);
    let allowed = post(&halo, &token, "/Tickets", &json!([{"summary": "x"}])).await;
    assert_eq!(allowed.status(), 201);
    halo.stop().await;
}

#[tokio::test]
async fn agent_me_is_the_configured_api_agent() {
    let halo = start_with(MockHaloConfig {
        agent_id: 33,
        agent_name: "Bridge".into(),
        ..config()
    })
    .await;
    let token = token(&halo).await;
    let me: Value = json(get(&halo, &token, "/Agent/me").await).await;
    assert_eq!(
        (me["id"].as_i64(), me["name"].as_str()),
        (Some(33), Some("Bridge"))
    );
    halo.stop().await;
}
