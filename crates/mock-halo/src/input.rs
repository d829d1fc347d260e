//! What callers send to change state: fields of a ticket to create or update and
//! an action to add, read from Halo request elements as strictly as Halo reads them.

use serde_json::{Map, Value};

use crate::error::MockError;

/// Fields of a ticket to create or update. `None` leaves a field unchanged on
/// update and at its default on create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketInput {
    pub summary: Option<String>,
    pub details_html: Option<String>,
    pub tickettype_id: Option<i64>,
    pub client_id: Option<i64>,
    pub priority_id: Option<i64>,
    pub status_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub thirdpartynumber: Option<String>,
    pub third_party_id_string: Option<String>,
    /// Custom field values, merged into the ticket's by id.
    pub customfields: Vec<(i64, Value)>,
}

impl TicketInput {
    /// A ticket with a summary and nothing else set.
    pub fn with_summary(summary: impl Into<String>) -> Self {
        Self {
            summary: Some(summary.into()),
            ..Self::default()
        }
    }

    /// Reads one element of a `POST /api/Tickets` array: returns the id to update
    /// (`None` or 0 creates) and the fields sent. Keys are matched in any case.
    pub fn from_element(element: &Value) -> Result<(Option<i64>, Self), MockError> {
        let Value::Object(raw) = element else {
            return Err(MockError::Invalid(
                "Each ticket must be a JSON object".into(),
            ));
        };
        let fields = lowercase_keys(raw);
        let id = int_field(&fields, "id")?.filter(|id| *id != 0);
        let details_html = match text_field(&fields, "details_html")? {
            Some(html) => Some(html),
            None => text_field(&fields, "details")?.map(|text| paragraph(&text)),
        };
        let input = Self {
            summary: text_field(&fields, "summary")?,
            details_html,
            tickettype_id: int_field(&fields, "tickettype_id")?,
            client_id: int_field(&fields, "client_id")?,
            priority_id: int_field(&fields, "priority_id")?,
            status_id: int_field(&fields, "status_id")?,
            agent_id: int_field(&fields, "agent_id")?,
            thirdpartynumber: text_field(&fields, "thirdpartynumber")?,
            third_party_id_string: text_field(&fields, "third_party_id_string")?,
            customfields: custom_fields(&fields)?,
        };
        Ok((id, input))
    }
}

/// An action to add to a ticket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionInput {
    pub ticket_id: i64,
    /// Outcome by name; one of `outcome` and `outcome_id` is required.
    pub outcome: Option<String>,
    pub outcome_id: Option<i64>,
    pub note_html: Option<String>,
    /// Plain text, used when `note_html` is absent.
    pub note: Option<String>,
    pub hiddenfromuser: bool,
    /// The acting agent; the API agent (or, for scripted notes, the technician) when `None`.
    pub who_agentid: Option<i64>,
    /// A display name that overrides the agent's name.
    pub who: Option<String>,
    /// 0 system, 1 agent (the default). Only scripted actions may set it.
    pub who_type: Option<i64>,
    pub new_status: Option<i64>,
}

impl ActionInput {
    /// A note by `agent_id`, public or private (outcome "Public Note" / "Private Note").
    pub fn note(
        ticket_id: i64,
        agent_id: i64,
        note_html: impl Into<String>,
        private: bool,
    ) -> Self {
        let outcome = if private {
            "Private Note"
        } else {
            "Public Note"
        };
        Self {
            ticket_id,
            outcome: Some(outcome.to_owned()),
            note_html: Some(note_html.into()),
            hiddenfromuser: private,
            who_agentid: Some(agent_id),
            ..Self::default()
        }
    }

    /// A public note by `agent_id`.
    pub fn public_note(ticket_id: i64, agent_id: i64, note_html: impl Into<String>) -> Self {
        Self::note(ticket_id, agent_id, note_html, false)
    }

    /// A private note by `agent_id`.
    pub fn private_note(ticket_id: i64, agent_id: i64, note_html: impl Into<String>) -> Self {
        Self::note(ticket_id, agent_id, note_html, true)
    }

    /// Reads one element of a `POST /api/Actions` array. The caller's choice of
    /// `who_type` is ignored, as Halo derives it from the login.
    pub fn from_element(element: &Value) -> Result<Self, MockError> {
        let Value::Object(raw) = element else {
            return Err(MockError::Invalid(
                "Each action must be a JSON object".into(),
            ));
        };
        let fields = lowercase_keys(raw);
        let ticket_id = int_field(&fields, "ticket_id")?.ok_or_else(|| {
            MockError::Invalid("A ticket_id must be entered for this Action".into())
        })?;
        Ok(Self {
            ticket_id,
            outcome: text_field(&fields, "outcome")?.filter(|o| !o.trim().is_empty()),
            outcome_id: int_field(&fields, "outcome_id")?.filter(|id| *id > 0),
            note_html: text_field(&fields, "note_html")?,
            note: text_field(&fields, "note")?,
            hiddenfromuser: bool_field(&fields, "hiddenfromuser")?.unwrap_or(false),
            who_agentid: int_field(&fields, "who_agentid")?.filter(|id| *id > 0),
            who: text_field(&fields, "who")?.filter(|w| !w.trim().is_empty()),
            who_type: None,
            new_status: int_field(&fields, "new_status")?.filter(|s| *s > 0),
        })
    }
}

/// Plain text as one escaped HTML paragraph.
pub(crate) fn paragraph(text: &str) -> String {
    format!("<p>{}</p>", html_escape::encode_text(text))
}

fn lowercase_keys(raw: &Map<String, Value>) -> Map<String, Value> {
    raw.iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

/// An integer field as Halo's JSON reader takes it: a whole number or a numeric
/// string. A number written with a fraction (`95.0`) is refused, as Halo does.
fn int_field(fields: &Map<String, Value>, key: &str) -> Result<Option<i64>, MockError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_an_integer(key, n)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| not_an_integer(key, s)),
        Some(other) => Err(not_an_integer(key, other)),
    }
}

fn not_an_integer(key: &str, value: impl std::fmt::Display) -> MockError {
    MockError::Invalid(format!(
        "Error converting value {value} to type 'System.Int32'. Path '{key}'."
    ))
}

/// A text field; numbers and booleans are taken as their text, as Halo does.
fn text_field(fields: &Map<String, Value>, key: &str) -> Result<Option<String>, MockError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(MockError::Invalid(format!("Unexpected value for '{key}'."))),
    }
}

fn bool_field(fields: &Map<String, Value>, key: &str) -> Result<Option<bool>, MockError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(other) => Err(MockError::Invalid(format!(
            "Could not convert {other} to boolean. Path '{key}'."
        ))),
    }
}

/// `customfields: [{"id": N, "value": …}]`; entries without an id are skipped
/// (Halo matches on id, and a stray entry must not fail the whole ticket).
fn custom_fields(fields: &Map<String, Value>) -> Result<Vec<(i64, Value)>, MockError> {
    let items = match fields.get("customfields") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(MockError::Invalid("customfields must be an array.".into())),
    };
    let mut values = Vec::new();
    for item in items {
        let Value::Object(raw) = item else { continue };
        let entry = lowercase_keys(raw);
        if let Some(id) = int_field(&entry, "id")?.filter(|id| *id > 0) {
            values.push((id, entry.get("value").cloned().unwrap_or(Value::Null)));
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_create_element_in_any_key_case() {
        let (id, input) = TicketInput::from_element(&json!({
            "Summary": "s", "TicketType_ID": "29", "client_id": 12,
            "customfields": [{"id": 7, "value": "ref"}, {"value": "no id"}],
        }))
        .unwrap();
        assert_eq!(id, None);
        assert_eq!(input.summary.as_deref(), Some("s"));
        assert_eq!(input.tickettype_id, Some(29));
        assert_eq!(input.client_id, Some(12));
        assert_eq!(input.customfields, vec![(7, json!("ref"))]);
    }

    #[test]
    fn id_zero_means_create() {
        let (id, _) = TicketInput::from_element(&json!({"id": 0, "summary": "s"})).unwrap();
        assert_eq!(id, None);
    }

    #[test]
    fn an_integer_written_as_a_float_is_refused() {
        let err = TicketInput::from_element(&json!({"summary": "s", "client_id": 95.0}));
        assert!(matches!(err, Err(MockError::Invalid(m)) if m.contains("95.0")));
    }

    #[test]
    fn plain_details_become_escaped_html() {
        let (_, input) = TicketInput::from_element(&json!({"details": "a<b"})).unwrap();
        assert_eq!(input.details_html.as_deref(), Some("<p>a&lt;b</p>"));
    }

    #[test]
    fn action_element_needs_a_ticket_id_and_ignores_who_type() {
        assert!(ActionInput::from_element(&json!({"outcome": "x"})).is_err());
        let action = ActionInput::from_element(&json!({
            "ticket_id": "5", "outcome": "Private Note", "hiddenfromuser": "true", "who_type": 0,
        }))
        .unwrap();
        assert_eq!(action.ticket_id, 5);
        assert!(action.hiddenfromuser);
        assert_eq!(action.who_type, None);
    }
}
