//! Actions: adding a note (never blindly twice) and listing oldest first.

use std::time::Duration;

use halo_client::{HaloError, NewAction, OutcomeRef};
use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::body_json;

use crate::support::*;

fn private_note() -> NewAction {
    NewAction {
        ticket_id: 5123,
        outcome: OutcomeRef::Name("Private Note".into()),
        note_html: "<p>ContraForce event evt-1 seen again</p>".into(),
        hiddenfromuser: true,
        new_status: None,
    }
}

fn list_query() -> ExactQuery {
    ExactQuery::new(&[
        ("ticket_id", "5123"),
        ("includehtmlnote", "true"),
        ("count", "1000"),
    ])
}

#[tokio::test]
async fn add_action_posts_a_one_element_array() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("POST", "/api/Actions")
            .and(ExactQuery::new(&[]))
            .and(body_json(json!([{
                "ticket_id": 5123,
                "outcome": "Private Note",
                "note_html": "<p>ContraForce event evt-1 seen again</p>",
                "hiddenfromuser": true,
                "sendemail": false,
            }]))),
        ResponseTemplate::new(201).set_body_json(json!({
            "id": 5.0, "ticket_id": "5123", "outcome": "Private Note", "hiddenfromuser": true
        })),
        1,
    )
    .await;

    let action = h.client.add_action(&private_note()).await.unwrap();
    assert_eq!((action.id, action.ticket_id), (5, Some(5123)));
    assert!(action.hiddenfromuser);
}

#[tokio::test]
async fn add_action_without_an_outcome_is_rejected_with_halos_message() {
    let h = Harness::answering(
        "POST",
        "/api/Actions",
        ResponseTemplate::new(400).set_body_json(fixture(ERRORS, "validation_400")),
    )
    .await;

    let error = h.client.add_action(&private_note()).await.unwrap_err();
    assert_eq!(
        error,
        HaloError::Rejected {
            status: 400,
            message: "An Outcome must be entered for this Action".into()
        }
    );
}

#[tokio::test]
async fn an_add_action_that_times_out_is_uncertain_and_not_sent_again() {
    let h = Harness::answering(
        "POST",
        "/api/Actions",
        ResponseTemplate::new(201).set_delay(Duration::from_secs(2)),
    )
    .await;

    let error = h.client.add_action(&private_note()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
}

#[tokio::test]
async fn an_add_action_answered_with_502_is_uncertain_and_not_sent_again() {
    let h = Harness::answering("POST", "/api/Actions", ResponseTemplate::new(502)).await;

    let error = h.client.add_action(&private_note()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
}

#[tokio::test]
async fn list_actions_turns_newest_first_into_oldest_first() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Actions").and(list_query()),
        ResponseTemplate::new(200).set_body_json(fixture(ACTIONS, "response")),
        1,
    )
    .await;

    let actions = h.client.list_actions(5123).await.unwrap();
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert_eq!(
        actions[3].note_html.as_deref(),
        Some("<p>Password reset and sessions revoked.</p>")
    );
    assert!(actions[2].hiddenfromuser);
}

#[tokio::test]
async fn list_actions_reads_a_bare_array_and_drops_other_tickets_actions() {
    let h = Harness::new().await;
    h.token(1).await;
    let answer = json!([
        {"id": "3", "ticket_id": 5123, "note": "third"},
        {"id": 10, "ticket_id": 999, "note": "another ticket's"},
        {"id": 2.0, "ticket_id": "5123", "note": "second"},
        {"ID": 1, "Ticket_ID": 5123, "Note": "first"},
    ]);
    h.expect(
        api("GET", "/api/Actions").and(list_query()),
        ResponseTemplate::new(200).set_body_json(answer),
        1,
    )
    .await;

    let actions = h.client.list_actions(5123).await.unwrap();
    let notes: Vec<_> = actions.iter().map(|a| a.note.clone().unwrap()).collect();
    assert_eq!(notes, vec!["first", "second", "third"]);
}
