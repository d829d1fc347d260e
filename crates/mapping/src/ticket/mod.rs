//! ContraForce incident → Halo ticket: the summary, the details, the priority,
//! client and ticket type, and the reference. Sending the ticket is the Halo
//! client's job.

mod details;
mod tables;

pub use details::update_note_html;
pub use tables::{ClientMap, DEFAULT_PRIORITY_MAP, PriorityMap};

use crate::cf::Incident;
use crate::halo::NewTicket;
use crate::reference::Reference;

/// The most `char`s (Unicode scalar values) a Halo summary gets.
pub const SUMMARY_MAX_CHARS: usize = 200;

/// How incidents become tickets: the configured tables and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMapping {
    pub priorities: PriorityMap,
    pub clients: ClientMap,
    /// The client for accounts the client map does not name.
    pub default_client_id: i64,
    pub tickettype_id: i64,
}

impl TicketMapping {
    /// The ticket to create for `incident`.
    pub fn to_new_ticket(&self, incident: &Incident) -> NewTicket {
        NewTicket {
            summary: summary(incident),
            details_html: details::details_html(incident),
            tickettype_id: self.tickettype_id,
            client_id: self
                .clients
                .client_for(incident.account_id.as_deref())
                .unwrap_or(self.default_client_id),
            priority_id: self.priorities.priority_for(incident.severity.as_deref()),
            reference: Reference::of(incident).to_string(),
        }
    }
}

/// `[CF #{incidentNumber}] {title}`, or `[CF] {title}` without a number, cut to
/// [`SUMMARY_MAX_CHARS`] chars with no ellipsis. Control characters in the title
/// (line breaks, tabs) become spaces, since a summary is one line.
pub fn summary(incident: &Incident) -> String {
    let title: String = incident
        .title
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let full = match incident.incident_number {
        Some(number) => format!("[CF #{number}] {title}"),
        None => format!("[CF] {title}"),
    };
    full.chars().take(SUMMARY_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cf::{Alert, Entity, Envelope, Owner};
    use crate::samples;

    fn incident() -> Incident {
        let mut incident = samples::documented_incident();
        incident.account_id = Some("5B0C3F0E-2d7a-4f5e-9a51-2f7d3c1e9b10".into());
        incident.description = Some("Sign-ins from two countries\nwithin 10 minutes.".into());
        incident
    }

    fn mapping() -> TicketMapping {
        TicketMapping {
            priorities: PriorityMap::default(),
            clients: ClientMap::parse("5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10=12").unwrap(),
            default_client_id: 1,
            tickettype_id: 29,
        }
    }

    #[test]
    fn a_documented_incident_becomes_this_ticket() {
        let ticket = mapping().to_new_ticket(&incident());
        assert_eq!(ticket.summary, "[CF #1234] Suspicious sign-in activity");
        assert_eq!(ticket.tickettype_id, 29);
        assert_eq!(ticket.client_id, 12, "account matched case-insensitively");
        assert_eq!(ticket.priority_id, 1);
        assert_eq!(
            ticket.reference,
            "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11"
        );
    }

    #[test]
    fn summary_without_a_number() {
        let mut incident = incident();
        incident.incident_number = None;
        assert_eq!(summary(&incident), "[CF] Suspicious sign-in activity");
    }

    #[test]
    fn summary_is_cut_to_200_chars_by_char_not_byte() {
        let mut incident = incident();
        incident.title = "é".repeat(300);
        let cut = summary(&incident);
        assert_eq!(cut.chars().count(), 200);
        assert_eq!(cut, format!("[CF #1234] {}", "é".repeat(200 - 11)));

        incident.title = "😀".repeat(250);
        let cut = summary(&incident);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with('😀'), "no ellipsis, no broken character");
    }

    #[test]
    fn summary_of_exactly_200_chars_is_kept_whole() {
        let mut incident = incident();
        incident.title = "x".repeat(200 - "[CF #1234] ".len());
        let summary = summary(&incident);
        assert_eq!(summary.chars().count(), 200);
        assert!(summary.ends_with('x'));
    }

    #[test]
    fn summary_is_one_line() {
        let mut incident = incident();
        incident.title = "  two\nlines\tand a tab ".into();
        assert_eq!(summary(&incident), "[CF #1234] two lines and a tab");
    }

    #[test]
    fn unmapped_account_gets_the_default_client() {
        let mut incident = incident();
        incident.account_id = Some("another-account".into());
        assert_eq!(mapping().to_new_ticket(&incident).client_id, 1);
        incident.account_id = None;
        assert_eq!(mapping().to_new_ticket(&incident).client_id, 1);
    }

    #[test]
    fn severity_picks_the_priority() {
        let mut incident = incident();
        for (severity, expected) in [
            (Some("Medium"), 2),
            (Some("low"), 3),
            (Some("INFORMATIONAL"), 3),
            (Some("Severe"), 3),
            (None, 3),
        ] {
            incident.severity = severity.map(str::to_owned);
            assert_eq!(
                mapping().to_new_ticket(&incident).priority_id,
                expected,
                "{severity:?}"
            );
        }
    }

    #[test]
    fn details_hold_every_documented_fact() {
        let html = mapping().to_new_ticket(&incident()).details_html;
        for expected in [
            "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11 (#1234)",
            "<strong>Title:</strong> Suspicious sign-in activity",
            "<strong>Severity:</strong> High",
            "<strong>Source:</strong> Microsoft Sentinel",
            "<strong>Created:</strong> 2026-04-22T14:55:00Z",
            "<strong>Owner:</strong> Alex Analyst (alex@example.com)",
            "Sign-ins from two countries<br>within 10 minutes.",
            "<li>[High] Impossible travel (Microsoft Sentinel)</li>",
            "<li>User: alex@example.com</li>",
            "<li>IP: 203.0.113.42</li>",
        ] {
            assert!(html.contains(expected), "missing {expected:?} in\n{html}");
        }
    }

    #[test]
    fn details_fall_back_to_the_source_and_skip_absent_parts() {
        let incident = Incident {
            incident_id: "i-1".into(),
            source: "crowdstrike".into(),
            title: "T".into(),
            ..Incident::default()
        };
        let html = details::details_html(&incident);
        assert!(
            html.contains("<strong>Incident:</strong> i-1<br>"),
            "{html}"
        );
        assert!(html.contains("<strong>Title:</strong> T<br>"), "{html}");
        assert!(
            html.contains("<strong>Source:</strong> crowdstrike"),
            "{html}"
        );
        for absent in [
            "Severity",
            "Owner",
            "Created",
            "Description",
            "Alerts",
            "Entities",
        ] {
            assert!(!html.contains(absent), "{absent} in\n{html}");
        }
    }

    #[test]
    fn every_value_in_the_details_is_escaped() {
        let hostile = "<script>alert(1)</script>";
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
        let mut incident = incident();
        incident.incident_id = hostile.into();
        incident.title = hostile.into();
        incident.description = Some(hostile.into());
        incident.severity = Some(hostile.into());
        incident.source_display_name = Some(hostile.into());
        incident.account_name = Some(hostile.into());
        incident.created_at = Some(hostile.into());
        incident.owner = Some(Owner {
            display_name: Some(hostile.into()),
            email: Some(hostile.into()),
        });
        incident.alerts = vec![Alert {
            title: Some(hostile.into()),
            severity: Some(hostile.into()),
            product_name: Some(hostile.into()),
            vendor_name: None,
        }];
        incident.entities = vec![Entity {
            kind: Some(hostile.into()),
            display_name: Some(hostile.into()),
        }];

        let html = mapping().to_new_ticket(&incident).details_html;
        assert!(!html.contains("<script"), "{html}");
        // Incident, title, severity, source, account, created, owner ×2,
        // description, alert ×3, entity ×2.
        assert_eq!(html.matches(escaped).count(), 14, "{html}");
    }

    #[test]
    fn ampersands_and_quotes_in_values() {
        let mut incident = incident();
        incident.description = Some("R&D \"lab\" <host>".into());
        let html = details::details_html(&incident);
        assert!(html.contains("R&amp;D \"lab\" &lt;host&gt;"), "{html}");
    }

    #[test]
    fn update_note_names_the_event_escaped() {
        let mut incident = incident();
        let note = update_note_html("evt-42", &incident);
        assert!(note.contains("(event evt-42)"), "{note}");
        assert!(
            note.contains("7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11 (#1234)"),
            "{note}"
        );
        assert!(note.contains("<strong>Severity:</strong> High"), "{note}");

        incident.title = "<b>bold</b>".into();
        let note = update_note_html("<img src=x onerror=alert(1)>", &incident);
        assert!(!note.contains("<img") && !note.contains("<b>"), "{note}");
        assert!(
            note.contains("(event &lt;img src=x onerror=alert(1)&gt;)"),
            "{note}"
        );
    }

    #[test]
    fn the_signed_sample_body_maps_end_to_end() {
        let body = br#"{"type":"incident.created.v1","isTest":false,"data":{
            "accountId":"unknown","incidentId":"abc","incidentNumber":"77",
            "title":"Anmeldung aus Z\u00fcrich \ud83d\ude00 <script>alert(1)</script>",
            "severity":"medium","source":"defenderxdr"}}"#;
        let incident = Envelope::parse(body).unwrap().data;
        let ticket = mapping().to_new_ticket(&incident);
        assert_eq!(
            ticket.summary,
            "[CF #77] Anmeldung aus Zürich 😀 <script>alert(1)</script>"
        );
        assert_eq!(ticket.priority_id, 2);
        assert_eq!(ticket.client_id, 1);
        assert_eq!(ticket.reference, "cf|defenderxdr|abc");
    }
}
