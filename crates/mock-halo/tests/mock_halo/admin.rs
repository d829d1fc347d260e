//! The admin API over HTTP and the library handle's scripting and waits.

use std::time::Duration;

use mock_halo::{Route, TicketInput, WaitTimeout};
use serde_json::{Value, json};

use crate::support::{get, http, json, start, token};

async fn admin(method: reqwest::Method, url: String, body: Option<Value>) -> reqwest::Response {
    let request = http().request(method, url);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn scripted_changes_over_the_admin_api_show_in_the_state_dump() {
    let halo = start().await;
    let base = format!("{}/_admin", halo.base_url());
    use reqwest::Method;

    let created = admin(
        Method::POST,
        format!("{base}/tickets"),
        Some(json!({"summary": "by hand"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let id = json(created).await["id"].as_i64().unwrap();

    let note = json!({"note_html": "<p>public</p>", "agent_id": 8});
    let added = admin(
        Method::POST,
        format!("{base}/tickets/{id}/actions"),
        Some(note),
    )
    .await;
    assert_eq!(added.status(), 201);
    let private = json!({"note": "secret-ish", "private": true});
    let added = json(
        admin(
            Method::POST,
            format!("{base}/tickets/{id}/actions"),
            Some(private),
        )
        .await,
    )
    .await;
    assert_eq!(
        (added["hiddenfromuser"].as_bool(), added["outcome"].as_str()),
        (Some(true), Some("Private Note"))
    );
    let system = json!({"note": "rule", "who_type": 0, "outcome": "Rule Applied"});
    let added = json(
        admin(
            Method::POST,
            format!("{base}/tickets/{id}/actions"),
            Some(system),
        )
        .await,
    )
    .await;
    assert_eq!(
        (added["who_type"].as_i64(), added["who_agentid"].as_i64()),
        (Some(0), Some(0))
    );

    let closed = json(admin(Method::POST, format!("{base}/tickets/{id}/close"), None).await).await;
    assert_eq!(closed["ticket"]["status_id"], 9);
    assert_eq!(closed["action"]["outcome"], "Close");
    let reopened = json(
        admin(
            Method::POST,
            format!("{base}/tickets/{id}/reopen"),
            Some(json!({"agent_id": 1})),
        )
        .await,
    )
    .await;
    assert_eq!(reopened["ticket"]["status_id"], 2);
    assert_eq!(reopened["action"]["who_agentid"], 1);

    let state = json(admin(Method::GET, format!("{base}/state"), None).await).await;
    let actions = state["tickets"][0]["actions"].as_array().unwrap();
    let outcomes: Vec<&str> = actions
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        vec![
            "New",
            "Public Note",
            "Private Note",
            "Rule Applied",
            "Close",
            "Re-open"
        ]
    );

    let one = admin(Method::GET, format!("{base}/tickets/{id}"), None).await;
    assert_eq!(json(one).await["ticket"]["id"], id);
    assert_eq!(
        admin(Method::GET, format!("{base}/tickets/4242"), None)
            .await
            .status(),
        404
    );
    let bad_agent = json!({"note": "x", "agent_id": 999});
    assert_eq!(
        admin(
            Method::POST,
            format!("{base}/tickets/{id}/actions"),
            Some(bad_agent)
        )
        .await
        .status(),
        400
    );
    halo.stop().await;
}

#[tokio::test]
async fn knobs_over_the_admin_api() {
    let halo = start().await;
    let base = format!("{}/_admin", halo.base_url());
    use reqwest::Method;
    let token = token(&halo).await;

    let faults = json!({"share_500": 1.0});
    let plan = json(
        admin(
            Method::PUT,
            format!("{base}/faults/ticket_get"),
            Some(faults),
        )
        .await,
    )
    .await;
    assert_eq!(plan["routes"]["ticket_get"]["share_500"], 1.0);
    assert_eq!(get(&halo, &token, "/Tickets/1").await.status(), 500);
    admin(Method::DELETE, format!("{base}/faults"), None).await;
    assert_eq!(get(&halo, &token, "/Tickets/1").await.status(), 404);
    let unknown = admin(Method::PUT, format!("{base}/faults/nope"), Some(json!({}))).await;
    assert_eq!(unknown.status(), 404);

    let script = json!([{"kind": "rate_limited", "retry_after_secs": 2}, {"kind": "error_500"}]);
    let queued = json(
        admin(
            Method::POST,
            format!("{base}/faults/lookups/script"),
            Some(script),
        )
        .await,
    )
    .await;
    assert_eq!(queued["queued"], 2);
    assert_eq!(get(&halo, &token, "/Status").await.status(), 429);
    assert_eq!(get(&halo, &token, "/Status").await.status(), 500);
    assert_eq!(get(&halo, &token, "/Status").await.status(), 200);

    let counters = json(admin(Method::GET, format!("{base}/counters"), None).await).await;
    assert_eq!(counters["lookups"], json!({"200": 1, "429": 1, "500": 1}));

    let settings = json!({"token_lifetime_secs": 9, "reference_filter": "exact"});
    let patched =
        json(admin(Method::PATCH, format!("{base}/settings"), Some(settings)).await).await;
    assert_eq!(
        (
            patched["token_lifetime_secs"].as_u64(),
            patched["enforce_scopes"].as_bool()
        ),
        (Some(9), Some(true))
    );
    assert_eq!(halo.settings().token_lifetime_secs, 9);
    let bad = admin(
        Method::PATCH,
        format!("{base}/settings"),
        Some(json!({"nope": 1})),
    )
    .await;
    assert_eq!(bad.status(), 400);

    let revoked = json(admin(Method::POST, format!("{base}/tokens/revoke"), None).await).await;
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(get(&halo, &token, "/Status").await.status(), 401);

    let hook = json!({"url": "http://127.0.0.1:9/hook", "secret": "s3cr3t", "secret_in": "query"});
    let shown = admin(Method::PUT, format!("{base}/webhook"), Some(hook))
        .await
        .text()
        .await
        .unwrap();
    assert!(shown.contains("***") && !shown.contains("s3cr3t"));
    assert!(halo.set_webhook(None).is_ok());
    let deliveries = json(admin(Method::GET, format!("{base}/deliveries"), None).await).await;
    assert_eq!(deliveries, json!({"deliveries": []}));
    halo.stop().await;
}

#[tokio::test]
async fn reset_clears_tickets_tokens_faults_counters_and_settings() {
    let halo = start().await;
    let token = token(&halo).await;
    halo.create_ticket(&TicketInput::with_summary("s")).unwrap();
    halo.set_token_lifetime(5);
    halo.set_route_faults(
        Route::Lookups,
        mock_halo::RouteFaults {
            share_500: 1.0,
            ..Default::default()
        },
    );
    let reset = http()
        .post(format!("{}/_admin/reset", halo.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert!(halo.tickets().is_empty());
    assert_eq!(halo.counters().total(), 0);
    assert_eq!(halo.settings().token_lifetime_secs, 3600);
    assert!(halo.faults().routes.is_empty());
    assert_eq!(
        get(&halo, &token, "/Status").await.status(),
        401,
        "tokens are gone"
    );
    let id = halo
        .create_ticket(&TicketInput::with_summary("again"))
        .unwrap()
        .id;
    assert_eq!(id, 1001, "ids start over");
    halo.stop().await;
}

#[tokio::test]
async fn waits_return_what_they_waited_for_or_time_out() {
    let halo = start().await;
    let early = halo.wait_for_tickets(1, Duration::from_millis(50)).await;
    assert_eq!(
        early.unwrap_err(),
        WaitTimeout {
            what: "1 ticket(s)".into(),
            waited: Duration::from_millis(50)
        }
    );

    let base = halo.api_url();
    let token = token(&halo).await;
    let creator = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        http()
            .post(format!("{base}/Tickets"))
            .bearer_auth(token)
            .json(&json!([{"summary": "later"}]))
            .send()
            .await
    });
    let tickets = halo
        .wait_for_tickets(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(tickets[0].summary, "later");
    assert_eq!(creator.await.unwrap().unwrap().status(), 201);
    let actions = halo
        .wait_for_actions(tickets[0].id, 1, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(actions[0].outcome, "New");
    halo.wait_for_calls(Route::TicketsPost, 1, Duration::from_secs(1))
        .await
        .unwrap();
    halo.stop().await;
}

#[tokio::test]
async fn look_ups_have_the_stock_rows() {
    let halo = start().await;
    let token = token(&halo).await;
    let agents = json(get(&halo, &token, "/Agent").await).await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == 6 && a["name"] == "Sam Technician")
    );
    let statuses = json(get(&halo, &token, "/Status").await).await;
    let status_ids: Vec<i64> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert!([1, 2, 9, 10].iter().all(|id| status_ids.contains(id)));
    let types = json(get(&halo, &token, "/TicketType").await).await;
    assert!(
        types
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == 29 && t["name"] == "Security Incident")
    );
    let priorities = json(get(&halo, &token, "/Priority").await).await;
    let row = &priorities[0];
    assert!(
        row["id"].is_string()
            && row["slaid"].is_i64()
            && row["priorityid"].is_i64()
            && row["name"].is_string()
    );
    let outcomes = json(get(&halo, &token, "/Outcome").await).await;
    for name in ["Private Note", "Public Note", "Close"] {
        assert!(
            outcomes
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["outcome"] == name),
            "{name}"
        );
    }
    let clients = json(get(&halo, &token, "/Client").await).await;
    assert_eq!(
        clients["record_count"].as_u64(),
        clients["clients"].as_array().map(|c| c.len() as u64)
    );
    assert!(
        clients["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == 12 && c["name"] == "Contoso Ltd")
    );
    halo.stop().await;
}
