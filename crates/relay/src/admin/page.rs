//! The operator page as HTML: server-rendered, one self-contained document with
//! inline styles, no script and no outside assets, readable in any browser.
//! Every value from the store is escaped here. What to show is decided in
//! `overview.rs`; who may see it in `auth.rs`.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::overview::{DeliveryView, Overview};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2733;
background:#f5f7fa;font-size:14px}
header{background:#1f3a5f;color:#fff;padding:14px 24px;display:flex;align-items:center;gap:16px}
header h1{font-size:20px;margin:0}header .sub{opacity:.8;flex:1}
main{padding:16px 24px;max-width:1400px}
h2{font-size:16px;margin:24px 0 8px}
.counts{display:flex;gap:12px;flex-wrap:wrap}
.count{background:#fff;border:1px solid #d5dde6;border-radius:6px;padding:10px 16px;min-width:110px}
.count b{display:block;font-size:22px}.count.bad b{color:#b3261e}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d5dde6}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6ebf0;vertical-align:top}
th{background:#eef2f6;font-weight:600}
td.err{color:#8a1c14;max-width:360px;overflow-wrap:anywhere}td.nw{white-space:nowrap}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;max-width:700px;background:#f5f7fa;padding:6px;
margin:4px 0}
.tag{border-radius:10px;padding:1px 8px;font-size:12px;white-space:nowrap;background:#e6ebf0}
.ok{background:#d8f0dc;color:#12521f}.warn{background:#fff1c7;color:#6b4b00}
.dead{background:#fbd9d5;color:#8a1c14}
button{font:inherit;padding:3px 10px;border-radius:4px;border:1px solid #1f3a5f;background:#fff;
color:#1f3a5f;cursor:pointer}
header button{border-color:#fff;background:transparent;color:#fff}
.notice{background:#d8f0dc;border:1px solid #9fd3a8;padding:8px 12px;border-radius:6px}
.empty{color:#66727f;font-style:italic}
form.inline{display:inline;margin:0}
.login{max-width:420px;margin:60px auto;background:#fff;border:1px solid #d5dde6;padding:24px;
border-radius:8px}
.login input{width:100%;box-sizing:border-box;padding:6px;margin:8px 0 12px;font:inherit}
footer{color:#66727f;margin:24px 0}
";

/// The page for an operator who has logged in.
pub fn dashboard(title: &str, overview: &Overview, notice: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str("<header><h1>Bridge operator view</h1>");
    let _ = write!(body, "<span class=\"sub\">{}</span>", text(title));
    body.push_str(
        "<form class=\"inline\" method=\"post\" action=\"/logout\">\
         <button type=\"submit\">Log out</button></form></header><main>",
    );
    if let Some(notice) = notice {
        let _ = write!(body, "<p class=\"notice\">{}</p>", text(notice));
    }

    let counts = overview.counts;
    body.push_str("<section class=\"counts\">");
    count(&mut body, counts.pending, "queued or retrying", false);
    count(&mut body, counts.in_flight, "in progress", false);
    count(&mut body, counts.done, "done", false);
    count(&mut body, counts.dead, "dead letters", counts.dead > 0);
    body.push_str("</section>");

    body.push_str("<h2>Dead letters</h2>");
    if overview.dead.is_empty() {
        body.push_str("<p class=\"empty\">No dead letters.</p>");
    } else {
        body.push_str(
            "<form class=\"inline\" method=\"post\" action=\"/ui/dead-letters/replay\">\
             <button type=\"submit\">Replay all dead letters</button></form>",
        );
        table(&mut body, &overview.dead, true);
    }

    body.push_str("<h2>Queued or retrying</h2>");
    if overview.queued.is_empty() {
        body.push_str("<p class=\"empty\">Nothing is waiting.</p>");
    } else {
        table(&mut body, &overview.queued, false);
    }

    body.push_str("<h2>Recent deliveries</h2>");
    if overview.recent.is_empty() {
        body.push_str("<p class=\"empty\">No deliveries yet.</p>");
    } else {
        table(&mut body, &overview.recent, false);
    }
    body.push_str(
        "<footer>Times are UTC. The same data as JSON: <code>GET /admin/deliveries</code>, \
         <code>GET /admin/dead-letters</code> (bearer token). <a href=\"/\">Refresh</a></footer>\
         </main>",
    );
    document(title, &body)
}

/// The login form, with an optional message (a wrong token).
pub fn login(title: &str, message: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str("<div class=\"login\"><h1>Bridge operator view</h1>");
    let _ = write!(body, "<p>{}</p>", text(title));
    if let Some(message) = message {
        let _ = write!(body, "<p class=\"tag dead\">{}</p>", text(message));
    }
    body.push_str(
        "<form method=\"post\" action=\"/login\">\
         <label for=\"token\">Admin token (<code>ADMIN_TOKEN</code>)</label>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" \
         required autofocus><button type=\"submit\">Log in</button></form>\
         <p class=\"empty\">The session lasts 12 hours and ends when the token changes.</p></div>",
    );
    document(title, &body)
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Bridge operator view · {}</title><style>{STYLE}</style></head>\
         <body>{body}</body></html>",
        text(title)
    )
}

fn count(body: &mut String, value: u64, label: &str, bad: bool) {
    let class = if bad { "count bad" } else { "count" };
    let _ = write!(
        body,
        "<div class=\"{class}\"><b>{value}</b>{}</div>",
        text(label)
    );
}

fn table(body: &mut String, rows: &[DeliveryView], replay: bool) {
    body.push_str(
        "<table><thead><tr><th>Received</th><th>Kind</th><th>Event id</th><th>Reference</th>\
         <th>Ticket</th><th>Outcome</th><th>Attempts</th><th>Last error</th><th>Details</th>",
    );
    if replay {
        body.push_str("<th></th>");
    }
    body.push_str("</tr></thead><tbody>");
    for row in rows {
        row_html(body, row, replay);
    }
    body.push_str("</tbody></table>");
}

fn row_html(body: &mut String, row: &DeliveryView, replay: bool) {
    let tickets = row
        .ticket_ids
        .iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        body,
        "<tr><td class=\"nw\">{}</td><td>{}</td><td class=\"nw\"><code>{}</code></td>\
         <td class=\"nw\"><code>{}</code></td><td>{}</td><td><span class=\"tag {}\">{}</span></td>\
         <td>{}</td><td class=\"err\">{}</td><td>",
        text(&readable_time(&row.received_at)),
        kind_label(row.kind),
        text(row.event_id.as_deref().unwrap_or("—")),
        text(row.reference.as_deref().unwrap_or("—")),
        text(if tickets.is_empty() { "—" } else { &tickets }),
        outcome_class(row),
        text(&row.outcome),
        row.attempts,
        text(row.last_error.as_deref().unwrap_or("")),
    );
    details(body, row);
    body.push_str("</td>");
    if replay {
        let _ = write!(
            body,
            "<td><form class=\"inline\" method=\"post\" action=\"/ui/dead-letters/{}/replay\">\
             <button type=\"submit\">Replay</button></form></td>",
            attr(&path_segment(&row.id))
        );
    }
    body.push_str("</tr>");
}

fn details(body: &mut String, row: &DeliveryView) {
    let _ = write!(
        body,
        "<details><summary>more</summary><div>delivery <code>{}</code><br>updated {}",
        text(&row.id),
        text(&readable_time(&row.updated_at))
    );
    if let Some(next) = &row.next_attempt_at {
        let _ = write!(body, "<br>next attempt {}", text(&readable_time(next)));
    }
    for (name, value) in &row.headers {
        let _ = write!(body, "<br><code>{}: {}</code>", text(name), text(value));
    }
    let _ = write!(
        body,
        "</div><pre>{}</pre></details>",
        text(&row.body_excerpt)
    );
}

/// `2026-04-22T15:00:00Z` as `2026-04-22 15:00:00` (the page says times are UTC).
fn readable_time(rfc3339: &str) -> String {
    rfc3339
        .replacen('T', " ", 1)
        .trim_end_matches('Z')
        .to_owned()
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "cf" => "ContraForce",
        "halo" => "Halo",
        _ => "other",
    }
}

fn outcome_class(row: &DeliveryView) -> &'static str {
    match row.status {
        "dead" => "dead",
        "pending" | "in_flight" => "warn",
        _ if row.outcome.starts_with("HTTP") => "warn",
        _ => "ok",
    }
}

/// `id` made safe for one URL path segment (our ids are UUIDs, but the page
/// must not trust that).
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::overview::CountsView;

    fn view(id: &str, status: &'static str, outcome: &str) -> DeliveryView {
        DeliveryView {
            id: id.into(),
            kind: "cf",
            status,
            outcome: outcome.into(),
            event_id: Some("<script>evt</script>".into()),
            reference: Some("cf|sentinel|a&b".into()),
            ticket_ids: vec![],
            attempts: 2,
            last_error: Some("Halo is unavailable (HTTP 500)".into()),
            received_at: "2026-04-22T15:00:00Z".into(),
            updated_at: "2026-04-22T15:00:02Z".into(),
            next_attempt_at: None,
            headers: vec![("x-cf-schema".into(), "incident.created.v1".into())],
            body_excerpt: "{\"title\":\"<img src=x>\"}".into(),
        }
    }

    fn overview() -> Overview {
        Overview {
            counts: CountsView {
                pending: 0,
                in_flight: 0,
                done: 1,
                dead: 1,
            },
            queued: vec![],
            dead: vec![view("dead/1 \"x\"", "dead", "dead letter")],
            recent: vec![view("d2", "done", "created")],
        }
    }

    #[test]
    fn everything_from_the_store_is_escaped() {
        let html = dashboard("ContraForce → Halo", &overview(), Some("<b>done</b>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>done</b>"), "{html}");
        assert!(html.contains("&lt;script&gt;evt&lt;/script&gt;"));
        assert!(html.contains("cf|sentinel|a&amp;b"));
        assert!(html.contains("action=\"/ui/dead-letters/dead%2F1%20%22x%22/replay\""));
    }

    #[test]
    fn the_page_stands_alone() {
        let html = dashboard("t", &overview(), None);
        for outside in ["<script", "src=\"http", "href=\"http", "<link", "@import"] {
            assert!(!html.contains(outside), "{outside} in {html}");
        }
        assert!(html.contains("Replay all dead letters"));
        assert!(html.contains("<h2>Recent deliveries</h2>"));
    }

    #[test]
    fn empty_sections_say_so() {
        let empty = Overview {
            counts: CountsView {
                pending: 0,
                in_flight: 0,
                done: 0,
                dead: 0,
            },
            queued: vec![],
            dead: vec![],
            recent: vec![],
        };
        let html = dashboard("t", &empty, None);
        assert!(html.contains("No dead letters."));
        assert!(!html.contains("Replay all"));
        assert!(login("t", Some("wrong")).contains("name=\"token\""));
    }
}
