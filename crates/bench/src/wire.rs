//! The bytes on the wire: signed ContraForce deliveries and Halo webhooks as
//! whole HTTP/1.1 requests, and a kept-alive connection that sends one request
//! and reads one answer. Hand-written so the load generator spends as little of
//! the shared CPU as possible; it understands only what the bridge answers
//! (`Content-Length` or chunked bodies).

use std::io;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The schema of the deliveries the bridge handles.
pub const SCHEMA: &str = "incident.created.v1";

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// An `incident.created.v1` body for incident `incident_id` from `source`.
pub fn incident_body(source: &str, incident_id: &str, number: u64) -> Value {
    json!({
        "type": SCHEMA,
        "timestamp": "2026-04-22T15:00:00Z",
        "isTest": false,
        "data": {
            "accountId": "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10",
            "incidentId": incident_id,
            "incidentNumber": number,
            "title": "Suspicious sign-in activity from an unfamiliar location",
            "description": "Sign-ins from two countries within ten minutes.",
            "severity": "High",
            "source": source,
            "sourceDisplayName": "Microsoft Sentinel",
            "owner": {"displayName": "Alex Analyst", "email": "alex@example.com"},
            "createdAt": "2026-04-22T14:55:00Z",
            "alerts": [{"title": "Impossible travel", "severity": "High",
                        "productName": "Microsoft Sentinel"}],
            "entities": [{"type": "User", "displayName": "alex@example.com"},
                         {"type": "IP", "displayName": "203.0.113.42"}]
        }
    })
}

/// A ContraForce delivery of `body` under `event_id`, signed with `secret` at `timestamp`.
pub fn cf_request(
    addr: SocketAddr,
    secret: &str,
    event_id: &str,
    body: &[u8],
    timestamp: u64,
) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let signature = signing::sign_cf(secret.as_bytes(), &timestamp, body);
    let head = format!(
        "POST /cf/webhooks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-CF-Event-Id: {event_id}\r\nX-CF-Timestamp: {timestamp}\r\n\
         X-CF-Signature: {signature}\r\nX-CF-Schema: {SCHEMA}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

/// A Halo webhook carrying `body`, with the shared secret in `X-Halo-Secret`.
pub fn halo_request(addr: SocketAddr, secret: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "POST /halo/webhooks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-Halo-Secret: {secret}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

/// A GET of `path`.
pub fn get_request(addr: SocketAddr, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes()
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON, `Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A kept-alive HTTP/1.1 connection.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Sends `request` and reads its answer.
    pub async fn exchange(&mut self, request: &[u8]) -> io::Result<Answer> {
        self.stream.write_all(request).await?;
        self.read_answer().await
    }

    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed mid-answer",
            ));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn read_answer(&mut self) -> io::Result<Answer> {
        let head_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);

        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let (mut length, mut chunked, mut retry_after) = (None, false, None);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "retry-after" => retry_after = Some(value.to_owned()),
                _ => {}
            }
        }

        let body = if chunked {
            self.read_chunked().await?
        } else {
            let length = length.unwrap_or(0);
            while self.buf.len() < length {
                self.fill().await?;
            }
            self.buf.drain(..length).collect()
        };
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    async fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = find(&self.buf, b"\r\n") {
                    break at;
                }
                self.fill().await?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// One GET on a fresh connection.
pub async fn get(addr: SocketAddr, path: &str) -> io::Result<Answer> {
    let mut conn = Conn::open(addr).await?;
    conn.exchange(&get_request(addr, path)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_delivery_carries_a_signature_the_bridge_would_accept() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let body = incident_body("sentinel", "inc-1", 1).to_string();
        let request = cf_request(addr, "s3cret", "ev-1", body.as_bytes(), 1_700_000_000);
        let text = String::from_utf8(request).unwrap();
        let expected = signing::sign_cf(b"s3cret", "1700000000", body.as_bytes());
        assert!(text.contains(&format!("X-CF-Signature: {expected}\r\n")));
        assert!(text.ends_with(&body));
        assert!(text.contains(&format!("Content-Length: {}\r\n", body.len())));
    }
}
