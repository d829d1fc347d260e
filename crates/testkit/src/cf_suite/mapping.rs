//! What lands in Halo (contract §3, ticket mapping), field by field: summary,
//! escaped details, priority and client tables, ticket type, and the reference
//! in each of its three places, found again there by a bridge with an empty store.

use mock_halo::{Route, Ticket, TicketInput};
use serde_json::{Value, json};

use super::harness::{CfBed, Target};
use crate::{DEFAULT_CLIENT, Incident, MAPPED_ACCOUNT, MAPPED_CLIENT, TICKET_TYPE};

/// Creates a ticket for `incident` and returns it as Halo holds it.
async fn ticket_of(bed: &CfBed, event_id: &str, incident: &Incident) -> Ticket {
    let ticket_id = bed.create(event_id, incident).await;
    let ticket = bed.only_ticket(&incident.reference());
    assert_eq!(ticket.id, ticket_id);
    ticket
}

/// Every mapped field of the standard incident.
pub async fn a_ticket_carries_every_mapped_field(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11")
        .with("accountId", json!(MAPPED_ACCOUNT.to_uppercase()))
        .with(
            "description",
            json!("Sign-ins from two countries\nwithin 10 minutes."),
        );
    let ticket = ticket_of(&bed, "f-1", &incident).await;

    assert_eq!(ticket.summary, "[CF #1234] Suspicious sign-in activity");
    assert_eq!(ticket.priority_id, 1, "High");
    assert_eq!(
        ticket.client_id, MAPPED_CLIENT,
        "account matched in any case"
    );
    assert_eq!(ticket.tickettype_id, TICKET_TYPE);
    assert_eq!(ticket.thirdpartynumber, incident.reference());
    assert_eq!(
        incident.reference(),
        "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11"
    );
    let html = &ticket.details_html;
    for fact in [
        "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11",
        "#1234",
        "Suspicious sign-in activity",
        "High",
        "Microsoft Sentinel",
        "2026-04-22T14:55:00Z",
        "Alex Analyst",
        "alex@example.com",
        "Sign-ins from two countries",
        "within 10 minutes.",
        "Impossible travel",
        "User: alex@example.com",
        "IP: 203.0.113.42",
    ] {
        assert!(html.contains(fact), "{fact:?} missing from\n{html}");
    }
    bed.stop().await;
}

/// `[CF] title` without a number; 200 chars at most, cut between characters
/// (never inside one), without an ellipsis, whatever the script.
pub async fn summaries_are_prefixed_and_cut_to_200_chars(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let unnumbered = Incident::new("inc-no-number").without("incidentNumber");
    let ticket = ticket_of(&bed, "sum-0", &unnumbered).await;
    assert_eq!(ticket.summary, "[CF] Suspicious sign-in activity");
    let exact = "x".repeat(200 - "[CF #1234] ".len());
    let ticket = ticket_of(
        &bed,
        "sum-1",
        &Incident::new("inc-exact").with("title", json!(exact)),
    )
    .await;
    assert_eq!(ticket.summary, format!("[CF #1234] {exact}"));

    let titles = [
        ("emoji", "🛡️🔥😀".repeat(80)),
        ("combining", "e\u{301}a\u{308}".repeat(60)),
        ("cjk", "不審なサインイン活動".repeat(25)),
        ("mixed", format!("{}😀{}", "a".repeat(187), "b".repeat(20))),
    ];
    for (n, (name, title)) in titles.iter().enumerate() {
        let incident = Incident::new(&format!("inc-{name}")).with("title", json!(title));
        let ticket = ticket_of(&bed, &format!("sum-{}", n + 2), &incident).await;
        let expected: String = format!("[CF #1234] {title}").chars().take(200).collect();
        assert_eq!(ticket.summary.chars().count(), 200, "{name}");
        assert_eq!(ticket.summary, expected, "{name}");
    }
    bed.stop().await;
}

/// Markup in the title, description, alerts and entity names arrives escaped.
pub async fn markup_in_incident_values_is_escaped_in_the_details(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let hostile = "<script>alert(1)</script>";
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let incident = Incident::new("inc-markup")
        .with("title", json!(hostile))
        .with("description", json!(format!("before {hostile} after")))
        .with(
            "entities",
            json!([
                {"type": "Host", "displayName": hostile},
                {"type": hostile, "displayName": "h"},
            ]),
        )
        .with(
            "alerts",
            json!([{"title": hostile, "severity": "High", "productName": "P & Q"}]),
        );
    let ticket = ticket_of(&bed, "x-1", &incident).await;
    let html = &ticket.details_html;
    assert!(!html.contains("<script"), "raw markup in\n{html}");
    for expected in [
        format!("Title:</strong> {escaped}"),
        format!("before {escaped} after"),
        format!("Host: {escaped}"),
        format!("{escaped}: h"),
        format!("[High] {escaped} (P &amp; Q)"),
    ] {
        assert!(
            html.contains(&expected),
            "{expected:?} missing from\n{html}"
        );
    }
    assert_eq!(
        ticket.summary,
        format!("[CF #1234] {hostile}"),
        "the summary is text"
    );
    bed.stop().await;
}

/// Severity → priority with the default table and with a custom one; absent and
/// unknown severities take Low's priority.
async fn priorities(target: Target, map: Option<&str>, expected: [i64; 8]) {
    let map = map.map(str::to_owned);
    let Some(bed) = CfBed::start(target.edition, |v| match map {
        Some(map) => v.set("HALO_PRIORITY_MAP", map),
        None => v,
    })
    .await
    else {
        return;
    };
    let severities = [
        json!("High"),
        json!("medium"),
        json!("LOW"),
        json!("Informational"),
        json!("Critical"),
        json!(""),
        Value::Null,
        json!(3),
    ];
    for (n, (severity, priority)) in severities.iter().zip(expected).enumerate() {
        let incident = Incident::new(&format!("inc-sev-{n}")).with("severity", severity.clone());
        let ticket = ticket_of(&bed, &format!("p-{n}"), &incident).await;
        assert_eq!(ticket.priority_id, priority, "severity {severity}");
    }
    let absent = Incident::new("inc-sev-absent").without("severity");
    assert_eq!(
        ticket_of(&bed, "p-absent", &absent).await.priority_id,
        expected[2]
    );
    bed.stop().await;
}

pub async fn priority_follows_the_default_map(target: Target) {
    priorities(target, None, [1, 2, 3, 3, 3, 3, 3, 3]).await;
}

pub async fn priority_follows_a_custom_map(target: Target) {
    let map = "High=4, Medium=5, Low=6, Informational=7";
    priorities(target, Some(map), [4, 5, 6, 7, 6, 6, 6, 6]).await;
}

/// `HALO_CLIENT_MAP` by account id in any case, else `HALO_DEFAULT_CLIENT_ID`.
pub async fn client_follows_the_client_map_else_the_default(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| {
        v.set(
            "HALO_CLIENT_MAP",
            format!("{MAPPED_ACCOUNT}={MAPPED_CLIENT}, Other-Account=44"),
        )
    })
    .await
    else {
        return;
    };
    let cases = [
        (json!(MAPPED_ACCOUNT), MAPPED_CLIENT),
        (json!(MAPPED_ACCOUNT.to_uppercase()), MAPPED_CLIENT),
        (json!("other-account"), 44),
        (json!("unmapped-account"), DEFAULT_CLIENT),
        (Value::Null, DEFAULT_CLIENT),
    ];
    for (n, (account, client)) in cases.into_iter().enumerate() {
        let incident = Incident::new(&format!("inc-client-{n}")).with("accountId", account.clone());
        let ticket = ticket_of(&bed, &format!("c-{n}"), &incident).await;
        assert_eq!(ticket.client_id, client, "account {account}");
        assert_eq!(ticket.tickettype_id, TICKET_TYPE);
    }
    bed.stop().await;
}

/// Where the reference goes, per configuration.
#[derive(Debug, Clone, Copy)]
enum RefPlace {
    ThirdPartyNumber,
    ThirdPartyIdString,
    CustomField(i64),
}

impl RefPlace {
    fn read(self, ticket: &Ticket) -> Option<String> {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        match self {
            RefPlace::ThirdPartyNumber => text(&ticket.thirdpartynumber),
            RefPlace::ThirdPartyIdString => text(&ticket.third_party_id_string),
            RefPlace::CustomField(id) => ticket
                .custom_field(id)
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// The reference lands in the configured field and nowhere else, and a bridge
/// with an empty store finds the ticket through that field: a new event of the
/// incident becomes a note on it, not a second ticket.
async fn reference_round_trip(target: Target, place: RefPlace, vars: &[(&str, &str)]) {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let Some(mut bed) = CfBed::start(target.edition, |mut v| {
        for (name, value) in vars {
            v = v.set(&name, value);
        }
        v
    })
    .await
    else {
        return;
    };
    let incident = Incident::new("inc-ref");
    let reference = incident.reference();
    let ticket = ticket_of(&bed, "ref-1", &incident).await;
    assert_eq!(place.read(&ticket), Some(reference.clone()));
    let elsewhere = [
        RefPlace::ThirdPartyNumber,
        RefPlace::ThirdPartyIdString,
        RefPlace::CustomField(7),
    ]
    .into_iter()
    .filter(|other| format!("{other:?}") != format!("{place:?}"))
    .filter_map(|other| other.read(&ticket))
    .collect::<Vec<_>>();
    assert!(elsewhere.is_empty(), "reference also in {elsewhere:?}");

    bed.restart_with_fresh_store().await;
    bed.halo.reset_counters();
    bed.update("ref-2", &incident, ticket.id).await;
    assert!(
        bed.halo.counters().route_total(Route::TicketsList) >= 1,
        "no lookup"
    );
    assert_eq!(bed.only_ticket(&reference).id, ticket.id);
    let notes = bed.private_notes(ticket.id);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].note_html.contains("ref-2"));
    bed.stop().await;
}

pub async fn reference_in_thirdpartynumber_by_default(target: Target) {
    reference_round_trip(target, RefPlace::ThirdPartyNumber, &[]).await;
}

pub async fn reference_in_third_party_id_string(target: Target) {
    let vars = [("HALO_EXTERNAL_REF_FIELD", "third_party_id_string")];
    reference_round_trip(target, RefPlace::ThirdPartyIdString, &vars).await;
}

pub async fn reference_in_a_custom_field_wins_over_the_named_field(target: Target) {
    let vars = [
        ("HALO_EXTERNAL_REF_FIELD_ID", "7"),
        ("HALO_EXTERNAL_REF_FIELD", "third_party_id_string"),
    ];
    reference_round_trip(target, RefPlace::CustomField(7), &vars).await;
}

/// Halo's reference search matches loosely (a "contains", any case); a ticket
/// whose reference merely resembles the incident's is not taken for it.
pub async fn a_ticket_with_a_similar_reference_is_not_taken(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-1");
    for similar in [
        "cf|sentinel|inc-10",
        "CF|SENTINEL|INC-1",
        "x-cf|sentinel|inc-1",
    ] {
        bed.halo
            .create_ticket(&TicketInput {
                thirdpartynumber: Some(similar.to_owned()),
                ..TicketInput::with_summary(format!("Other ticket {similar}"))
            })
            .expect("a ticket logged by hand");
    }
    let ticket = ticket_of(&bed, "sim-1", &incident).await;
    assert_eq!(ticket.summary, "[CF #1234] Suspicious sign-in activity");
    assert_eq!(bed.halo.tickets().len(), 4);
    for other in bed.halo.tickets().iter().filter(|t| t.id != ticket.id) {
        assert!(
            bed.private_notes(other.id).is_empty(),
            "note on {}",
            other.id
        );
    }
    bed.stop().await;
}
