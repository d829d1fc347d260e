//! ContraForce → Halo (contract §3 steps 7–10): a stored incident delivery
//! becomes exactly one Halo ticket, or a private note on the ticket the incident
//! already has. Work on one incident is serialised by its reference, so two
//! deliveries of one incident never both create a ticket.

use async_trait::async_trait;
use halo_client::{HaloClient, HaloError};
use mapping::cf::{Envelope, Incident};
use mapping::halo::{Action, NewAction, OutcomeRef, Ticket};
use mapping::reference::Reference;
use mapping::ticket::{TicketMapping, update_note_html};
use store::{DeliveryRecord, INTERRUPTED};

use crate::answer::Answer;
use crate::engine::{Core, Failure, Pipeline};

/// Marks a failure after which the ticket or note may exist although Halo did
/// not confirm it; the next attempt checks before writing again.
const UNCERTAIN_CREATE: &str = "ticket create unconfirmed";
const UNCERTAIN_NOTE: &str = "note unconfirmed";

pub struct CfToHalo {
    pub halo: HaloClient,
    pub mapping: TicketMapping,
    pub note_outcome: OutcomeRef,
}

#[async_trait]
impl Pipeline for CfToHalo {
    async fn process(&self, core: &Core, delivery: &DeliveryRecord) -> Result<Answer, Failure> {
        // The body was validated before it was stored; failing now means the
        // stored copy is damaged, which no retry can mend.
        let envelope = match Envelope::parse(&delivery.body) {
            Ok(envelope) => envelope,
            Err(problem) => return Ok(Answer::malformed(&problem.to_string())),
        };
        let incident = &envelope.data;
        let reference = Reference {
            source: incident.source.clone(),
            incident_id: incident.incident_id.clone(),
        }
        .to_string();
        let event_id = delivery.event_id.as_deref().unwrap_or(&delivery.id);

        let held = core.hold(&format!("ref:{reference}")).await?;
        let result = self
            .deliver(core, delivery, incident, &reference, event_id)
            .await;
        held.release().await;
        result.map_err(|failure| still_unconfirmed(delivery, failure))
    }
}

/// A failure after an attempt whose write may have landed keeps saying so, however
/// this attempt failed (a search answering 500, say), so the attempt after it still
/// looks before writing instead of taking the landed ticket for an earlier one.
fn still_unconfirmed(delivery: &DeliveryRecord, failure: Failure) -> Failure {
    let earlier = delivery.last_error.as_deref().unwrap_or_default();
    let unconfirmed = [UNCERTAIN_CREATE, UNCERTAIN_NOTE, INTERRUPTED]
        .into_iter()
        .find(|marker| earlier.starts_with(marker));
    match unconfirmed {
        Some(marker) if delivery.attempts > 1 && !failure.reason.starts_with(marker) => Failure {
            reason: format!("{marker} earlier; then {}", failure.reason),
            ..failure
        },
        _ => failure,
    }
}

impl CfToHalo {
    async fn deliver(
        &self,
        core: &Core,
        delivery: &DeliveryRecord,
        incident: &Incident,
        reference: &str,
        event_id: &str,
    ) -> Result<Answer, Failure> {
        // An interrupted attempt may have written anything it was about to.
        let retrying_after = |marker: &str| {
            delivery.attempts > 1
                && delivery
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with(marker) || e.starts_with(INTERRUPTED))
        };

        if let Some(ticket_id) = core.store.find_link(reference).await? {
            return self
                .note(
                    ticket_id,
                    incident,
                    event_id,
                    retrying_after(UNCERTAIN_NOTE),
                )
                .await;
        }

        if let Some(ticket) = self.lookup(reference).await? {
            self.link(core, reference, ticket.id).await;
            if retrying_after(UNCERTAIN_CREATE) {
                // Our own earlier attempt created it; its reply was lost.
                return Ok(Answer::created(ticket.id));
            }
            return self
                .note(
                    ticket.id,
                    incident,
                    event_id,
                    retrying_after(UNCERTAIN_NOTE),
                )
                .await;
        }

        let new_ticket = self.mapping.to_new_ticket(incident);
        match self.halo.create_ticket(&new_ticket).await {
            Ok(ticket) => {
                self.link(core, reference, ticket.id).await;
                Ok(Answer::created(ticket.id))
            }
            Err(HaloError::Uncertain(why)) => {
                // Halo may have created it: look before anything else is tried.
                match self.lookup(reference).await {
                    Ok(Some(ticket)) => {
                        self.link(core, reference, ticket.id).await;
                        Ok(Answer::created(ticket.id))
                    }
                    _ => Err(Failure::new(format!("{UNCERTAIN_CREATE}: {why}"), None)),
                }
            }
            Err(error) => Err(halo_failure("create ticket", &error)),
        }
    }

    async fn lookup(&self, reference: &str) -> Result<Option<Ticket>, Failure> {
        self.halo
            .find_by_reference(reference)
            .await
            .map_err(|e| halo_failure("look up reference", &e))
    }

    async fn link(&self, core: &Core, reference: &str, ticket_id: i64) {
        if let Err(error) = core.store.save_link(reference, ticket_id).await {
            // Halo holds the reference too, so a later delivery still finds the ticket.
            tracing::warn!(%error, reference, ticket_id, "could not save a reference link");
        }
    }

    /// Adds the private note for a repeated incident (step 8). After an attempt
    /// whose note may have landed, checks the ticket's actions first.
    async fn note(
        &self,
        ticket_id: i64,
        incident: &Incident,
        event_id: &str,
        check_first: bool,
    ) -> Result<Answer, Failure> {
        if check_first {
            let actions = self
                .halo
                .list_actions(ticket_id)
                .await
                .map_err(|e| halo_failure("list actions", &e))?;
            if actions.iter().any(|a| is_note_for(a, event_id)) {
                return Ok(Answer::updated(ticket_id));
            }
        }

        let action = NewAction {
            ticket_id,
            outcome: self.note_outcome.clone(),
            note_html: update_note_html(event_id, incident),
            hiddenfromuser: true,
            new_status: None,
        };
        match self.halo.add_action(&action).await {
            Ok(_) => Ok(Answer::updated(ticket_id)),
            Err(HaloError::Uncertain(why)) => {
                Err(Failure::new(format!("{UNCERTAIN_NOTE}: {why}"), None))
            }
            Err(error) => Err(halo_failure("add note", &error)),
        }
    }
}

/// Whether `action` is the private note for `event_id`. The note names the event
/// as `(event {id})`; matching that whole marker keeps a note for `evt-10` from
/// passing for `evt-1`'s.
fn is_note_for(action: &Action, event_id: &str) -> bool {
    let in_html = format!("(event {})", html_escape::encode_text(event_id));
    let in_text = format!("(event {event_id})");
    let html = action.note_html.as_deref().unwrap_or_default();
    let text = action.note.as_deref().unwrap_or_default();
    action.hiddenfromuser && (html.contains(&in_html) || text.contains(&in_text))
}

/// A Halo error as a retryable failure. Refusals that no retry fixes by itself
/// (a rejected body, missing rights) are logged for the operator.
pub fn halo_failure(what: &str, error: &HaloError) -> Failure {
    if !error.is_transient() {
        tracing::error!(%error, "Halo refused to {what}; check the bridge's Halo settings");
    }
    Failure::new(format!("halo: {what}: {error}"), error.retry_after())
}
