//! Contract §3 steps 1, 2 and 4–9 as a sender sees them: size limit, event id,
//! schema, payload shape, test deliveries, duplicates, notes and creates, each
//! with its exact answer and what reached Halo (or did not).

use mock_halo::Route;
use serde_json::{Value, json};

use super::harness::{
    CfBed, INCIDENT_CREATED, Target, assert_reply, created_id, delivery_headers, duplicate,
    signed_headers,
};
use crate::send::now_text;
use crate::{CF_SECRET, DEFAULT_CLIENT, Incident};

/// Step 1: a body of exactly `MAX_BODY_BYTES` goes through; one byte more is
/// refused before anything else is looked at.
pub async fn body_of_exactly_the_limit_is_accepted_one_more_byte_is_413(target: Target) {
    let incident = Incident::new("inc-limit");
    let body = incident.text();
    let limit = body.len();
    let Some(bed) = CfBed::start(target.edition, |v| {
        v.set("MAX_BODY_BYTES", limit.to_string())
    })
    .await
    else {
        return;
    };

    // JSON allows trailing white space, so the longer body is still a valid delivery.
    let longer = format!("{body} ");
    let reply = bed
        .post(&delivery_headers("e-over", &longer), &longer)
        .await;
    assert_reply(&reply, 413, json!({"error": "payload too large"}));
    let far_longer = format!("{body}{}", " ".repeat(64 * 1024));
    let reply = bed.post(&[], &far_longer).await;
    assert_reply(&reply, 413, json!({"error": "payload too large"}));
    assert_eq!(bed.halo.counters().total(), 0, "nothing reached Halo");

    let ticket_id = created_id(&bed.post(&delivery_headers("e-exact", &body), &body).await);
    assert_eq!(bed.only_ticket(&incident.reference()).id, ticket_id);
    bed.stop().await;
}

/// Step 2: no event id, an empty one or a blank one is refused, before the
/// signature is even checked.
pub async fn missing_or_empty_event_id_is_400(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let body = Incident::new("inc-event-id").text();
    let missing = json!({"error": "missing X-CF-Event-Id"});

    let mut headers = signed_headers(None, &body, CF_SECRET, &now_text());
    headers.push(("X-CF-Schema", INCIDENT_CREATED.to_owned()));
    assert_reply(&bed.post(&headers, &body).await, 400, missing.clone());
    for blank in ["", "   "] {
        let mut with_blank = headers.clone();
        with_blank.push(("X-CF-Event-Id", blank.to_owned()));
        assert_reply(&bed.post(&with_blank, &body).await, 400, missing.clone());
    }
    // Badly signed as well: the event id is still what is reported.
    let unsigned = [("X-CF-Schema", INCIDENT_CREATED.to_owned())];
    assert_reply(&bed.post(&unsigned, &body).await, 400, missing);

    assert_eq!(bed.halo.counters().total(), 0, "nothing reached Halo");
    bed.stop().await;
}

/// Step 4: the schema header (any case) decides; without it the body's `type`.
/// Anything else is ignored, even a body that is not JSON, but only once the
/// signature holds.
pub async fn unhandled_schema_is_ignored_by_header_or_body_type(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let ignored = json!({"status": "ignored", "reason": "unhandled schema"});
    let signed = |event_id: &str, body: &str, schema: Option<&str>| {
        let mut headers = signed_headers(Some(event_id), body, CF_SECRET, &now_text());
        if let Some(schema) = schema {
            headers.push(("X-CF-Schema", schema.to_owned()));
        }
        headers
    };

    let other = Incident::new("inc-schema").top("type", json!("incident.closed.v1"));
    let right = Incident::new("inc-schema");
    let untyped = Incident::new("inc-schema").top("type", Value::Null);
    let cases: [(&str, &Incident, Option<&str>); 4] = [
        ("s-1", &right, Some("incident.updated.v1")),
        ("s-2", &other, None),
        ("s-3", &untyped, None),
        ("s-4", &right, Some("")),
    ];
    for (event_id, incident, schema) in cases {
        let body = incident.text();
        let reply = bed.post(&signed(event_id, &body, schema), &body).await;
        assert_reply(&reply, 200, ignored.clone());
    }
    let not_json = "this is not JSON";
    let reply = bed
        .post(
            &signed("s-5", not_json, Some("incident.deleted.v1")),
            not_json,
        )
        .await;
    assert_reply(&reply, 200, ignored.clone());

    let mut badly_signed = signed("s-6", &other.text(), None);
    badly_signed.retain(|(name, _)| *name != "X-CF-Signature");
    let reply = bed.post(&badly_signed, &other.text()).await;
    assert_reply(&reply, 401, json!({"error": "invalid signature"}));
    assert_eq!(bed.halo.counters().total(), 0, "nothing reached Halo");

    let body = right.text();
    let shouting = signed("s-7", &body, Some("INCIDENT.Created.V1"));
    let ticket_id = created_id(&bed.post(&shouting, &body).await);
    let typed = Incident::new("inc-typed");
    let body = typed.text();
    let by_type = created_id(&bed.post(&signed("s-8", &body, None), &body).await);
    assert_ne!(ticket_id, by_type);
    assert_eq!(bed.halo.tickets().len(), 2);
    bed.stop().await;
}

/// Step 5: each unusable body is refused with the path of what is wrong.
pub async fn malformed_payloads_name_the_field(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-malformed");
    let cases: Vec<(String, &str)> = vec![
        (
            r#"{"type":"incident.created.v1","data":{"incidentId":"#.to_owned(),
            "body: not valid JSON",
        ),
        ("[1,2]".to_owned(), "body: expected a JSON object"),
        (
            r#"{"type":"incident.created.v1"}"#.to_owned(),
            "data: missing",
        ),
        (
            r#"{"type":"incident.created.v1","data":null}"#.to_owned(),
            "data: missing",
        ),
        (
            r#"{"type":"incident.created.v1","data":"inc-1"}"#.to_owned(),
            "data: expected an object",
        ),
        (
            incident.clone().without("incidentId").text(),
            "data.incidentId: missing",
        ),
        (
            incident.clone().with("incidentId", Value::Null).text(),
            "data.incidentId: missing",
        ),
        (
            incident.clone().with("incidentId", json!(42)).text(),
            "data.incidentId: expected a string",
        ),
        (
            incident.clone().without("source").text(),
            "data.source: missing",
        ),
        (
            incident.clone().with("title", json!("")).text(),
            "data.title: empty",
        ),
        (
            incident.clone().with("title", json!(["a"])).text(),
            "data.title: expected a string",
        ),
    ];
    for (n, (body, detail)) in cases.iter().enumerate() {
        let reply = bed
            .post(&delivery_headers(&format!("m-{n}"), body), body)
            .await;
        assert_eq!(reply.status, 400, "{body}: {reply:?}");
        let got = reply.body["detail"].as_str().unwrap_or_default();
        assert!(got.starts_with(detail), "{body}: detail {got:?}");
        assert_reply(
            &reply,
            400,
            json!({"error": "malformed payload", "detail": got}),
        );
    }
    assert_eq!(bed.halo.counters().total(), 0, "nothing reached Halo");
    bed.stop().await;
}

/// Step 5's other half: every optional field may be absent or null.
pub async fn optional_fields_may_be_absent_or_null(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let mut nulled = Incident::new("inc-nulls");
    for field in [
        "accountId",
        "accountName",
        "incidentNumber",
        "description",
        "severity",
        "sourceDisplayName",
        "owner",
        "createdAt",
        "alerts",
        "entities",
    ] {
        nulled = nulled.with(field, Value::Null);
    }
    let bare = Incident {
        body: json!({"data": {"incidentId": "inc-bare", "source": "sentinel", "title": "Bare"}}),
    };
    for (event_id, incident) in [("o-1", &nulled), ("o-2", &bare)] {
        let ticket_id = bed.create(event_id, incident).await;
        let ticket = bed.only_ticket(&incident.reference());
        assert_eq!(ticket.id, ticket_id);
        assert!(ticket.summary.starts_with("[CF] "), "{}", ticket.summary);
        assert_eq!(ticket.client_id, DEFAULT_CLIENT);
        assert_eq!(ticket.priority_id, 3, "no severity counts as Low");
    }
    bed.stop().await;
}

/// Step 6: a test delivery, flagged by header (`true`/`1`, any case) or by
/// `isTest`, is answered without a single Halo call.
pub async fn test_deliveries_leave_halo_alone(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-test");
    let body = incident.text();
    for (n, flag) in ["true", "1", "TRUE", "True"].iter().enumerate() {
        let event_id = format!("t-{n}");
        let mut headers = delivery_headers(&event_id, &body);
        headers.push(("X-CF-Test", (*flag).to_owned()));
        let reply = bed.post(&headers, &body).await;
        assert_reply(&reply, 200, json!({"status": "test", "eventId": event_id}));
    }
    let flagged = incident.clone().top("isTest", json!(true));
    let reply = bed.deliver("t-body", &flagged).await;
    assert_reply(&reply, 200, json!({"status": "test", "eventId": "t-body"}));
    assert_eq!(
        bed.halo.counters().total(),
        0,
        "a test delivery reached Halo"
    );

    let mut headers = delivery_headers("t-real", &body);
    headers.push(("X-CF-Test", "false".to_owned()));
    created_id(&bed.post(&headers, &body).await);
    bed.stop().await;
}

/// Step 6 with `CF_PROCESS_TEST_DELIVERIES=true`: test deliveries are processed.
pub async fn test_deliveries_are_processed_when_configured(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| {
        v.set("CF_PROCESS_TEST_DELIVERIES", "true")
    })
    .await
    else {
        return;
    };
    let by_header = Incident::new("inc-test-header");
    let body = by_header.text();
    let mut headers = delivery_headers("pt-1", &body);
    headers.push(("X-CF-Test", "1".to_owned()));
    let ticket_id = created_id(&bed.post(&headers, &body).await);
    assert_eq!(bed.only_ticket(&by_header.reference()).id, ticket_id);

    let by_body = Incident::new("inc-test-body").top("isTest", json!(true));
    let ticket_id = bed.create("pt-2", &by_body).await;
    assert_eq!(bed.only_ticket(&by_body.reference()).id, ticket_id);
    bed.stop().await;
}

/// Step 7: an event id seen before answers `duplicate` with the ticket, whatever
/// the body, and Halo hears nothing of it.
pub async fn a_repeated_event_is_a_duplicate_without_halo_calls(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-dup");
    let ticket_id = bed.create("d-1", &incident).await;
    bed.update("d-2", &incident, ticket_id).await;

    bed.halo.reset_counters();
    let duplicate = duplicate(ticket_id);
    assert_reply(&bed.deliver("d-1", &incident).await, 200, duplicate.clone());
    assert_reply(&bed.deliver("d-2", &incident).await, 200, duplicate.clone());
    let other = Incident::new("inc-dup-other");
    assert_reply(&bed.deliver("d-1", &other).await, 200, duplicate);
    let counters = bed.halo.counters();
    assert_eq!(counters.total(), 0, "duplicates called Halo: {counters:?}");

    assert_eq!(bed.halo.tickets().len(), 1);
    assert_eq!(bed.private_notes(ticket_id).len(), 1);
    bed.stop().await;
}

/// Step 8: a new event for an incident that has a ticket adds one private note
/// naming the event; step 9 created the ticket.
pub async fn a_new_event_for_a_known_incident_adds_a_private_note(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-note");
    let ticket_id = bed.create("n-1", &incident).await;
    let summary = bed.only_ticket(&incident.reference()).summary;

    let changed = incident
        .clone()
        .with("title", json!("Suspicious sign-in activity (escalated)"))
        .with("severity", json!("Medium"));
    bed.halo.reset_counters();
    bed.update("n-2", &changed, ticket_id).await;
    let counters = bed.halo.counters();
    assert_eq!(counters.route_total(Route::TicketsPost), 0);
    assert_eq!(counters.route_total(Route::ActionsPost), 1);

    let ticket = bed.only_ticket(&incident.reference());
    assert_eq!(ticket.summary, summary, "the ticket itself is unchanged");
    let notes = bed.private_notes(ticket_id);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    let note = &notes[0];
    assert_eq!(note.outcome, "Private Note");
    assert!(note.hiddenfromuser);
    assert!(note.note_html.contains("n-2"), "{}", note.note_html);
    assert!(note.note_html.contains("inc-note"), "{}", note.note_html);
    bed.stop().await;
}

/// Step 8 with `HALO_PRIVATE_NOTE_OUTCOME` set to an outcome id.
pub async fn the_note_outcome_may_be_an_outcome_id(target: Target) {
    let Some(bed) =
        CfBed::start(target.edition, |v| v.set("HALO_PRIVATE_NOTE_OUTCOME", "20")).await
    else {
        return;
    };
    let incident = Incident::new("inc-outcome");
    let ticket_id = bed.create("oc-1", &incident).await;
    bed.update("oc-2", &incident, ticket_id).await;
    let notes = bed.private_notes(ticket_id);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        (notes[0].outcome_id, notes[0].outcome.as_str()),
        (20, "Rule Applied")
    );
    bed.stop().await;
}
