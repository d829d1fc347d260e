//! Properties of signature checking for every input, not just the vectors: the
//! verifier never panics and accepts exactly what was signed with one of its
//! secrets within the skew; any change to the body, the timestamp text or the
//! signature is refused; the Halo secret check never panics and accepts only
//! the configured secret in one of its places.

use base64::Engine;
use proptest::prelude::*;
use signing::{CfVerifier, HaloPresented, SignatureError, halo_secret_matches, sign_cf};
use upstream::Secret;

const NOW: i64 = 1_776_870_000;
const EMPTY_OBJECT: &[u8] = b"{}";

fn secret() -> impl Strategy<Value = String> {
    "[!-~]{1,64}"
}

fn header_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        any::<String>(),
        "sha256=[0-9a-fA-F]{0,70}",
        "[0-9]{0,25}",
        "-?[0-9]{1,20}",
    ])
}

proptest! {
    #[test]
    fn verify_never_panics(
        timestamp in header_text(),
        signature in header_text(),
        body in prop::collection::vec(any::<u8>(), 0..512),
        now in any::<i64>(),
        skew in any::<u64>(),
    ) {
        let verifier = CfVerifier::new(vec![Secret::new("s")], skew);
        let _ = verifier.verify(timestamp.as_deref(), signature.as_deref(), &body, now);
    }

    #[test]
    fn a_signature_by_any_configured_secret_within_the_skew_verifies(
        first in secret(),
        second in secret(),
        pick_second in any::<bool>(),
        body in prop::collection::vec(any::<u8>(), 0..512),
        age in -300i64..=300,
    ) {
        let timestamp = (NOW - age).to_string();
        let used = if pick_second { &second } else { &first };
        let signature = sign_cf(used.as_bytes(), &timestamp, &body);
        let verifier = CfVerifier::new(vec![Secret::new(&first), Secret::new(&second)], 300);
        prop_assert_eq!(verifier.verify(Some(&timestamp), Some(&signature), &body, NOW), Ok(()));
    }

    #[test]
    fn any_changed_byte_of_the_body_is_refused(
        secret in secret(),
        body in prop::collection::vec(any::<u8>(), 1..512),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let timestamp = NOW.to_string();
        let signature = sign_cf(secret.as_bytes(), &timestamp, &body);
        let mut changed = body.clone();
        changed[at.index(body.len())] ^= flip;
        let verifier = CfVerifier::new(vec![Secret::new(&secret)], 300);
        prop_assert_eq!(
            verifier.verify(Some(&timestamp), Some(&signature), &changed, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_changed_signature_digit_is_refused(
        secret in secret(),
        body in prop::collection::vec(any::<u8>(), 0..256),
        at in 7usize..71,
        digit in "[0-9a-f]",
    ) {
        let timestamp = NOW.to_string();
        let signature = sign_cf(secret.as_bytes(), &timestamp, &body);
        prop_assume!(signature[at..=at] != digit);
        let mut changed = signature.clone();
        changed.replace_range(at..=at, &digit);
        let verifier = CfVerifier::new(vec![Secret::new(&secret)], 300);
        prop_assert!(verifier.verify(Some(&timestamp), Some(&changed), &body, NOW).is_err());
    }

    #[test]
    fn the_timestamp_is_signed_as_written(
        secret in secret(),
        body in prop::collection::vec(any::<u8>(), 0..256),
        padding in prop_oneof![Just("0"), Just("+"), Just(" ")],
    ) {
        // The same instant written differently is a different signed text.
        let signature = sign_cf(secret.as_bytes(), &NOW.to_string(), &body);
        let rewritten = format!("{padding}{NOW}");
        let verifier = CfVerifier::new(vec![Secret::new(&secret)], 300);
        prop_assert!(verifier.verify(Some(&rewritten), Some(&signature), &body, NOW).is_err());
    }

    #[test]
    fn a_timestamp_past_the_skew_is_refused_even_when_signed(
        secret in secret(),
        age in prop_oneof![301i64..1_000_000, -1_000_000i64..-300],
    ) {
        let timestamp = (NOW - age).to_string();
        let signature = sign_cf(secret.as_bytes(), &timestamp, EMPTY_OBJECT);
        let verifier = CfVerifier::new(vec![Secret::new(&secret)], 300);
        let verdict = verifier.verify(Some(&timestamp), Some(&signature), EMPTY_OBJECT, NOW);
        prop_assert!(verdict.is_err());
    }

    #[test]
    fn halo_check_never_panics_and_accepts_only_the_secret(
        expected in secret(),
        header in prop::option::of(any::<String>()),
        authorization in prop::option::of(any::<String>()),
        query in prop::option::of(any::<String>()),
    ) {
        let presented = HaloPresented {
            x_halo_secret: header.clone(),
            authorization: authorization.clone(),
            query_secret: query.clone(),
        };
        let accepted = halo_secret_matches(&Secret::new(&expected), &presented);
        let anywhere = [header, authorization, query]
            .into_iter()
            .flatten()
            .any(|text| text.contains(expected.as_str())
                || base64_decodes_to_contain(&text, &expected));
        prop_assert!(!accepted || anywhere);
    }

    #[test]
    fn halo_secret_is_found_in_each_place(
        expected in secret(),
        user in "[a-z]{0,8}",
        place in 0..4u8,
    ) {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{expected}"));
        let presented = match place {
            0 => HaloPresented {
                x_halo_secret: Some(expected.clone()),
                ..Default::default()
            },
            1 => HaloPresented {
                authorization: Some(format!("Basic {basic}")),
                ..Default::default()
            },
            2 => HaloPresented {
                authorization: Some(format!("Bearer {expected}")),
                ..Default::default()
            },
            _ => HaloPresented {
                query_secret: Some(expected.clone()),
                ..Default::default()
            },
        };
        prop_assert!(halo_secret_matches(&Secret::new(&expected), &presented));
    }
}

fn base64_decodes_to_contain(text: &str, expected: &str) -> bool {
    text.split_whitespace().any(|word| {
        base64::engine::general_purpose::STANDARD
            .decode(word)
            .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(expected))
    })
}
