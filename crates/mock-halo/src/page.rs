//! The HTML view for people (the demo): every ticket with its actions, and
//! forms to add a public or private note and to close or reopen a ticket.
//! Server-rendered, no scripts, no external assets; every value is escaped.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde::Deserialize;
use serde_json::Value;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::error::MockError;
use crate::input::{ActionInput, paragraph};
use crate::lookups::{self, Agent};
use crate::model::TicketWithActions;
use crate::tenant::Tenant;

pub(crate) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(index))
        .route("/ui/tickets/{id}/note", web::post().to(note))
        .route("/ui/tickets/{id}/close", web::post().to(close))
        .route("/ui/tickets/{id}/reopen", web::post().to(reopen));
}

const WHEN: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}\
section{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;\
text-align:left;vertical-align:top}.private{background:#fff6e0}.closed{color:#a00}\
form{margin:.5rem 0}textarea{width:100%;min-height:3rem}";

async fn index(tenant: web::Data<Tenant>) -> HttpResponse {
    let tickets: Vec<TicketWithActions> = tenant.read(|s| s.entries().rev().cloned().collect());
    let agents: Vec<Agent> = tenant
        .dir
        .agents()
        .into_iter()
        .filter(|a| a.id != tenant.dir.api_agent().id)
        .collect();
    let mut page = String::with_capacity(4096);
    page.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        page,
        "<title>Mock HaloPSA</title><style>{STYLE}</style></head><body>"
    );
    page.push_str("<h1>Mock HaloPSA</h1><p>A stand-in for HaloPSA used by tests and the demo. ");
    let _ = write!(page, "{} ticket(s), newest first.</p>", tickets.len());
    for entry in &tickets {
        ticket_section(&mut page, entry, &tenant, &agents);
    }
    page.push_str("</body></html>");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

fn ticket_section(page: &mut String, entry: &TicketWithActions, tenant: &Tenant, agents: &[Agent]) {
    let t = &entry.ticket;
    let closed = tenant.dir.is_closed_status(t.status_id);
    let status = tenant.dir.status_name(t.status_id).unwrap_or("?");
    let _ = write!(
        page,
        "<section id=\"ticket-{}\"><h2>#{} {}</h2>",
        t.id,
        t.id,
        text(&t.summary)
    );
    let _ = write!(
        page,
        "<p>Status: <span class=\"{}\">{} ({})</span> · hasbeenclosed: {} · client: {} · \
         thirdpartynumber: <code>{}</code> · third_party_id_string: <code>{}</code>",
        if closed { "closed" } else { "open" },
        text(status),
        t.status_id,
        t.hasbeenclosed,
        text(tenant.dir.client_name(t.client_id)),
        text(&t.thirdpartynumber),
        text(&t.third_party_id_string),
    );
    for field in &t.customfields {
        let value = match &field.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = write!(
            page,
            " · {}: <code>{}</code>",
            text(&field.name),
            text(&value)
        );
    }
    page.push_str(
        "</p><table><thead><tr><th>#</th><th>When</th><th>Who</th><th>Outcome</th>\
                   <th>Visibility</th><th>Note</th></tr></thead><tbody>",
    );
    for a in &entry.actions {
        let _ = write!(
            page,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td>\
             <td>{}</td></tr>",
            if a.hiddenfromuser {
                "private"
            } else {
                "public"
            },
            a.id,
            text(&a.datetime.format(WHEN).unwrap_or_default()),
            text(&a.who),
            a.who_agentid,
            text(&a.outcome),
            if a.hiddenfromuser {
                "private"
            } else {
                "public"
            },
            text(&a.note),
        );
    }
    page.push_str("</tbody></table>");

    let _ = write!(
        page,
        "<form method=\"post\" action=\"/ui/tickets/{}/note\">",
        t.id
    );
    agent_select(page, agents);
    page.push_str(
        "<textarea name=\"note\" required aria-label=\"Note\"></textarea>\
        <button type=\"submit\" name=\"visibility\" value=\"public\">Add public note</button> \
        <button type=\"submit\" name=\"visibility\" value=\"private\">Add private note</button>\
        </form>",
    );
    let (verb, label) = if closed {
        ("reopen", "Reopen ticket")
    } else {
        ("close", "Close ticket")
    };
    let _ = write!(
        page,
        "<form method=\"post\" action=\"/ui/tickets/{}/{verb}\">",
        t.id
    );
    agent_select(page, agents);
    let _ = write!(
        page,
        "<button type=\"submit\">{label}</button></form></section>"
    );
}

fn agent_select(page: &mut String, agents: &[Agent]) {
    page.push_str("<label>As <select name=\"agent_id\">");
    for agent in agents {
        let selected = if agent.id == lookups::TECHNICIAN_ID {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            page,
            "<option value=\"{}\"{selected}>{}</option>",
            attr(&agent.id.to_string()),
            text(&agent.name)
        );
    }
    page.push_str("</select></label> ");
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoteForm {
    note: String,
    visibility: String,
    agent_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusForm {
    agent_id: Option<i64>,
}

async fn note(tenant: web::Data<Tenant>, id: web::Path<i64>, form: web::Bytes) -> HttpResponse {
    let form: NoteForm = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    if form.note.trim().is_empty() {
        return problem(400, "A note needs some text.");
    }
    let agent = form.agent_id.unwrap_or(lookups::TECHNICIAN_ID);
    let private = form.visibility.eq_ignore_ascii_case("private");
    let input = ActionInput::note(*id, agent, paragraph(&form.note), private);
    after(tenant.act(&input).map(|_| ()), *id)
}

async fn close(tenant: web::Data<Tenant>, id: web::Path<i64>, form: web::Bytes) -> HttpResponse {
    set_status(&tenant, *id, true, &form)
}

async fn reopen(tenant: web::Data<Tenant>, id: web::Path<i64>, form: web::Bytes) -> HttpResponse {
    set_status(&tenant, *id, false, &form)
}

fn set_status(tenant: &Tenant, id: i64, close: bool, form: &[u8]) -> HttpResponse {
    let form: StatusForm = serde_urlencoded::from_bytes(form).unwrap_or_default();
    let agent = form.agent_id.unwrap_or(lookups::TECHNICIAN_ID);
    after(
        tenant.change_status(id, close, agent, "", None).map(|_| ()),
        id,
    )
}

/// Back to the ticket on the page after a change, or a short error page.
fn after(result: Result<(), MockError>, id: i64) -> HttpResponse {
    match result {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/#ticket-{id}")))
            .finish(),
        Err(e @ MockError::TicketNotFound(_)) => problem(404, &e.to_string()),
        Err(e) => problem(400, &e.to_string()),
    }
}

fn problem(status: u16, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mock HaloPSA</title>\
         </head><body><p>{}</p><p><a href=\"/\">Back</a></p></body></html>",
        text(message)
    ))
}
