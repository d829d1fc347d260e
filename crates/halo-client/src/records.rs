//! The look-up records the bridge reads from Halo (agents, statuses, ticket types,
//! priorities, outcomes, clients), each as lenient as Halo is loose. Tickets and
//! actions are `mapping::halo`'s.

use mapping::halo::lenient;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads a record whatever the case of its keys.
fn read<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(lenient::lowercase_keys(value))
}

/// A Halo agent (`GET /api/Agent`, `GET /api/Agent/me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Agent {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub email: Option<String>,
}

/// A ticket status (`GET /api/Status`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
}

/// A ticket type (`GET /api/TicketType`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TicketType {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
}

/// One priority row (`GET /api/Priority`): Halo lists a priority once per SLA, the
/// row `id` is a GUID, and the number a ticket's `priority_id` takes is `priorityid`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Priority {
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub priorityid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub slaid: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
}

/// An action outcome (`GET /api/Outcome`). Some builds name it `outcome`, not `name`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Outcome {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
}

/// A Halo customer (`GET /api/Client`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Client {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub name: Option<String>,
}

impl Agent {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        read(value)
    }
}

impl Status {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        read(value)
    }
}

impl TicketType {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        read(value)
    }
}

impl Priority {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        read(value)
    }
}

impl Outcome {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        let mut value = lenient::lowercase_keys(value);
        if let Value::Object(map) = &mut value
            && map.get("name").is_none_or(Value::is_null)
            && let Some(name) = map.get("outcome").cloned()
        {
            map.insert("name".to_owned(), name);
        }
        serde_json::from_value(value)
    }
}

impl Client {
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        read(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_in_any_shape_and_keys_in_any_case() {
        let agent = Agent::from_value(json!({"ID": "21", "Name": "Bridge", "extra": 1})).unwrap();
        assert_eq!(agent.id, 21);
        assert_eq!(agent.name.as_deref(), Some("Bridge"));
        assert_eq!(
            Status::from_value(json!({"id": 9.0, "name": "Closed"}))
                .unwrap()
                .id,
            9
        );
        assert!(TicketType::from_value(json!({"name": "no id"})).is_err());
    }

    #[test]
    fn priority_rows_keep_the_guid_and_the_number() {
        let row =
            json!({"id": "b9f1c7a2-3d4e", "priorityid": "1", "slaid": 3.0, "name": "Critical"});
        let priority = Priority::from_value(row).unwrap();
        assert_eq!(priority.id.as_deref(), Some("b9f1c7a2-3d4e"));
        assert_eq!(priority.priorityid, Some(1));
        assert_eq!(priority.slaid, Some(3));
    }

    #[test]
    fn outcome_name_from_either_key() {
        let named = Outcome::from_value(json!({"id": 7, "name": "Private Note"})).unwrap();
        assert_eq!(named.name.as_deref(), Some("Private Note"));
        let older = Outcome::from_value(json!({"id": 7, "outcome": "Private Note"})).unwrap();
        assert_eq!(older.name.as_deref(), Some("Private Note"));
    }
}
