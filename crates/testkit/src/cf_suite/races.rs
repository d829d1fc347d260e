//! Deliveries that arrive at once (contract §3 steps 7 and 9): fifty copies of
//! one event, and fifty events of one incident, must leave one ticket and one
//! note per distinct later event.

use std::collections::BTreeSet;

use serde_json::json;

use super::harness::{CfBed, SETTLE, Target, assert_not_finished};
use crate::{Incident, Reply};

const COPIES: usize = 50;

/// Sends `count` deliveries at once; the `n`th under `event_id(n)`.
async fn burst(bed: &CfBed, incident: &Incident, event_id: impl Fn(usize) -> String) -> Vec<Reply> {
    let body = incident.text();
    let sends = (0..COPIES).map(|n| {
        let sender = bed.sender.clone();
        let body = body.clone();
        let event_id = event_id(n);
        tokio::spawn(async move { sender.cf(&event_id, &body).await })
    });
    let mut replies = Vec::with_capacity(COPIES);
    for send in sends.collect::<Vec<_>>() {
        replies.push(send.await.expect("a sending task"));
    }
    replies
}

/// Fifty copies of one event at once: one ticket, and every answer is
/// `created` or `duplicate` naming it (or, when not ready in time, the
/// edition's 202 / 503). Copies that waited for the first may say `created`
/// too: they answer as the first did.
pub async fn fifty_copies_of_one_event_make_one_ticket(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-copies");
    let replies = burst(&bed, &incident, |_| "same-event".to_owned()).await;

    let ticket = bed.wait_ticket(&incident.reference(), SETTLE).await;
    for reply in &replies {
        // A copy that waited for the first answers as the first did.
        match reply.body["status"].as_str() {
            Some("created" | "duplicate") => {}
            _ => {
                assert_not_finished(target.edition, reply, "same-event");
                continue;
            }
        }
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body["ticketId"], json!(ticket.id), "{reply:?}");
    }
    assert_eq!(bed.tickets_for(&incident.reference()).len(), 1);
    assert!(
        bed.private_notes(ticket.id).is_empty(),
        "a copy added a note"
    );
    assert_eq!(bed.halo.tickets().len(), 1);
    bed.stop().await;
}

/// Fifty events of one incident at once: one ticket and one private note for
/// each of the 49 other events, none doubled.
pub async fn fifty_events_of_one_incident_make_one_ticket_and_49_notes(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let incident = Incident::new("inc-events");
    let replies = burst(&bed, &incident, |n| format!("event-{n:02}")).await;

    let ticket = bed.wait_ticket(&incident.reference(), SETTLE).await;
    let notes = bed
        .halo
        .wait_until(SETTLE, "49 private notes", |halo| {
            let notes = super::harness::private_notes(halo, ticket.id);
            (notes.len() >= COPIES - 1).then_some(notes)
        })
        .await
        .expect("every later event leaves a note");

    let mut created = BTreeSet::new();
    for (n, reply) in replies.iter().enumerate() {
        match reply.body["status"].as_str() {
            Some("created") => {
                created.insert(n);
            }
            Some("updated") => {}
            _ => {
                assert_not_finished(target.edition, reply, &format!("event-{n:02}"));
                continue;
            }
        }
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body["ticketId"], json!(ticket.id), "{reply:?}");
    }
    assert!(
        created.len() <= 1,
        "several answers said created: {created:?}"
    );
    assert_eq!(bed.halo.tickets().len(), 1, "one incident, one ticket");

    // Each note names one event; together they name every event but the creating one.
    let mut named: Vec<usize> = notes
        .iter()
        .map(|note| {
            let events: Vec<usize> = (0..COPIES)
                .filter(|n| note.note_html.contains(&format!("event-{n:02})")))
                .collect();
            assert_eq!(
                events.len(),
                1,
                "a note naming {events:?}: {}",
                note.note_html
            );
            events[0]
        })
        .collect();
    named.sort_unstable();
    let distinct: BTreeSet<usize> = named.iter().copied().collect();
    assert_eq!(distinct.len(), named.len(), "a doubled note: {named:?}");
    assert_eq!(named.len(), COPIES - 1);
    if let Some(first) = created.first() {
        assert!(
            !distinct.contains(first),
            "the creating event also left a note"
        );
    }
    bed.stop().await;
}
