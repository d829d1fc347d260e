//! Logs: one subscriber writing text or JSON lines to standard output, the
//! per-request span that puts a request id on every line, and the one `info`
//! line each delivery outcome gets. Metrics are not here.

use std::fmt;
use std::io::IsTerminal;
use std::str::FromStr;

use tracing::{Span, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// The header a caller may send to name its request; the bridge echoes it back.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest incoming request id that is reused rather than replaced.
const MAX_REQUEST_ID_LEN: usize = 64;

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, spans shown as `request{request_id=… route=…}:`.
    #[default]
    Text,
    /// One JSON object per line: event fields at the top level, the current span
    /// under `span` and every enclosing span under `spans`.
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = String;

    /// `text` or `json`, any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("expected text or json, got {text:?}")),
        }
    }
}

/// Installs the process-wide subscriber: `filter` in `RUST_LOG` syntax (an empty
/// or invalid one means `info`), lines to standard output in `format`. Also routes
/// `log` records from dependencies into it. A second call changes nothing.
pub fn init(format: LogFormat, filter: &str) {
    let ansi = std::io::stdout().is_terminal();
    // An error here only means a subscriber is already installed, which is fine.
    let _ = subscriber(format, filter, std::io::stdout, ansi).try_init();
}

/// The subscriber [`init`] installs, writing to `writer`; tests use it with a
/// capturing writer under a scoped default.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter.trim())
        .ok()
        .filter(|_| !filter.trim().is_empty())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                // The whole chain, so a line logged in a child span still shows
                // the request id of the request span above it.
                .with_span_list(true)
                .finish(),
        ),
    }
}

/// The span every line of one request is logged in.
pub fn request_span(request_id: &str, route: &str) -> Span {
    tracing::info_span!("request", request_id = request_id, route = route)
}

/// The request id for one request: the caller's `X-Request-Id` when it is a
/// short token of letters, digits, `-`, `_` and `.`, otherwise a fresh one.
/// Anything else is replaced so a caller cannot inject text into log lines.
pub fn request_id(incoming: Option<&str>) -> String {
    match incoming.map(str::trim) {
        Some(id) if is_sane_request_id(id) => id.to_owned(),
        _ => new_request_id(),
    }
}

/// A fresh request id: a random UUID without hyphens.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn is_sane_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The one `info` line per delivery outcome. A field whose value is not known
/// (no event id, no reference, no ticket) is left out of the line.
pub fn delivery_outcome(
    event_id: Option<&str>,
    reference: Option<&str>,
    ticket_id: Option<i64>,
    outcome: &str,
    duration_ms: u64,
) {
    tracing::info!(
        event_id,
        reference,
        ticket_id,
        outcome,
        duration_ms,
        "delivery outcome"
    );
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer that keeps everything written to it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;

        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(format: LogFormat, filter: &str, body: impl FnOnce()) -> String {
        let out = Captured::default();
        let subscriber = subscriber(format, filter, out.clone(), false);
        tracing::subscriber::with_default(subscriber, body);
        out.text()
    }

    fn log_one_outcome() {
        let span = request_span("req-42", "/cf/webhooks");
        let _entered = span.enter();
        // A child span, as a pipeline step would open: the request id must survive it.
        let step = tracing::info_span!("halo_call", target = "halo");
        let _step = step.enter();
        delivery_outcome(
            Some("evt-1"),
            Some("cf|sentinel|inc-9"),
            Some(77),
            "created",
            12,
        );
    }

    #[test]
    fn json_lines_carry_the_request_id_and_the_outcome_fields() {
        let out = capture(LogFormat::Json, "info", log_one_outcome);

        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{out}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["event_id"], "evt-1");
        assert_eq!(line["reference"], "cf|sentinel|inc-9");
        assert_eq!(line["ticket_id"], 77);
        assert_eq!(line["outcome"], "created");
        assert_eq!(line["duration_ms"], 12);
        let request = line["spans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|span| span["name"] == "request")
            .unwrap();
        assert_eq!(request["request_id"], "req-42");
        assert_eq!(request["route"], "/cf/webhooks");
    }

    #[test]
    fn text_lines_carry_the_request_id_and_the_outcome_fields() {
        let out = capture(LogFormat::Text, "info", log_one_outcome);

        assert_eq!(out.lines().count(), 1, "{out}");
        for expected in [
            "INFO",
            "request_id=\"req-42\"",
            "event_id=\"evt-1\"",
            "reference=\"cf|sentinel|inc-9\"",
            "ticket_id=77",
            "outcome=\"created\"",
            "duration_ms=12",
        ] {
            assert!(out.contains(expected), "{expected} missing from {out}");
        }
    }

    #[test]
    fn unknown_outcome_fields_are_left_out() {
        let out = capture(LogFormat::Json, "info", || {
            delivery_outcome(Some("evt-2"), None, None, "ignored", 3);
        });

        let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(line["event_id"], "evt-2");
        assert_eq!(line["outcome"], "ignored");
        assert!(
            line.get("reference").is_none() && line.get("ticket_id").is_none(),
            "{out}"
        );
    }

    #[test]
    fn the_filter_drops_lines_below_its_level_and_blank_means_info() {
        let quiet = capture(LogFormat::Text, "warn", || {
            delivery_outcome(None, None, None, "ignored", 1);
        });
        assert!(quiet.is_empty(), "{quiet}");

        let default = capture(LogFormat::Text, "  ", || {
            tracing::debug!("hidden");
            delivery_outcome(None, None, None, "ignored", 1);
        });
        assert!(default.contains("outcome=\"ignored\"") && !default.contains("hidden"));
    }

    #[test]
    fn init_twice_is_harmless() {
        init(LogFormat::Json, "info");
        assert!(tracing::dispatcher::has_been_set());
        init(LogFormat::Text, "debug");
    }

    #[test]
    fn sane_incoming_request_ids_are_reused_and_others_replaced() {
        assert_eq!(request_id(Some("abc-123_x.y")), "abc-123_x.y");

        let too_long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        for bad in [
            None,
            Some(""),
            Some("a b"),
            Some("x\ny"),
            Some(too_long.as_str()),
        ] {
            let id = request_id(bad);
            assert_eq!(id.len(), 32, "{bad:?}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{bad:?}");
        }
        assert_ne!(new_request_id(), new_request_id());
    }

    #[test]
    fn log_format_reads_text_and_json_in_any_case() {
        assert_eq!("JSON".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert_eq!("text".parse::<LogFormat>(), Ok(LogFormat::Text));
        assert_eq!(
            "xml".parse::<LogFormat>(),
            Err("expected text or json, got \"xml\"".to_owned())
        );
    }
}
