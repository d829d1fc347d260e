//! Sample data shared by the unit tests of several modules.

use serde_json::{Value, json};

use crate::cf::{Alert, Entity, Incident, Owner};

/// The body ContraForce documents, with every field filled.
pub(crate) fn documented_body() -> Value {
    json!({
        "type": "incident.created.v1",
        "timestamp": "2026-04-22T15:00:00Z",
        "isTest": false,
        "occurredAt": "2026-04-22T14:55:00Z",
        "data": {
            "accountId": "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10",
            "accountName": "Example MSP SOC",
            "incidentId": "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11",
            "incidentNumber": 1234,
            "title": "Suspicious sign-in activity",
            "description": "Sign-ins from two countries within 10 minutes.",
            "severity": "High",
            "source": "sentinel",
            "sourceDisplayName": "Microsoft Sentinel",
            "owner": {"displayName": "Alex Analyst", "email": "alex@example.com"},
            "createdAt": "2026-04-22T14:55:00Z",
            "lastActivityAt": "2026-04-22T14:56:00Z",
            "alertProductNames": ["Microsoft Sentinel"],
            "alerts": [{"title": "Impossible travel", "severity": "High",
                        "productName": "Microsoft Sentinel", "vendorName": "Microsoft"}],
            "entities": [{"type": "User", "displayName": "alex@example.com"},
                         {"type": "IP", "displayName": "203.0.113.42"}]
        }
    })
}

/// [`documented_body`]'s incident, as the reader must give it back.
pub(crate) fn documented_incident() -> Incident {
    Incident {
        account_id: Some("5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10".into()),
        account_name: Some("Example MSP SOC".into()),
        incident_id: "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11".into(),
        incident_number: Some(1234),
        title: "Suspicious sign-in activity".into(),
        description: Some("Sign-ins from two countries within 10 minutes.".into()),
        severity: Some("High".into()),
        source: "sentinel".into(),
        source_display_name: Some("Microsoft Sentinel".into()),
        owner: Some(Owner {
            display_name: Some("Alex Analyst".into()),
            email: Some("alex@example.com".into()),
        }),
        created_at: Some("2026-04-22T14:55:00Z".into()),
        last_activity_at: Some("2026-04-22T14:56:00Z".into()),
        alerts: vec![Alert {
            title: Some("Impossible travel".into()),
            severity: Some("High".into()),
            product_name: Some("Microsoft Sentinel".into()),
            vendor_name: Some("Microsoft".into()),
        }],
        entities: vec![
            Entity {
                kind: Some("User".into()),
                display_name: Some("alex@example.com".into()),
            },
            Entity {
                kind: Some("IP".into()),
                display_name: Some("203.0.113.42".into()),
            },
        ],
    }
}
