//! The HTML the bridge writes into Halo: a new ticket's `details_html` and the
//! private note added when ContraForce delivers a known incident again. Every
//! value from the delivery is escaped; values only ever land in element text,
//! never in an attribute.

use std::fmt::Write;

use crate::cf::Incident;

/// Escapes text for an HTML element's content.
fn esc(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// Escapes multi-line text, keeping its line breaks visible.
fn esc_lines(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(esc).collect();
    lines.join("<br>")
}

/// The incident as `id (#number)` or just `id`, escaped.
fn incident_label(incident: &Incident) -> String {
    match incident.incident_number {
        Some(number) => format!("{} (#{number})", esc(&incident.incident_id)),
        None => esc(&incident.incident_id),
    }
}

/// The details of a new ticket: the incident's facts, its description, alerts
/// and entities, in plain HTML that Halo shows as it is.
pub(super) fn details_html(incident: &Incident) -> String {
    // The title comes again because the summary may have been cut.
    let mut facts: Vec<(&str, String)> = vec![
        ("Incident", incident_label(incident)),
        ("Title", esc(&incident.title)),
    ];
    if let Some(severity) = &incident.severity {
        facts.push(("Severity", esc(severity)));
    }
    let source = incident
        .source_display_name
        .as_deref()
        .unwrap_or(&incident.source);
    facts.push(("Source", esc(source)));
    if let Some(account) = &incident.account_name {
        facts.push(("Account", esc(account)));
    }
    if let Some(created) = &incident.created_at {
        facts.push(("Created", esc(created)));
    }
    if let Some(owner) = &incident.owner {
        let shown = match (&owner.display_name, &owner.email) {
            (Some(name), Some(email)) => format!("{} ({})", esc(name), esc(email)),
            (Some(only), None) | (None, Some(only)) => esc(only),
            (None, None) => String::new(),
        };
        facts.push(("Owner", shown));
    }

    let mut html = String::from("<p><strong>ContraForce incident</strong></p>\n<p>");
    let rows: Vec<String> = facts
        .iter()
        .map(|(label, value)| format!("<strong>{label}:</strong> {value}"))
        .collect();
    html.push_str(&rows.join("<br>\n"));
    html.push_str("</p>\n");

    if let Some(description) = &incident.description {
        let _ = write!(
            html,
            "<h3>Description</h3>\n<p>{}</p>\n",
            esc_lines(description)
        );
    }

    let alerts: Vec<String> = incident
        .alerts
        .iter()
        .map(|alert| {
            let mut item = String::new();
            if let Some(severity) = &alert.severity {
                let _ = write!(item, "[{}] ", esc(severity));
            }
            item.push_str(&esc(alert.title.as_deref().unwrap_or("(untitled alert)")));
            if let Some(product) = &alert.product_name {
                let _ = write!(item, " ({})", esc(product));
            }
            item
        })
        .collect();
    push_list(&mut html, "Alerts", &alerts);

    let entities: Vec<String> = incident
        .entities
        .iter()
        .filter_map(|entity| match (&entity.kind, &entity.display_name) {
            (Some(kind), Some(name)) => Some(format!("{}: {}", esc(kind), esc(name))),
            (None, Some(name)) => Some(esc(name)),
            (Some(kind), None) => Some(esc(kind)),
            (None, None) => None,
        })
        .collect();
    push_list(&mut html, "Entities", &entities);

    html
}

/// Appends a headed list of already escaped items; nothing when there are none.
fn push_list(html: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(html, "<h3>{heading}</h3>\n<ul>");
    for item in items {
        let _ = writeln!(html, "<li>{item}</li>");
    }
    html.push_str("</ul>\n");
}

/// The private note for a ticket whose incident ContraForce delivered again:
/// names the delivery's event id and the incident as it now stands.
pub fn update_note_html(event_id: &str, incident: &Incident) -> String {
    let mut html = format!(
        "<p>ContraForce delivered incident {} again (event {}).</p>\n<p>",
        incident_label(incident),
        esc(event_id),
    );
    let mut rows = vec![format!("<strong>Title:</strong> {}", esc(&incident.title))];
    if let Some(severity) = &incident.severity {
        rows.push(format!("<strong>Severity:</strong> {}", esc(severity)));
    }
    if let Some(last) = &incident.last_activity_at {
        rows.push(format!("<strong>Last activity:</strong> {}", esc(last)));
    }
    html.push_str(&rows.join("<br>\n"));
    html.push_str("</p>");
    html
}
