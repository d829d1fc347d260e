//! ContraForce delivery signatures: `X-CF-Signature` is `sha256=` + lowercase hex of
//! HMAC-SHA256(secret, `{X-CF-Timestamp}.{raw body}`), and the timestamp must be
//! recent. This file signs and verifies; it does not read HTTP headers.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use upstream::Secret;

type HmacSha256 = Hmac<Sha256>;

const SCHEME: &str = "sha256=";
const HEX_LEN: usize = 64;

/// Why a delivery's signature was refused. The messages name the failing part
/// for the log and never carry the secret, the signature or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("X-CF-Timestamp header missing")]
    MissingTimestamp,
    #[error("X-CF-Signature header missing")]
    MissingSignature,
    #[error("X-CF-Timestamp is not a plain number of Unix seconds")]
    UnparsableTimestamp,
    #[error("X-CF-Timestamp is further in the past than the allowed skew")]
    TooOld,
    #[error("X-CF-Timestamp is further in the future than the allowed skew")]
    TooNew,
    #[error("X-CF-Signature is not `sha256=` followed by 64 lowercase hex digits")]
    MalformedSignature,
    #[error("X-CF-Signature matches none of the configured secrets")]
    Mismatch,
}

/// The `X-CF-Signature` value for `body` sent at `timestamp` (the header text,
/// used as is), signed with `secret`.
pub fn sign_cf(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let tag = keyed(secret, timestamp, body).finalize().into_bytes();
    format!("{SCHEME}{}", hex::encode(tag))
}

fn keyed(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of every length (long ones are hashed first), so this
    // constructor cannot fail whatever the secret is.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Checks ContraForce deliveries against one or more secrets (several while a
/// secret is being rotated) and a maximum clock skew.
#[derive(Debug, Clone)]
pub struct CfVerifier {
    secrets: Vec<Secret>,
    max_skew_secs: u64,
}

impl CfVerifier {
    /// A verifier accepting a signature made with any of `secrets`. Empty secrets
    /// are dropped: an empty HMAC key is public knowledge, not a secret.
    pub fn new(secrets: Vec<Secret>, max_skew_secs: u64) -> Self {
        let secrets = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        Self {
            secrets,
            max_skew_secs,
        }
    }

    /// A verifier from the `CF_WEBHOOK_SECRET` text: secrets separated by commas,
    /// each trimmed, empty items ignored.
    pub fn from_list(text: &Secret, max_skew_secs: u64) -> Self {
        let secrets = text
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(Secret::new)
            .collect();
        Self::new(secrets, max_skew_secs)
    }

    /// How many usable secrets this verifier holds; with none, nothing verifies.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Accepts a delivery when its timestamp is within the skew of `now_unix`
    /// (the limit itself included) and its signature matches one of the secrets.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(), SignatureError> {
        let timestamp = timestamp.ok_or(SignatureError::MissingTimestamp)?;
        let signature = signature.ok_or(SignatureError::MissingSignature)?;

        let sent_at = parse_timestamp(timestamp)?;
        let tag = parse_signature(signature)?;
        self.check_skew(sent_at, now_unix)?;

        // Every secret is tried, so the time taken does not tell which one matched.
        let mut matched = false;
        for secret in &self.secrets {
            let mac = keyed(secret.expose().as_bytes(), timestamp, body);
            matched |= mac.verify_slice(&tag).is_ok();
        }
        if matched {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    fn check_skew(&self, sent_at: i64, now_unix: i64) -> Result<(), SignatureError> {
        // i128 keeps the difference exact for any pair of i64 values.
        let age = i128::from(now_unix) - i128::from(sent_at);
        let limit = i128::from(self.max_skew_secs);
        if age > limit {
            Err(SignatureError::TooOld)
        } else if -age > limit {
            Err(SignatureError::TooNew)
        } else {
            Ok(())
        }
    }
}

/// The timestamp as seconds. Only plain ASCII digits are read: the text is signed
/// as sent, so accepting `+5` or ` 5` would make two texts mean one instant.
fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::UnparsableTimestamp);
    }
    text.parse::<i64>()
        .map_err(|_| SignatureError::UnparsableTimestamp)
}

/// The 32 bytes behind `sha256=<64 lowercase hex>`.
fn parse_signature(text: &str) -> Result<Vec<u8>, SignatureError> {
    let digits = text
        .strip_prefix(SCHEME)
        .ok_or(SignatureError::MalformedSignature)?;
    let lowercase_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if digits.len() != HEX_LEN || !digits.bytes().all(lowercase_hex) {
        return Err(SignatureError::MalformedSignature);
    }
    hex::decode(digits).map_err(|_| SignatureError::MalformedSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "unit-secret";
    const NOW: i64 = 1_776_870_000;

    fn verifier(skew: u64) -> CfVerifier {
        CfVerifier::new(vec![Secret::new(SECRET)], skew)
    }

    fn signed(timestamp: &str, body: &[u8]) -> String {
        sign_cf(SECRET.as_bytes(), timestamp, body)
    }

    #[test]
    fn own_signature_verifies() {
        let sig = signed("1776870000", b"{}");
        assert_eq!(
            verifier(300).verify(Some("1776870000"), Some(&sig), b"{}", NOW),
            Ok(())
        );
    }

    #[test]
    fn empty_body_signs_and_verifies() {
        let sig = signed("1776870000", b"");
        assert_eq!(
            verifier(300).verify(Some("1776870000"), Some(&sig), b"", NOW),
            Ok(())
        );
        assert_eq!(
            verifier(300).verify(Some("1776870000"), Some(&sig), b" ", NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        let sig = signed("1776870000", br#"{"title":"a"}"#);
        let result = verifier(300).verify(Some("1776870000"), Some(&sig), br#"{"title":"b"}"#, NOW);
        assert_eq!(result, Err(SignatureError::Mismatch));
    }

    #[test]
    fn signature_over_another_timestamp_is_a_mismatch() {
        let sig = signed("1776870001", b"{}");
        let result = verifier(300).verify(Some("1776870000"), Some(&sig), b"{}", NOW);
        assert_eq!(result, Err(SignatureError::Mismatch));
    }

    #[test]
    fn missing_headers() {
        let sig = signed("1776870000", b"{}");
        let v = verifier(300);
        assert_eq!(
            v.verify(None, Some(&sig), b"{}", NOW),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            v.verify(Some("1776870000"), None, b"{}", NOW),
            Err(SignatureError::MissingSignature)
        );
        assert_eq!(
            v.verify(None, None, b"{}", NOW),
            Err(SignatureError::MissingTimestamp)
        );
    }

    #[test]
    fn timestamps_that_are_not_plain_digits_are_unparsable() {
        let v = verifier(u64::MAX);
        for text in [
            "+1776870000",
            "-1776870000",
            " 1776870000",
            "1776870000 ",
            "1776 870000",
            "",
            "1776870000.0",
            "1e9",
            "٣",
            "99999999999999999999",
        ] {
            // Signed over the exact text, so only the format can be what fails.
            let sig = signed(text, b"{}");
            assert_eq!(
                v.verify(Some(text), Some(&sig), b"{}", NOW),
                Err(SignatureError::UnparsableTimestamp),
                "{text:?}"
            );
        }
    }

    #[test]
    fn leading_zeros_are_digits_and_signed_as_sent() {
        let text = "01776870000";
        let sig = signed(text, b"{}");
        assert_eq!(
            verifier(0).verify(Some(text), Some(&sig), b"{}", NOW),
            Ok(())
        );
        let reformatted = signed("1776870000", b"{}");
        assert_eq!(
            verifier(0).verify(Some(text), Some(&reformatted), b"{}", NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn skew_at_the_limit_is_accepted_one_past_is_not() {
        let v = verifier(300);
        let check = |sent: i64| {
            let text = sent.to_string();
            v.verify(Some(&text), Some(&signed(&text, b"x")), b"x", NOW)
        };
        assert_eq!(check(NOW - 300), Ok(()));
        assert_eq!(check(NOW - 301), Err(SignatureError::TooOld));
        assert_eq!(check(NOW + 300), Ok(()));
        assert_eq!(check(NOW + 301), Err(SignatureError::TooNew));
    }

    #[test]
    fn zero_skew_accepts_only_the_same_second() {
        let v = verifier(0);
        let sig = signed("1776870000", b"x");
        assert_eq!(v.verify(Some("1776870000"), Some(&sig), b"x", NOW), Ok(()));
        assert_eq!(
            v.verify(Some("1776870000"), Some(&sig), b"x", NOW + 1),
            Err(SignatureError::TooOld)
        );
        assert_eq!(
            v.verify(Some("1776870000"), Some(&sig), b"x", NOW - 1),
            Err(SignatureError::TooNew)
        );
    }

    #[test]
    fn extreme_clock_values_do_not_overflow() {
        let v = verifier(u64::MAX);
        let text = i64::MAX.to_string();
        let sig = signed(&text, b"x");
        assert_eq!(v.verify(Some(&text), Some(&sig), b"x", i64::MIN), Ok(()));
        assert_eq!(
            verifier(300).verify(Some(&text), Some(&sig), b"x", i64::MIN),
            Err(SignatureError::TooNew)
        );
    }

    #[test]
    fn upper_case_hex_is_malformed() {
        let sig = signed("1776870000", b"{}");
        let upper = format!("sha256={}", sig["sha256=".len()..].to_ascii_uppercase());
        assert_eq!(
            verifier(300).verify(Some("1776870000"), Some(&upper), b"{}", NOW),
            Err(SignatureError::MalformedSignature)
        );
    }

    #[test]
    fn other_malformed_signatures() {
        let sig = signed("1776870000", b"{}");
        let hex = &sig["sha256=".len()..];
        for bad in [
            String::new(),
            hex.to_owned(),
            format!("SHA256={hex}"),
            format!("sha1={hex}"),
            format!("sha256= {hex}"),
            format!("sha256={hex} "),
            format!("sha256={}", &hex[..63]),
            format!("sha256={hex}0"),
            format!("sha256={}g", &hex[..63]),
            "sha256=".to_owned(),
        ] {
            assert_eq!(
                verifier(300).verify(Some("1776870000"), Some(&bad), b"{}", NOW),
                Err(SignatureError::MalformedSignature),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rotation_accepts_any_configured_secret() {
        let both = CfVerifier::new(vec![Secret::new("old"), Secret::new("new")], 300);
        let by_new = sign_cf(b"new", "1776870000", b"{}");
        let by_old = sign_cf(b"old", "1776870000", b"{}");
        let by_other = sign_cf(b"other", "1776870000", b"{}");
        assert_eq!(
            both.verify(Some("1776870000"), Some(&by_new), b"{}", NOW),
            Ok(())
        );
        assert_eq!(
            both.verify(Some("1776870000"), Some(&by_old), b"{}", NOW),
            Ok(())
        );
        assert_eq!(
            both.verify(Some("1776870000"), Some(&by_other), b"{}", NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn list_is_split_on_commas_trimmed_and_empties_dropped() {
        let v = CfVerifier::from_list(&Secret::new(" old , ,new,"), 300);
        assert_eq!(v.secret_count(), 2);
        let by_new = sign_cf(b"new", "1776870000", b"{}");
        assert_eq!(
            v.verify(Some("1776870000"), Some(&by_new), b"{}", NOW),
            Ok(())
        );
        let by_padded = sign_cf(b" new", "1776870000", b"{}");
        assert_eq!(
            v.verify(Some("1776870000"), Some(&by_padded), b"{}", NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn without_secrets_nothing_verifies() {
        let v = CfVerifier::new(vec![Secret::new("")], 300);
        assert_eq!(v.secret_count(), 0);
        let by_empty = sign_cf(b"", "1776870000", b"{}");
        assert_eq!(
            v.verify(Some("1776870000"), Some(&by_empty), b"{}", NOW),
            Err(SignatureError::Mismatch)
        );
        let from_blank = CfVerifier::from_list(&Secret::new(" , "), 300);
        assert_eq!(from_blank.secret_count(), 0);
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let v = CfVerifier::from_list(&Secret::new("first-secret,second-secret"), 300);
        let text = format!("{v:?}");
        assert!(
            !text.contains("first-secret") && !text.contains("second-secret"),
            "{text}"
        );
    }
}
