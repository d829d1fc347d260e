//! The first two checks: the Halo token, asked for exactly as the bridge asks
//! (client credentials, scope, tenant in the query and the form) but read raw,
//! so Halo's OAuth error code can be mapped to the mistake behind it; and the
//! scopes the direction needs, with one read that proves the API answers the
//! token.

use std::time::Duration;

use halo_client::{HaloClient, HaloError};
use serde_json::Value;

use super::Check;
use crate::settings::{Direction, HaloSettings};

pub(super) const TOKEN: &str = "Halo token";
pub(super) const SCOPES: &str = "Halo scopes";

const TIMEOUT: Duration = Duration::from_secs(15);

/// Scopes that cover every other.
const WHOLE: [&str; 3] = ["all", "all:standard", "admin"];

/// The token check, and the scopes granted when it passed.
pub(super) struct TokenCheck {
    pub check: Check,
    pub granted: Option<Vec<String>>,
}

/// Asks `{HALO_AUTH_URL}/token` for a token.
pub(super) async fn check(halo: &HaloSettings) -> TokenCheck {
    let url = format!("{}/token", halo.auth_url);
    let failed = |detail: String, fix: String| TokenCheck {
        check: Check::failed(TOKEN, detail, fix),
        granted: None,
    };
    let http = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(error) => return failed(format!("no HTTP client: {error}"), "see the error".into()),
    };

    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", halo.client_id.as_str()),
        ("client_secret", halo.client_secret.expose()),
        ("scope", halo.scope.as_str()),
    ];
    let mut request = http.post(&url);
    if let Some(tenant) = &halo.tenant {
        request = request.query(&[("tenant", tenant)]);
        form.push(("tenant", tenant));
    }
    let answer = match request.form(&form).send().await {
        Ok(answer) => answer,
        Err(error) => {
            return failed(
                format!("cannot reach {url}: {}", describe(error)),
                "check HALO_AUTH_URL (https://<name>.halopsa.com/auth) and that this host can \
                 reach it"
                    .into(),
            );
        }
    };
    let status = answer.status().as_u16();
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);

    if (200..300).contains(&status) && text("access_token").is_some() {
        let scope = text("scope").unwrap_or_else(|| halo.scope.clone());
        let granted: Vec<String> = scope.split_whitespace().map(str::to_lowercase).collect();
        return TokenCheck {
            check: Check::ok(TOKEN, format!("issued by {url} with scope \"{scope}\"")),
            granted: Some(granted),
        };
    }
    let (detail, fix) = explain(
        status,
        text("error").as_deref(),
        text("error_description").as_deref(),
        location.as_deref(),
        halo,
    );
    failed(detail, fix)
}

/// The reason and the fix for a token request Halo refused.
pub(super) fn explain(
    status: u16,
    error: Option<&str>,
    description: Option<&str>,
    location: Option<&str>,
    halo: &HaloSettings,
) -> (String, String) {
    let said = match (error, description) {
        (Some(e), Some(d)) => format!("HTTP {status} {e}: {d}"),
        (Some(e), None) => format!("HTTP {status} {e}"),
        (None, _) => format!("HTTP {status}"),
    };
    let mentions_tenant = description.is_some_and(|d| d.to_lowercase().contains("tenant"));
    let fix = match (status, error.unwrap_or_default()) {
        (_, "unsupported_grant_type" | "unauthorized_client") => {
            "in Halo (Configuration → Integrations → HaloPSA API → Applications), set this \
             application's Authentication Method to \"Client ID and Secret (Services)\" and \
             pick the agent it logs in as"
                .to_owned()
        }
        (_, "invalid_scope") => format!(
            "HALO_SCOPE (\"{}\") names a scope Halo does not know; use `all`, or names such as \
             read:tickets edit:tickets read:actions edit:actions read:lookups, and tick the \
             same on the application's Permissions tab",
            halo.scope
        ),
        (_, "invalid_request") if mentions_tenant => {
            "this is hosted multi-tenant Halo: set HALO_TENANT to your tenant (the <name> of \
             <name>.halopsa.com)"
                .to_owned()
        }
        (_, "invalid_client") if mentions_tenant => match &halo.tenant {
            Some(tenant) => format!(
                "Halo does not know HALO_TENANT=\"{tenant}\"; set it to the <name> of \
                 <name>.halopsa.com"
            ),
            None => "set HALO_TENANT to your tenant (the <name> of <name>.halopsa.com)".to_owned(),
        },
        (_, "invalid_client") | (401, _) => {
            let tenant = if halo.tenant.is_some() {
                " (and HALO_TENANT)"
            } else {
                ""
            };
            format!(
                "check HALO_CLIENT_ID and HALO_CLIENT_SECRET{tenant}: copy them from the \
                 application in Halo (the secret is shown once, when it is created)"
            )
        }
        (300..=399, _) => format!(
            "HALO_AUTH_URL redirects{}: set it to the final address, ending in /auth",
            location.map(|l| format!(" to {l}")).unwrap_or_default()
        ),
        (404 | 405, _) => {
            "no token endpoint there: HALO_AUTH_URL should be https://<name>.halopsa.com/auth \
             (the bridge adds /token)"
                .to_owned()
        }
        (429, _) => "Halo's rate limit: wait a few minutes and run doctor again".to_owned(),
        (500..=599, _) => "Halo's authorisation server failed: try again later".to_owned(),
        _ => "compare HALO_AUTH_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET, HALO_TENANT and \
              HALO_SCOPE with the application in Halo"
            .to_owned(),
    };
    (format!("Halo refused the token request ({said})"), fix)
}

/// The scopes a direction needs at run time.
pub(super) fn needed(direction: Direction) -> &'static [&'static str] {
    match direction {
        Direction::CfToHalo => &["read:tickets", "edit:tickets", "edit:actions"],
        Direction::HaloToCf => &["read:tickets", "read:actions"],
    }
}

/// Whether `granted` covers `scope`: a whole-API scope, the scope itself, or
/// `edit:` of the same area for a `read:` scope.
pub(super) fn covers(granted: &[String], scope: &str) -> bool {
    let edit = scope
        .strip_prefix("read:")
        .map(|area| format!("edit:{area}"));
    granted
        .iter()
        .any(|g| WHOLE.contains(&g.as_str()) || g == scope || edit.as_deref() == Some(g.as_str()))
}

/// The scopes check; the flag says whether the API answered at all (so later
/// checks are worth running).
pub(super) async fn scopes(
    direction: Direction,
    granted: &[String],
    halo: &HaloClient,
) -> (Check, bool) {
    let missing: Vec<&str> = needed(direction)
        .iter()
        .copied()
        .filter(|scope| !covers(granted, scope))
        .collect();
    let probe = format!("cf|bridge-doctor|probe-{}", uuid::Uuid::new_v4().simple());
    let read = halo.find_by_reference(&probe).await;

    let check = match (&read, missing.is_empty()) {
        (Ok(_), true) => Check::ok(
            SCOPES,
            format!(
                "the token covers {} and Halo answered a ticket search",
                needed(direction).join(" ")
            ),
        ),
        (Ok(_), false) | (Err(HaloError::Forbidden), false) => Check::failed(
            SCOPES,
            format!("the token lacks {}", missing.join(" ")),
            format!(
                "add {} to HALO_SCOPE and tick the same on the application's Permissions tab \
                 in Halo",
                missing.join(" ")
            ),
        ),
        (Err(HaloError::Forbidden), true) => Check::failed(
            SCOPES,
            "Halo refused to search tickets (HTTP 403)",
            "the application's permissions, or the agent it logs in as, do not allow reading \
             tickets: tick read:tickets on the application and check the agent's access",
        ),
        (Err(HaloError::Unauthorized(_)), _) => Check::failed(
            SCOPES,
            "the API refused a token the authorisation server had just issued",
            "HALO_API_BASE_URL and HALO_AUTH_URL must point at the same Halo \
             (https://<name>.halopsa.com/api and /auth); on hosted Halo, check HALO_TENANT",
        ),
        (Err(HaloError::NotFound), _) => Check::failed(
            SCOPES,
            "no ticket API there (HTTP 404)",
            "HALO_API_BASE_URL should be https://<name>.halopsa.com/api",
        ),
        (Err(error), _) => Check::failed(
            SCOPES,
            format!("a ticket search failed: {error}"),
            "check HALO_API_BASE_URL and that Halo is up",
        ),
    };
    let answered = match &read {
        Ok(_) | Err(HaloError::Forbidden) => true,
        Err(_) => false,
    };
    (check, answered)
}

/// A transport error without the URL (which the report names already), with
/// its causes.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn halo(tenant: Option<&str>) -> HaloSettings {
        let mut vars = vec![
            ("HALO_AUTH_URL", "https://acme.halopsa.com/auth"),
            ("HALO_API_BASE_URL", "https://acme.halopsa.com/api"),
            ("HALO_CLIENT_ID", "id"),
            ("HALO_CLIENT_SECRET", "secret"),
        ];
        if let Some(tenant) = tenant {
            vars.push(("HALO_TENANT", tenant));
        }
        HaloSettings::from_map(vars.into_iter().map(|(k, v)| (k.into(), v.into()))).unwrap()
    }

    #[test]
    fn oauth_errors_map_to_their_fix() {
        let (_, fix) = explain(400, Some("unsupported_grant_type"), None, None, &halo(None));
        assert!(fix.contains("Client ID and Secret (Services)"), "{fix}");
        let (_, fix) = explain(400, Some("invalid_scope"), None, None, &halo(None));
        assert!(fix.contains("HALO_SCOPE"), "{fix}");
        let missing = Some("The 'tenant' parameter is missing.");
        let (_, fix) = explain(400, Some("invalid_request"), missing, None, &halo(None));
        assert!(fix.contains("set HALO_TENANT"), "{fix}");
        let unknown = Some("The specified tenant is not known.");
        let (_, fix) = explain(
            401,
            Some("invalid_client"),
            unknown,
            None,
            &halo(Some("acme")),
        );
        assert!(fix.contains("HALO_TENANT=\"acme\""), "{fix}");
        let (detail, fix) = explain(401, Some("invalid_client"), None, None, &halo(None));
        assert!(fix.contains("HALO_CLIENT_SECRET"), "{fix}");
        assert!(detail.contains("invalid_client"), "{detail}");
        let (_, fix) = explain(404, None, None, None, &halo(None));
        assert!(fix.contains("/auth"), "{fix}");
    }

    #[test]
    fn edit_covers_read_and_all_covers_everything() {
        let granted = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert!(covers(&granted("all"), "edit:actions"));
        assert!(covers(&granted("edit:tickets"), "read:tickets"));
        assert!(!covers(&granted("read:tickets"), "edit:tickets"));
        assert!(!covers(
            &granted("read:tickets edit:actions"),
            "read:customers"
        ));
    }
}
