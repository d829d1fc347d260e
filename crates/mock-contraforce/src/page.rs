//! The HTML view at `GET /`: incidents with their comments and status history,
//! recent delivery attempts, and plain forms that send a new incident or a
//! test delivery (POST, then a redirect back). Server-rendered, no scripts,
//! no outside assets; every value is escaped.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde::Deserialize;

use crate::control::MockControl;
use crate::envelope::{IncidentTemplate, rfc3339_seconds};
use crate::sender::{Delivery, SendError};
use crate::state::Incident;

/// How many delivery attempts the page lists.
const RECENT_ATTEMPTS: usize = 20;
/// How much of an answer body the page shows.
const ANSWER_PREVIEW_CHARS: usize = 200;

const SEVERITIES: [&str; 4] = ["High", "Medium", "Low", "Informational"];
const SOURCES: [&str; 4] = ["sentinel", "defenderxdr", "crowdstrike", "sentinelone"];

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}\
article{border:1px solid #ddd;border-radius:.4rem;padding:.5rem 1rem;margin:1rem 0}\
pre{white-space:pre-wrap;margin:.2rem 0}.notice{background:#eef;padding:.5rem}\
form{display:inline-block;margin-right:1rem}.muted{color:#666}";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/_admin/ui/send-incident", web::post().to(send_incident))
        .route("/_admin/ui/send-test", web::post().to(send_test));
}

#[derive(Deserialize)]
struct PageQuery {
    notice: Option<String>,
}

async fn index(query: web::Query<PageQuery>, mock: web::Data<MockControl>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(render(&mock, query.notice.as_deref()))
}

#[derive(Deserialize)]
struct SendForm {
    title: Option<String>,
    severity: Option<String>,
    source: Option<String>,
}

async fn send_incident(form: web::Form<SendForm>, mock: web::Data<MockControl>) -> HttpResponse {
    let form = form.into_inner();
    let mut template = IncidentTemplate::new();
    if let Some(title) = form.title.filter(|t| !t.trim().is_empty()) {
        template = template.title(title);
    }
    if let Some(severity) = form.severity.filter(|s| !s.is_empty()) {
        template = template.severity(severity);
    }
    if let Some(source) = form.source.filter(|s| !s.is_empty()) {
        template = template.source(source);
    }
    back_with(notice(mock.send_incident(&template).await))
}

async fn send_test(mock: web::Data<MockControl>) -> HttpResponse {
    back_with(notice(mock.send_test().await))
}

fn notice(result: Result<Delivery, SendError>) -> String {
    match result {
        Ok(delivery) => {
            let answer = match (delivery.status, &delivery.error) {
                (Some(status), _) => format!("HTTP {status} {}", delivery.text),
                (None, Some(error)) => error.clone(),
                (None, None) => "no answer".to_owned(),
            };
            format!(
                "Sent event {} (incident {}) in {} attempt(s): {}",
                delivery.event_id,
                delivery.incident_id.as_deref().unwrap_or("?"),
                delivery.attempts.len(),
                answer
            )
        }
        Err(error) => format!("Not sent: {error}"),
    }
}

/// Post/redirect/get: reloading the page does not send again.
fn back_with(notice: String) -> HttpResponse {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/?{query}")))
        .finish()
}

fn options(selected: &str, choices: &[&str]) -> String {
    choices
        .iter()
        .map(|choice| {
            let mark = if *choice == selected { " selected" } else { "" };
            format!("<option{mark}>{}</option>", text(choice))
        })
        .collect()
}

pub(crate) fn render(mock: &MockControl, notice: Option<&str>) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Mock ContraForce</title><style>{STYLE}</style></head><body>\
         <h1>Mock ContraForce</h1>\
         <p class=\"muted\">Test infrastructure and demo: not ContraForce, never a production \
         path. Workspace <code>{}</code>.</p>",
        text(mock.workspace_id())
    );
    if let Some(notice) = notice {
        let _ = write!(
            page,
            "<p class=\"notice\" role=\"status\">{}</p>",
            text(notice)
        );
    }
    render_send_forms(&mut page, mock);

    let incidents = mock.incidents();
    let _ = write!(page, "<h2>Incidents ({})</h2>", incidents.len());
    if incidents.is_empty() {
        page.push_str("<p class=\"muted\">None yet.</p>");
    }
    for incident in incidents.iter().rev() {
        render_incident(&mut page, incident);
    }
    render_attempts(&mut page, mock);
    page.push_str("</body></html>");
    page
}

fn render_send_forms(page: &mut String, mock: &MockControl) {
    let target = mock.target_url().unwrap_or_else(|| "not set".to_owned());
    let defaults = IncidentTemplate::new();
    let _ = write!(
        page,
        "<h2>Send to the bridge</h2><p>Target: <code>{}</code></p>\
         <form method=\"post\" action=\"/_admin/ui/send-incident\">\
         <label>Title <input name=\"title\" size=\"40\" value=\"{}\"></label> \
         <label>Severity <select name=\"severity\">{}</select></label> \
         <label>Source <select name=\"source\">{}</select></label> \
         <button type=\"submit\">Send new incident</button></form>\
         <form method=\"post\" action=\"/_admin/ui/send-test\">\
         <button type=\"submit\">Send test delivery</button></form>",
        text(&target),
        attr(&defaults.title),
        options(&defaults.severity, &SEVERITIES),
        options(&defaults.source, &SOURCES),
    );
}

fn render_incident(page: &mut String, incident: &Incident) {
    let heading = match incident.number {
        Some(number) => format!("#{number} "),
        None => String::new(),
    };
    let title = incident
        .title
        .as_deref()
        .unwrap_or("(not announced by the sender)");
    let classification = match (&incident.classification, &incident.classification_reason) {
        (Some(class), Some(reason)) => format!(" ({class}, {reason})"),
        (Some(class), None) => format!(" ({class})"),
        _ => String::new(),
    };
    let _ = write!(
        page,
        "<article><h3>{}{}</h3><p>Id <code>{}</code> · severity {} · source {} · \
         status <strong>{}</strong>{}</p>",
        text(&heading),
        text(title),
        text(&incident.id),
        text(incident.severity.as_deref().unwrap_or("-")),
        text(incident.source.as_deref().unwrap_or("-")),
        text(&incident.status),
        text(&classification),
    );

    let _ = write!(page, "<h4>Comments ({})</h4>", incident.comments.len());
    if !incident.comments.is_empty() {
        page.push_str("<ol>");
        for comment in &incident.comments {
            let _ = write!(
                page,
                "<li><span class=\"muted\">{} · {} · {}</span><pre>{}</pre></li>",
                text(&rfc3339_seconds(comment.at_unix_ms)),
                text(&comment.id),
                text(&comment.source),
                text(&comment.content),
            );
        }
        page.push_str("</ol>");
    }

    let _ = write!(
        page,
        "<h4>Status history ({})</h4>",
        incident.status_changes.len()
    );
    if !incident.status_changes.is_empty() {
        page.push_str(
            "<table><tr><th>at</th><th>from</th><th>to</th><th>classification</th>\
             <th>reason</th><th>comment</th></tr>",
        );
        for change in &incident.status_changes {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&rfc3339_seconds(change.at_unix_ms)),
                text(&change.from),
                text(&change.status),
                text(change.classification.as_deref().unwrap_or("")),
                text(change.classification_reason.as_deref().unwrap_or("")),
                text(change.comment.as_deref().unwrap_or("")),
            );
        }
        page.push_str("</table>");
    }
    page.push_str("</article>");
}

fn render_attempts(page: &mut String, mock: &MockControl) {
    let attempts = mock.attempts();
    let _ = write!(page, "<h2>Delivery attempts ({})</h2>", attempts.len());
    if attempts.is_empty() {
        return;
    }
    page.push_str(
        "<table><tr><th>at</th><th>event id</th><th>attempt</th><th>test</th>\
         <th>answer</th><th>body</th></tr>",
    );
    for attempt in attempts.iter().rev().take(RECENT_ATTEMPTS) {
        let answer = match (attempt.status, &attempt.error) {
            (Some(status), _) => status.to_string(),
            (None, Some(error)) => error.clone(),
            (None, None) => "-".to_owned(),
        };
        let preview: String = attempt.body.chars().take(ANSWER_PREVIEW_CHARS).collect();
        let _ = write!(
            page,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>\
             <td><code>{}</code></td></tr>",
            text(&rfc3339_seconds(attempt.at_unix_ms)),
            text(&attempt.event_id),
            attempt.attempt,
            if attempt.test { "yes" } else { "" },
            text(&answer),
            text(&preview),
        );
    }
    page.push_str("</table>");
}
