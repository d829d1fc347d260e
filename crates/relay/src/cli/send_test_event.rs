//! `send-test-event URL`: posts a delivery to a bridge the way its sender
//! would, and prints the answer.
//!
//! ContraForce → Halo binaries sign a sample `incident.created.v1` (or the file
//! given with `--body`) with the first `CF_WEBHOOK_SECRET`, as the ContraForce
//! portal does; it goes as a test delivery (`X-CF-Test: true`, `isTest: true`)
//! unless `--real`. Halo → ContraForce binaries send a Halo event with
//! `HALO_WEBHOOK_SECRET` in `X-Halo-Secret`; Halo has no test deliveries, so
//! the test event names no ticket (the bridge answers "ignored" after checking
//! the secret) and `--real --ticket N` names ticket N.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::{Value, json};
use upstream::Clock;

use super::{Exit, SendArgs};
use crate::settings::{Direction, Settings};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A delivery ready to post.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For the report: what was sent, without any secret.
    pub summary: String,
}

/// Sends the delivery `args` describe and prints the answer; `Ok` for a 2xx.
pub async fn run(settings: &Settings, args: &SendArgs, out: &mut dyn Write) -> Exit {
    let prepared = match prepare(settings, args, upstream::SystemClock.unix_seconds()) {
        Ok(prepared) => prepared,
        Err(problem) => {
            let _ = writeln!(out, "{problem}");
            return Exit::Settings;
        }
    };
    send(&prepared, out).await.unwrap_or(Exit::Failed)
}

async fn send(prepared: &Prepared, out: &mut dyn Write) -> io::Result<Exit> {
    writeln!(out, "POST {} ({})", prepared.url, prepared.summary)?;
    let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(http) => http,
        Err(error) => {
            writeln!(out, "no HTTP client: {error}")?;
            return Ok(Exit::Failed);
        }
    };
    let mut request = http.post(&prepared.url).body(prepared.body.clone());
    for (name, value) in &prepared.headers {
        request = request.header(name, value);
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(error) => {
            writeln!(out, "no answer: {}", error.without_url())?;
            return Ok(Exit::Failed);
        }
    };
    let status = answer.status();
    let retry_after = answer
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = answer.text().await.unwrap_or_default();
    writeln!(out, "HTTP {status}")?;
    if let Some(wait) = retry_after {
        writeln!(out, "Retry-After: {wait}")?;
    }
    writeln!(out, "{text}")?;
    Ok(if status.is_success() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// Builds the delivery: URL, headers (signed for ContraForce) and body.
pub fn prepare(settings: &Settings, args: &SendArgs, now_unix: i64) -> Result<Prepared, String> {
    let file = match &args.body {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("cannot read --body {}: {e}", path.display()))?,
        ),
        None => None,
    };
    match settings.direction {
        Direction::CfToHalo => contraforce(settings, args, file, now_unix),
        Direction::HaloToCf => halo(settings, args, file),
    }
}

fn contraforce(
    settings: &Settings,
    args: &SendArgs,
    file: Option<Vec<u8>>,
    now_unix: i64,
) -> Result<Prepared, String> {
    let secret = settings
        .cf_inbound
        .as_ref()
        .and_then(|cf| cf.webhook_secrets.first())
        .ok_or("CF_WEBHOOK_SECRET is not set")?;
    let url = webhook_url(&args.url, "/cf/webhooks")?;
    let event_id = args
        .event_id
        .clone()
        .unwrap_or_else(|| format!("bridge-test-{}", uuid::Uuid::new_v4()));
    let from_file = file.is_some();
    let body = match file {
        Some(bytes) => bytes,
        None => sample_incident(!args.real).to_string().into_bytes(),
    };
    let timestamp = now_unix.to_string();
    let signature = signing::sign_cf(secret.expose().as_bytes(), &timestamp, &body);
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-CF-Event-Id".to_owned(), event_id.clone()),
        ("X-CF-Timestamp".to_owned(), timestamp),
        ("X-CF-Signature".to_owned(), signature),
        ("X-CF-Schema".to_owned(), "incident.created.v1".to_owned()),
    ];
    if !args.real {
        headers.push(("X-CF-Test".to_owned(), "true".to_owned()));
    }
    let what = match (args.real, from_file) {
        (true, true) => "real delivery of the file",
        (true, false) => "real delivery of a sample incident",
        (false, true) => "test delivery of the file",
        (false, false) => "test delivery of a sample incident",
    };
    Ok(Prepared {
        url,
        headers,
        body,
        summary: format!("{what}, event id {event_id}"),
    })
}

fn halo(settings: &Settings, args: &SendArgs, file: Option<Vec<u8>>) -> Result<Prepared, String> {
    let secret = settings
        .halo_inbound
        .as_ref()
        .map(|h| &h.webhook_secret)
        .ok_or("HALO_WEBHOOK_SECRET is not set")?;
    let url = webhook_url(&args.url, "/halo/webhooks")?;
    if args.real && args.ticket.is_none() && file.is_none() {
        return Err("--real needs --ticket N (the Halo ticket the event is about)".to_owned());
    }
    let (body, summary) = match file {
        Some(bytes) => (bytes, "the file as a Halo event".to_owned()),
        None => {
            let ticket = if args.real { args.ticket } else { None };
            let summary = match ticket {
                Some(id) => format!("a Halo event for ticket {id}"),
                None => "a Halo test event naming no ticket".to_owned(),
            };
            (sample_halo_event(ticket).to_string().into_bytes(), summary)
        }
    };
    Ok(Prepared {
        url,
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Halo-Secret".to_owned(), secret.expose().to_owned()),
        ],
        body,
        summary,
    })
}

/// The webhook URL: `url` as given, or with `route` added when it is a bare
/// base URL (no path).
fn webhook_url(url: &str, route: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("not a URL: {url} ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("not an http(s) URL: {url}"));
    }
    let text = url.trim().trim_end_matches('/');
    Ok(if parsed.path() == "/" || parsed.path().is_empty() {
        format!("{text}{route}")
    } else {
        text.to_owned()
    })
}

/// A sample incident in ContraForce's shape; the id is new each time, so a real
/// delivery opens a new ticket.
pub fn sample_incident(test: bool) -> Value {
    let id = uuid::Uuid::new_v4().simple().to_string();
    json!({
        "type": "incident.created.v1",
        "timestamp": "2026-04-22T15:00:00Z",
        "isTest": test,
        "occurredAt": "2026-04-22T14:55:00Z",
        "data": {
            "accountId": "00000000-0000-0000-0000-000000000000",
            "accountName": "Bridge test account",
            "incidentId": format!("bridge-test-{id}"),
            "incidentNumber": 1,
            "title": "Bridge test incident",
            "description": "Sent by the bridge's send-test-event command.",
            "severity": "Low",
            "source": "sentinel",
            "sourceDisplayName": "Microsoft Sentinel",
            "createdAt": "2026-04-22T14:55:00Z",
            "alerts": [{"title": "Test alert", "severity": "Low",
                        "productName": "Microsoft Sentinel"}],
            "entities": [{"type": "Host", "displayName": "test-host"}]
        }
    })
}

/// A Halo webhook event, for `ticket` when given.
pub fn sample_halo_event(ticket: Option<i64>) -> Value {
    let mut event = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "webhook_id": uuid::Uuid::nil().to_string(),
        "event": "bridge test event",
        "message": "Sent by the bridge's send-test-event command.",
    });
    if let Some(id) = ticket {
        event["event"] = json!("ticket updated by agent");
        event["object_id"] = json!(id);
        event["ticket"] = json!({"id": id});
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_the_route_only_when_bare() {
        assert_eq!(
            webhook_url("http://127.0.0.1:8080", "/cf/webhooks").unwrap(),
            "http://127.0.0.1:8080/cf/webhooks"
        );
        assert_eq!(
            webhook_url("http://h:1/", "/cf/webhooks").unwrap(),
            "http://h:1/cf/webhooks"
        );
        assert_eq!(
            webhook_url("https://fn.example/api/cf/webhooks", "/cf/webhooks").unwrap(),
            "https://fn.example/api/cf/webhooks"
        );
        assert!(webhook_url("ftp://h/", "/cf/webhooks").is_err());
        assert!(webhook_url("nonsense", "/cf/webhooks").is_err());
    }

    #[test]
    fn the_test_halo_event_names_no_ticket() {
        let events = [sample_halo_event(None)];
        assert!(crate::halo_to_cf::ticket_ids(&events).is_empty());
        let events = [sample_halo_event(Some(42))];
        assert_eq!(crate::halo_to_cf::ticket_ids(&events), vec![42]);
    }
}
