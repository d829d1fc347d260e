//! Logs at `trace` never carry a secret: deliveries in both directions (good,
//! duplicated, badly signed, with the Halo secret in each accepted place and a
//! wrong one, and a revoked Halo token that forces a new one) are logged through
//! the bridge's own subscriber into memory, and no configured secret, bearer
//! token, `X-CF-Signature` value or Basic credential may appear in what it wrote.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig, TECHNICIAN_ID, TicketInput};
use relay::settings::{Direction, Edition, Settings};
use relay::telemetry::{self, LogFormat};
use serde_json::{Value, json};
use testkit::{Incident, Sender, Vars};
use upstream::Secret;

const HALO_CLIENT_SECRET: &str = "halo-client-secret-9f3a71c2";
const CF_CLIENT_SECRET: &str = "cf-service-account-secret-4be2c0d9";
const CF_WEBHOOK_SECRET: &str = "cf-webhook-secret-71d0a8e3";
const CF_WEBHOOK_SECRET_NEXT: &str = "cf-webhook-secret-next-0c5b9f14";
const HALO_WEBHOOK_SECRET: &str = "halo-webhook-secret-e62b47aa";

/// Everything the subscriber wrote, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sits in front of mock Halo's token endpoint and remembers every token it
/// hands out, so the test knows what must not be logged.
async fn token_recorder(halo_auth: String, tokens: Arc<Mutex<Vec<String>>>) -> String {
    let client = Sender::new("http://127.0.0.1:9").http;
    let server = HttpServer::new(move || {
        let (halo_auth, tokens, client) = (halo_auth.clone(), tokens.clone(), client.clone());
        App::new().route(
            "/auth/token",
            web::post().to(move |request: actix_web::HttpRequest, body: web::Bytes| {
                let (halo_auth, tokens, client) =
                    (halo_auth.clone(), tokens.clone(), client.clone());
                async move {
                    let mut forward = client
                        .post(format!("{halo_auth}/token?{}", request.query_string()))
                        .body(body.to_vec());
                    for (name, value) in request.headers() {
                        if name != "host" && name != "content-length" {
                            forward = forward.header(name.as_str(), value.as_bytes());
                        }
                    }
                    let answer = forward.send().await.unwrap();
                    let status = answer.status().as_u16();
                    let text = answer.text().await.unwrap();
                    if let Ok(json) = serde_json::from_str::<Value>(&text)
                        && let Some(token) = json["access_token"].as_str()
                    {
                        tokens.lock().unwrap().push(token.to_owned());
                    }
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .content_type("application/json")
                        .body(text)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{addr}/auth")
}

async fn bridge(direction: Direction, edition: Edition, vars: Vars) -> relay::Bridge {
    let mut vars = vars.set("PORT", "0").set("RUST_LOG", "trace");
    if edition == Edition::Service {
        vars = vars.set("STATE_URL", testkit::fresh_state_url(edition).await);
    }
    let settings = Settings::from_map(direction, edition, vars.0).unwrap();
    relay::Bridge::start(settings, IpAddr::V4(Ipv4Addr::LOCALHOST), false)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_token_or_signature_reaches_the_trace_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = telemetry::subscriber(LogFormat::Text, "trace", move || writer.clone(), false);
    // Global, so the bridges' HTTP worker threads log here too.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let halo = MockHalo::start(MockHaloConfig {
        client_secret: Secret::new(HALO_CLIENT_SECRET),
        ..MockHaloConfig::default()
    })
    .await
    .unwrap();
    let cf = MockContraForce::start(MockCfConfig {
        client_secret: Secret::new(CF_CLIENT_SECRET),
        ..MockCfConfig::default()
    })
    .await
    .unwrap();
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let auth_url = token_recorder(halo.auth_url(), tokens.clone()).await;

    let halo_vars = Vars::default()
        .set("HALO_AUTH_URL", auth_url)
        .set("HALO_API_BASE_URL", halo.api_url())
        .set("HALO_CLIENT_ID", halo.config().client_id.clone())
        .set("HALO_CLIENT_SECRET", HALO_CLIENT_SECRET)
        .set("HALO_MAX_REQUESTS_PER_5MIN", "0");
    let cf_to_halo = halo_vars
        .clone()
        .set(
            "CF_WEBHOOK_SECRET",
            format!("{CF_WEBHOOK_SECRET},{CF_WEBHOOK_SECRET_NEXT}"),
        )
        .set("HALO_DEFAULT_TICKETTYPE_ID", "29")
        .set("HALO_DEFAULT_CLIENT_ID", "1");
    let halo_to_cf = halo_vars
        .set("CF_API_BASE_URL", cf.api_url())
        .set("CF_SERVICE_ACCOUNT_CLIENT_ID", cf.client_id())
        .set("CF_SERVICE_ACCOUNT_CLIENT_SECRET", CF_CLIENT_SECRET)
        .set("CF_WORKSPACE_ID", cf.workspace_id())
        .set("HALO_CLOSED_STATUS_ID", "9,10")
        .set("HALO_WEBHOOK_SECRET", HALO_WEBHOOK_SECRET);

    // ContraForce → Halo, service edition (store, worker and all).
    let inbound = bridge(Direction::CfToHalo, Edition::Service, cf_to_halo).await;
    let sender = Sender::new(inbound.url());
    let mut signatures = Vec::new();
    for (n, secret) in [CF_WEBHOOK_SECRET, CF_WEBHOOK_SECRET_NEXT, "not-the-secret"]
        .into_iter()
        .enumerate()
    {
        let body = Incident::new(&format!("secret-check-{n}")).text();
        let timestamp = testkit_now();
        let signature = signing::sign_cf(secret.as_bytes(), &timestamp, body.as_bytes());
        signatures.push(signature.clone());
        let headers = [
            ("X-CF-Event-Id", format!("secret-check-event-{n}")),
            ("X-CF-Timestamp", timestamp),
            ("X-CF-Signature", signature),
            ("X-CF-Schema", "incident.created.v1".to_owned()),
        ];
        for _copy in 0..2 {
            let reply = sender
                .cf_raw("/cf/webhooks", &headers, body.clone().into_bytes())
                .await;
            let expected = if secret == "not-the-secret" { 401 } else { 200 };
            assert_eq!(reply.status, expected, "{:?}", reply.body);
        }
        if n == 0 {
            // The next call needs a fresh token after this.
            halo.revoke_tokens();
        }
    }
    inbound.stop().await;

    // Halo → ContraForce, function edition, the secret in every accepted place.
    let outbound = bridge(Direction::HaloToCf, Edition::Function, halo_to_cf).await;
    let ticket = halo
        .create_ticket(&TicketInput {
            summary: Some("secret check".into()),
            thirdpartynumber: Some("cf|sentinel|secret-check-halo".into()),
            ..TicketInput::default()
        })
        .unwrap();
    halo.add_note(ticket.id, TECHNICIAN_ID, "<p>checked</p>", false)
        .unwrap();
    let basic = base64(format!("halo:{HALO_WEBHOOK_SECRET}").as_bytes());
    let url = format!("{}/halo/webhooks", outbound.url());
    let event = json!({"event": "action added", "object_id": ticket.id});
    let http = Sender::new(outbound.url()).http;
    let places: [(&str, Option<(&str, String)>); 5] = [
        ("", Some(("X-Halo-Secret", HALO_WEBHOOK_SECRET.to_owned()))),
        ("", Some(("Authorization", format!("Basic {basic}")))),
        (
            "",
            Some(("Authorization", format!("Bearer {HALO_WEBHOOK_SECRET}"))),
        ),
        ("?secret=halo-webhook-secret-e62b47aa", None),
        (
            "",
            Some(("X-Halo-Secret", "wrong-halo-secret-1d9e".to_owned())),
        ),
    ];
    for (query, header) in places {
        let mut request = http.post(format!("{url}{query}")).json(&event);
        if let Some((name, value)) = &header {
            request = request.header(*name, value);
        }
        let status = request.send().await.unwrap().status().as_u16();
        let wrong = header.as_ref().is_some_and(|(_, v)| v.starts_with("wrong"));
        assert_eq!(status, if wrong { 401 } else { 200 });
    }
    cf.wait_for_comments("secret-check-halo", 1, Duration::from_secs(10))
        .await
        .unwrap();
    outbound.stop().await;

    let log = captured.text();
    assert!(log.contains("TRACE"), "trace logging was on");
    // The capture holds the bridges' own lines, rejections included.
    assert!(log.contains("secret-check-event-0"));
    assert!(log.contains("invalid signature"));
    assert!(log.contains("Halo webhook rejected"));
    let tokens = tokens.lock().unwrap().clone();
    assert!(
        tokens.len() >= 2,
        "a revoked token was replaced: {tokens:?}"
    );
    let mut forbidden: Vec<String> = [
        HALO_CLIENT_SECRET,
        CF_CLIENT_SECRET,
        CF_WEBHOOK_SECRET,
        CF_WEBHOOK_SECRET_NEXT,
        HALO_WEBHOOK_SECRET,
        "wrong-halo-secret-1d9e",
        "not-the-secret",
    ]
    .map(str::to_owned)
    .to_vec();
    forbidden.push(basic);
    forbidden.push(base64(
        format!("{}:{CF_CLIENT_SECRET}", cf.client_id()).as_bytes(),
    ));
    forbidden.extend(tokens);
    for signature in signatures {
        forbidden.push(signature.trim_start_matches("sha256=").to_owned());
    }
    for secret in &forbidden {
        assert!(!log.contains(secret.as_str()), "the log carries {secret:?}");
    }
}

fn testkit_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// Standard base64 with padding, enough for a Basic credential.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
