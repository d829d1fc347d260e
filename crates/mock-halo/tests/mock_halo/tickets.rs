//! `/api/Tickets`: the list wrapper, page cap, filters, open/closed, get,
//! array-only posts, update merge, `returnall`, and the serialisation quirks.

use mock_halo::{MockHaloConfig, Settings, TicketInput};
use serde_json::{Value, json};

use crate::support::{config, create_ticket, get, json, post, start, start_with, token};

fn ids(body: &Value) -> Vec<i64> {
    body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_list_is_wrapped_and_a_page_never_holds_more_than_100() {
    let halo = start().await;
    for n in 0..120 {
        halo.create_ticket(&TicketInput::with_summary(format!("t{n}")))
            .unwrap();
    }
    let token = token(&halo).await;

    let first = json(
        get(
            &halo,
            &token,
            "/Tickets?pageinate=true&page_size=500&page_no=1",
        )
        .await,
    )
    .await;
    assert_eq!(first["page_no"], 1);
    assert_eq!(first["page_size"], 100);
    assert_eq!(first["record_count"], 120);
    assert_eq!(ids(&first).len(), 100);
    assert_eq!(ids(&first)[0], 1120, "newest first");

    let second = json(
        get(
            &halo,
            &token,
            "/Tickets?pageinate=true&page_size=500&page_no=2",
        )
        .await,
    )
    .await;
    assert_eq!(ids(&second).len(), 20);
    assert_eq!(*ids(&second).last().unwrap(), 1001);

    let counted = json(get(&halo, &token, "/Tickets?count=7").await).await;
    assert_eq!(ids(&counted).len(), 7);
    let plain = json(get(&halo, &token, "/Tickets").await).await;
    assert_eq!(ids(&plain).len(), 50);
    halo.stop().await;
}

#[tokio::test]
async fn reference_filters_match_case_insensitively_by_contains() {
    let halo = start().await;
    let token = token(&halo).await;
    let a = create_ticket(
        &halo,
        &token,
        json!({"summary": "a", "thirdpartynumber": "cf|s|ABC"}),
    )
    .await;
    let b = create_ticket(
        &halo,
        &token,
        json!({"summary": "b", "thirdpartynumber": "cf|s|abc-2"}),
    )
    .await;
    let c = create_ticket(
        &halo,
        &token,
        json!({"summary": "c", "third_party_id_string": "cf|s|abc"}),
    )
    .await;
    let d = create_ticket(
        &halo,
        &token,
        json!({"summary": "d", "customfields": [{"id": 7, "value": "cf|s|Abc"}]}),
    )
    .await;

    let by_number = json(get(&halo, &token, "/Tickets?thirdpartynumber=cf%7Cs%7Cabc").await).await;
    assert_eq!(ids(&by_number), vec![b, a]);
    let by_string =
        json(get(&halo, &token, "/Tickets?third_party_id_string=CF%7CS%7CABC").await).await;
    assert_eq!(ids(&by_string), vec![c]);
    let by_field =
        json(get(&halo, &token, "/Tickets?searchcustomfield_7=cf%7Cs%7Cabc").await).await;
    assert_eq!(ids(&by_field), vec![d]);

    halo.update_settings(|s| s.reference_filter = mock_halo::FilterMode::Exact);
    let exact = json(get(&halo, &token, "/Tickets?thirdpartynumber=cf%7Cs%7CABC").await).await;
    assert_eq!(ids(&exact), vec![a]);
    halo.update_settings(|s| s.reference_filter = mock_halo::FilterMode::Ignored);
    let ignored = json(get(&halo, &token, "/Tickets?thirdpartynumber=nothing").await).await;
    assert_eq!(ids(&ignored).len(), 4);
    halo.stop().await;
}

#[tokio::test]
async fn open_only_and_closed_only_split_by_status() {
    let halo = start().await;
    let open = halo
        .create_ticket(&TicketInput::with_summary("open"))
        .unwrap()
        .id;
    let closed = halo
        .create_ticket(&TicketInput::with_summary("closed"))
        .unwrap()
        .id;
    halo.close_ticket(closed, 6, "").unwrap();
    let token = token(&halo).await;
    assert_eq!(
        ids(&json(get(&halo, &token, "/Tickets?open_only=true").await).await),
        vec![open]
    );
    assert_eq!(
        ids(&json(get(&halo, &token, "/Tickets?closed_only=true").await).await),
        vec![closed]
    );
    halo.stop().await;
}

#[tokio::test]
async fn get_returns_the_bare_ticket_with_quirks_and_404_when_unknown() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(
        &halo,
        &token,
        json!({"summary": "s", "tickettype_id": 29, "client_id": 12, "priority_id": 1}),
    )
    .await;
    let response = get(&halo, &token, &format!("/Tickets/{id}")).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("\"status_id\":1.0"),
        "status_id as a float: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["id"], id);
    assert_eq!(body["tickettype_id"], "29");
    assert_eq!(body["status_name"], "New");
    assert_eq!(body["client_name"], "Contoso Ltd");
    assert_eq!(body["dateclosed"], "1900-01-01T00:00:00");
    assert_eq!(body["hasbeenclosed"], false);
    assert!(
        body["priority"]["id"]
            .as_str()
            .is_some_and(|g| g.len() == 36)
    );
    let occurred = body["dateoccurred"].as_str().unwrap();
    assert_eq!(
        occurred.split('.').nth(1).map(str::len),
        Some(8),
        "7 digits and Z: {occurred}"
    );
    assert!(!body["last_update"].as_str().unwrap().ends_with('Z'));

    let missing = get(&halo, &token, "/Tickets/999999").await;
    assert_eq!(missing.status(), 404);
    halo.stop().await;
}

#[tokio::test]
async fn post_refuses_a_bare_object_with_a_halo_body() {
    let halo = start().await;
    let token = token(&halo).await;
    let response = post(&halo, &token, "/Tickets", &json!({"summary": "x"})).await;
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["ClassName"], "System.Exception");
    assert!(body["Message"].as_str().unwrap().contains("JSON array"));
    assert!(halo.tickets().is_empty());
    halo.stop().await;
}

#[tokio::test]
async fn post_creates_with_status_new_and_action_one_by_the_api_agent() {
    let halo = start().await;
    let token = token(&halo).await;
    let response = post(
        &halo,
        &token,
        "/Tickets",
        &json!([{"summary": "s", "details_html": "<p>d</p>", "thirdpartynumber": "cf|x|1"}]),
    )
    .await;
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    assert!(body.is_object());
    let id = body["id"].as_i64().unwrap();

    let stored = halo.ticket(id).unwrap();
    assert_eq!(stored.ticket.status_id, 1);
    assert_eq!(stored.ticket.thirdpartynumber, "cf|x|1");
    assert_eq!(stored.actions.len(), 1);
    let first = &stored.actions[0];
    assert_eq!(
        (first.id, first.who_agentid, first.outcome.as_str()),
        (1, 21, "New")
    );
    assert_eq!(first.note_html, "<p>d</p>");
    halo.stop().await;
}

#[tokio::test]
async fn post_answers_the_last_ticket_or_all_with_returnall() {
    let halo = start().await;
    let token = token(&halo).await;
    let two = json!([{"summary": "one"}, {"summary": "two"}]);
    let last = json(post(&halo, &token, "/Tickets", &two).await).await;
    assert_eq!(last["summary"], "two");
    let all = json(post(&halo, &token, "/Tickets?returnall=true", &two).await).await;
    let summaries: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, vec!["one", "two"]);
    assert_eq!(halo.tickets().len(), 4);
    halo.stop().await;
}

#[tokio::test]
async fn post_with_an_id_updates_only_the_fields_sent() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(
        &halo,
        &token,
        json!({
            "summary": "s", "client_id": 12,
            "customfields": [{"id": 7, "value": "a"}, {"id": 11, "value": 3}],
        }),
    )
    .await;
    let response = post(
        &halo,
        &token,
        "/Tickets",
        &json!([{"id": id, "priority_id": 2, "customfields": [{"id": 7, "value": "b"}]}]),
    )
    .await;
    assert_eq!(response.status(), 201);
    let ticket = halo.ticket(id).unwrap().ticket;
    assert_eq!(ticket.summary, "s");
    assert_eq!((ticket.client_id, ticket.priority_id), (12, 2));
    assert_eq!(ticket.custom_field(7), Some(&json!("b")));
    assert_eq!(ticket.custom_field(11), Some(&json!(3)));
    assert_eq!(halo.tickets().len(), 1, "an update creates nothing");

    let missing = post(
        &halo,
        &token,
        "/Tickets",
        &json!([{"id": 424242, "summary": "x"}]),
    )
    .await;
    assert_eq!(missing.status(), 400);
    halo.stop().await;
}

#[tokio::test]
async fn an_integer_sent_as_a_float_is_refused_and_nothing_is_stored() {
    let halo = start().await;
    let token = token(&halo).await;
    let response = post(
        &halo,
        &token,
        "/Tickets",
        &json!([{"summary": "ok"}, {"summary": "bad", "client_id": 95.0}]),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(
        json(response).await["Message"]
            .as_str()
            .unwrap()
            .contains("95.0")
    );
    assert!(halo.tickets().is_empty());
    halo.stop().await;
}

#[tokio::test]
async fn a_dropped_reference_field_is_not_kept() {
    let halo = start_with(MockHaloConfig {
        settings: Settings {
            dropped_fields: vec!["third_party_id_string".into()],
            ..Settings::default()
        },
        ..config()
    })
    .await;
    let token = token(&halo).await;
    let id = create_ticket(
        &halo,
        &token,
        json!({"summary": "s", "third_party_id_string": "cf|x|1", "thirdpartynumber": "cf|x|1"}),
    )
    .await;
    let body = json(get(&halo, &token, &format!("/Tickets/{id}")).await).await;
    assert_eq!(body["third_party_id_string"], "");
    assert_eq!(body["thirdpartynumber"], "cf|x|1");
    halo.stop().await;
}
