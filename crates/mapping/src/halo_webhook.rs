//! Halo's outbound webhook body: one event object or a batch of them, and the
//! ticket each event is about. Authenticating the callback is the `signing`
//! crate's job; what happens to the ticket is the relay's.

use serde_json::{Map, Value};

use crate::halo::lenient;

/// The body is not JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("body is not valid JSON (line {line}, column {column})")]
pub struct NotJson {
    pub line: usize,
    pub column: usize,
}

/// The events in a body: the object itself, or the objects of an array. Other
/// JSON (a number, a string, null) and non-object items of an array are no
/// events.
pub fn parse_events(body: &[u8]) -> Result<Vec<Value>, NotJson> {
    let value: Value = serde_json::from_slice(body).map_err(|e| NotJson {
        line: e.line(),
        column: e.column(),
    })?;
    Ok(match value {
        Value::Object(_) => vec![value],
        Value::Array(items) => items.into_iter().filter(Value::is_object).collect(),
        _ => Vec::new(),
    })
}

/// The ticket an event is about: the first whole, positive number found in
/// `ticket_id`, `ticket.id`, `object_id`, then `id`, read as `5`, `5.0` or
/// `"5"`, with keys matched in any case. A GUID (Halo's usual top-level `id`)
/// is passed over, and so are `0` and `-1`, which Halo uses for "none".
pub fn ticket_id(event: &Value) -> Option<i64> {
    let event = event.as_object()?;
    let ticket = get(event, "ticket").and_then(Value::as_object);
    [
        get(event, "ticket_id"),
        ticket.and_then(|ticket| get(ticket, "id")),
        get(event, "object_id"),
        get(event, "id"),
    ]
    .into_iter()
    .flatten()
    .filter_map(lenient::int_from_value)
    .find(|id| *id > 0)
}

/// A field by name in any case; an exact match wins over other spellings.
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WEBHOOKS: &str = include_str!("../tests/data/halo-webhooks.json");

    fn sample(name: &str) -> Value {
        let doc: Value = serde_json::from_str(WEBHOOKS).unwrap();
        doc[name].clone()
    }

    fn body(name: &str) -> Vec<u8> {
        sample(name).to_string().into_bytes()
    }

    #[test]
    fn one_event_object() {
        let events = parse_events(&body("ticket_status_changed")).unwrap();
        assert_eq!(events, vec![sample("ticket_status_changed")]);
    }

    #[test]
    fn a_batch_is_a_list_of_events() {
        let events = parse_events(&body("batched")).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            events.iter().map(ticket_id).collect::<Vec<_>>(),
            vec![Some(5123); 2]
        );
    }

    #[test]
    fn other_json_is_no_events() {
        for body in [
            &b"5"[..],
            b"\"text\"",
            b"null",
            b"true",
            b"[]",
            b"[1, \"x\", null]",
        ] {
            assert_eq!(
                parse_events(body),
                Ok(vec![]),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let mixed = parse_events(br#"[1, {"ticket_id": 5}]"#).unwrap();
        assert_eq!(mixed, vec![json!({"ticket_id": 5})]);
    }

    #[test]
    fn not_json_is_an_error() {
        assert_eq!(parse_events(b"{oops"), Err(NotJson { line: 1, column: 2 }));
        assert!(parse_events(b"").is_err());
        assert_eq!(
            parse_events(b"ticket_id=5").unwrap_err().to_string(),
            "body is not valid JSON (line 1, column 2)"
        );
    }

    #[test]
    fn ticket_id_from_each_sample() {
        for name in [
            "ticket_status_changed",
            "action_added",
            "event_information_only",
        ] {
            assert_eq!(ticket_id(&sample(name)), Some(5123), "{name}");
        }
    }

    #[test]
    fn the_order_of_places() {
        let all = json!({"ticket_id": 1, "ticket": {"id": 2}, "object_id": 3, "id": 4});
        assert_eq!(ticket_id(&all), Some(1));
        assert_eq!(
            ticket_id(&json!({"ticket": {"id": 2}, "object_id": 3, "id": 4})),
            Some(2)
        );
        assert_eq!(ticket_id(&json!({"object_id": 3, "id": 4})), Some(3));
        assert_eq!(ticket_id(&json!({"id": 4})), Some(4));
    }

    #[test]
    fn numbers_as_int_float_or_text() {
        assert_eq!(ticket_id(&json!({"ticket_id": 5})), Some(5));
        assert_eq!(ticket_id(&json!({"ticket_id": 5.0})), Some(5));
        assert_eq!(ticket_id(&json!({"ticket_id": "5"})), Some(5));
        assert_eq!(ticket_id(&json!({"ticket": {"id": "5.0"}})), Some(5));
    }

    #[test]
    fn unusable_values_fall_through_to_the_next_place() {
        let guid = "3f0e9a4c-2b7d-4e61-9c58-0a1b2c3d4e5f";
        assert_eq!(
            ticket_id(&json!({"ticket_id": guid, "object_id": 7})),
            Some(7)
        );
        assert_eq!(
            ticket_id(&json!({"ticket_id": null, "ticket": "5", "object_id": 8})),
            Some(8)
        );
        assert_eq!(
            ticket_id(&json!({"ticket_id": 5.5, "object_id": -1, "id": 9})),
            Some(9)
        );
        assert_eq!(ticket_id(&json!({"ticket_id": 0, "id": 9})), Some(9));
    }

    #[test]
    fn a_guid_id_is_never_an_id() {
        let event = json!({"id": "3f0e9a4c-2b7d-4e61-9c58-0a1b2c3d4e5f", "event": "x"});
        assert_eq!(ticket_id(&event), None);
        let numeric_looking = json!({"id": "12345678-0000-4000-8000-000000000000"});
        assert_eq!(ticket_id(&numeric_looking), None);
    }

    #[test]
    fn keys_in_any_case() {
        assert_eq!(ticket_id(&json!({"Ticket_ID": 5})), Some(5));
        assert_eq!(ticket_id(&json!({"Ticket": {"ID": "6"}})), Some(6));
        assert_eq!(ticket_id(&json!({"OBJECT_ID": 7.0})), Some(7));
        assert_eq!(ticket_id(&json!({"Id": 8})), Some(8));
    }

    #[test]
    fn nothing_found() {
        assert_eq!(ticket_id(&json!({})), None);
        assert_eq!(ticket_id(&json!({"event": "x", "ticket": {}})), None);
        assert_eq!(ticket_id(&json!([5])), None);
        assert_eq!(ticket_id(&json!(5)), None);
    }
}
