//! Outside input at the size the bridge accepts (up to `MAX_BODY_BYTES`, 1 MiB by
//! default) and of the shapes that break naive readers: deep nesting, numbers out
//! of every range, endless markup. The readers must neither panic nor take time
//! that grows faster than the input.

use std::time::{Duration, Instant};

use mapping::cf::{Envelope, peek_type};
use mapping::comments::html_to_text;
use mapping::halo_webhook;
use proptest::prelude::*;
use serde_json::json;

const MIB: usize = 1024 * 1024;

/// Generous on a loaded 2-core machine; a quadratic reader takes minutes at 1 MiB.
const LIMIT: Duration = Duration::from_secs(5);

fn timed<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = work();
    assert!(
        started.elapsed() < LIMIT,
        "{what} took {:?}",
        started.elapsed()
    );
    value
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [200, 10_000, MIB / 2] {
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let _ = timed("webhook events", || {
            halo_webhook::parse_events(body.as_bytes())
        });
        let _ = timed("envelope", || Envelope::parse(body.as_bytes()));
        let _ = timed("peek", || peek_type(body.as_bytes()));
        let object = format!("{}1{}", "{\"data\":".repeat(depth), "}".repeat(depth));
        let _ = timed("envelope", || Envelope::parse(object.as_bytes()));
    }
}

#[test]
fn html_to_text_is_linear_on_a_megabyte_of_markup() {
    for unit in [
        "<",
        "<a href=\"",
        "&",
        "&#",
        "<!--",
        "<p>",
        "<script>",
        "x<br>",
    ] {
        let html = unit.repeat(MIB / unit.len());
        let _ = timed(unit, || html_to_text(&html));
    }
}

#[test]
fn ticket_ids_out_of_every_range_are_no_ticket_ids() {
    for id in [
        json!("1e400"),
        json!("99999999999999999999"),
        json!(-5),
        json!(0),
        json!(5.5),
        json!(f64::MAX),
        json!(u64::MAX),
        json!("5e3"),
        json!(" 5 "),
    ] {
        let event = json!({"ticket_id": id, "object_id": id, "ticket": {"id": id}});
        if let Some(found) = halo_webhook::ticket_id(&event) {
            assert!(found > 0, "{event} gave {found}");
        }
    }
}

#[test]
fn a_megabyte_batch_of_events_is_read_in_time() {
    let one = json!({"event": "action added", "object_id": 1001, "ticket": {"id": "1001"}});
    let count = MIB / one.to_string().len();
    let batch = serde_json::Value::Array(vec![one; count]).to_string();
    let events = timed("batch", || halo_webhook::parse_events(batch.as_bytes())).unwrap();
    assert_eq!(events.len(), count);
}

proptest! {
    #[test]
    fn webhook_reader_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(events) = halo_webhook::parse_events(&body) {
            for event in &events {
                let _ = halo_webhook::ticket_id(event);
            }
        }
    }

    #[test]
    fn envelope_reader_never_panics_on_near_json(body in r#"[\{\}\[\]":,a-z0-9 .\-]{0,400}"#) {
        let _ = Envelope::parse(body.as_bytes());
        let _ = peek_type(body.as_bytes());
    }
}
