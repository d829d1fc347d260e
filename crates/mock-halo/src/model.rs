//! The records the mock keeps (tickets, their actions, custom field values) as
//! plain values for tests to assert on. How they look on the wire is `render.rs`.

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

/// A stored ticket, with plain integer ids (the quirks are added on the wire only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub summary: String,
    pub details_html: String,
    pub tickettype_id: i64,
    pub client_id: i64,
    pub priority_id: i64,
    pub status_id: i64,
    /// The assigned agent; 0 when unassigned.
    pub agent_id: i64,
    pub thirdpartynumber: String,
    pub third_party_id_string: String,
    pub customfields: Vec<CustomFieldValue>,
    /// Set by any close and, as in Halo, left set by a reopen.
    pub hasbeenclosed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the ticket was last closed; `None` while it has never been closed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

impl Ticket {
    /// The value of custom field `id`, if the ticket has it.
    pub fn custom_field(&self, id: i64) -> Option<&Value> {
        self.customfields
            .iter()
            .find(|f| f.id == id)
            .map(|f| &f.value)
    }
}

/// One entry of a ticket's `customfields`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomFieldValue {
    pub id: i64,
    pub name: String,
    pub value: Value,
}

/// One action on a ticket. Ids are a sequence per ticket, starting at 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: i64,
    pub ticket_id: i64,
    pub outcome: String,
    /// 0 when the outcome was given by a name the tenant does not know.
    pub outcome_id: i64,
    pub who: String,
    /// 0 system, 1 agent.
    pub who_type: i64,
    pub who_agentid: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub datetime: OffsetDateTime,
    /// The note as plain text.
    pub note: String,
    pub note_html: String,
    /// Private (not visible to the end user).
    pub hiddenfromuser: bool,
    /// The status this action moved the ticket to.
    pub new_status: Option<i64>,
}

/// A ticket with its actions, oldest action first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketWithActions {
    pub ticket: Ticket,
    pub actions: Vec<Action>,
}
