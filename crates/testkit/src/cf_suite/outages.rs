//! Halo in trouble (contract §3 step 10): 500s, 429s and timeouts for a while,
//! then recovery; and writes whose reply is lost after Halo stored them. The
//! function edition answers 503 with `Retry-After` and the sender's redelivery
//! finishes the job; the service and cluster editions answer 202 and finish by
//! themselves. Either way the incident ends with exactly one ticket.

use std::time::Duration;

use mock_halo::{Fault, Route, RouteFaults};
use serde_json::json;

use super::harness::{
    CfBed, SETTLE, Target, assert_not_finished, assert_reply, created_id, duplicate, updated,
};
use crate::Incident;

/// How long a reply waits before 202 in these tests (service, cluster).
const SHORT_BUDGET_MS: &str = "1000";
/// How long mock Halo holds a timed-out request before answering 504.
const SHORT_HOLD_MS: u64 = 300;

/// The faults of one outage.
#[derive(Debug, Clone, Copy)]
enum Outage {
    /// Every ticket create answers 500.
    CreateErrors,
    /// Every ticket search answers 429 with `Retry-After: 1`.
    SearchRateLimited,
    /// The token endpoint never answers in time.
    TokenTimeouts,
}

impl Outage {
    fn route(self) -> Route {
        match self {
            Outage::CreateErrors => Route::TicketsPost,
            Outage::SearchRateLimited => Route::TicketsList,
            Outage::TokenTimeouts => Route::Token,
        }
    }

    fn faults(self) -> RouteFaults {
        match self {
            Outage::CreateErrors => RouteFaults {
                share_500: 1.0,
                ..RouteFaults::default()
            },
            Outage::SearchRateLimited => RouteFaults {
                share_429: 1.0,
                retry_after_secs: 1,
                ..RouteFaults::default()
            },
            Outage::TokenTimeouts => RouteFaults {
                share_timeout: 1.0,
                ..RouteFaults::default()
            },
        }
    }
}

/// A bed whose replies turn into 202 after a second and whose mock Halo answers
/// a held request with 504 after a moment.
async fn with_short_waits(target: Target) -> Option<CfBed> {
    let bed = CfBed::start(target.edition, |v| {
        v.set("PROCESS_BUDGET_MS", SHORT_BUDGET_MS)
    })
    .await?;
    bed.halo.update_settings(|s| s.hold_ms = SHORT_HOLD_MS);
    Some(bed)
}

/// Halo fails for a while, then recovers: the edition's answer during the
/// outage, then exactly one ticket.
async fn outage_then_recovery(target: Target, outage: Outage) {
    let Some(bed) = with_short_waits(target).await else {
        return;
    };
    let route = outage.route();
    bed.halo.set_route_faults(route, outage.faults());
    let incident = Incident::new("inc-outage");
    let reference = incident.reference();

    let reply = bed.deliver("o-1", &incident).await;
    assert_not_finished(target.edition, &reply, "o-1");
    assert!(bed.tickets_for(&reference).is_empty());
    let failed = bed.halo.counters().route_total(route);
    assert!(failed > 0, "the outage was never hit");

    let ticket_id = if bed.queues() {
        // Still failing when the first retry comes, so the bridge keeps at it.
        bed.halo
            .wait_for_calls(route, failed + 1, Duration::from_secs(10))
            .await
            .expect("the bridge retries during the outage");
        bed.halo.clear_faults();
        let ticket = bed.wait_ticket(&reference, SETTLE).await;
        bed.wait_settled(SETTLE).await;
        let answer = bed.final_answer("o-1", SETTLE).await;
        assert_eq!(
            answer,
            (200, json!({"status": "created", "ticketId": ticket.id}))
        );
        ticket.id
    } else {
        // A redelivery while Halo still fails gets the same answer.
        let again = bed.deliver("o-1", &incident).await;
        assert_not_finished(target.edition, &again, "o-1");
        bed.halo.clear_faults();
        created_id(&bed.deliver("o-1", &incident).await)
    };

    assert_eq!(bed.only_ticket(&reference).id, ticket_id);
    assert!(bed.private_notes(ticket_id).is_empty());
    assert_reply(
        &bed.deliver("o-1", &incident).await,
        200,
        duplicate(ticket_id),
    );
    bed.stop().await;
}

pub async fn ticket_creates_failing_with_500s_then_recovering(target: Target) {
    outage_then_recovery(target, Outage::CreateErrors).await;
}

pub async fn ticket_searches_rate_limited_then_recovering(target: Target) {
    outage_then_recovery(target, Outage::SearchRateLimited).await;
}

pub async fn token_requests_timing_out_then_recovering(target: Target) {
    outage_then_recovery(target, Outage::TokenTimeouts).await;
}

/// Halo stores the ticket but its reply is lost: after `hold_ms` the mock gives
/// up with a 504 (`hold_ms` under the bridge's 10 s request timeout), or the
/// bridge's own request timeout fires (`hold_ms` above it). One ticket, and the
/// delivery's answer, now or later, says created.
async fn create_reply_lost(target: Target, hold_ms: u64) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    bed.halo.update_settings(|s| s.hold_ms = hold_ms);
    bed.halo
        .script_faults(Route::TicketsPost, [Fault::ReplyLost]);
    let incident = Incident::new("inc-lost");
    let reference = incident.reference();

    let reply = bed.deliver("l-1", &incident).await;
    let ticket = bed.wait_ticket(&reference, SETTLE).await;
    if reply.status == 202 {
        assert_not_finished(target.edition, &reply, "l-1");
        bed.wait_settled(SETTLE).await;
    } else {
        assert_eq!(created_id(&reply), ticket.id);
    }
    let answer = bed.final_answer("l-1", SETTLE).await;
    assert_eq!(
        answer,
        (200, json!({"status": "created", "ticketId": ticket.id}))
    );
    assert_eq!(bed.only_ticket(&reference).id, ticket.id);
    assert!(
        bed.private_notes(ticket.id).is_empty(),
        "the lost reply turned into a note"
    );
    assert_eq!(
        bed.halo.counters().route_total(Route::TicketsPost),
        1,
        "the create was sent again"
    );
    bed.stop().await;
}

pub async fn a_create_answered_504_after_storing_makes_one_ticket(target: Target) {
    create_reply_lost(target, 1_000).await;
}

pub async fn a_create_timing_out_after_storing_makes_one_ticket(target: Target) {
    create_reply_lost(target, 15_000).await;
}

/// Halo stores the ticket but the create's reply is lost, and the searches that
/// would find it fail for one more attempt: the attempt after that still knows the
/// create may have landed, so the ticket it finds is this delivery's own (answered
/// created), not an earlier one that would get a private note.
pub async fn a_lost_create_stays_suspected_through_a_later_failure(target: Target) {
    let Some(bed) = with_short_waits(target).await else {
        return;
    };
    bed.halo.update_settings(|s| s.hold_ms = SHORT_HOLD_MS);
    bed.halo
        .script_faults(Route::TicketsPost, [Fault::ReplyLost]);
    // The first search passes; the client tries each later one three times, and the
    // look after the lost reply and the whole next attempt fail.
    let mut searches = vec![Fault::Pass];
    searches.extend([Fault::Error500; 6]);
    bed.halo.script_faults(Route::TicketsList, searches);
    let incident = Incident::new("inc-lost-then-failed");
    let reference = incident.reference();

    let mut reply = bed.deliver("lf-1", &incident).await;
    if !bed.queues() {
        // The sender redelivers after each 503, as ContraForce does.
        for _ in 0..5 {
            if reply.status != 503 {
                break;
            }
            reply = bed.deliver("lf-1", &incident).await;
        }
    }
    let ticket = bed.wait_ticket(&reference, SETTLE).await;
    if bed.queues() {
        bed.wait_settled(SETTLE).await;
    } else {
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    assert_eq!(
        bed.final_answer("lf-1", SETTLE).await,
        (200, json!({"status": "created", "ticketId": ticket.id}))
    );
    assert!(
        bed.private_notes(ticket.id).is_empty(),
        "the ticket its own lost create made was taken for an earlier one"
    );
    assert_eq!(bed.only_ticket(&reference).id, ticket.id);
    assert_eq!(bed.halo.counters().route_total(Route::TicketsPost), 1);
    bed.stop().await;
}

/// Halo stores the private note but its reply is lost (answered 504): the note
/// is not added a second time, by a retry or by the sender's redelivery.
pub async fn a_note_whose_reply_is_lost_is_not_doubled(target: Target) {
    let Some(bed) = with_short_waits(target).await else {
        return;
    };
    let incident = Incident::new("inc-lost-note");
    let ticket_id = bed.create("ln-1", &incident).await;
    bed.halo
        .script_faults(Route::ActionsPost, [Fault::ReplyLost]);

    let reply = bed.deliver("ln-2", &incident).await;
    let updated = updated(ticket_id);
    if reply.status == 200 {
        assert_reply(&reply, 200, updated.clone());
    } else {
        assert_not_finished(target.edition, &reply, "ln-2");
    }
    if bed.queues() {
        bed.wait_settled(SETTLE).await;
        assert_eq!(bed.final_answer("ln-2", SETTLE).await, (200, updated));
    } else if reply.status != 200 {
        // The sender redelivers after a 503.
        assert_reply(&bed.deliver("ln-2", &incident).await, 200, updated);
    }

    let notes = bed.private_notes(ticket_id);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].note_html.contains("ln-2"));
    bed.stop().await;
}

/// A note Halo refused with a 500 (so it may or may not be stored) is looked
/// for before it is sent again; a note for another event whose id merely
/// begins the same way is not taken for it.
pub async fn a_failed_note_is_not_mistaken_for_a_similar_events_note(target: Target) {
    let Some(bed) = with_short_waits(target).await else {
        return;
    };
    let incident = Incident::new("inc-similar-note");
    let ticket_id = bed.create("evt", &incident).await;
    let updated = json!({"status": "updated", "ticketId": ticket_id});
    assert_reply(
        &bed.deliver("evt-10", &incident).await,
        200,
        updated.clone(),
    );

    bed.halo
        .script_faults(Route::ActionsPost, [Fault::Error500]);
    let reply = bed.deliver("evt-1", &incident).await;
    assert_not_finished(target.edition, &reply, "evt-1");
    if bed.queues() {
        bed.wait_settled(SETTLE).await;
        assert_eq!(bed.final_answer("evt-1", SETTLE).await, (200, updated));
    } else {
        assert_reply(&bed.deliver("evt-1", &incident).await, 200, updated);
    }

    let notes = bed.private_notes(ticket_id);
    let named = |event: &str| {
        let marker = format!("(event {event})");
        notes
            .iter()
            .filter(|n| n.note_html.contains(&marker))
            .count()
    };
    assert_eq!((named("evt-10"), named("evt-1")), (1, 1), "{notes:#?}");
    bed.stop().await;
}
