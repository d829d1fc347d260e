//! ContraForce's `incident.created.v1` delivery body, read strictly where the
//! bridge cannot work without a value (`data.incidentId`, `data.source`,
//! `data.title`) and leniently everywhere else. Signature checks live in the
//! `signing` crate, not here.

use serde_json::{Map, Value};

use crate::halo::lenient;

/// Why a delivery body cannot be used: displays as `<field path>: <problem>`,
/// for example `data.incidentId: missing`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct MalformedPayload {
    /// Where the problem is: `body` for the body as a whole, else a dotted path.
    pub path: String,
    pub problem: String,
}

impl MalformedPayload {
    fn new(path: &str, problem: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            problem: problem.into(),
        }
    }
}

/// A delivery: the event around the incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The body's `type`, e.g. `incident.created.v1`.
    pub kind: Option<String>,
    pub is_test: bool,
    pub timestamp: Option<String>,
    pub occurred_at: Option<String>,
    pub data: Incident,
}

/// The incident a delivery carries. Optional text is `None` when the body has
/// no usable value for it: absent, null, not a string, or blank.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incident {
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    /// Exactly as sent (not trimmed): it is ContraForce's key for the incident.
    pub incident_id: String,
    pub incident_number: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    pub severity: Option<String>,
    /// Exactly as sent (not trimmed); never contains `|`.
    pub source: String,
    pub source_display_name: Option<String>,
    pub owner: Option<Owner>,
    pub created_at: Option<String>,
    pub last_activity_at: Option<String>,
    pub alerts: Vec<Alert>,
    pub entities: Vec<Entity>,
}

/// Who owns the incident in ContraForce.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub display_name: Option<String>,
    pub email: Option<String>,
}

/// One alert behind the incident.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alert {
    pub title: Option<String>,
    pub severity: Option<String>,
    pub product_name: Option<String>,
    pub vendor_name: Option<String>,
}

/// One entity (user, host, IP…) the incident involves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entity {
    /// The entity's `type`, e.g. `User` or `IP`.
    pub kind: Option<String>,
    pub display_name: Option<String>,
}

impl Envelope {
    /// Reads a delivery body. Required: `data` (an object) and, inside it,
    /// `incidentId`, `source` and `title`, each a string with something other than
    /// white space in it (an all-blank value is reported as `empty`). The source
    /// must not contain `|`, which separates the parts of the Halo reference.
    /// Everything else is optional; unknown fields are ignored.
    pub fn parse(body: &[u8]) -> Result<Envelope, MalformedPayload> {
        let root = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(root)) => root,
            Ok(_) => return Err(MalformedPayload::new("body", "expected a JSON object")),
            Err(_) if body.iter().all(u8::is_ascii_whitespace) => {
                return Err(MalformedPayload::new("body", "empty"));
            }
            Err(e) => {
                let problem = format!("not valid JSON (line {}, column {})", e.line(), e.column());
                return Err(MalformedPayload::new("body", problem));
            }
        };

        let data = match root.get("data") {
            None | Some(Value::Null) => return Err(MalformedPayload::new("data", "missing")),
            Some(Value::Object(data)) => data,
            Some(_) => return Err(MalformedPayload::new("data", "expected an object")),
        };

        Ok(Envelope {
            kind: text(&root, "type"),
            is_test: is_test_flag(&root),
            timestamp: text(&root, "timestamp"),
            occurred_at: text(&root, "occurredAt"),
            data: Incident::from_map(data)?,
        })
    }
}

impl Incident {
    fn from_map(data: &Map<String, Value>) -> Result<Incident, MalformedPayload> {
        let incident_id = required(data, "incidentId")?;
        let source = required(data, "source")?;
        let title = required(data, "title")?;
        if source.contains('|') {
            return Err(MalformedPayload::new(
                "data.source",
                "must not contain \"|\"",
            ));
        }

        Ok(Incident {
            account_id: text(data, "accountId"),
            account_name: text(data, "accountName"),
            incident_id,
            incident_number: data.get("incidentNumber").and_then(lenient::int_from_value),
            title,
            description: text(data, "description"),
            severity: text(data, "severity"),
            source,
            source_display_name: text(data, "sourceDisplayName"),
            owner: data.get("owner").and_then(owner),
            created_at: text(data, "createdAt"),
            last_activity_at: text(data, "lastActivityAt"),
            alerts: objects(data, "alerts").map(alert).collect(),
            entities: objects(data, "entities").map(entity).collect(),
        })
    }
}

/// A required string field of `data`, reported by its path when unusable.
fn required(data: &Map<String, Value>, key: &str) -> Result<String, MalformedPayload> {
    let path = format!("data.{key}");
    match data.get(key) {
        None | Some(Value::Null) => Err(MalformedPayload::new(&path, "missing")),
        Some(Value::String(s)) if s.trim().is_empty() => Err(MalformedPayload::new(&path, "empty")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(MalformedPayload::new(&path, "expected a string")),
    }
}

/// An optional string field: `None` unless it is a string with more than white space.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// The objects in an optional array field; other items and other types are skipped.
fn objects<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    map.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn owner(value: &Value) -> Option<Owner> {
    // An owner given as a bare name is still worth showing.
    let owner = match value {
        Value::Object(map) => Owner {
            display_name: text(map, "displayName"),
            email: text(map, "email"),
        },
        Value::String(name) if !name.trim().is_empty() => Owner {
            display_name: Some(name.clone()),
            email: None,
        },
        _ => return None,
    };
    (owner.display_name.is_some() || owner.email.is_some()).then_some(owner)
}

fn alert(map: &Map<String, Value>) -> Alert {
    Alert {
        title: text(map, "title"),
        severity: text(map, "severity"),
        product_name: text(map, "productName"),
        vendor_name: text(map, "vendorName"),
    }
}

fn entity(map: &Map<String, Value>) -> Entity {
    Entity {
        kind: text(map, "type"),
        display_name: text(map, "displayName"),
    }
}

fn is_test_flag(root: &Map<String, Value>) -> bool {
    matches!(root.get("isTest"), Some(Value::Bool(true)))
}

fn root_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(root)) => Some(root),
        _ => None,
    }
}

/// The body's top-level `type` when the body is a JSON object with a string
/// there; `None` for anything else. Never fails.
pub fn peek_type(body: &[u8]) -> Option<String> {
    root_object(body)?
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// True when the body is a JSON object whose top-level `isTest` is `true`.
pub fn peek_is_test(body: &[u8]) -> bool {
    root_object(body).is_some_and(|root| is_test_flag(&root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;
    use serde_json::json;

    fn full() -> Value {
        samples::documented_body()
    }

    fn parse(value: &Value) -> Result<Envelope, MalformedPayload> {
        Envelope::parse(value.to_string().as_bytes())
    }

    fn problem(value: &Value) -> String {
        parse(value).unwrap_err().to_string()
    }

    #[test]
    fn reads_every_documented_field() {
        let envelope = parse(&full()).unwrap();
        assert_eq!(envelope.kind.as_deref(), Some("incident.created.v1"));
        assert!(!envelope.is_test);
        assert_eq!(envelope.timestamp.as_deref(), Some("2026-04-22T15:00:00Z"));
        assert_eq!(
            envelope.occurred_at.as_deref(),
            Some("2026-04-22T14:55:00Z")
        );
        assert_eq!(envelope.data, samples::documented_incident());
    }

    #[test]
    fn only_the_three_required_fields_are_enough() {
        let body = json!({"data": {"incidentId": "i-1", "source": "crowdstrike", "title": "T"}});
        let envelope = parse(&body).unwrap();
        assert_eq!(envelope.kind, None);
        assert!(!envelope.is_test);
        let expected = Incident {
            incident_id: "i-1".into(),
            source: "crowdstrike".into(),
            title: "T".into(),
            ..Incident::default()
        };
        assert_eq!(envelope.data, expected);
    }

    #[test]
    fn nulls_and_wrong_types_in_optional_fields_are_tolerated() {
        let mut body = full();
        let data = &mut body["data"];
        data["accountId"] = json!(null);
        data["incidentNumber"] = json!("not a number");
        data["description"] = json!(42);
        data["severity"] = json!(["High"]);
        data["owner"] = json!(7);
        data["createdAt"] = json!({"at": 1});
        data["alerts"] = json!({"title": "not a list"});
        data["entities"] = json!([null, 3, {"type": "Host"}]);
        body["isTest"] = json!("yes");
        body["type"] = json!(1);

        let envelope = parse(&body).unwrap();
        let incident = &envelope.data;
        assert_eq!(incident.account_id, None);
        assert_eq!(incident.incident_number, None);
        assert_eq!(incident.description, None);
        assert_eq!(incident.severity, None);
        assert_eq!(incident.owner, None);
        assert_eq!(incident.created_at, None);
        assert!(incident.alerts.is_empty());
        let host = Entity {
            kind: Some("Host".into()),
            display_name: None,
        };
        assert_eq!(incident.entities, vec![host]);
        assert!(!envelope.is_test, "only a JSON true marks a test");
        assert_eq!(envelope.kind, None);
    }

    #[test]
    fn incident_number_as_text_or_float_is_read() {
        for number in [json!("1234"), json!(1234.0), json!(" 1234 ")] {
            let mut body = full();
            body["data"]["incidentNumber"] = number.clone();
            assert_eq!(
                parse(&body).unwrap().data.incident_number,
                Some(1234),
                "{number}"
            );
        }
    }

    #[test]
    fn blank_optional_text_counts_as_absent() {
        let mut body = full();
        body["data"]["sourceDisplayName"] = json!("  ");
        body["data"]["owner"] = json!({"displayName": "", "email": null});
        let incident = parse(&body).unwrap().data;
        assert_eq!(incident.source_display_name, None);
        assert_eq!(incident.owner, None);
    }

    #[test]
    fn owner_given_as_a_name() {
        let mut body = full();
        body["data"]["owner"] = json!("Alex Analyst");
        let owner = parse(&body).unwrap().data.owner.unwrap();
        assert_eq!(owner.display_name.as_deref(), Some("Alex Analyst"));
        assert_eq!(owner.email, None);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut body = full();
        body["extra"] = json!({"deep": [1, 2]});
        body["data"]["somethingNew"] = json!(true);
        assert_eq!(parse(&body).unwrap().data, parse(&full()).unwrap().data);
    }

    #[test]
    fn each_required_field_missing_null_wrong_type_or_blank() {
        for key in ["incidentId", "source", "title"] {
            let mut body = full();
            body["data"].as_object_mut().unwrap().remove(key);
            assert_eq!(problem(&body), format!("data.{key}: missing"));
            body["data"][key] = json!(null);
            assert_eq!(problem(&body), format!("data.{key}: missing"));
            body["data"][key] = json!(12);
            assert_eq!(problem(&body), format!("data.{key}: expected a string"));
            body["data"][key] = json!("");
            assert_eq!(problem(&body), format!("data.{key}: empty"));
            body["data"][key] = json!(" \t\n");
            assert_eq!(problem(&body), format!("data.{key}: empty"));
        }
    }

    #[test]
    fn required_values_are_kept_exactly_as_sent() {
        let mut body = full();
        body["data"]["incidentId"] = json!(" id with spaces ");
        assert_eq!(parse(&body).unwrap().data.incident_id, " id with spaces ");
    }

    #[test]
    fn source_with_a_bar_is_refused() {
        let mut body = full();
        body["data"]["source"] = json!("sen|tinel");
        assert_eq!(problem(&body), "data.source: must not contain \"|\"");
    }

    #[test]
    fn data_missing_null_or_not_an_object() {
        let mut body = full();
        body.as_object_mut().unwrap().remove("data");
        assert_eq!(problem(&body), "data: missing");
        body["data"] = json!(null);
        assert_eq!(problem(&body), "data: missing");
        body["data"] = json!([1]);
        assert_eq!(problem(&body), "data: expected an object");
    }

    #[test]
    fn bodies_that_are_not_a_json_object() {
        let err = |body: &[u8]| Envelope::parse(body).unwrap_err().to_string();
        assert_eq!(
            err(b"{\"data\": nope}"),
            "body: not valid JSON (line 1, column 11)"
        );
        assert_eq!(
            err(b"{\n\"data\":"),
            "body: not valid JSON (line 2, column 7)"
        );
        assert_eq!(err(b""), "body: empty");
        assert_eq!(err(b"  \n"), "body: empty");
        assert_eq!(err(b"[1,2]"), "body: expected a JSON object");
        assert_eq!(err(b"\"text\""), "body: expected a JSON object");
        assert_eq!(
            err(&[0xff, 0xfe]),
            "body: not valid JSON (line 1, column 1)"
        );
    }

    #[test]
    fn path_and_problem_are_separate_fields() {
        let mut body = full();
        body["data"]["title"] = json!(false);
        let error = parse(&body).unwrap_err();
        assert_eq!(error.path, "data.title");
        assert_eq!(error.problem, "expected a string");
    }

    #[test]
    fn test_flag_from_the_body() {
        let mut body = full();
        body["isTest"] = json!(true);
        assert!(parse(&body).unwrap().is_test);
    }

    #[test]
    fn peek_type_reads_only_a_string_type_of_an_object() {
        assert_eq!(
            peek_type(br#"{"type":"incident.created.v1"}"#).as_deref(),
            Some("incident.created.v1")
        );
        assert_eq!(
            peek_type(br#"{"type":"other","data":null}"#).as_deref(),
            Some("other")
        );
        assert_eq!(peek_type(br#"{"type":1}"#), None);
        assert_eq!(peek_type(br#"{"kind":"incident.created.v1"}"#), None);
        assert_eq!(peek_type(br#"[{"type":"incident.created.v1"}]"#), None);
        assert_eq!(peek_type(b"not json"), None);
        assert_eq!(peek_type(b""), None);
    }

    #[test]
    fn peek_is_test_wants_a_top_level_true() {
        assert!(peek_is_test(br#"{"isTest":true}"#));
        assert!(!peek_is_test(br#"{"isTest":false}"#));
        assert!(!peek_is_test(br#"{"isTest":"true"}"#));
        assert!(!peek_is_test(br#"{"data":{"isTest":true}}"#));
        assert!(!peek_is_test(br#"[{"isTest":true}]"#));
        assert!(!peek_is_test(b"{broken"));
    }
}
