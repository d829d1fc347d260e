//! Unwrapping Halo's answer shapes: a list may come bare or inside a wrapper object
//! under one of several keys, and a write may answer with an object or an array.
//! Reading the records themselves is `mapping::halo`'s and [`crate::records`]' job.

use serde_json::Value;

use crate::HaloError;

/// The items of a list answer: a bare array, or the array under the first of `keys`
/// present in a wrapper object (key case ignored).
pub(crate) fn rows(answer: Value, keys: &[&str]) -> Result<Vec<Value>, HaloError> {
    match answer {
        Value::Array(items) => Ok(items),
        Value::Object(map) => {
            let found = keys.iter().find_map(|wanted| {
                map.iter()
                    .find(|(key, value)| key.eq_ignore_ascii_case(wanted) && value.is_array())
                    .map(|(_, value)| value.clone())
            });
            match found {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(HaloError::Decode(format!(
                    "expected a list under one of {keys:?}"
                ))),
            }
        }
        other => Err(HaloError::Decode(format!(
            "expected a list, got {}",
            kind(&other)
        ))),
    }
}

/// Reads each item with `read`, skipping (and logging) the ones it cannot read, so
/// that one odd row does not hide the rest.
pub(crate) fn read_rows<T, E: std::fmt::Display>(
    items: Vec<Value>,
    what: &str,
    read: impl Fn(Value) -> Result<T, E>,
) -> Vec<T> {
    items
        .into_iter()
        .filter_map(|item| match read(item) {
            Ok(record) => Some(record),
            Err(e) => {
                tracing::warn!(what, error = %e, "skipping an unreadable Halo record");
                None
            }
        })
        .collect()
}

/// The one record of a write's answer: the object itself, or the last object of an
/// array (Halo answers with the last record it wrote).
pub(crate) fn single(answer: Value) -> Option<Value> {
    match answer {
        Value::Object(_) => Some(answer),
        Value::Array(items) => items.into_iter().rev().find(Value::is_object),
        _ => None,
    }
}

/// A word for a JSON value's kind, for messages that must not echo the value.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_from_bare_and_wrapped_lists() {
        let items = json!([{"id": 1}]);
        assert_eq!(
            rows(items.clone(), &["tickets"]).unwrap(),
            vec![json!({"id": 1})]
        );
        let wrapped = json!({"record_count": 1, "faults": [{"id": 1}]});
        assert_eq!(rows(wrapped, &["tickets", "faults"]).unwrap().len(), 1);
        let shouting = json!({"Tickets": [{"id": 1}]});
        assert_eq!(rows(shouting, &["tickets"]).unwrap().len(), 1);
    }

    #[test]
    fn rows_refuse_what_is_not_a_list() {
        assert!(matches!(
            rows(json!({"record_count": 0}), &["tickets"]),
            Err(HaloError::Decode(_))
        ));
        assert!(matches!(
            rows(json!("x"), &["tickets"]),
            Err(HaloError::Decode(_))
        ));
    }

    #[test]
    fn single_takes_the_object_or_the_last_of_an_array() {
        assert_eq!(single(json!({"id": 1})), Some(json!({"id": 1})));
        assert_eq!(
            single(json!([{"id": 1}, {"id": 2}])),
            Some(json!({"id": 2}))
        );
        assert_eq!(single(json!([])), None);
        assert_eq!(single(json!(null)), None);
    }
}
