//! The mock's bodies against the fixtures of what real tenants send: every
//! field a fixture carries is there, with the same kind of value.

use mock_halo::{TicketInput, WebhookConfig};
use serde_json::{Map, Value, json};

use crate::support::{Receiver, get, json, start, token, token_response};

const TICKET: &str = include_str!("../data/halo-ticket.json");
const ACTIONS: &str = include_str!("../data/halo-actions.json");
const WEBHOOKS: &str = include_str!("../data/halo-webhooks.json");
const AUTH: &str = include_str!("../data/halo-auth.json");
const ERRORS: &str = include_str!("../data/halo-errors.json");

fn fixture(text: &str, key: &str) -> Value {
    let all: Value = serde_json::from_str(text).expect("fixture parses");
    all[key].clone()
}

/// Every key of `expected` is in `actual` with a value of the same JSON kind
/// (numbers count as one kind: Halo mixes 5, 5.0 and "5" on purpose elsewhere).
fn assert_same_shape(expected: &Map<String, Value>, actual: &Value, what: &str) {
    for (key, value) in expected {
        let got = actual
            .get(key)
            .unwrap_or_else(|| panic!("{what}: missing '{key}' in {actual}"));
        let kind = |v: &Value| match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) | Value::String(_) if key.ends_with("_id") || key == "id" => "id",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert_eq!(
            kind(value),
            kind(got),
            "{what}: '{key}' is {got}, the fixture has {value}"
        );
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn a_ticket_has_every_field_of_a_real_one() {
    let halo = start().await;
    let mut input = TicketInput::with_summary("s");
    input.customfields = vec![(7, json!("cf|x|1"))];
    let id = halo.create_ticket(&input).unwrap().id;
    let token = token(&halo).await;
    let ticket = json(get(&halo, &token, &format!("/Tickets/{id}")).await).await;
    assert_same_shape(&object(fixture(TICKET, "ticket")), &ticket, "ticket");
    let field = object(fixture(TICKET, "ticket")["customfields"][0].clone());
    assert_same_shape(&field, &ticket["customfields"][0], "custom field");
    halo.stop().await;
}

#[tokio::test]
async fn an_action_list_has_every_field_of_a_real_one() {
    let halo = start().await;
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    halo.close_ticket(id, 6, "<p>done</p>").unwrap();
    let token = token(&halo).await;
    let list = json(
        get(
            &halo,
            &token,
            &format!("/Actions?ticket_id={id}&includehtmlnote=true"),
        )
        .await,
    )
    .await;
    let expected = fixture(ACTIONS, "response");
    let wrapper: Map<String, Value> = object(expected.clone())
        .into_iter()
        .filter(|(k, _)| k != "actions")
        .collect();
    assert_same_shape(&wrapper, &list, "actions wrapper");
    assert_same_shape(
        &object(expected["actions"][0].clone()),
        &list["actions"][0],
        "close action",
    );
    halo.stop().await;
}

#[tokio::test]
async fn a_token_answer_and_error_bodies_match_real_ones() {
    let halo = start().await;
    let good = [
        ("grant_type", "client_credentials"),
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ];
    let success = json(token_response(&halo, &good).await).await;
    assert_same_shape(&object(fixture(AUTH, "success")), &success, "token");
    let bad = [
        ("grant_type", "client_credentials"),
        ("client_id", "x"),
        ("client_secret", "y"),
    ];
    let refused = json(token_response(&halo, &bad).await).await;
    assert_eq!(
        refused["error"],
        fixture(AUTH, "invalid_client_401")["error"]
    );

    let token = token(&halo).await;
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    let no_outcome = json!([{"ticket_id": id, "note": "x"}]);
    let body = json(crate::support::post(&halo, &token, "/Actions", &no_outcome).await).await;
    assert_eq!(body, fixture(ERRORS, "validation_400"));
    halo.script_faults(
        mock_halo::Route::Lookups,
        [mock_halo::Fault::RateLimited {
            retry_after_secs: None,
        }],
    );
    let limited = json(get(&halo, &token, "/Status").await).await;
    assert_eq!(limited, fixture(ERRORS, "rate_limited_429"));
    halo.stop().await;
}

#[tokio::test]
async fn webhook_payloads_have_every_field_of_real_ones() {
    let receiver = Receiver::start(vec![]).await;
    let halo = start().await;
    halo.set_webhook(Some(WebhookConfig::new(&receiver.url)))
        .unwrap();
    let id = halo
        .create_ticket(&TicketInput::with_summary("s"))
        .unwrap()
        .id;
    halo.add_note(id, 6, "<p>n</p>", false).unwrap();
    halo.close_ticket(id, 6, "").unwrap();
    halo.wait_for_deliveries(3, std::time::Duration::from_secs(5))
        .await
        .unwrap();
    let seen = receiver.seen();

    let added = object(fixture(WEBHOOKS, "action_added"));
    assert_same_shape(&added, &seen[1].body, "action event");
    let changed = object(fixture(WEBHOOKS, "ticket_status_changed"));
    assert_same_shape(&changed, &seen[2].body, "status event");
    let ticket = object(changed["ticket"].clone());
    assert_same_shape(&ticket, &seen[2].body["ticket"], "status event ticket");
    halo.stop().await;
    receiver.stop().await;
}
