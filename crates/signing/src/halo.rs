//! Halo's callback secret: Halo webhooks carry no signature, only a shared secret
//! that an operator may configure as a header, HTTP Basic or Bearer credentials,
//! or a query parameter. This file decides whether any of them matches; it does
//! not read the request.

use std::fmt;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use upstream::Secret;

/// Standard base64 that also takes credentials whose `=` padding was left off.
const BASIC: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a Halo callback presented, as the caller found it: the `X-Halo-Secret`
/// header, the `Authorization` header (Basic or Bearer) and the decoded value of
/// the `secret` query parameter.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HaloPresented {
    pub x_halo_secret: Option<String>,
    pub authorization: Option<String>,
    pub query_secret: Option<String>,
}

impl fmt::Debug for HaloPresented {
    // Only which places were filled: the values are (attempted) secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |value: &Option<String>| value.as_ref().map(|_| "***");
        f.debug_struct("HaloPresented")
            .field("x_halo_secret", &shown(&self.x_halo_secret))
            .field("authorization", &shown(&self.authorization))
            .field("query_secret", &shown(&self.query_secret))
            .finish()
    }
}

/// True when any place in `presented` carries exactly `expected`. An empty
/// expected secret matches nothing. Values are compared through their SHA-256
/// digests in constant time, so neither the content nor the length of the
/// secret shows in how long a refusal takes; every place is always checked.
pub fn halo_secret_matches(expected: &Secret, presented: &HaloPresented) -> bool {
    if expected.is_empty() {
        return false;
    }
    let expected = Sha256::digest(expected.expose().as_bytes());
    let matches = |candidate: &[u8]| Sha256::digest(candidate).ct_eq(&expected);

    let mut found = Choice::from(0);
    if let Some(header) = &presented.x_halo_secret {
        found |= matches(header.trim().as_bytes());
    }
    if let Some(credential) = presented.authorization.as_deref().and_then(credential) {
        found |= matches(&credential);
    }
    if let Some(query) = &presented.query_secret {
        found |= matches(query.as_bytes());
    }
    found.into()
}

/// The secret inside an `Authorization` value: the password of Basic
/// credentials (whatever the user name) or a Bearer token. `None` for other
/// schemes and for Basic credentials that do not decode to `user:password`.
fn credential(header: &str) -> Option<Vec<u8>> {
    let (scheme, rest) = header
        .trim()
        .split_once(|c: char| c.is_ascii_whitespace())?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.as_bytes().to_vec());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASIC.decode(rest).ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some(decoded[colon + 1..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "halo-callback-secret";

    fn expected() -> Secret {
        Secret::new(SECRET)
    }

    fn accepts(presented: &HaloPresented) -> bool {
        halo_secret_matches(&expected(), presented)
    }

    fn basic(user_and_password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_and_password)
        )
    }

    fn header(value: &str) -> HaloPresented {
        HaloPresented {
            x_halo_secret: Some(value.to_owned()),
            ..HaloPresented::default()
        }
    }

    fn authorization(value: &str) -> HaloPresented {
        HaloPresented {
            authorization: Some(value.to_owned()),
            ..HaloPresented::default()
        }
    }

    fn query(value: &str) -> HaloPresented {
        HaloPresented {
            query_secret: Some(value.to_owned()),
            ..HaloPresented::default()
        }
    }

    #[test]
    fn secret_in_the_x_halo_secret_header() {
        assert!(accepts(&header(SECRET)));
        assert!(!accepts(&header("wrong")));
    }

    #[test]
    fn secret_as_basic_password_with_any_user() {
        for user in ["halo", "", "someone else"] {
            let value = basic(&format!("{user}:{SECRET}"));
            assert!(accepts(&authorization(&value)), "{user}");
        }
        assert!(accepts(&authorization(
            &basic(&format!("u:{SECRET}")).replace("Basic", "bAsIc")
        )));
        assert!(!accepts(&authorization(&basic("halo:wrong"))));
    }

    #[test]
    fn basic_password_is_split_at_the_first_colon() {
        let expected = Secret::new("pass:with:colons");
        let value = basic("user:pass:with:colons");
        assert!(halo_secret_matches(&expected, &authorization(&value)));
    }

    #[test]
    fn basic_without_a_colon_matches_nothing() {
        // The whole decoded text equals the secret, but without a colon it is no password.
        let value = basic(SECRET);
        assert!(!accepts(&authorization(&value)));
    }

    #[test]
    fn basic_that_is_not_base64_matches_nothing() {
        let value = format!("Basic user:{SECRET}");
        assert!(!accepts(&authorization(&value)));
    }

    #[test]
    fn basic_without_padding_still_decodes() {
        let value = basic(&format!("u:{SECRET}"));
        let unpadded = value.trim_end_matches('=');
        assert_ne!(unpadded, value, "the sample must have had padding to strip");
        assert!(accepts(&authorization(unpadded)));
    }

    #[test]
    fn secret_as_bearer_token_with_any_scheme_case() {
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let value = format!("{scheme} {SECRET}");
            assert!(accepts(&authorization(&value)), "{scheme}");
        }
        assert!(!halo_secret_matches(
            &expected(),
            &authorization("Bearer wrong")
        ));
        assert!(!accepts(&authorization(SECRET)), "no scheme");
        let other_scheme = format!("Token {SECRET}");
        assert!(!halo_secret_matches(
            &expected(),
            &authorization(&other_scheme)
        ));
    }

    #[test]
    fn secret_in_the_query() {
        assert!(accepts(&query(SECRET)));
        assert!(!accepts(&query("wrong")));
    }

    #[test]
    fn prefixes_and_extensions_of_the_secret_do_not_match() {
        for wrong in [&SECRET[..SECRET.len() - 1], &format!("{SECRET}x"), "", " "] {
            assert!(!accepts(&header(wrong)), "{wrong:?}");
            assert!(!accepts(&query(wrong)), "{wrong:?}");
        }
    }

    #[test]
    fn one_right_place_is_enough() {
        let presented = HaloPresented {
            x_halo_secret: Some("wrong".into()),
            authorization: Some("Bearer also-wrong".into()),
            query_secret: Some(SECRET.into()),
        };
        assert!(accepts(&presented));
    }

    #[test]
    fn nothing_presented_matches_nothing() {
        assert!(!accepts(&HaloPresented::default()));
    }

    #[test]
    fn empty_expected_secret_matches_nothing() {
        let empty = Secret::new("");
        assert!(!halo_secret_matches(&empty, &header("")));
        assert!(!halo_secret_matches(&empty, &query("")));
        assert!(!halo_secret_matches(&empty, &authorization("Bearer ")));
        assert!(!halo_secret_matches(
            &empty,
            &authorization(&basic("user:"))
        ));
    }

    #[test]
    fn debug_output_hides_presented_values() {
        let presented = HaloPresented {
            x_halo_secret: Some(SECRET.into()),
            authorization: Some(format!("Bearer {SECRET}")),
            query_secret: None,
        };
        let text = format!("{presented:?}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("query_secret: None"), "{text}");
    }
}
