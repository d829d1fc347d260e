//! The answers the bridge gives, with their exact status codes and bodies
//! (contract §3 and §4), built in one place so every route says the same thing.

use serde_json::{Value, json};
use std::time::Duration;

/// An HTTP answer: status, exact JSON body, and a `Retry-After` when the sender
/// should come back later.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<Duration>,
}

impl Answer {
    fn new(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    pub fn too_large() -> Self {
        Self::new(413, json!({"error": "payload too large"}))
    }

    pub fn missing_event_id() -> Self {
        Self::new(400, json!({"error": "missing X-CF-Event-Id"}))
    }

    pub fn invalid_signature() -> Self {
        Self::new(401, json!({"error": "invalid signature"}))
    }

    pub fn invalid_callback_secret() -> Self {
        Self::new(401, json!({"error": "invalid callback secret"}))
    }

    pub fn ignored(reason: &str) -> Self {
        Self::new(200, json!({"status": "ignored", "reason": reason}))
    }

    pub fn malformed(detail: &str) -> Self {
        Self::new(400, json!({"error": "malformed payload", "detail": detail}))
    }

    pub fn malformed_halo() -> Self {
        Self::new(400, json!({"error": "malformed payload"}))
    }

    pub fn test_delivery(event_id: &str) -> Self {
        Self::new(200, json!({"status": "test", "eventId": event_id}))
    }

    pub fn created(ticket_id: i64) -> Self {
        Self::new(200, json!({"status": "created", "ticketId": ticket_id}))
    }

    pub fn updated(ticket_id: i64) -> Self {
        Self::new(200, json!({"status": "updated", "ticketId": ticket_id}))
    }

    pub fn duplicate(ticket_id: i64) -> Self {
        Self::new(200, json!({"status": "duplicate", "ticketId": ticket_id}))
    }

    pub fn processed(actions_forwarded: u64, closed: bool) -> Self {
        Self::new(
            200,
            json!({"status": "processed", "actionsForwarded": actions_forwarded, "closed": closed}),
        )
    }

    pub fn queued(event_id: &str) -> Self {
        Self::new(202, json!({"status": "queued", "eventId": event_id}))
    }

    pub fn unavailable(retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(503, json!({"error": "upstream unavailable"}))
        }
    }

    /// The function edition has too much in progress to take another delivery;
    /// the sender redelivers after `retry_after`.
    pub fn busy(retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                503,
                json!({"error": "busy", "detail": "too many deliveries in progress; retry later"}),
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(404, json!({"error": "not found"}))
    }

    pub fn unauthorized() -> Self {
        Self::new(401, json!({"error": "unauthorized"}))
    }

    /// The ticket id a processed ContraForce delivery produced, if any.
    pub fn ticket_id(&self) -> Option<i64> {
        self.body.get("ticketId").and_then(Value::as_i64)
    }

    /// A short label for logs and metrics: the body's `status`, else a name for
    /// the error.
    pub fn outcome_label(&self) -> &'static str {
        if let Some(status) = self.body.get("status").and_then(Value::as_str) {
            return match status {
                "created" => "created",
                "updated" => "updated",
                "duplicate" => "duplicate",
                "test" => "test",
                "ignored" => "ignored",
                "processed" => "processed",
                "queued" => "queued",
                _ => "other",
            };
        }
        if self.body.get("error").and_then(Value::as_str) == Some("busy") {
            return "busy";
        }
        match self.status {
            413 => "too_large",
            400 => "malformed",
            401 => "unauthenticated",
            503 => "unavailable",
            _ => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_exactly_the_contracts() {
        assert_eq!(
            Answer::too_large().body.to_string(),
            r#"{"error":"payload too large"}"#
        );
        assert_eq!(
            Answer::queued("e1").body,
            json!({"status": "queued", "eventId": "e1"})
        );
        let unavailable = Answer::unavailable(Duration::from_secs(30));
        assert_eq!(unavailable.status, 503);
        assert_eq!(unavailable.body, json!({"error": "upstream unavailable"}));
        assert_eq!(unavailable.retry_after, Some(Duration::from_secs(30)));
        assert_eq!(
            Answer::processed(2, true).body,
            json!({"status": "processed", "actionsForwarded": 2, "closed": true})
        );
    }

    #[test]
    fn labels_and_ticket_ids() {
        assert_eq!(Answer::created(5).outcome_label(), "created");
        assert_eq!(Answer::created(5).ticket_id(), Some(5));
        assert_eq!(
            Answer::invalid_signature().outcome_label(),
            "unauthenticated"
        );
        assert_eq!(Answer::malformed("x: missing").outcome_label(), "malformed");
        assert_eq!(Answer::ignored("r").ticket_id(), None);
    }
}
