//! [`CfError`]: every way a ContraForce call can fail, built from the HTTP status or
//! the transport. Messages never carry the service account's secret.

use std::time::Duration;

use upstream::{Failure, wait_hint};

/// Why a ContraForce call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfError {
    #[error("ContraForce refused the service account: {0}")]
    Unauthorized(String),
    #[error("ContraForce denied the service account access (HTTP 403)")]
    Forbidden,
    #[error("incident or workspace not found in ContraForce")]
    NotFound,
    #[error("ContraForce rate limit reached{}", wait_hint(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("ContraForce rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("ContraForce is unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    #[error("ContraForce did not answer in time")]
    Timeout,
    #[error("could not reach ContraForce: {0}")]
    Transport(String),
    /// A comment may or may not have been added: sending it again risks a duplicate.
    #[error("the outcome of the ContraForce request is unknown: {0}")]
    Uncertain(String),
    #[error("ContraForce client configuration: {0}")]
    Config(String),
}

impl CfError {
    /// Whether trying again later may succeed. Refused credentials count: the bridge
    /// treats them as an outage to wait out.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CfError::RateLimited { .. }
                | CfError::Unavailable { .. }
                | CfError::Timeout
                | CfError::Transport(_)
                | CfError::Uncertain(_)
                | CfError::Unauthorized(_)
                | CfError::Forbidden
        )
    }

    /// The wait ContraForce asked for, when it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CfError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl From<Failure> for CfError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unauthorized(message) => CfError::Unauthorized(message),
            Failure::Forbidden => CfError::Forbidden,
            Failure::NotFound => CfError::NotFound,
            Failure::RateLimited { retry_after } => CfError::RateLimited { retry_after },
            Failure::Rejected { status, message } => CfError::Rejected { status, message },
            Failure::Unavailable { status } => CfError::Unavailable { status },
            Failure::Timeout => CfError::Timeout,
            Failure::Transport(detail) => CfError::Transport(detail),
            Failure::Uncertain(detail) => CfError::Uncertain(detail),
            Failure::Invalid(detail) => CfError::Config(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_ones_worth_waiting_for() {
        let transient = [
            CfError::RateLimited { retry_after: None },
            CfError::Unavailable { status: 502 },
            CfError::Timeout,
            CfError::Transport("reset".into()),
            CfError::Uncertain("timed out".into()),
            CfError::Unauthorized("bad account".into()),
            CfError::Forbidden,
        ];
        let permanent = [
            CfError::NotFound,
            CfError::Rejected {
                status: 400,
                message: "no".into(),
            },
            CfError::Config("bad url".into()),
        ];
        assert!(transient.iter().all(CfError::is_transient));
        assert!(!permanent.iter().any(CfError::is_transient));
    }

    #[test]
    fn retry_after_only_from_rate_limits() {
        let limited = CfError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(
            limited.to_string(),
            "ContraForce rate limit reached; retry after 7s"
        );
        assert_eq!(CfError::Forbidden.retry_after(), None);
    }
}
