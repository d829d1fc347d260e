//! Reading `STATE_URL`: which backend, and where. Also the one place that keeps a password
//! in that URL out of error messages and logs. Nothing here opens a file or a connection.

use crate::StoreError;
use std::fmt;
use std::path::PathBuf;

/// A parsed `STATE_URL`. `Display` and `Debug` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub enum StateUrl {
    /// `memory:` (also `memory://`): in-process, bounded, lost on exit.
    Memory,
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db` (also `sqlite:PATH`).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, kept whole for the driver.
    Postgres(String),
}

impl StateUrl {
    /// Parses a `STATE_URL` without touching the backend, so settings can be checked
    /// at start-up. Errors never quote more of the text than its scheme.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once(':') else {
            return Err(unsupported(text));
        };

        match scheme.to_ascii_lowercase().as_str() {
            "memory" if rest.is_empty() || rest == "//" => Ok(StateUrl::Memory),
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(StoreError::UnsupportedUrl(
                        "sqlite URL names no file".into(),
                    ));
                }
                if path.contains('?') {
                    return Err(StoreError::UnsupportedUrl(
                        "sqlite URL takes a path only, no query parameters".into(),
                    ));
                }
                Ok(StateUrl::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => Ok(StateUrl::Postgres(text.to_owned())),
            _ => Err(unsupported(text)),
        }
    }
}

impl fmt::Display for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateUrl::Memory => f.write_str("memory:"),
            StateUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            StateUrl::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

impl fmt::Debug for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateUrl({self})")
    }
}

fn unsupported(text: &str) -> StoreError {
    let got = match scheme_of(text) {
        Some(scheme) => format!("scheme `{scheme}`"),
        None => "no URL scheme".to_owned(),
    };
    StoreError::UnsupportedUrl(format!(
        "{got}; expected memory:, sqlite://PATH, postgres://… or postgresql://…"
    ))
}

/// The scheme, only when it looks like one (RFC 3986 characters, short), so that text
/// which is not a URL at all, perhaps a pasted secret, is never echoed.
fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_alpha = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_alpha && rest_ok && scheme.len() <= 20).then_some(scheme)
}

/// The password of a URL's user-info as written (still percent-encoded). Takes the last
/// `@` so that an unencoded `@` or `/` inside the password is still covered; erring
/// towards hiding too much is the safe side.
fn password_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// The URL with its password replaced by `***`.
pub(crate) fn redacted(url: &str) -> String {
    match password_of(url) {
        Some(password) => url.replacen(password, "***", 1),
        None => url.to_owned(),
    }
}

/// Removes the URL's password, as written and percent-decoded, from an error's text.
pub(crate) fn scrub(error: StoreError, url: &str) -> StoreError {
    let Some(password) = password_of(url) else {
        return error;
    };
    let decoded = percent_decoded(password);
    let clean = |text: String| text.replace(password, "***").replace(&decoded, "***");
    match error {
        StoreError::UnsupportedUrl(text) => StoreError::UnsupportedUrl(clean(text)),
        StoreError::Unavailable(text) => StoreError::Unavailable(clean(text)),
        StoreError::Corrupt(text) => StoreError::Corrupt(clean(text)),
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_relative_and_absolute() {
        assert_eq!(
            StateUrl::parse("sqlite://data/bridge.db").ok(),
            Some(StateUrl::Sqlite(PathBuf::from("data/bridge.db")))
        );
        assert_eq!(
            StateUrl::parse("sqlite:///var/lib/bridge/state.db").ok(),
            Some(StateUrl::Sqlite(PathBuf::from("/var/lib/bridge/state.db")))
        );
        assert_eq!(
            StateUrl::parse("SQLite:rel.db").ok(),
            Some(StateUrl::Sqlite(PathBuf::from("rel.db")))
        );
        assert!(StateUrl::parse("sqlite://").is_err());
        assert!(StateUrl::parse("sqlite://x.db?mode=rwc").is_err());
    }

    #[test]
    fn memory_and_postgres() {
        assert_eq!(StateUrl::parse(" memory: ").ok(), Some(StateUrl::Memory));
        assert_eq!(StateUrl::parse("memory://").ok(), Some(StateUrl::Memory));
        assert!(StateUrl::parse("memory:other").is_err());
        let url = "postgresql://u:p@db:5432/bridge";
        assert_eq!(
            StateUrl::parse(url).ok(),
            Some(StateUrl::Postgres(url.to_owned()))
        );
    }

    #[test]
    fn unsupported_names_the_scheme_only() {
        let text = StateUrl::parse("mysql://root:hunter2@db/x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(text.contains("`mysql`"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");

        let text = StateUrl::parse("hunter2")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            text.contains("no URL scheme") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn display_and_errors_hide_the_password() {
        let url = "postgres://bridge:s%40cr3t@db:5432/bridge";
        let shown = format!(
            "{} {:?}",
            StateUrl::Postgres(url.into()),
            StateUrl::Postgres(url.into())
        );
        assert!(
            !shown.contains("cr3t") && shown.contains("bridge:***@db"),
            "{shown}"
        );

        let error = StoreError::Unavailable("auth failed for s@cr3t and s%40cr3t".into());
        let text = scrub(error, url).to_string();
        assert!(!text.contains("cr3t"), "{text}");
    }

    #[test]
    fn password_with_unencoded_at_sign_is_hidden_whole() {
        assert_eq!(redacted("postgres://u:a@b@h/db"), "postgres://u:***@h/db");
        assert_eq!(redacted("postgres://h/db"), "postgres://h/db");
    }
}
