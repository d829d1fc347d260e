//! Bearer tokens: which scopes exist, issuing random tokens with an expiry,
//! checking them on every API call, and revoking them all.

use std::collections::HashMap;

use rand::RngCore;

use crate::faults::Route;

/// Scopes the token endpoint accepts; any other fails the whole request.
pub const KNOWN_SCOPES: &[&str] = &[
    "all",
    "all:standard",
    "admin",
    "read:tickets",
    "edit:tickets",
    "read:actions",
    "edit:actions",
    "read:lookups",
    "edit:lookups",
    "read:agents",
    "edit:agents",
    "read:customers",
    "edit:customers",
    "read:assets",
    "edit:assets",
    "read:contracts",
    "edit:contracts",
    "read:projects",
    "edit:projects",
    "read:reports",
    "read:kb",
    "edit:kb",
    "read:timesheets",
    "edit:timesheets",
];

/// Why a presented bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Missing, unknown, revoked or expired: 401.
    Unauthorized,
    /// Valid, but its scopes do not cover the route: 403.
    Forbidden,
}

#[derive(Debug, Clone)]
struct Issued {
    expires_at_ms: i64,
    scopes: Vec<String>,
}

/// The tokens issued and not yet revoked.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    issued: HashMap<String, Issued>,
}

impl TokenStore {
    /// Issues a token valid for `lifetime_secs` from `now_ms`; forgets expired ones.
    pub fn issue(&mut self, scopes: Vec<String>, now_ms: i64, lifetime_secs: u64) -> String {
        self.issued.retain(|_, t| t.expires_at_ms > now_ms);
        let token = random_text(32);
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let expires_at_ms = now_ms.saturating_add(lifetime_ms);
        self.issued.insert(
            token.clone(),
            Issued {
                expires_at_ms,
                scopes,
            },
        );
        token
    }

    /// Checks an `Authorization` header value for `route`.
    pub fn check(
        &self,
        authorization: Option<&str>,
        route: Route,
        now_ms: i64,
        enforce_scopes: bool,
    ) -> Result<(), Refusal> {
        let token = authorization
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(Refusal::Unauthorized)?;
        let issued = self.issued.get(token).ok_or(Refusal::Unauthorized)?;
        if issued.expires_at_ms <= now_ms {
            return Err(Refusal::Unauthorized);
        }
        if enforce_scopes && !covers(&issued.scopes, route) {
            return Err(Refusal::Forbidden);
        }
        Ok(())
    }

    /// Revokes every token; returns how many were live or expired but kept.
    pub fn revoke_all(&mut self) -> usize {
        let count = self.issued.len();
        self.issued.clear();
        count
    }

    pub fn len(&self) -> usize {
        self.issued.len()
    }
}

/// Splits a `scope` parameter; `Err` names the first scope that is not known.
pub(crate) fn parse_scopes(text: Option<&str>) -> Result<Vec<String>, String> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("all");
    text.split_whitespace()
        .map(|scope| {
            let known = KNOWN_SCOPES.iter().any(|k| k.eq_ignore_ascii_case(scope));
            if known {
                Ok(scope.to_ascii_lowercase())
            } else {
                Err(scope.to_owned())
            }
        })
        .collect()
}

/// Whether `scopes` allow `route`. `edit:` implies `read:` on the same area,
/// and `GET /api/Agent/me` needs no particular scope, so it is not checked here.
fn covers(scopes: &[String], route: Route) -> bool {
    let wanted: &[&str] = match route {
        Route::Token => return true,
        Route::TicketsList | Route::TicketGet => &["read:tickets", "edit:tickets"],
        Route::TicketsPost => &["edit:tickets"],
        Route::ActionsGet => &["read:actions", "edit:actions"],
        Route::ActionsPost => &["edit:actions"],
        Route::Lookups => &[
            "read:lookups",
            "edit:lookups",
            "read:agents",
            "edit:agents",
            "read:customers",
            "edit:customers",
        ],
    };
    scopes.iter().any(|s| {
        matches!(s.as_str(), "all" | "all:standard" | "admin") || wanted.contains(&s.as_str())
    })
}

/// Random lower-case hex of `bytes` random bytes.
pub(crate) fn random_text(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> String {
        format!("Bearer {token}")
    }

    #[test]
    fn a_token_works_until_it_expires() {
        let mut store = TokenStore::default();
        let token = store.issue(vec!["all".into()], 1_000, 10);
        let header = bearer(&token);
        assert_eq!(
            store.check(Some(&header), Route::TicketGet, 10_999, true),
            Ok(())
        );
        assert_eq!(
            store.check(Some(&header), Route::TicketGet, 11_000, true),
            Err(Refusal::Unauthorized)
        );
    }

    #[test]
    fn missing_unknown_or_revoked_tokens_are_unauthorized() {
        let mut store = TokenStore::default();
        let token = store.issue(vec!["all".into()], 0, 60);
        assert_eq!(
            store.check(None, Route::TicketGet, 1, true),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(
            store.check(Some("Bearer nope"), Route::TicketGet, 1, true),
            Err(Refusal::Unauthorized)
        );
        assert_eq!(store.revoke_all(), 1);
        assert_eq!(
            store.check(Some(&bearer(&token)), Route::TicketGet, 1, true),
            Err(Refusal::Unauthorized)
        );
    }

    #[test]
    fn read_only_scope_cannot_post_tickets() {
        let mut store = TokenStore::default();
        let header = bearer(&store.issue(vec!["read:tickets".into()], 0, 60));
        assert_eq!(
            store.check(Some(&header), Route::TicketsList, 1, true),
            Ok(())
        );
        assert_eq!(
            store.check(Some(&header), Route::TicketsPost, 1, true),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            store.check(Some(&header), Route::TicketsPost, 1, false),
            Ok(())
        );
    }

    #[test]
    fn one_unknown_scope_fails_the_list() {
        assert_eq!(parse_scopes(None), Ok(vec!["all".to_owned()]));
        assert_eq!(
            parse_scopes(Some("read:tickets  edit:actions")),
            Ok(vec!["read:tickets".to_owned(), "edit:actions".to_owned()])
        );
        assert_eq!(
            parse_scopes(Some("read:tickets bogus")),
            Err("bogus".to_owned())
        );
    }
}
