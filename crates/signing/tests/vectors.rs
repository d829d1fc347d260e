//! ContraForce signatures computed outside Rust, checked against `sign_cf` and
//! `CfVerifier`: the shared vectors and one made for this crate.

use serde_json::Value;
use signing::{CfVerifier, SignatureError, sign_cf};
use upstream::Secret;

const VECTORS: &str = include_str!("data/cf-signature-vectors.json");

struct Vector {
    name: String,
    secret: String,
    timestamp: String,
    body: String,
    expected: String,
}

fn vectors() -> Vec<Vector> {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let text = |v: &Value, key: &str| v[key].as_str().unwrap().to_owned();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            name: text(v, "name"),
            secret: text(v, "secret"),
            timestamp: text(v, "timestamp"),
            body: text(v, "body"),
            expected: text(v, "expected_signature"),
        })
        .collect()
}

#[test]
fn all_five_shared_vectors_sign_as_expected() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 5);
    for v in &vectors {
        let got = sign_cf(v.secret.as_bytes(), &v.timestamp, v.body.as_bytes());
        assert_eq!(got, v.expected, "{}", v.name);
    }
}

#[test]
fn all_five_shared_vectors_verify_at_their_own_time() {
    for v in vectors() {
        let verifier = CfVerifier::new(vec![Secret::new(v.secret.clone())], 300);
        let now: i64 = v.timestamp.parse().unwrap();
        let result = verifier.verify(
            Some(&v.timestamp),
            Some(&v.expected),
            v.body.as_bytes(),
            now,
        );
        assert_eq!(result, Ok(()), "{}", v.name);
    }
}

#[test]
fn shared_vectors_fail_with_a_changed_body() {
    for v in vectors() {
        let verifier = CfVerifier::new(vec![Secret::new(v.secret.clone())], 300);
        let now: i64 = v.timestamp.parse().unwrap();
        let tampered = format!("{} ", v.body);
        let result = verifier.verify(
            Some(&v.timestamp),
            Some(&v.expected),
            tampered.as_bytes(),
            now,
        );
        assert_eq!(result, Err(SignatureError::Mismatch), "{}", v.name);
    }
}

#[test]
fn vector_computed_for_this_crate_with_python() {
    // Computed with:
    // python3 -c 'import hmac,hashlib; print("sha256="+hmac.new(b"rotated-secret-B",
    //   b"1700000000." + "{\"title\":\"Gr\u00fc\u00dfe \u2014 caf\u00e9\"}".encode(),
    //   hashlib.sha256).hexdigest())'
    let body = "{\"title\":\"Grüße — café\"}";
    let expected = "sha256=247f0f06f16c5c8bbd028b7688a7378cbd51a869a7b1fa37108a1994625af2a5";
    assert_eq!(
        sign_cf(b"rotated-secret-B", "1700000000", body.as_bytes()),
        expected
    );

    // The same delivery during a rotation: the second configured secret signed it.
    let verifier = CfVerifier::from_list(&Secret::new("rotated-secret-A, rotated-secret-B"), 300);
    let result = verifier.verify(
        Some("1700000000"),
        Some(expected),
        body.as_bytes(),
        1_700_000_100,
    );
    assert_eq!(result, Ok(()));

    let neither = CfVerifier::from_list(&Secret::new("rotated-secret-A,rotated-secret-C"), 300);
    let result = neither.verify(
        Some("1700000000"),
        Some(expected),
        body.as_bytes(),
        1_700_000_100,
    );
    assert_eq!(result, Err(SignatureError::Mismatch));
}
