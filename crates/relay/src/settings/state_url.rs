//! `STATE_URL`: which store backend holds the bridge's state. The text may carry
//! a database password, so it is kept as a [`Secret`] and shown only redacted.

use std::fmt;
use std::path::PathBuf;

use upstream::Secret;

/// The store backend a [`StateUrl`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateBackend {
    /// `memory:`: nothing survives the process.
    Memory,
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`; `path` is the
    /// file path (relative to the working directory unless absolute).
    Sqlite { path: PathBuf },
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

/// A validated `STATE_URL`. `Debug` and [`StateUrl::redacted`] never show a password.
#[derive(Clone, PartialEq, Eq)]
pub struct StateUrl {
    text: Secret,
    backend: StateBackend,
}

impl StateUrl {
    /// Reads a `STATE_URL`. The error message never quotes the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        let backend = if lower == "memory:" {
            StateBackend::Memory
        } else if lower.starts_with("sqlite:") {
            let rest = &text["sqlite:".len()..];
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/bridge.db".to_owned());
            }
            StateBackend::Sqlite {
                path: PathBuf::from(path),
            }
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            let valid = url::Url::parse(text).is_ok_and(|url| url.has_host());
            if !valid {
                return Err("not a valid postgres:// URL".to_owned());
            }
            StateBackend::Postgres
        } else {
            return Err("expected memory:, sqlite://PATH or postgres://…".to_owned());
        };
        Ok(Self {
            text: Secret::new(text),
            backend,
        })
    }

    /// `memory:`.
    pub fn memory() -> Self {
        Self {
            text: Secret::new("memory:"),
            backend: StateBackend::Memory,
        }
    }

    /// Which backend this names.
    pub fn backend(&self) -> &StateBackend {
        &self.backend
    }

    /// The full text, password included, for opening the store.
    pub fn expose(&self) -> &str {
        self.text.expose()
    }

    /// The text with any password replaced by `***`, for logs and `check-config`.
    pub fn redacted(&self) -> String {
        let text = self.text.expose();
        if self.backend != StateBackend::Postgres {
            return text.to_owned();
        }
        match url::Url::parse(text) {
            Ok(mut url) if url.password().is_some() => {
                // Cannot fail: a URL that already has a password can take another.
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "***".to_owned(),
        }
    }
}

impl fmt::Debug for StateUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StateUrl").field(&self.redacted()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_takes_relative_and_absolute_paths() {
        let relative = StateUrl::parse("sqlite://data/bridge.db").unwrap();
        assert_eq!(
            relative.backend(),
            &StateBackend::Sqlite {
                path: PathBuf::from("data/bridge.db")
            }
        );
        let absolute = StateUrl::parse("sqlite:///var/lib/bridge/state.db?mode=rwc").unwrap();
        assert_eq!(
            absolute.backend(),
            &StateBackend::Sqlite {
                path: PathBuf::from("/var/lib/bridge/state.db")
            }
        );
        assert_eq!(
            absolute.expose(),
            "sqlite:///var/lib/bridge/state.db?mode=rwc"
        );
        assert!(StateUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn memory_and_postgres_are_recognised_and_others_refused() {
        assert_eq!(
            StateUrl::parse("memory:").unwrap().backend(),
            &StateBackend::Memory
        );
        for pg in ["postgres://u@db/bridge", "postgresql://u:p@db:5432/bridge"] {
            assert_eq!(
                StateUrl::parse(pg).unwrap().backend(),
                &StateBackend::Postgres
            );
        }
        for bad in ["mysql://db/x", "memory", "data/bridge.db", "postgres://"] {
            assert!(StateUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_password_never_shows_outside_expose() {
        let url = StateUrl::parse("postgres://bridge:s3cr3t-pw@db:5432/bridge").unwrap();
        assert_eq!(url.redacted(), "postgres://bridge:***@db:5432/bridge");
        assert!(!format!("{url:?}").contains("s3cr3t-pw"));
        assert_eq!(url.expose(), "postgres://bridge:s3cr3t-pw@db:5432/bridge");
    }
}
