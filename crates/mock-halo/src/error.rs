//! Why a change to the mock's state was refused, and how Halo words the refusal.

use serde_json::{Value, json};

/// A refused change. The `Display` text is the message Halo would give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MockError {
    #[error("Ticket {0} not found")]
    TicketNotFound(i64),
    #[error("Agent {0} not found")]
    UnknownAgent(i64),
    #[error("Status {0} not found")]
    UnknownStatus(i64),
    #[error("Outcome '{0}' not found")]
    UnknownOutcome(String),
    #[error("An Outcome must be entered for this Action")]
    OutcomeRequired,
    #[error("Please enter a Summary for this Ticket")]
    SummaryRequired,
    /// The body or one of its fields could not be read.
    #[error("{0}")]
    Invalid(String),
}

impl MockError {
    /// The body of Halo's 400 answer: `{"ClassName":"System.Exception","Message":…}`.
    pub fn halo_body(&self) -> Value {
        halo_exception(&self.to_string())
    }
}

/// A body in the shape Halo's API uses for a refused request.
pub(crate) fn halo_exception(message: &str) -> Value {
    json!({"ClassName": "System.Exception", "Message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_required_body_is_halos() {
        assert_eq!(
            MockError::OutcomeRequired.halo_body(),
            json!({
                "ClassName": "System.Exception",
                "Message": "An Outcome must be entered for this Action",
            })
        );
    }
}
