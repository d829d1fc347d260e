//! [`CfClient`]: construction, incident URLs, and the authorised request path every
//! call takes. The calls themselves are in [`crate::incidents`].

use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde_json::Value;
use upstream::{Clock, Delivery, Requester, Secret, UpstreamObserver};

use crate::{CfConfig, CfError};

/// Everything but RFC 3986's unreserved characters is encoded in a path segment, so
/// an incident id with `/`, `?`, `#`, `|` or spaces stays one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A ContraForce client. Cloning is cheap.
#[derive(Clone)]
pub struct CfClient {
    inner: Arc<Inner>,
}

struct Inner {
    requester: Requester,
    /// `{base}/workspaces/{workspace}`, encoded, without a trailing slash.
    workspace_url: String,
    client_id: String,
    client_secret: Secret,
}

impl std::fmt::Debug for CfClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CfClient")
            .field("workspace_url", &self.inner.workspace_url)
            .finish_non_exhaustive()
    }
}

impl CfClient {
    /// A client for the workspace `config` names. Checks the settings; sends nothing.
    pub fn new(
        config: CfConfig,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn UpstreamObserver>,
    ) -> Result<CfClient, CfError> {
        let base = upstream::base_url("base_url", &config.base_url)?;
        let workspace = config.workspace_id.trim();
        if workspace.is_empty() {
            return Err(CfError::Config("workspace_id is empty".into()));
        }
        if config.client_id.trim().is_empty() || config.client_secret.is_empty() {
            return Err(CfError::Config(
                "the service account's client id and secret are required".into(),
            ));
        }

        let requester = Requester::new(config.request_timeout, config.retry, clock, observer)?
            .with_secrets(vec![config.client_secret.clone()]);
        Ok(CfClient {
            inner: Arc::new(Inner {
                requester,
                workspace_url: format!("{base}/workspaces/{}", segment(workspace)),
                client_id: config.client_id,
                client_secret: config.client_secret,
            }),
        })
    }

    /// `{base}/workspaces/{ws}/incidents/{incident}/{action}`, the id percent-encoded.
    pub(crate) fn incident_url(&self, incident_id: &str, action: &str) -> String {
        format!(
            "{}/incidents/{}/{action}",
            self.inner.workspace_url,
            segment(incident_id)
        )
    }

    /// Sends `body` as JSON with the service account's Basic credentials.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: &Value,
        delivery: Delivery,
    ) -> Result<(), CfError> {
        let inner = &self.inner;
        let request = inner
            .requester
            .http()
            .request(method, url)
            .basic_auth(&inner.client_id, Some(inner.client_secret.expose()))
            .json(body);
        inner
            .requester
            .send("contraforce", request, delivery)
            .await?;
        Ok(())
    }
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_only_unreserved_characters() {
        assert_eq!(segment("a/b c|d?e#f"), "a%2Fb%20c%7Cd%3Fe%23f");
        assert_eq!(segment("7d1e0c2a-46b4_x.y~z"), "7d1e0c2a-46b4_x.y~z");
        assert_eq!(segment("é"), "%C3%A9");
    }
}
