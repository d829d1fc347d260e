//! The client-credentials token: fetched from `{auth_url}/token`, cached, refreshed
//! shortly before it expires, one fetch at a time however many callers wait for it.
//! Using the token on API calls (and re-authorising after a 401) is the client's job.

use std::time::{Duration, SystemTime};

use mapping::halo::lenient;
use serde_json::Value;
use tokio::sync::Mutex;
use upstream::{Delivery, Requester, Secret};

use crate::HaloError;
use crate::decode::kind;

/// How long before its expiry a token is replaced.
const REFRESH_EARLY: Duration = Duration::from_secs(60);

/// The lifetime assumed when the answer does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

pub(crate) struct TokenSource {
    url: String,
    client_id: String,
    client_secret: Secret,
    scope: String,
    tenant: Option<String>,
    // An async mutex held across the fetch is what makes concurrent callers share
    // one token request instead of each sending their own.
    cached: Mutex<Option<Cached>>,
}

struct Cached {
    token: Secret,
    refresh_at: SystemTime,
}

impl TokenSource {
    pub(crate) fn new(
        url: String,
        client_id: String,
        client_secret: Secret,
        scope: String,
        tenant: Option<String>,
    ) -> Self {
        Self {
            url,
            client_id,
            client_secret,
            scope,
            tenant,
            cached: Mutex::new(None),
        }
    }

    /// A token good for a while yet, from the cache or freshly fetched.
    pub(crate) async fn bearer(&self, requester: &Requester) -> Result<Secret, HaloError> {
        let mut cached = self.cached.lock().await;
        let now = requester.clock().now();
        if let Some(current) = cached.as_ref()
            && now < current.refresh_at
        {
            return Ok(current.token.clone());
        }

        let fresh = self.fetch(requester).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forgets `token` after the API refused it, unless another caller already
    /// replaced it with a newer one.
    pub(crate) async fn discard(&self, token: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == token) {
            *cached = None;
        }
    }

    async fn fetch(&self, requester: &Requester) -> Result<Cached, HaloError> {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("scope", self.scope.as_str()),
        ];
        let mut request = requester.http().post(&self.url);
        // Hosted Halo reads the tenant from the query, other builds from the form.
        if let Some(tenant) = &self.tenant {
            request = request.query(&[("tenant", tenant)]);
            form.push(("tenant", tenant));
        }
        let request = request.form(&form);

        let reply = requester
            .send("halo_token", request, Delivery::Idempotent)
            .await?;
        let answer = reply
            .json()
            .map_err(|_| HaloError::Decode("the token answer is not JSON".into()))?;
        let fetched_at = requester.clock().now();
        read_token(&answer, fetched_at)
    }
}

/// The token and its refresh time from a token answer. Messages name what is
/// missing without echoing any value.
fn read_token(answer: &Value, fetched_at: SystemTime) -> Result<Cached, HaloError> {
    let token = match answer.get("access_token") {
        Some(Value::String(token)) if !token.trim().is_empty() => Secret::new(token.trim()),
        Some(other) => {
            return Err(HaloError::Decode(format!(
                "the token answer's access_token is {}",
                kind(other)
            )));
        }
        None => {
            return Err(HaloError::Decode(
                "the token answer carries no access_token".into(),
            ));
        }
    };
    let lifetime = answer
        .get("expires_in")
        .and_then(lenient::int_from_value)
        .map(|secs| Duration::from_secs(secs.max(0).unsigned_abs()))
        .unwrap_or(DEFAULT_LIFETIME);
    // A short-lived token is still worth caching for half its life.
    let early = REFRESH_EARLY.min(lifetime / 2);
    Ok(Cached {
        token,
        refresh_at: fetched_at + lifetime - early,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::UNIX_EPOCH;

    const AT: SystemTime = UNIX_EPOCH;

    #[test]
    fn refreshes_sixty_seconds_before_expiry() {
        let cached = read_token(&json!({"access_token": "t", "expires_in": 3600}), AT).unwrap();
        assert_eq!(cached.refresh_at, AT + Duration::from_secs(3540));
        assert_eq!(cached.token.expose(), "t");
    }

    #[test]
    fn lenient_lifetime_and_a_default() {
        let text = read_token(&json!({"access_token": "t", "expires_in": "600"}), AT).unwrap();
        assert_eq!(text.refresh_at, AT + Duration::from_secs(540));
        let none = read_token(&json!({"access_token": "t"}), AT).unwrap();
        assert_eq!(none.refresh_at, AT + Duration::from_secs(3540));
        let short = read_token(&json!({"access_token": "t", "expires_in": 30}), AT).unwrap();
        assert_eq!(short.refresh_at, AT + Duration::from_secs(15));
    }

    #[test]
    fn missing_or_odd_tokens_are_decode_errors_without_the_value() {
        let missing = read_token(&json!({"expires_in": 3600}), AT);
        assert!(matches!(missing, Err(HaloError::Decode(_))));
        let odd = read_token(&json!({"access_token": 12345}), AT)
            .err()
            .unwrap();
        assert!(!odd.to_string().contains("12345"));
        assert!(read_token(&json!({"access_token": "  "}), AT).is_err());
    }
}
