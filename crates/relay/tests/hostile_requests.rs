//! Whatever arrives at the webhook routes gets one of the contract's answers and
//! never a 5xx: seeded random bodies (bytes, JSON of every shape, envelopes with
//! fields removed or of the wrong type, deep nesting, huge numbers) and headers
//! (event ids, timestamps, signatures, schemas, secrets, correct or not) are sent
//! to a function-edition bridge of each direction on healthy mock upstreams.

use std::net::{IpAddr, Ipv4Addr};

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use relay::settings::{Direction, Edition, Settings};
use serde_json::{Value, json};
use testkit::{CF_SECRET, HALO_WEBHOOK_SECRET, Incident, Sender, Vars};

/// Requests per route.
const CASES: usize = 400;

const CONTRACT_ERRORS: [&str; 5] = [
    "payload too large",
    "missing X-CF-Event-Id",
    "invalid signature",
    "malformed payload",
    "invalid callback secret",
];

async fn start(direction: Direction, vars: Vars) -> relay::Bridge {
    let vars = vars.set("PORT", "0").set("MAX_BODY_BYTES", "4096");
    let settings = Settings::from_map(direction, Edition::Function, vars.0).unwrap();
    relay::Bridge::start(settings, IpAddr::V4(Ipv4Addr::LOCALHOST), false)
        .await
        .unwrap()
}

fn text(rng: &mut StdRng, max: usize) -> String {
    let len = rng.random_range(0..=max);
    (0..len)
        .map(|_| match rng.random_range(0..10) {
            0 => char::from_u32(rng.random_range(0x80..0x3000)).unwrap_or('é'),
            1 => ['|', '"', '\\', '<', '&', '{', '['][rng.random_range(0..7)],
            _ => char::from(rng.random_range(0x20u8..0x7f)),
        })
        .collect()
}

/// A JSON value of any shape, nested up to `depth`.
fn value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => {
            json!(["5", "5.0", "-1", "1e400", "0", "99999999999999999999"][rng.random_range(0..6)])
        }
        5 => json!(text(rng, 20)),
        6 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "incidentId",
                "source",
                "title",
                "data",
                "ticket_id",
                "id",
                "object_id",
                "ticket",
                "type",
                "isTest",
                "severity",
                "incidentNumber",
                "alerts",
            ];
            let mut object = serde_json::Map::new();
            for _ in 0..rng.random_range(0..5) {
                object.insert(
                    keys[rng.random_range(0..keys.len())].to_owned(),
                    value(rng, depth - 1),
                );
            }
            Value::Object(object)
        }
    }
}

/// A body: raw bytes, random JSON, a damaged valid envelope, or deep nesting.
fn body(rng: &mut StdRng, valid: &Value) -> Vec<u8> {
    match rng.random_range(0..6) {
        0 => (0..rng.random_range(0..300))
            .map(|_| rng.random::<u8>())
            .collect(),
        1 => value(rng, 4).to_string().into_bytes(),
        2 => {
            let mut damaged = valid.clone();
            let target = match &mut damaged {
                Value::Array(items) => items.first_mut(),
                Value::Object(object) if object.contains_key("data") => object.get_mut("data"),
                other => Some(other),
            };
            if let Some(Value::Object(fields)) = target {
                let keys: Vec<String> = fields.keys().cloned().collect();
                let key = keys[rng.random_range(0..keys.len())].clone();
                if rng.random_bool(0.5) {
                    fields.remove(&key);
                } else {
                    fields.insert(key, value(rng, 2));
                }
            }
            damaged.to_string().into_bytes()
        }
        3 => {
            let depth = rng.random_range(1..2000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        4 => vec![b'x'; rng.random_range(4000..5000)],
        _ => {
            let text = valid.to_string();
            text.as_bytes()[..rng.random_range(0..text.len())].to_vec()
        }
    }
}

fn assert_contract_answer(status: u16, body: &str, allowed: &[u16], case: &str) {
    assert!(allowed.contains(&status), "{status} {body} for {case}");
    if (400..500).contains(&status) {
        let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let error = json["error"].as_str().unwrap_or_default();
        assert!(
            CONTRACT_ERRORS.contains(&error),
            "{status} {body} for {case}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_contraforce_delivery_gets_a_contract_answer() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let bridge = start(Direction::CfToHalo, testkit::cf_to_halo_vars(&halo)).await;
    let http = Sender::new(bridge.url()).http;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let valid = Incident::new("hostile").body;

    for case in 0..CASES {
        let body = body(&mut rng, &valid);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let timestamp = match rng.random_range(0..4) {
            0 => text(&mut rng, 12),
            1 => rng.random::<i64>().to_string(),
            _ => now.to_string(),
        };
        let signature = match rng.random_range(0..4) {
            0 => text(&mut rng, 80),
            1 => format!("sha256={}", "0".repeat(rng.random_range(0..70))),
            _ => signing::sign_cf(CF_SECRET.as_bytes(), &timestamp, &body),
        };
        let mut request = http
            .post(format!("{}/cf/webhooks", bridge.url()))
            .body(body.clone());
        let headers = [
            (
                "X-CF-Event-Id",
                if rng.random_bool(0.1) {
                    String::new()
                } else {
                    text(&mut rng, 40)
                },
            ),
            ("X-CF-Timestamp", timestamp),
            ("X-CF-Signature", signature),
            (
                "X-CF-Schema",
                ["incident.created.v1", "INCIDENT.CREATED.V1", "other"][rng.random_range(0..3)]
                    .to_owned(),
            ),
            (
                "X-CF-Test",
                ["true", "1", "no", ""][rng.random_range(0..4)].to_owned(),
            ),
            (
                "Content-Type",
                ["application/json", "text/plain", "", "x/\u{e9}"][rng.random_range(0..4)]
                    .to_owned(),
            ),
        ];
        for (name, value) in headers {
            if rng.random_bool(0.85) {
                request = request.header(name, value.trim().as_bytes().to_vec());
            }
        }
        let Ok(answer) = request.send().await else {
            continue;
        };
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_default();
        assert_contract_answer(
            status,
            &text,
            &[200, 400, 401, 413],
            &format!("case {case}"),
        );
    }
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_halo_webhook_gets_a_contract_answer() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .unwrap();
    let bridge = start(Direction::HaloToCf, testkit::halo_to_cf_vars(&halo, &cf)).await;
    let http = Sender::new(bridge.url()).http;
    let mut rng = StdRng::seed_from_u64(0x4a10_5eed);
    let valid = json!([{"event": "action added", "object_id": 1001, "ticket": {"id": "1001"}}]);

    for case in 0..CASES {
        let body = body(&mut rng, &valid);
        let secret = match rng.random_range(0..3) {
            0 => text(&mut rng, 30),
            _ => HALO_WEBHOOK_SECRET.to_owned(),
        };
        let mut request = http.post(format!("{}/halo/webhooks", bridge.url()));
        request = match rng.random_range(0..5) {
            0 => request.header("X-Halo-Secret", secret.trim().as_bytes().to_vec()),
            1 => request.header("Authorization", format!("Bearer {}", secret.trim())),
            2 => request.header(
                "Authorization",
                format!("Basic {}", text(&mut rng, 40).trim()),
            ),
            3 => request.query(&[("secret", secret)]),
            _ => request,
        };
        let Ok(answer) = request.body(body).send().await else {
            continue;
        };
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_default();
        assert_contract_answer(
            status,
            &text,
            &[200, 400, 401, 413],
            &format!("case {case}"),
        );
    }
    bridge.stop().await;
}
