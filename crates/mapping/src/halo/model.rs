//! The Halo records the bridge reads ([`Ticket`], [`Action`]) and writes
//! ([`NewTicket`], [`NewAction`]). Unknown fields are ignored; see
//! [`super::lenient`] for how loose input is read.

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::lenient;

/// Where on a Halo ticket the ContraForce reference `cf|{source}|{incidentId}` lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefField {
    /// `thirdpartynumber` (the default).
    ThirdPartyNumber,
    /// `third_party_id_string`, for Halo builds that use it.
    ThirdPartyIdString,
    /// Custom field `N`, written as `customfields:[{"id":N,"value":ref}]`.
    CustomField(i64),
}

impl RefField {
    /// The query parameter that filters `GET /api/Tickets` by this field.
    pub fn filter_param(&self) -> String {
        match self {
            RefField::ThirdPartyNumber => "thirdpartynumber".to_owned(),
            RefField::ThirdPartyIdString => "third_party_id_string".to_owned(),
            RefField::CustomField(id) => format!("searchcustomfield_{id}"),
        }
    }
}

/// A Halo ticket, as much of it as the bridge uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Ticket {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub details_html: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub tickettype_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub client_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub priority_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub status_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub status_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub hasbeenclosed: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub thirdpartynumber: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub third_party_id_string: Option<String>,
    #[serde(default, deserialize_with = "custom_fields")]
    pub customfields: Vec<CustomField>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub agent_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub datecreated: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub dateclosed: Option<OffsetDateTime>,
}

/// One entry of a ticket's `customfields`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CustomField {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Value,
}

fn custom_fields<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<CustomField>, D::Error> {
    // Entries without a readable id are dropped rather than failing the whole ticket.
    let items = Option::<Vec<Value>>::deserialize(de)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect())
}

impl Ticket {
    /// Reads a ticket from any JSON shape Halo sends, whatever the key case.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(lenient::lowercase_keys(value))
    }

    /// The text stored in the reference field, trimmed; `None` when absent or blank.
    pub fn reference(&self, field: &RefField) -> Option<String> {
        let text = match field {
            RefField::ThirdPartyNumber => self.thirdpartynumber.clone(),
            RefField::ThirdPartyIdString => self.third_party_id_string.clone(),
            RefField::CustomField(id) => self
                .customfields
                .iter()
                .find(|f| f.id == *id)
                .and_then(|f| lenient::text_from_value(&f.value)),
        }?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }
}

/// One action (note, status change, system event) on a ticket. Action ids are
/// a sequence per ticket, so an action is named by `(ticket_id, id)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Action {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub ticket_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub outcome: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub outcome_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub who: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub who_type: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub who_agentid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub actionby_agent_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub datetime: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub note_html: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub hiddenfromuser: bool,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub new_status: Option<i64>,
}

impl Action {
    /// Reads an action from any JSON shape Halo sends, whatever the key case.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(lenient::lowercase_keys(value))
    }

    /// The agent who did this, from `who_agentid`, else `actionby_agent_id`.
    pub fn agent_id(&self) -> Option<i64> {
        self.who_agentid.or(self.actionby_agent_id)
    }
}

/// A ticket to create: the element of the `POST /api/Tickets` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub summary: String,
    pub details_html: String,
    pub tickettype_id: i64,
    pub client_id: i64,
    pub priority_id: i64,
    /// The ContraForce reference, written to the configured [`RefField`].
    pub reference: String,
}

impl NewTicket {
    /// The JSON object for one element of the create array.
    pub fn to_json(&self, field: &RefField) -> Value {
        let mut body = json!({
            "summary": self.summary,
            "details_html": self.details_html,
            "tickettype_id": self.tickettype_id,
            "client_id": self.client_id,
            "priority_id": self.priority_id,
        });
        match field {
            RefField::ThirdPartyNumber => body["thirdpartynumber"] = json!(self.reference),
            RefField::ThirdPartyIdString => body["third_party_id_string"] = json!(self.reference),
            RefField::CustomField(id) => {
                body["customfields"] = json!([{ "id": id, "value": self.reference }])
            }
        }
        body
    }
}

/// Which outcome an action is recorded with: by name or by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeRef {
    Name(String),
    Id(i64),
}

impl OutcomeRef {
    /// A setting's text: a number names an outcome id, anything else a name.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match text.parse::<i64>() {
            Ok(id) => OutcomeRef::Id(id),
            Err(_) => OutcomeRef::Name(text.to_owned()),
        }
    }
}

/// An action to add: the element of the `POST /api/Actions` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub ticket_id: i64,
    pub outcome: OutcomeRef,
    pub note_html: String,
    pub hiddenfromuser: bool,
    /// A status the ticket moves to with this action (Halo's `new_status`).
    pub new_status: Option<i64>,
}

impl NewAction {
    /// The JSON object for one element of the actions array. Never sends e-mail.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "ticket_id": self.ticket_id,
            "note_html": self.note_html,
            "hiddenfromuser": self.hiddenfromuser,
            "sendemail": false,
        });
        match &self.outcome {
            OutcomeRef::Name(name) => body["outcome"] = json!(name),
            OutcomeRef::Id(id) => body["outcome_id"] = json!(id),
        }
        if let Some(status) = self.new_status {
            body["new_status"] = json!(status);
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICKET: &str = include_str!("../../tests/data/halo-ticket.json");
    const ACTIONS: &str = include_str!("../../tests/data/halo-actions.json");

    fn fixture(text: &str, key: &str) -> Value {
        let value: Value = serde_json::from_str(text).unwrap();
        value[key].clone()
    }

    #[test]
    fn reads_a_quirky_ticket() {
        let ticket = Ticket::from_value(fixture(TICKET, "ticket")).unwrap();
        assert_eq!(ticket.id, 5123);
        assert_eq!(ticket.status_id, Some(2));
        assert_eq!(ticket.tickettype_id, Some(29));
        assert_eq!(ticket.hasbeenclosed, Some(false));
        assert_eq!(ticket.dateclosed, None, "sentinel date");
        assert!(ticket.datecreated.is_some());
        let reference = "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11";
        assert_eq!(
            ticket.reference(&RefField::ThirdPartyNumber).as_deref(),
            Some(reference)
        );
        assert_eq!(
            ticket.reference(&RefField::ThirdPartyIdString),
            None,
            "blank"
        );
        assert_eq!(
            ticket.reference(&RefField::CustomField(7)).as_deref(),
            Some(reference)
        );
        assert_eq!(
            ticket.reference(&RefField::CustomField(11)).as_deref(),
            Some("3")
        );
        assert_eq!(ticket.reference(&RefField::CustomField(99)), None);
    }

    #[test]
    fn reads_actions_in_mixed_case() {
        let actions = fixture(ACTIONS, "response")["actions"].clone();
        let first = Action::from_value(actions[0].clone()).unwrap();
        assert_eq!(first.id, 4);
        assert_eq!(first.agent_id(), Some(6));
        assert_eq!(first.new_status, Some(9));
        assert!(!first.hiddenfromuser);

        let shouting = serde_json::json!({"ID": "3", "HiddenFromUser": 1, "Who_Type": 1.0});
        let action = Action::from_value(shouting).unwrap();
        assert_eq!(action.id, 3);
        assert!(action.hiddenfromuser);
        assert_eq!(action.who_type, Some(1));
    }

    #[test]
    fn ticket_without_an_id_is_an_error() {
        assert!(Ticket::from_value(serde_json::json!({"summary": "x"})).is_err());
        assert!(Ticket::from_value(serde_json::json!({"id": "abc"})).is_err());
    }

    #[test]
    fn create_body_puts_the_reference_in_the_configured_field() {
        let ticket = NewTicket {
            summary: "[CF #1] t".into(),
            details_html: "<p>d</p>".into(),
            tickettype_id: 29,
            client_id: 12,
            priority_id: 1,
            reference: "cf|sentinel|abc".into(),
        };
        let base = json!({
            "summary": "[CF #1] t", "details_html": "<p>d</p>",
            "tickettype_id": 29, "client_id": 12, "priority_id": 1,
        });
        let mut expected = base.clone();
        expected["thirdpartynumber"] = json!("cf|sentinel|abc");
        assert_eq!(ticket.to_json(&RefField::ThirdPartyNumber), expected);
        let mut expected = base.clone();
        expected["third_party_id_string"] = json!("cf|sentinel|abc");
        assert_eq!(ticket.to_json(&RefField::ThirdPartyIdString), expected);
        let mut expected = base;
        expected["customfields"] = json!([{"id": 7, "value": "cf|sentinel|abc"}]);
        assert_eq!(ticket.to_json(&RefField::CustomField(7)), expected);
    }

    #[test]
    fn action_body_by_outcome_name_or_id() {
        let mut action = NewAction {
            ticket_id: 5,
            outcome: OutcomeRef::parse("Private Note"),
            note_html: "<p>x</p>".into(),
            hiddenfromuser: true,
            new_status: None,
        };
        assert_eq!(
            action.to_json(),
            json!({"ticket_id": 5, "outcome": "Private Note", "note_html": "<p>x</p>",
                   "hiddenfromuser": true, "sendemail": false})
        );
        action.outcome = OutcomeRef::parse(" 7 ");
        action.new_status = Some(9);
        assert_eq!(
            action.to_json(),
            json!({"ticket_id": 5, "outcome_id": 7, "note_html": "<p>x</p>",
                   "hiddenfromuser": true, "sendemail": false, "new_status": 9})
        );
    }
}
