//! [`HaloError`]: every way a Halo call can fail, built from the HTTP status or the
//! transport, with the upstream's message. Messages never carry a secret or a token.

use std::time::Duration;

use upstream::{Failure, wait_hint};

/// Why a Halo call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HaloError {
    /// The token endpoint refused the client, or the API refused a fresh token.
    #[error("Halo refused the bridge's credentials: {0}")]
    Unauthorized(String),
    #[error("Halo denied the bridge access (HTTP 403)")]
    Forbidden,
    #[error("not found in Halo")]
    NotFound,
    #[error("Halo rate limit reached{}", wait_hint(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("Halo rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("Halo is unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    #[error("Halo did not answer in time")]
    Timeout,
    #[error("could not reach Halo: {0}")]
    Transport(String),
    #[error("Halo's answer could not be read: {0}")]
    Decode(String),
    /// A create may or may not have happened: look the reference up before trying again.
    #[error("the outcome of the Halo request is unknown: {0}")]
    Uncertain(String),
    #[error("Halo client configuration: {0}")]
    Config(String),
}

impl HaloError {
    /// Whether trying again later may succeed. Refused credentials count: the bridge
    /// treats them as an outage to wait out, never as "not found".
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            HaloError::RateLimited { .. }
                | HaloError::Unavailable { .. }
                | HaloError::Timeout
                | HaloError::Transport(_)
                | HaloError::Uncertain(_)
                | HaloError::Unauthorized(_)
                | HaloError::Forbidden
        )
    }

    /// The wait Halo asked for, when it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HaloError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl From<Failure> for HaloError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unauthorized(message) => HaloError::Unauthorized(message),
            Failure::Forbidden => HaloError::Forbidden,
            Failure::NotFound => HaloError::NotFound,
            Failure::RateLimited { retry_after } => HaloError::RateLimited { retry_after },
            Failure::Rejected { status, message } => HaloError::Rejected { status, message },
            Failure::Unavailable { status } => HaloError::Unavailable { status },
            Failure::Timeout => HaloError::Timeout,
            Failure::Transport(detail) => HaloError::Transport(detail),
            Failure::Uncertain(detail) => HaloError::Uncertain(detail),
            Failure::Invalid(detail) => HaloError::Config(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_ones_worth_waiting_for() {
        let transient = [
            HaloError::RateLimited { retry_after: None },
            HaloError::Unavailable { status: 503 },
            HaloError::Timeout,
            HaloError::Transport("reset".into()),
            HaloError::Uncertain("timed out".into()),
            HaloError::Unauthorized("bad client".into()),
            HaloError::Forbidden,
        ];
        let permanent = [
            HaloError::NotFound,
            HaloError::Rejected {
                status: 400,
                message: "no".into(),
            },
            HaloError::Decode("bad json".into()),
            HaloError::Config("bad url".into()),
        ];
        assert!(transient.iter().all(HaloError::is_transient));
        assert!(!permanent.iter().any(HaloError::is_transient));
    }

    #[test]
    fn retry_after_only_from_rate_limits() {
        let wait = Some(Duration::from_secs(30));
        let limited = HaloError::RateLimited { retry_after: wait };
        assert_eq!(limited.retry_after(), wait);
        assert_eq!(
            limited.to_string(),
            "Halo rate limit reached; retry after 30s"
        );
        assert_eq!(HaloError::Timeout.retry_after(), None);
    }
}
