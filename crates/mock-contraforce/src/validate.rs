//! Checks the bodies the bridge sends to the comment and status routes against
//! the shapes ContraForce documents, naming the first field that is wrong.
//! It stores nothing and knows nothing of HTTP.

use serde_json::{Map, Value};

use crate::state::{CLASSIFICATIONS, STATUSES, StatusRequest};

/// A body that does not have the documented shape: `"<field>: <problem>"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid(field: &str, problem: &str) -> Invalid {
    Invalid(format!("{field}: {problem}"))
}

/// A validated comment request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommentRequest {
    pub content: String,
    pub source: String,
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Invalid> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Invalid("body: not a JSON object".to_owned())),
        Err(_) => Err(Invalid("body: not valid JSON".to_owned())),
    }
}

/// A required, non-blank string.
fn required(map: &Map<String, Value>, field: &str) -> Result<String, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Err(invalid(field, "missing")),
        Some(Value::String(text)) if text.trim().is_empty() => Err(invalid(field, "empty")),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(invalid(field, "not a string")),
    }
}

/// An optional string: absent and null both mean none.
fn optional(map: &Map<String, Value>, field: &str) -> Result<Option<String>, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(field, "not a string")),
    }
}

/// The body's `incidentId` must name the incident of the path, so a client
/// that encodes the path wrongly is caught here.
fn same_incident(map: &Map<String, Value>, path_id: &str) -> Result<(), Invalid> {
    if required(map, "incidentId")? == path_id {
        Ok(())
    } else {
        Err(invalid(
            "incidentId",
            "does not match the incident in the path",
        ))
    }
}

/// Validates `{"incidentId","commentId":null,"content","extensionId":null,"source"}`.
pub(crate) fn comment(body: &[u8], path_id: &str) -> Result<CommentRequest, Invalid> {
    let map = object(body)?;
    same_incident(&map, path_id)?;
    let content = required(&map, "content")?;
    for field in ["commentId", "extensionId"] {
        if map.get(field).is_some_and(|value| !value.is_null()) {
            return Err(invalid(field, "must be null"));
        }
    }
    let source = required(&map, "source")?;
    Ok(CommentRequest { content, source })
}

/// Validates `{"incidentId","source","status","comment","classification",
/// "classificationReason"}`; closing needs both classification fields.
pub(crate) fn status(body: &[u8], path_id: &str) -> Result<StatusRequest, Invalid> {
    let map = object(body)?;
    same_incident(&map, path_id)?;
    let source = required(&map, "source")?;
    let status = required(&map, "status")?;
    if !STATUSES.contains(&status.as_str()) {
        return Err(invalid("status", "must be one of New, Active, Closed"));
    }

    let classification = optional(&map, "classification")?;
    if let Some(value) = &classification
        && !CLASSIFICATIONS.contains(&value.as_str())
    {
        return Err(invalid(
            "classification",
            "must be one of TruePositive, BenignPositive, FalsePositive, Undetermined",
        ));
    }
    let classification_reason = optional(&map, "classificationReason")?;
    if status == "Closed" {
        if classification.is_none() {
            return Err(invalid("classification", "required to close"));
        }
        if classification_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            return Err(invalid("classificationReason", "required to close"));
        }
    }

    Ok(StatusRequest {
        status,
        classification,
        classification_reason,
        comment: optional(&map, "comment")?,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(value: Value) -> Vec<u8> {
        value.to_string().into_bytes()
    }

    fn comment_error(value: Value) -> String {
        comment(&bytes(value), "inc-1")
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
    }

    fn status_error(value: Value) -> String {
        status(&bytes(value), "inc-1")
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
    }

    #[test]
    fn accepts_the_documented_comment() {
        let body = json!({"incidentId":"inc-1","commentId":null,"content":"hi",
            "extensionId":null,"source":"sentinel"});
        assert_eq!(
            comment(&bytes(body), "inc-1"),
            Ok(CommentRequest {
                content: "hi".into(),
                source: "sentinel".into()
            })
        );
    }

    #[test]
    fn names_the_wrong_comment_field() {
        assert_eq!(
            comment_error(json!({"content":"x","source":"s"})),
            "incidentId: missing"
        );
        assert_eq!(
            comment_error(json!({"incidentId":"other","content":"x","source":"s"})),
            "incidentId: does not match the incident in the path"
        );
        assert_eq!(
            comment_error(json!({"incidentId":"inc-1","source":"s"})),
            "content: missing"
        );
        assert_eq!(
            comment_error(json!({"incidentId":"inc-1","content":5,"source":"s"})),
            "content: not a string"
        );
        assert_eq!(
            comment_error(json!({"incidentId":"inc-1","content":"x","commentId":"7","source":"s"})),
            "commentId: must be null"
        );
        assert_eq!(
            comment_error(json!({"incidentId":"inc-1","content":"x"})),
            "source: missing"
        );
        assert_eq!(comment_error(json!([1])), "body: not a JSON object");
        assert_eq!(
            comment(b"{nope", "inc-1")
                .err()
                .map(|e| e.0)
                .unwrap_or_default(),
            "body: not valid JSON"
        );
    }

    #[test]
    fn close_needs_classification_and_reason() {
        let base = json!({"incidentId":"inc-1","source":"s","status":"Closed"});
        assert_eq!(status_error(base), "classification: required to close");
        assert_eq!(
            status_error(json!({"incidentId":"inc-1","source":"s","status":"Closed",
                "classification":"Undetermined"})),
            "classificationReason: required to close"
        );
        assert_eq!(
            status_error(json!({"incidentId":"inc-1","source":"s","status":"Closed",
                "classification":"Maybe","classificationReason":"x"})),
            "classification: must be one of TruePositive, BenignPositive, FalsePositive, \
             Undetermined"
        );
        let ok = status(
            &bytes(json!({"incidentId":"inc-1","source":"s","status":"Closed",
                "classification":"TruePositive","classificationReason":"x","comment":"done"})),
            "inc-1",
        );
        assert_eq!(ok.map(|r| r.comment), Ok(Some("done".to_owned())));
    }

    #[test]
    fn status_must_be_known_and_reopen_needs_no_classification() {
        assert_eq!(
            status_error(json!({"incidentId":"inc-1","source":"s","status":"closed"})),
            "status: must be one of New, Active, Closed"
        );
        let reopen = status(
            &bytes(json!({"incidentId":"inc-1","source":"s","status":"Active"})),
            "inc-1",
        );
        assert_eq!(reopen.map(|r| r.status), Ok("Active".to_owned()));
    }
}
