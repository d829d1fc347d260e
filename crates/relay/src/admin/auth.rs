//! Who may use the operator view. Scripts present `ADMIN_TOKEN` as a bearer
//! token; a browser, which cannot add that header to a link or a form, logs in
//! once with the token and then carries a session cookie. Nothing here routes
//! or renders.
//!
//! The cookie holds an expiry and an HMAC of it keyed with the token, so it
//! works across replicas without shared state, cannot be turned back into the
//! token, dies after [`SESSION`], and dies at once for everyone when the token
//! is rotated.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use upstream::Secret;

/// The session cookie's name.
pub const COOKIE: &str = "bridge_admin";

/// How long a browser session lasts.
pub const SESSION: Duration = Duration::from_secs(12 * 3600);

/// What the MAC of a session covers besides its expiry, so a session value can
/// never be mistaken for any other MAC made with the token.
const SESSION_LABEL: &str = "bridge operator session v1";

/// The admin token and the checks made with it.
pub struct AdminAuth {
    token: Secret,
}

impl AdminAuth {
    pub fn new(token: Secret) -> Self {
        Self { token }
    }

    /// Whether `presented` is the token, compared in constant time (over hashes,
    /// so not even the length leaks).
    pub fn token_matches(&self, presented: &str) -> bool {
        let expected = Sha256::digest(self.token.expose().as_bytes());
        let given = Sha256::digest(presented.as_bytes());
        bool::from(expected.ct_eq(&given))
    }

    /// Whether an `Authorization` header value is `Bearer <token>`.
    pub fn bearer_matches(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .is_some_and(|(_, token)| self.token_matches(token.trim()))
    }

    /// A fresh session value, good until `now_unix` + [`SESSION`].
    pub fn new_session(&self, now_unix: i64) -> String {
        let expires = now_unix.saturating_add(SESSION.as_secs() as i64);
        format!("{expires}.{}", hex(&self.session_mac(expires)))
    }

    /// Whether a session cookie value is one this token made and has not expired.
    pub fn session_valid(&self, value: &str, now_unix: i64) -> bool {
        let Some((expires, mac)) = value.trim().split_once('.') else {
            return false;
        };
        let Ok(expires) = expires.parse::<i64>() else {
            return false;
        };
        if expires <= now_unix {
            return false;
        }
        let expected = hex(&self.session_mac(expires));
        bool::from(expected.as_bytes().ct_eq(mac.as_bytes()))
    }

    fn session_mac(&self, expires: i64) -> [u8; 32] {
        // HMAC accepts a key of any length, so this cannot fail; an empty MAC
        // would only make every session invalid.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.token.expose().as_bytes()) else {
            return [0; 32];
        };
        mac.update(SESSION_LABEL.as_bytes());
        mac.update(b"|");
        mac.update(expires.to_string().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> AdminAuth {
        AdminAuth::new(Secret::new("operator-token-0123456789"))
    }

    #[test]
    fn bearer_needs_the_exact_token() {
        let auth = auth();
        assert!(auth.bearer_matches(Some("Bearer operator-token-0123456789")));
        assert!(auth.bearer_matches(Some("bearer  operator-token-0123456789 ")));
        assert!(!auth.bearer_matches(Some("Bearer operator-token-012345678")));
        assert!(!auth.bearer_matches(Some("Basic operator-token-0123456789")));
        assert!(!auth.bearer_matches(Some("operator-token-0123456789")));
        assert!(!auth.bearer_matches(None));
    }

    #[test]
    fn sessions_expire_and_cannot_be_forged() {
        let auth = auth();
        let session = auth.new_session(1_000);
        assert!(auth.session_valid(&session, 1_000));
        let end = 1_000 + SESSION.as_secs() as i64;
        assert!(auth.session_valid(&session, end - 1));
        assert!(!auth.session_valid(&session, end));

        // Moving the expiry breaks the MAC.
        let (_, mac) = session.split_once('.').unwrap();
        assert!(!auth.session_valid(&format!("{}.{mac}", end + 3600), 1_000));
        assert!(!auth.session_valid("garbage", 1_000));
        assert!(!auth.session_valid("", 1_000));
    }

    #[test]
    fn a_rotated_token_ends_every_session_and_none_shows_the_token() {
        let session = auth().new_session(1_000);
        assert!(!session.contains("operator-token"));
        let rotated = AdminAuth::new(Secret::new("another-token-9876543210"));
        assert!(!rotated.session_valid(&session, 1_000));
    }
}
