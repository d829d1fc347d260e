//! `/api/Actions`: outcome required, per-ticket ids, newest first,
//! `includehtmlnote`, `count`, and status changes through `new_status`.

use serde_json::{Value, json};

use crate::support::{create_ticket, get, json, post, start, token};

fn action_ids(body: &Value) -> Vec<i64> {
    body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_action_without_an_outcome_gets_halos_400_body() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(&halo, &token, json!({"summary": "s"})).await;
    let response = post(
        &halo,
        &token,
        "/Actions",
        &json!([{"ticket_id": id, "note_html": "x"}]),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        json(response).await,
        json!({
            "ClassName": "System.Exception",
            "Message": "An Outcome must be entered for this Action",
        })
    );
    assert_eq!(halo.actions(id).len(), 1);
    halo.stop().await;
}

#[tokio::test]
async fn actions_must_come_as_an_array_and_name_a_known_ticket() {
    let halo = start().await;
    let token = token(&halo).await;
    let object = post(
        &halo,
        &token,
        "/Actions",
        &json!({"ticket_id": 1, "outcome": "x"}),
    )
    .await;
    assert_eq!(object.status(), 400);
    let unknown = post(
        &halo,
        &token,
        "/Actions",
        &json!([{"ticket_id": 777, "outcome": "Private Note"}]),
    )
    .await;
    assert_eq!(unknown.status(), 400);
    assert!(
        json(unknown).await["Message"]
            .as_str()
            .unwrap()
            .contains("777")
    );
    halo.stop().await;
}

#[tokio::test]
async fn action_ids_are_a_sequence_per_ticket_and_lists_are_newest_first() {
    let halo = start().await;
    let token = token(&halo).await;
    let a = create_ticket(&halo, &token, json!({"summary": "a"})).await;
    let b = create_ticket(&halo, &token, json!({"summary": "b"})).await;
    for ticket in [a, a, b] {
        let note = json!([{
            "ticket_id": ticket, "outcome": "Private Note",
            "note_html": "<p>n</p>", "hiddenfromuser": true,
        }]);
        let response = post(&halo, &token, "/Actions", &note).await;
        assert_eq!(response.status(), 201);
        let body = json(response).await;
        assert!(body.is_object());
        assert_eq!(body["who_agentid"], 21, "the token's agent acts");
        assert_eq!(body["note_html"], "<p>n</p>");
    }
    let list = json(get(&halo, &token, &format!("/Actions?ticket_id={a}")).await).await;
    assert_eq!(list["ticket_id"], a);
    assert_eq!(list["record_count"], 3);
    assert_eq!(action_ids(&list), vec![3, 2, 1]);
    let other = json(get(&halo, &token, &format!("/Actions?ticket_id={b}")).await).await;
    assert_eq!(action_ids(&other), vec![2, 1]);
    halo.stop().await;
}

#[tokio::test]
async fn note_html_is_listed_only_with_includehtmlnote_and_count_limits() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(
        &halo,
        &token,
        json!({"summary": "s", "details_html": "<p>d</p>"}),
    )
    .await;
    halo.add_note(id, 6, "<p>second</p>", false).unwrap();

    let plain = json(get(&halo, &token, &format!("/Actions?ticket_id={id}")).await).await;
    assert!(plain["actions"][0].get("note_html").is_none());
    assert_eq!(plain["actions"][0]["note"], "second");

    let html = json(
        get(
            &halo,
            &token,
            &format!("/Actions?ticket_id={id}&includehtmlnote=true"),
        )
        .await,
    )
    .await;
    assert_eq!(html["actions"][0]["note_html"], "<p>second</p>");
    assert_eq!(html["actions"][0]["who"], "Sam Technician");
    assert_eq!(html["actions"][0]["who_type"], 1);

    let one = json(get(&halo, &token, &format!("/Actions?ticket_id={id}&count=1")).await).await;
    assert_eq!(action_ids(&one), vec![2]);
    halo.stop().await;
}

#[tokio::test]
async fn new_status_closes_and_hasbeenclosed_survives_a_reopen() {
    let halo = start().await;
    let token = token(&halo).await;
    let id = create_ticket(&halo, &token, json!({"summary": "s"})).await;
    let close = json!([{"ticket_id": id, "outcome_id": 2, "note_html": "done", "new_status": 9}]);
    let response = post(&halo, &token, "/Actions", &close).await;
    assert_eq!(response.status(), 201);
    assert_eq!(json(response).await["new_status"], 9);
    let ticket = json(get(&halo, &token, &format!("/Tickets/{id}")).await).await;
    assert_eq!(ticket["status_id"].as_f64(), Some(9.0));
    assert_eq!(ticket["hasbeenclosed"], true);
    assert_ne!(ticket["dateclosed"], "1900-01-01T00:00:00");

    let reopen = json!([{"ticket_id": id, "outcome": "Re-open"}]);
    assert_eq!(post(&halo, &token, "/Actions", &reopen).await.status(), 201);
    let ticket = halo.ticket(id).unwrap().ticket;
    assert_eq!((ticket.status_id, ticket.hasbeenclosed), (2, true));
    halo.stop().await;
}

#[tokio::test]
async fn actions_of_an_unknown_ticket_are_an_empty_list() {
    let halo = start().await;
    let token = token(&halo).await;
    let body = json(get(&halo, &token, "/Actions?ticket_id=5").await).await;
    assert_eq!(
        body,
        json!({"ticket_id": 5, "record_count": 0, "actions": []})
    );
    halo.stop().await;
}
