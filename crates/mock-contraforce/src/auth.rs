//! The service-account check of the API routes: HTTP Basic with
//! `base64(clientId:clientSecret)`. Says yes or no; answering is elsewhere.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use upstream::Secret;

/// Whether an `Authorization` header value carries exactly these credentials.
pub(crate) fn basic_matches(header: Option<&str>, client_id: &str, secret: &Secret) -> bool {
    let Some(header) = header else {
        return false;
    };
    let Some((scheme, encoded)) = header.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    match text.split_once(':') {
        Some((id, presented)) => id == client_id && presented == secret.expose(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    }

    #[test]
    fn accepts_only_the_configured_pair() {
        let secret = Secret::new("s:ecret");
        assert!(basic_matches(Some(&header("id", "s:ecret")), "id", &secret));
        assert!(basic_matches(
            Some(&header("id", "s:ecret").replace("Basic", "basic")),
            "id",
            &secret
        ));
        assert!(!basic_matches(Some(&header("id", "wrong")), "id", &secret));
        assert!(!basic_matches(
            Some(&header("other", "s:ecret")),
            "id",
            &secret
        ));
        assert!(!basic_matches(Some("Bearer abc"), "id", &secret));
        assert!(!basic_matches(Some("Basic !!!"), "id", &secret));
        assert!(!basic_matches(None, "id", &secret));
    }
}
