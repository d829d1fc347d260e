//! What a [`crate::CfClient`] needs to know: the API base, the service account and
//! the workspace. Reading these from the environment is the relay's job.

use std::time::Duration;

use upstream::{RetryPolicy, Secret};

/// Settings of one ContraForce workspace.
#[derive(Debug, Clone)]
pub struct CfConfig {
    /// The API base, e.g. `https://prod.platform.contraforce.com/api/v2`.
    pub base_url: String,
    /// The service account, sent as HTTP Basic credentials.
    pub client_id: String,
    pub client_secret: Secret,
    pub workspace_id: String,
    /// The longest one exchange may take.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl CfConfig {
    /// Settings with a 20 s timeout and the default retry policy.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
        workspace_id: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret,
            workspace_id: workspace_id.into(),
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}
