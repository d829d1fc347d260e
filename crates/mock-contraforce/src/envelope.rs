//! The `incident.created.v1` body the sender delivers: a template with the few
//! choices tests make, the camelCase envelope built from it, and the
//! deterministic event ids. Sending and signing are not here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The one event type ContraForce delivers to the bridge.
pub const SCHEMA: &str = "incident.created.v1";

/// The choices behind a new incident; everything left out gets a sensible
/// default. Build one with [`IncidentTemplate::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IncidentTemplate {
    /// The incident id; a fresh GUID when `None`.
    pub incident_id: Option<String>,
    /// The incident number; the mock's next number when `None`.
    pub incident_number: Option<u64>,
    pub title: String,
    pub description: String,
    /// Informational, Low, Medium or High (anything else is sent as given).
    pub severity: String,
    /// sentinel, defenderxdr, crowdstrike or sentinelone (or any text).
    pub source: String,
    pub account_id: String,
    pub account_name: String,
    pub owner_name: String,
    pub owner_email: String,
    /// Send as a test delivery (`isTest: true` and `X-CF-Test: true`).
    pub test: bool,
    /// The event id; derived from the incident id when `None`.
    pub event_id: Option<String>,
}

impl Default for IncidentTemplate {
    fn default() -> Self {
        Self {
            incident_id: None,
            incident_number: None,
            title: "Suspicious sign-in activity".to_owned(),
            description: "Sign-ins from two countries within 10 minutes.".to_owned(),
            severity: "High".to_owned(),
            source: "sentinel".to_owned(),
            account_id: "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10".to_owned(),
            account_name: "Example MSP SOC".to_owned(),
            owner_name: "Alex Analyst".to_owned(),
            owner_email: "alex@example.com".to_owned(),
            test: false,
            event_id: None,
        }
    }
}

impl IncidentTemplate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn incident_id(mut self, id: impl Into<String>) -> Self {
        self.incident_id = Some(id.into());
        self
    }

    pub fn incident_number(mut self, number: u64) -> Self {
        self.incident_number = Some(number);
        self
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    pub fn severity(mut self, severity: impl Into<String>) -> Self {
        self.severity = severity.into();
        self
    }

    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    pub fn account_name(mut self, account_name: impl Into<String>) -> Self {
        self.account_name = account_name.into();
        self
    }

    pub fn test(mut self, test: bool) -> Self {
        self.test = test;
        self
    }

    pub fn event_id(mut self, event_id: impl Into<String>) -> Self {
        self.event_id = Some(event_id.into());
        self
    }
}

/// The whole delivery body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub is_test: bool,
    pub occurred_at: String,
    pub data: IncidentData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IncidentData {
    pub account_id: String,
    pub account_name: String,
    pub incident_id: String,
    pub incident_number: u64,
    pub title: String,
    pub description: String,
    pub severity: String,
    pub source: String,
    pub source_display_name: String,
    pub owner: Owner,
    pub created_at: String,
    pub last_activity_at: String,
    pub occurred_at: String,
    pub alert_product_names: Vec<String>,
    pub alerts: Vec<Alert>,
    pub entities: Vec<Entity>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    pub display_name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alert {
    pub title: String,
    pub severity: String,
    pub product_name: String,
    pub vendor_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entity {
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
}

/// The product name ContraForce shows for a source.
pub(crate) fn source_display_name(source: &str) -> String {
    match source.to_ascii_lowercase().as_str() {
        "sentinel" => "Microsoft Sentinel".to_owned(),
        "defenderxdr" => "Microsoft Defender XDR".to_owned(),
        "crowdstrike" => "CrowdStrike Falcon".to_owned(),
        "sentinelone" => "SentinelOne".to_owned(),
        _ => source.to_owned(),
    }
}

fn vendor_name(source: &str) -> String {
    match source.to_ascii_lowercase().as_str() {
        "sentinel" | "defenderxdr" => "Microsoft".to_owned(),
        "crowdstrike" => "CrowdStrike".to_owned(),
        "sentinelone" => "SentinelOne".to_owned(),
        _ => source.to_owned(),
    }
}

impl Envelope {
    /// The envelope for `template`, with the id and number already chosen.
    pub fn build(
        template: &IncidentTemplate,
        incident_id: String,
        number: u64,
        now_ms: i64,
    ) -> Self {
        let now = rfc3339_seconds(now_ms);
        let product = source_display_name(&template.source);
        Envelope {
            kind: SCHEMA,
            timestamp: now.clone(),
            is_test: template.test,
            occurred_at: now.clone(),
            data: IncidentData {
                account_id: template.account_id.clone(),
                account_name: template.account_name.clone(),
                incident_id,
                incident_number: number,
                title: template.title.clone(),
                description: template.description.clone(),
                severity: template.severity.clone(),
                source: template.source.clone(),
                source_display_name: product.clone(),
                owner: Owner {
                    display_name: template.owner_name.clone(),
                    email: template.owner_email.clone(),
                },
                created_at: now.clone(),
                last_activity_at: now.clone(),
                occurred_at: now,
                alert_product_names: vec![product.clone()],
                alerts: vec![Alert {
                    title: template.title.clone(),
                    severity: template.severity.clone(),
                    product_name: product,
                    vendor_name: vendor_name(&template.source),
                }],
                entities: vec![
                    Entity {
                        kind: "User".to_owned(),
                        display_name: template.owner_email.clone(),
                    },
                    Entity {
                        kind: "IP".to_owned(),
                        display_name: "203.0.113.42".to_owned(),
                    },
                ],
            },
        }
    }
}

/// The event id of the `variant`-th event about `incident_id`: the same inputs
/// always give the same id, as ContraForce keeps an event's id on redelivery.
pub fn event_id_for(incident_id: &str, variant: u32) -> String {
    let digest = Sha256::digest(format!("{SCHEMA}\n{incident_id}\n{variant}"));
    let hex = hex::encode(digest);
    format!("evt_{}", &hex[..32])
}

/// `2026-04-22T15:00:00Z` for a Unix time in milliseconds (whole seconds only).
pub(crate) fn rfc3339_seconds(unix_ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_ms.div_euclid(1000))
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn envelope_has_the_documented_camel_case_shape() {
        let template = IncidentTemplate::new()
            .severity("Low")
            .source("crowdstrike");
        let envelope = Envelope::build(&template, "inc-1".into(), 1001, 1_776_870_000_000);
        let value = serde_json::to_value(&envelope).unwrap_or(Value::Null);

        assert_eq!(value["type"], "incident.created.v1");
        assert_eq!(value["timestamp"], "2026-04-22T15:00:00Z");
        assert_eq!(value["isTest"], false);
        let data = &value["data"];
        assert_eq!(data["incidentId"], "inc-1");
        assert_eq!(data["incidentNumber"], 1001);
        assert_eq!(data["severity"], "Low");
        assert_eq!(data["sourceDisplayName"], "CrowdStrike Falcon");
        assert_eq!(data["owner"]["displayName"], "Alex Analyst");
        assert_eq!(data["alerts"][0]["productName"], "CrowdStrike Falcon");
        assert_eq!(data["entities"][1]["type"], "IP");
        for key in [
            "accountId",
            "accountName",
            "createdAt",
            "lastActivityAt",
            "occurredAt",
        ] {
            assert!(data.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn event_ids_are_deterministic_and_distinct_per_variant() {
        assert_eq!(event_id_for("a", 0), event_id_for("a", 0));
        assert_ne!(event_id_for("a", 0), event_id_for("a", 1));
        assert_ne!(event_id_for("a", 0), event_id_for("b", 0));
        assert_eq!(event_id_for("a", 0).len(), 36);
    }

    #[test]
    fn template_json_fills_defaults() {
        let template: IncidentTemplate =
            serde_json::from_str(r#"{"title":"T","accountId":"acc"}"#).unwrap_or_default();
        assert_eq!(template.title, "T");
        assert_eq!(template.account_id, "acc");
        assert_eq!(template.severity, "High");
    }
}
