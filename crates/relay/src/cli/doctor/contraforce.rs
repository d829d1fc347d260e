//! The ContraForce check of the Halo → ContraForce binaries: are the service
//! account and the workspace accepted?
//!
//! ContraForce documents no read endpoint, so there is nothing harmless to
//! read. The probe is a status change that must be refused: for an incident
//! id that cannot exist, with a status that is not one of ContraForce's. A 400
//! means the credentials and the workspace passed and the body was refused, so
//! nothing changed; 401/403 means the service account was refused; 404 the
//! workspace (or the base URL). This holds for the mock, which checks in that
//! order; whether ContraForce itself checks credentials and workspace before
//! the body is not documented, so on the real API a 400 proves less than it
//! does here. The report says so.

use std::time::Duration;

use serde_json::{Value, json};

use super::Check;
use crate::settings::CfOutboundSettings;

const CONTRAFORCE: &str = "ContraForce API";
const TIMEOUT: Duration = Duration::from_secs(15);

/// A status ContraForce does not have, so the change is always refused.
const PROBE_STATUS: &str = "BridgeDoctorProbe";

pub(super) async fn check(cf: &CfOutboundSettings) -> Check {
    let incident = format!("bridge-doctor-probe-{}", uuid::Uuid::new_v4().simple());
    let url = format!(
        "{}/workspaces/{}/incidents/{incident}/status",
        cf.api_base_url, cf.workspace_id
    );
    let body = json!({
        "incidentId": incident,
        "source": "bridge-doctor",
        "status": PROBE_STATUS,
        "comment": null,
        "classification": null,
        "classificationReason": null,
    });
    let http = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(error) => {
            return Check::failed(
                CONTRAFORCE,
                format!("no HTTP client: {error}"),
                "see the error",
            );
        }
    };
    let sent = http
        .put(&url)
        .basic_auth(&cf.client_id, Some(cf.client_secret.expose()))
        .json(&body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(error) => {
            return Check::failed(
                CONTRAFORCE,
                format!("cannot reach {}: {}", cf.api_base_url, error.without_url()),
                "check CF_API_BASE_URL (https://<env>.platform.contraforce.com/api/v2) and that \
                 this host can reach it",
            );
        }
    };
    let status = answer.status().as_u16();
    let message = answer
        .json::<Value>()
        .await
        .ok()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    verdict(status, &message, cf)
}

/// What an answer to the probe means.
pub(super) fn verdict(status: u16, message: &str, cf: &CfOutboundSettings) -> Check {
    let said = if message.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {message}")
    };
    match status {
        400 => Check::ok(
            CONTRAFORCE,
            format!(
                "the service account and workspace {} were accepted; the deliberately invalid \
                 probe was refused ({said}), so nothing changed. ContraForce documents no read \
                 endpoint: this shows as much as ContraForce checks before the body",
                cf.workspace_id
            ),
        ),
        401 | 403 => Check::failed(
            CONTRAFORCE,
            format!("ContraForce refused the service account ({said})"),
            "check CF_SERVICE_ACCOUNT_CLIENT_ID and CF_SERVICE_ACCOUNT_CLIENT_SECRET, and that \
             the service account has incidents:comments and incidents:write",
        ),
        404 => Check::failed(
            CONTRAFORCE,
            format!(
                "ContraForce does not know workspace {} there ({said})",
                cf.workspace_id
            ),
            "check CF_WORKSPACE_ID, and CF_API_BASE_URL (it ends in /api/v2)",
        ),
        429 | 500..=599 => Check::failed(
            CONTRAFORCE,
            format!("ContraForce is unavailable ({said})"),
            "try again later",
        ),
        200..=299 => Check::failed(
            CONTRAFORCE,
            format!("ContraForce accepted a status it does not have ({said})"),
            "nothing to fix in the settings, but the probe proves nothing: report this answer",
        ),
        _ => Check::failed(
            CONTRAFORCE,
            format!("unexpected answer ({said})"),
            "check CF_API_BASE_URL",
        ),
    }
}
