//! The pilot ticket (`doctor --write` only): creates one ticket carrying a fresh
//! reference in the configured field, reads it back (is the reference
//! stored?), searches for it with Halo's filter (is it found?), then closes it.
//! This is the one check that writes, and the only way to know whether a
//! tenant keeps the field: some drop writes to fields they do not use.

use halo_client::{HaloClient, NewTicket, RefField};
use mapping::ticket::PriorityMap;
use serde_json::json;

use super::Check;
use crate::settings::Settings;

pub(super) const PILOT: &str = "pilot ticket";
const STORED: &str = "pilot ticket: reference stored";
const FOUND: &str = "pilot ticket: found by Halo's filter";
const CLOSED: &str = "pilot ticket: closed";

/// Halo's stock closed status, used when the settings name none.
const STOCK_CLOSED: i64 = 9;

pub(super) async fn run(settings: &Settings, halo: &HaloClient) -> Vec<Check> {
    let field = &settings.halo.ref_field;
    let reference = format!("cf|bridge-doctor|pilot-{}", uuid::Uuid::new_v4().simple());
    let ticket = match pilot_ticket(settings, halo, &reference).await {
        Ok(ticket) => ticket,
        Err(check) => return vec![check],
    };
    let created = match halo.create_ticket(&ticket).await {
        Ok(created) => created,
        Err(error) => {
            return vec![Check::failed(
                PILOT,
                format!("could not create the pilot ticket: {error}"),
                "the application needs edit:tickets; if Halo refused a field, fix the setting \
                 it names (see the checks above)",
            )];
        }
    };
    let id = created.id;
    let mut checks = Vec::new();

    let stored = match halo.get_ticket(id).await {
        Ok(Some(ticket)) => ticket.reference(field),
        Ok(None) => None,
        Err(error) => {
            checks.push(Check::failed(
                STORED,
                format!("could not read pilot ticket {id} back: {error}"),
                "see the checks above",
            ));
            checks.push(close(settings, halo, id).await);
            return checks;
        }
    };
    let kept = stored.as_deref() == Some(reference.as_str());
    checks.push(if kept {
        Check::ok(
            STORED,
            format!("ticket {id} kept {reference} in {}", describe(field)),
        )
    } else {
        Check::failed(
            STORED,
            format!(
                "ticket {id} came back without the reference in {} (Halo dropped it)",
                describe(field)
            ),
            other_fields(field),
        )
    });

    checks.push(match halo.find_by_reference(&reference).await {
        Ok(Some(found)) if found.id == id => Check::ok(
            FOUND,
            format!("{}={reference} finds ticket {id}", field.filter_param()),
        ),
        Ok(_) if !kept => Check::failed(
            FOUND,
            "nothing to find: the reference was not stored",
            other_fields(field),
        ),
        Ok(_) => Check::failed(
            FOUND,
            format!(
                "searching with {}={reference} does not find ticket {id}, so after losing its \
                 store the bridge would open a second ticket for an incident",
                field.filter_param()
            ),
            other_fields(field),
        ),
        Err(error) => Check::failed(
            FOUND,
            format!("the search failed: {error}"),
            "the application needs read:tickets",
        ),
    });

    checks.push(close(settings, halo, id).await);
    checks
}

/// The pilot ticket: the configured ticket type, client and Low priority when
/// this direction has them, else the first Halo lists.
async fn pilot_ticket(
    settings: &Settings,
    halo: &HaloClient,
    reference: &str,
) -> Result<NewTicket, Check> {
    let (tickettype_id, client_id, priority_id) = match &settings.cf_inbound {
        Some(cf) => (
            cf.default_tickettype_id,
            cf.default_client_id,
            cf.priority_map.priority_for(Some("Low")),
        ),
        None => {
            let first_type = halo
                .ticket_types()
                .await
                .ok()
                .and_then(|t| t.first().map(|t| t.id));
            let first_client = halo
                .clients()
                .await
                .ok()
                .and_then(|c| c.first().map(|c| c.id));
            let (Some(tickettype_id), Some(client_id)) = (first_type, first_client) else {
                return Err(Check::failed(
                    PILOT,
                    "Halo lists no ticket type or no client to file a pilot ticket under",
                    "give the application read:lookups and read:customers",
                ));
            };
            let low = PriorityMap::default().priority_for(Some("Low"));
            (tickettype_id, client_id, low)
        }
    };
    Ok(NewTicket {
        summary: "Bridge doctor pilot ticket (safe to delete)".to_owned(),
        details_html: "<p>Created by the bridge's <code>doctor --write</code> to check that \
                       Halo keeps and finds the ContraForce reference. The doctor closes it \
                       at once.</p>"
            .to_owned(),
        tickettype_id,
        client_id,
        priority_id,
        reference: reference.to_owned(),
    })
}

async fn close(settings: &Settings, halo: &HaloClient, id: i64) -> Check {
    let configured = settings
        .halo_inbound
        .as_ref()
        .and_then(|h| h.closed_status_ids.first().copied());
    let status = match configured {
        Some(status) => status,
        None => halo
            .statuses()
            .await
            .ok()
            .and_then(|statuses| {
                statuses
                    .into_iter()
                    .find(|s| {
                        s.name
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case("Closed"))
                    })
                    .map(|s| s.id)
            })
            .unwrap_or(STOCK_CLOSED),
    };
    match halo.update_ticket(id, json!({"status_id": status})).await {
        Ok(ticket) if ticket.status_id == Some(status) => {
            Check::ok(CLOSED, format!("ticket {id} is closed (status {status})"))
        }
        Ok(ticket) => Check::failed(
            CLOSED,
            format!(
                "ticket {id} is in status {} after asking for {status}",
                ticket.status_id.map_or("?".to_owned(), |s| s.to_string())
            ),
            format!("close or delete pilot ticket {id} by hand"),
        ),
        Err(error) => Check::failed(
            CLOSED,
            format!("could not close ticket {id}: {error}"),
            format!("close or delete pilot ticket {id} by hand"),
        ),
    }
}

fn describe(field: &RefField) -> String {
    match field {
        RefField::ThirdPartyNumber => "thirdpartynumber".to_owned(),
        RefField::ThirdPartyIdString => "third_party_id_string".to_owned(),
        RefField::CustomField(id) => format!("custom field {id}"),
    }
}

/// What to try instead of `field`.
fn other_fields(field: &RefField) -> String {
    let custom = "or create a text custom field on tickets and set HALO_EXTERNAL_REF_FIELD_ID \
                  to its id";
    match field {
        RefField::ThirdPartyNumber => {
            format!("set HALO_EXTERNAL_REF_FIELD=third_party_id_string, {custom}")
        }
        RefField::ThirdPartyIdString => {
            format!("set HALO_EXTERNAL_REF_FIELD=thirdpartynumber, {custom}")
        }
        RefField::CustomField(id) => format!(
            "check that custom field {id} exists on tickets, is a text field and is searchable, \
             or unset HALO_EXTERNAL_REF_FIELD_ID to use thirdpartynumber"
        ),
    }
}
