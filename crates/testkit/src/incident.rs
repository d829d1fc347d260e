//! ContraForce `incident.created.v1` bodies for tests, built field by field.

use serde_json::{Value, json};

/// A ContraForce incident delivery body.
#[derive(Debug, Clone)]
pub struct Incident {
    pub body: Value,
}

impl Incident {
    /// A Sentinel incident with the given id, number 1234 and severity High,
    /// under the mapped account.
    pub fn new(incident_id: &str) -> Self {
        let body = json!({
            "type": "incident.created.v1",
            "timestamp": "2026-04-22T15:00:00Z",
            "isTest": false,
            "occurredAt": "2026-04-22T14:55:00Z",
            "data": {
                "accountId": crate::MAPPED_ACCOUNT,
                "accountName": "Example MSP SOC",
                "incidentId": incident_id,
                "incidentNumber": 1234,
                "title": "Suspicious sign-in activity",
                "description": "Sign-ins from two countries within 10 minutes.",
                "severity": "High",
                "source": "sentinel",
                "sourceDisplayName": "Microsoft Sentinel",
                "owner": {"displayName": "Alex Analyst", "email": "alex@example.com"},
                "createdAt": "2026-04-22T14:55:00Z",
                "alerts": [{"title": "Impossible travel", "severity": "High",
                            "productName": "Microsoft Sentinel", "vendorName": "Microsoft"}],
                "entities": [{"type": "User", "displayName": "alex@example.com"},
                             {"type": "IP", "displayName": "203.0.113.42"}]
            }
        });
        Self { body }
    }

    /// Sets (or with `Value::Null`, nulls) one field of `data`.
    pub fn with(mut self, field: &str, value: Value) -> Self {
        self.body["data"][field] = value;
        self
    }

    /// Removes one field of `data`.
    pub fn without(mut self, field: &str) -> Self {
        if let Some(data) = self.body["data"].as_object_mut() {
            data.remove(field);
        }
        self
    }

    /// Sets a top-level field.
    pub fn top(mut self, field: &str, value: Value) -> Self {
        self.body[field] = value;
        self
    }

    /// The reference the bridge gives this incident.
    pub fn reference(&self) -> String {
        let data = &self.body["data"];
        format!(
            "cf|{}|{}",
            data["source"].as_str().unwrap_or_default(),
            data["incidentId"].as_str().unwrap_or_default()
        )
    }

    /// The compact JSON text.
    pub fn text(&self) -> String {
        self.body.to_string()
    }
}
