//! How tickets and actions look on the wire, with Halo's serialisation quirks
//! reproduced on purpose: ids as floats or strings, sentinel dates, 7-digit
//! fractions, a date without `Z`, and many fields a client must ignore.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::lookups::Directory;
use crate::model::{Action, CustomFieldValue, Ticket};

/// Halo's "no date" values.
pub const SENTINEL_1900: &str = "1900-01-01T00:00:00";
pub const SENTINEL_0001: &str = "0001-01-01T00:00:00";
pub const SENTINEL_1899: &str = "1899-12-30T00:00:00";

const SEVEN_DIGITS_Z: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
const THREE_DIGITS_Z: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const SHORTEST_Z: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]Z");
const NO_ZONE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// A date with 7 fractional digits and `Z`, as Halo's webhooks and some fields use.
pub fn seven_digits(at: OffsetDateTime) -> String {
    format_or_sentinel(at, SEVEN_DIGITS_Z)
}

fn format_or_sentinel(at: OffsetDateTime, format: &[FormatItem<'static>]) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| SENTINEL_1900.to_owned())
}

/// `GET /api/Tickets/{id}` and list items.
pub fn ticket(t: &Ticket, dir: &Directory) -> Value {
    let sla = dir.default_sla();
    json!({
        "id": t.id,
        "hdid": t.id,
        "reference": format!("IN-{:07}", t.id),
        "summary": t.summary,
        "details": crate::store::html_to_text(&t.details_html),
        "details_html": t.details_html,
        "status_id": t.status_id as f64,
        "status_name": dir.status_name(t.status_id).unwrap_or(""),
        "tickettype_id": t.tickettype_id.to_string(),
        "tickettype_name": dir.tickettype_name(t.tickettype_id),
        "client_id": t.client_id,
        "client_name": dir.client_name(t.client_id),
        "site_id": 18.0,
        "site_name": "Main",
        "user_id": -1,
        "user_name": "General User",
        "agent_id": t.agent_id,
        "team": "SOC",
        "team_id": 4,
        "priority_id": t.priority_id,
        "sla_id": sla,
        "priority": dir.priority_json(t.priority_id, sla),
        "thirdpartynumber": t.thirdpartynumber,
        "third_party_id_string": t.third_party_id_string,
        "customfields": t.customfields.iter().map(custom_field).collect::<Vec<_>>(),
        "hasbeenclosed": t.hasbeenclosed,
        "dateoccurred": seven_digits(t.created_at),
        "datecreated": format_or_sentinel(t.created_at, THREE_DIGITS_Z),
        "last_update": format_or_sentinel(t.updated_at, NO_ZONE),
        "dateclosed": t.closed_at.map_or_else(
            || SENTINEL_1900.to_owned(),
            |at| format_or_sentinel(at, SHORTEST_Z),
        ),
        "respondbydate": SENTINEL_0001,
        "fixbydate": SENTINEL_1899,
        "onhold": false,
        "inactive": false,
        "deleted": false,
        "estimate": -0.0,
        "contract_id": -1,
        "source": 2,
        "extra_actions": [],
    })
}

fn custom_field(field: &CustomFieldValue) -> Value {
    let (kind, display) = match &field.value {
        Value::String(s) => (0, s.clone()),
        Value::Number(n) => (2, n.to_string()),
        Value::Null => (0, String::new()),
        other => (0, other.to_string()),
    };
    json!({
        "id": field.id,
        "name": field.name,
        "label": field.name,
        "type": kind,
        "value": field.value,
        "display": display,
    })
}

/// An item of `GET /api/Actions` (`note_html` only when asked for) or the
/// answer of `POST /api/Actions` (always with it).
pub fn action(a: &Action, include_html: bool) -> Value {
    let mut body = json!({
        "id": a.id,
        "ticket_id": a.ticket_id,
        "outcome": a.outcome,
        "outcome_id": a.outcome_id,
        "who": a.who,
        "who_type": a.who_type,
        "who_agentid": a.who_agentid,
        "actionby_agent_id": a.who_agentid,
        "who_imgpath": "",
        "datetime": format_or_sentinel(a.datetime, SHORTEST_Z),
        "actiondatecreated": format_or_sentinel(a.datetime, NO_ZONE),
        "actionarrivaldate": SENTINEL_1900,
        "note": a.note,
        "hiddenfromuser": a.hiddenfromuser,
        "important": false,
        "timetaken": 0.0,
        "actioncontractid": -1,
        "emailfrom": "",
    });
    if let Value::Object(map) = &mut body {
        if include_html {
            map.insert("note_html".into(), json!(a.note_html));
        }
        if let Some(status) = a.new_status {
            map.insert("new_status".into(), json!(status));
        }
    }
    body
}

/// The partial ticket a webhook carries; `id_as_text` sends the id as `"5123"`.
pub fn webhook_ticket(t: &Ticket, id_as_text: bool) -> Value {
    let id = if id_as_text {
        json!(t.id.to_string())
    } else {
        json!(t.id)
    };
    let customfields: Vec<Value> = t
        .customfields
        .iter()
        .map(|f| json!({"id": f.id, "name": f.name, "value": f.value}))
        .collect();
    json!({
        "id": id,
        "summary": t.summary,
        "status_id": t.status_id,
        "tickettype_id": t.tickettype_id,
        "client_id": t.client_id,
        "team_id": 4,
        "agent_id": t.agent_id,
        "customfields": customfields,
        "hasbeenclosed": t.hasbeenclosed,
        "thirdpartynumber": t.thirdpartynumber,
        "third_party_id_string": t.third_party_id_string,
    })
}

/// The action a webhook carries; its `ticket_id` is a float, as seen from Halo.
pub fn webhook_action(a: &Action) -> Value {
    let mut body = Map::new();
    body.insert("id".into(), json!(a.id));
    body.insert("ticket_id".into(), json!(a.ticket_id as f64));
    body.insert("outcome".into(), json!(a.outcome));
    body.insert("who".into(), json!(a.who));
    body.insert("who_type".into(), json!(a.who_type));
    body.insert("who_agentid".into(), json!(a.who_agentid));
    body.insert("note_html".into(), json!(a.note_html));
    body.insert("hiddenfromuser".into(), json!(a.hiddenfromuser));
    if let Some(status) = a.new_status {
        body.insert("new_status".into(), json!(status));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookups::Agent;
    use time::macros::datetime;

    fn sample() -> Ticket {
        Ticket {
            id: 5123,
            summary: "s".into(),
            details_html: "<p>d</p>".into(),
            tickettype_id: 29,
            client_id: 12,
            priority_id: 1,
            status_id: 2,
            agent_id: 6,
            thirdpartynumber: "cf|x|1".into(),
            third_party_id_string: String::new(),
            customfields: vec![CustomFieldValue {
                id: 11,
                name: "CFSeverity".into(),
                value: json!(3),
            }],
            hasbeenclosed: false,
            created_at: datetime!(2026-04-22 14:55:03.1234567 UTC),
            updated_at: datetime!(2026-04-22 15:10:44.5 UTC),
            closed_at: None,
        }
    }

    #[test]
    fn ticket_carries_the_quirks() {
        let dir = Directory::new(Agent {
            id: 21,
            name: "ContraForce Integration".into(),
        });
        let body = ticket(&sample(), &dir);
        assert_eq!(body["status_id"].to_string(), "2.0");
        assert_eq!(body["tickettype_id"], json!("29"));
        assert_eq!(body["dateoccurred"], json!("2026-04-22T14:55:03.1234567Z"));
        assert_eq!(body["datecreated"], json!("2026-04-22T14:55:03.123Z"));
        assert_eq!(body["last_update"], json!("2026-04-22T15:10:44"));
        assert_eq!(body["dateclosed"], json!(SENTINEL_1900));
        assert_eq!(body["status_name"], json!("In Progress"));
        assert_eq!(body["customfields"][0]["display"], json!("3"));
        assert!(body["priority"]["id"].is_string());
    }

    #[test]
    fn action_note_html_only_when_asked() {
        let a = Action {
            id: 2,
            ticket_id: 5123,
            outcome: "Public Note".into(),
            outcome_id: 2,
            who: "Sam Technician".into(),
            who_type: 1,
            who_agentid: 6,
            datetime: datetime!(2026-04-22 16:02:11.5 UTC),
            note: "n".into(),
            note_html: "<p>n</p>".into(),
            hiddenfromuser: false,
            new_status: None,
        };
        assert!(action(&a, false).get("note_html").is_none());
        assert_eq!(action(&a, true)["note_html"], json!("<p>n</p>"));
        assert_eq!(
            action(&a, true)["datetime"],
            json!("2026-04-22T16:02:11.5Z")
        );
        assert!(action(&a, true).get("new_status").is_none());
        assert_eq!(webhook_action(&a)["ticket_id"].to_string(), "5123.0");
    }

    #[test]
    fn webhook_ticket_id_may_be_text() {
        assert_eq!(webhook_ticket(&sample(), true)["id"], json!("5123"));
        assert_eq!(webhook_ticket(&sample(), false)["id"], json!(5123));
    }
}
