//! What a [`crate::HaloClient`] needs to know: where Halo is, who the bridge is, and
//! how patient to be. Reading these from the environment is the relay's job.

use std::time::Duration;

use mapping::halo::RefField;
use upstream::{RetryPolicy, Secret};

/// Settings of one Halo tenant.
#[derive(Debug, Clone)]
pub struct HaloConfig {
    /// The authorisation server, e.g. `https://acme.halopsa.com/auth` (the token is at `/token`).
    pub auth_url: String,
    /// The resource server, e.g. `https://acme.halopsa.com/api`.
    pub api_base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Hosted multi-tenant Halo only.
    pub tenant: Option<String>,
    /// Space-separated scopes; `all` by default.
    pub scope: String,
    /// Where tickets carry the ContraForce reference.
    pub ref_field: RefField,
    /// Requests (token requests included) allowed in any five minutes; 0 = no limit.
    pub max_requests_per_5min: u32,
    /// The longest one exchange may take.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl HaloConfig {
    /// Settings with the defaults: scope `all`, reference in `thirdpartynumber`,
    /// 300 requests per five minutes, a 20 s timeout and the default retry policy.
    pub fn new(
        auth_url: impl Into<String>,
        api_base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        Self {
            auth_url: auth_url.into(),
            api_base_url: api_base_url.into(),
            client_id: client_id.into(),
            client_secret,
            tenant: None,
            scope: "all".to_owned(),
            ref_field: RefField::ThirdPartyNumber,
            max_requests_per_5min: 300,
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}
