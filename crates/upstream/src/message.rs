//! Reading a human message out of an upstream's error body, and keeping secrets out
//! of every text that leaves a client. Which statuses are errors is decided elsewhere.

use serde_json::Value;

use crate::Secret;

/// Longest message kept from a body, in characters; the rest of a large page is noise.
const MAX_CHARS: usize = 300;

/// Keys that carry the message in the error bodies seen, in order of preference
/// (compared without regard to case: Halo writes both `Message` and `message`).
const MESSAGE_KEYS: [&str; 5] = ["message", "error_description", "detail", "title", "error"];

/// The message in an error body: a known key of a JSON object, a bare JSON string,
/// or else the text itself; trimmed and shortened. Empty for an empty body.
pub fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(Value::String(s)) => s,
        Ok(Value::Object(map)) => MESSAGE_KEYS
            .iter()
            .find_map(|wanted| {
                map.iter()
                    .find(|(key, value)| key.eq_ignore_ascii_case(wanted) && value.is_string())
                    .and_then(|(_, value)| value.as_str().map(str::to_owned))
            })
            .unwrap_or_else(|| Value::Object(map).to_string()),
        _ => text.into_owned(),
    };
    shorten(message.trim())
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `text` with every occurrence of each non-empty secret replaced by `***`.
pub fn redact(text: &str, secrets: &[Secret]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.expose(), "***")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_from_each_body_shape() {
        let cases: [(&str, &str); 7] = [
            (
                r#"{"ClassName":"System.Exception","Message":"No outcome"}"#,
                "No outcome",
            ),
            (r#"{"message":"Rate Limit Reached"}"#, "Rate Limit Reached"),
            (
                r#"{"error":"invalid_client","error_description":"bad client"}"#,
                "bad client",
            ),
            (r#"{"error":"invalid_scope"}"#, "invalid_scope"),
            (r#""Please assign an agent.""#, "Please assign an agent."),
            ("plain words\n", "plain words"),
            ("", ""),
        ];
        for (body, expected) in cases {
            assert_eq!(error_message(body.as_bytes()), expected, "{body}");
        }
    }

    #[test]
    fn an_object_without_a_known_key_is_shown_as_json() {
        assert_eq!(error_message(br#"{"code":7}"#), r#"{"code":7}"#);
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let body = "é".repeat(1_000);
        let message = error_message(body.as_bytes());
        assert_eq!(message.chars().count(), MAX_CHARS + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn redact_hides_every_secret() {
        let secrets = [Secret::new("s3cret"), Secret::new(""), Secret::new("tok")];
        assert_eq!(redact("a s3cret b tok s3cret", &secrets), "a *** b *** ***");
    }
}
