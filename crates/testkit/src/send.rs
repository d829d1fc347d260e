//! Posting deliveries to a running bridge the way each upstream would: signed
//! ContraForce webhooks (with every header under the test's control) and Halo
//! webhooks with the shared secret.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// An answer from the bridge.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

/// A client for one bridge.
#[derive(Clone)]
pub struct Sender {
    pub base_url: String,
    pub http: reqwest::Client,
}

/// Seconds since the epoch, as the `X-CF-Timestamp` text.
pub fn now_text() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.as_secs().to_string()
}

impl Sender {
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Self {
            base_url: base_url.into(),
            http,
        }
    }

    /// A correctly signed ContraForce delivery of `body` under `event_id`.
    pub async fn cf(&self, event_id: &str, body: &str) -> Reply {
        let timestamp = now_text();
        let signature = signing::sign_cf(crate::CF_SECRET.as_bytes(), &timestamp, body.as_bytes());
        let headers = [
            ("X-CF-Event-Id", event_id.to_owned()),
            ("X-CF-Timestamp", timestamp),
            ("X-CF-Signature", signature),
            ("X-CF-Schema", "incident.created.v1".to_owned()),
        ];
        self.cf_raw("/cf/webhooks", &headers, body.as_bytes().to_vec())
            .await
    }

    /// A ContraForce delivery with exactly these headers (and a JSON content type).
    pub async fn cf_raw(&self, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        reply(request.send().await.expect("the bridge answers")).await
    }

    /// A Halo webhook with the secret in the `X-Halo-Secret` header.
    pub async fn halo(&self, body: &Value) -> Reply {
        let request = self
            .http
            .post(format!("{}/halo/webhooks", self.base_url))
            .header("X-Halo-Secret", crate::HALO_WEBHOOK_SECRET)
            .json(body);
        reply(request.send().await.expect("the bridge answers")).await
    }

    /// A GET of `path`, answered as text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("the bridge answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }
}

/// Reads an answer; a non-JSON body becomes a JSON string so tests see it.
pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        body,
        retry_after,
    }
}
