//! The incident calls: add a comment, close, reopen. Comments are never sent twice
//! blindly; status changes are idempotent and retried freely.

use reqwest::Method;
use serde_json::{Value, json};
use upstream::Delivery;

use crate::{CfClient, CfError};

impl CfClient {
    /// Adds a comment to the incident. A timeout, 5xx or lost connection after the
    /// comment was sent gives [`CfError::Uncertain`], since sending it again could
    /// post it twice.
    pub async fn add_comment(
        &self,
        incident_id: &str,
        source: &str,
        content: &str,
    ) -> Result<(), CfError> {
        let body = json!({
            "incidentId": incident_id,
            "commentId": null,
            "content": content,
            "extensionId": null,
            "source": source,
        });
        let url = self.incident_url(incident_id, "comments");
        self.send(Method::POST, &url, &body, Delivery::AtMostOnce)
            .await
    }

    /// Closes the incident with a classification and its reason (Sentinel needs
    /// both). An incident already closed (409) counts as closed.
    pub async fn close(
        &self,
        incident_id: &str,
        source: &str,
        classification: &str,
        reason: &str,
        comment: &str,
    ) -> Result<(), CfError> {
        let body = json!({
            "incidentId": incident_id,
            "source": source,
            "status": "Closed",
            "comment": comment,
            "classification": classification,
            "classificationReason": reason,
        });
        self.change_status(incident_id, &body).await
    }

    /// Makes the incident `Active` again. A 409 counts as done.
    pub async fn reopen(&self, incident_id: &str, source: &str) -> Result<(), CfError> {
        let body = json!({
            "incidentId": incident_id,
            "source": source,
            "status": "Active",
        });
        self.change_status(incident_id, &body).await
    }

    async fn change_status(&self, incident_id: &str, body: &Value) -> Result<(), CfError> {
        let url = self.incident_url(incident_id, "status");
        match self
            .send(Method::PUT, &url, body, Delivery::Idempotent)
            .await
        {
            Err(CfError::Rejected { status: 409, .. }) => Ok(()),
            other => other,
        }
    }
}
