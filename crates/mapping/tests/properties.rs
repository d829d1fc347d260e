//! Properties that must hold for every input, not just the examples in the unit
//! tests: summaries stay within Halo's limit, references survive a round trip,
//! and the readers of outside input never panic.

use mapping::cf::{Envelope, Incident, peek_is_test, peek_type};
use mapping::comments::html_to_text;
use mapping::halo_webhook;
use mapping::reference::Reference;
use mapping::ticket::{SUMMARY_MAX_CHARS, summary};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Text rich in what breaks naive cutting: emoji, combining marks, CJK, and
/// characters outside the basic plane, mixed with anything at all.
fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>(),
        Just('😀'),
        Just('\u{301}'),
        Just('\u{200d}'),
        Just('漢'),
        Just('e'),
        Just(' '),
        Just('\n'),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|chars| chars.into_iter().collect())
}

fn incident_with(title: String, number: Option<i64>) -> Incident {
    Incident {
        incident_id: "i".into(),
        source: "s".into(),
        title,
        incident_number: number,
        ..Incident::default()
    }
}

/// Markup-heavy text: tags, entities and stray brackets among arbitrary text.
fn html_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("<p>".to_owned()),
        Just("</p>".to_owned()),
        Just("<br/>".to_owned()),
        Just("<ul><li>".to_owned()),
        Just("</li></ul>".to_owned()),
        Just("<script>".to_owned()),
        Just("</script".to_owned()),
        Just("<pre>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<a href=\"".to_owned()),
        Just("'".to_owned()),
        Just("=".to_owned()),
        Just(">".to_owned()),
        Just("<".to_owned()),
        Just("&".to_owned()),
        Just("&#x1F600;".to_owned()),
        Just("&#".to_owned()),
        Just("&amp;".to_owned()),
        Just("&nbsp;".to_owned()),
        tricky_text(12),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

/// Any JSON value, with the key names the readers look for over-represented.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::from)),
        tricky_text(8).prop_map(Value::String),
        Just(Value::String("5".into())),
        Just(Value::String("   ".into())),
    ];
    let key = prop_oneof![
        Just("data".to_owned()),
        Just("type".to_owned()),
        Just("isTest".to_owned()),
        Just("incidentId".to_owned()),
        Just("source".to_owned()),
        Just("title".to_owned()),
        Just("incidentNumber".to_owned()),
        Just("owner".to_owned()),
        Just("alerts".to_owned()),
        Just("entities".to_owned()),
        Just("ticket".to_owned()),
        Just("Ticket_Id".to_owned()),
        Just("object_id".to_owned()),
        Just("id".to_owned()),
        "[a-zA-Z_]{1,8}",
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #[test]
    fn summary_never_exceeds_the_limit(title in tricky_text(400), number in any::<Option<i64>>()) {
        let summary = summary(&incident_with(title, number));
        prop_assert!(summary.chars().count() <= SUMMARY_MAX_CHARS);
        prop_assert!(summary.starts_with("[CF"));
    }

    #[test]
    fn summary_is_the_first_chars_of_the_full_text(
        title in "[a-z😀\u{301}漢]{1,300}",
        number in any::<Option<u32>>(),
    ) {
        let number = number.map(i64::from);
        let full = match number {
            Some(n) => format!("[CF #{n}] {title}"),
            None => format!("[CF] {title}"),
        };
        let expected: String = full.chars().take(SUMMARY_MAX_CHARS).collect();
        prop_assert_eq!(summary(&incident_with(title, number)), expected);
    }

    #[test]
    fn reference_round_trips(source in "[^|]{1,30}", incident_id in tricky_text(60)) {
        prop_assume!(!incident_id.is_empty());
        let reference = Reference { source, incident_id };
        prop_assert_eq!(Reference::parse(&reference.to_string()), Some(reference));
    }

    #[test]
    fn html_to_text_never_panics_and_is_tidy(html in html_soup()) {
        let text = html_to_text(&html);
        prop_assert_eq!(text.trim(), text.as_str());
        prop_assert!(!text.contains("\n\n\n"), "{:?}", text);
        prop_assert!(text.lines().all(|line| line == line.trim_end()), "{:?}", text);
    }

    #[test]
    fn html_to_text_never_panics_on_any_string(html in any::<String>()) {
        let _ = html_to_text(&html);
    }

    #[test]
    fn envelope_parse_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Envelope::parse(&body);
        let _ = peek_type(&body);
        let _ = peek_is_test(&body);
        let _ = halo_webhook::parse_events(&body);
    }

    #[test]
    fn envelope_parse_accepts_only_usable_incidents(body in json_value(), data in json_value()) {
        let mut body = body;
        if let (Value::Object(root), true) = (&mut body, data.is_object()) {
            root.insert("data".into(), data);
        }
        let bytes = body.to_string().into_bytes();
        match Envelope::parse(&bytes) {
            Ok(envelope) => {
                let incident = envelope.data;
                for required in [&incident.incident_id, &incident.source, &incident.title] {
                    prop_assert!(!required.trim().is_empty());
                }
                prop_assert!(!incident.source.contains('|'));
            }
            Err(problem) => {
                let prefix = format!("{}: ", problem.path);
                prop_assert!(problem.to_string().starts_with(&prefix));
            }
        }
        let _ = peek_type(&bytes);
        let _ = peek_is_test(&bytes);
    }

    #[test]
    fn webhook_ticket_ids_are_positive_whatever_the_event(event in json_value()) {
        let bytes = event.to_string().into_bytes();
        let events = halo_webhook::parse_events(&bytes).unwrap_or_default();
        for event in events {
            prop_assert!(halo_webhook::ticket_id(&event).is_none_or(|id| id > 0));
        }
    }
}
