//! Look-ups: the bridge's own agent and the id lists, bare or wrapped.

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::support::*;

#[tokio::test]
async fn me_is_the_agent_the_bridge_logs_in_as() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Agent/me").and(ExactQuery::new(&[])),
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": "21", "name": "ContraForce Integration"})),
        1,
    )
    .await;

    let me = h.client.me().await.unwrap();
    assert_eq!(
        (me.id, me.name.as_deref()),
        (21, Some("ContraForce Integration"))
    );
}

#[tokio::test]
async fn bare_id_lists_with_loose_ids() {
    let h = Harness::new().await;
    h.token(1).await;
    let rows =
        json!([{"id": 1, "name": "New"}, {"id": "9", "name": "Closed"}, {"id": 21.0, "name": "x"}]);
    for route in [
        "/api/Status",
        "/api/TicketType",
        "/api/Outcome",
        "/api/Agent",
    ] {
        api("GET", route)
            .respond_with(ResponseTemplate::new(200).set_body_json(rows.clone()))
            .expect(1)
            .mount(&h.server)
            .await;
    }

    let statuses = h.client.statuses().await.unwrap();
    let types = h.client.ticket_types().await.unwrap();
    let outcomes = h.client.outcomes().await.unwrap();
    let agents = h.client.agents().await.unwrap();
    let expected = vec![1, 9, 21];
    assert_eq!(statuses.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    assert_eq!(types.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    assert_eq!(outcomes.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    assert_eq!(agents.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    assert_eq!(statuses[1].name.as_deref(), Some("Closed"));
}

#[tokio::test]
async fn priorities_carry_a_guid_row_id_and_the_priority_number() {
    let h = Harness::new().await;
    h.token(1).await;
    let rows = json!([
        {"id": "b9f1c7a2-3d4e-4f50-8a61-7c2d9e0f1a23", "priorityid": 1, "slaid": 3,
         "name": "Critical"},
        {"id": "c0ffee00-3d4e-4f50-8a61-7c2d9e0f1a23", "priorityid": "1", "slaid": 4.0,
         "name": "Critical"},
    ]);
    h.expect(
        api("GET", "/api/Priority"),
        ResponseTemplate::new(200).set_body_json(rows),
        1,
    )
    .await;

    let priorities = h.client.priorities().await.unwrap();
    assert_eq!(priorities.len(), 2);
    assert_eq!(
        priorities[0].id.as_deref(),
        Some("b9f1c7a2-3d4e-4f50-8a61-7c2d9e0f1a23")
    );
    assert_eq!(priorities[1].priorityid, Some(1));
    assert_eq!(priorities[1].slaid, Some(4));
}

#[tokio::test]
async fn clients_wrapped_or_bare() {
    let h = Harness::new().await;
    h.token(1).await;
    api("GET", "/api/Client")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "record_count": 1, "clients": [{"id": 12, "name": "Contoso Ltd"}]
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    h.expect(
        api("GET", "/api/Client"),
        ResponseTemplate::new(200).set_body_json(json!([{"id": "13", "name": "Fabrikam"}])),
        1,
    )
    .await;

    assert_eq!(
        h.client.clients().await.unwrap()[0].name.as_deref(),
        Some("Contoso Ltd")
    );
    assert_eq!(h.client.clients().await.unwrap()[0].id, 13);
}
