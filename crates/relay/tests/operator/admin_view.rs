//! The operator view of a running bridge: off without `ADMIN_TOKEN`, guarded by
//! it, readable in a browser through the login form, and the whole round of a
//! failing delivery that becomes a dead letter, shows on the page, and is
//! replayed through the admin API once Halo recovers.

use std::time::{Duration, Instant};

use mock_halo::{MockHalo, MockHaloConfig, Route, RouteFaults};
use relay::Bridge;
use relay::settings::{Direction, Edition};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use store::DeliveryStatus;
use testkit::{Incident, Sender, Vars, cf_to_halo_vars, start_bridge};

const TOKEN: &str = "operator-token-for-tests-0123456789";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(bridge: &Bridge, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = http().get(format!("{}{path}", bridge.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn post(bridge: &Bridge, path: &str, token: &str) -> reqwest::Response {
    http()
        .post(format!("{}{path}", bridge.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn bridge(vars: Vars) -> Bridge {
    start_bridge(Direction::CfToHalo, Edition::Service, &vars).await
}

#[tokio::test]
async fn without_admin_token_the_view_does_not_exist() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let service = bridge(cf_to_halo_vars(&halo)).await;
    for path in ["/", "/admin/deliveries", "/admin/dead-letters"] {
        let (status, body) = json_of(get(&service, path, Some(TOKEN)).await).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found"}))
        );
    }
    let (status, _) = json_of(post(&service, "/admin/dead-letters/replay", TOKEN).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    service.stop().await;

    // The function edition has no store worth showing: no view even with a token.
    let vars = cf_to_halo_vars(&halo).set("ADMIN_TOKEN", TOKEN);
    let function = start_bridge(Direction::CfToHalo, Edition::Function, &vars).await;
    let response = get(&function, "/admin/deliveries", Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    function.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn the_json_routes_want_the_bearer_token() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let service = bridge(cf_to_halo_vars(&halo).set("ADMIN_TOKEN", TOKEN)).await;
    let unauthorized = json!({"error": "unauthorized"});
    for token in [None, Some("wrong"), Some("")] {
        let (status, body) = json_of(get(&service, "/admin/deliveries", token).await).await;
        assert_eq!((status, &body), (StatusCode::UNAUTHORIZED, &unauthorized));
    }
    let (status, body) = json_of(post(&service, "/admin/dead-letters/x/replay", "no").await).await;
    assert_eq!((status, &body), (StatusCode::UNAUTHORIZED, &unauthorized));

    let (status, body) = json_of(get(&service, "/admin/deliveries", Some(TOKEN)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"counts": {"pending": 0, "inFlight": 0, "done": 0, "dead": 0}, "deliveries": []})
    );
    let (status, body) =
        json_of(get(&service, "/admin/deliveries?status=nope", Some(TOKEN)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unknown status");
    let (status, body) =
        json_of(post(&service, "/admin/dead-letters/nope/replay", TOKEN).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"error": "not a dead letter"}))
    );

    put_dead_letter(&service, "d1").await;
    put_dead_letter(&service, "d2").await;
    let (status, body) = json_of(post(&service, "/admin/dead-letters/replay", TOKEN).await).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"replayed": 2})));
    service.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn a_browser_logs_in_once_and_forms_from_elsewhere_are_refused() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let service = bridge(cf_to_halo_vars(&halo).set("ADMIN_TOKEN", TOKEN)).await;
    let url = service.url();

    let page = get(&service, "/", None).await;
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<form method=\"post\" action=\"/login\">")
    );

    let wrong = http()
        .post(format!("{url}/login"))
        .form(&[("token", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());

    let login = http()
        .post(format!("{url}/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("bridge_admin="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains(TOKEN));
    let session = cookie.split(';').next().unwrap().to_owned();

    let page = http()
        .get(format!("{url}/"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(page.text().await.unwrap().contains("<h2>Dead letters</h2>"));

    // The session is a page credential only, never a bearer token.
    let (status, _) = json_of(get(&service, "/admin/deliveries", Some(&session[13..])).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let forged = http()
        .post(format!("{url}/ui/dead-letters/replay"))
        .header("Cookie", &session)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let own = http()
        .post(format!("{url}/ui/dead-letters/replay"))
        .header("Cookie", &session)
        .header("Origin", url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::SEE_OTHER);
    assert_eq!(own.headers()["location"], "/?replayed=0");

    put_dead_letter(&service, "d1").await;
    let one = http()
        .post(format!("{url}/ui/dead-letters/d1/replay"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(one.headers()["location"], "/?replayed=1");
    let again = http()
        .post(format!("{url}/ui/dead-letters/d1/replay"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/?replayed=0");
    let page = http()
        .get(format!("{url}/?replayed=1"))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Replayed 1 dead letter: it is queued again.")
    );

    let logout = http().post(format!("{url}/logout")).send().await.unwrap();
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    service.stop().await;
    halo.stop().await;
}

/// Puts a dead letter straight into the bridge's store. Its body is no
/// incident, so if the worker picks it up first it is done at once; either way
/// it is then the test's alone to give up on.
async fn put_dead_letter(bridge: &Bridge, id: &str) {
    let store = bridge.store().clone();
    let delivery = store::NewDelivery {
        id: id.to_owned(),
        kind: store::Kind::Cf,
        event_id: Some(format!("evt-{id}")),
        subject: Some(format!("cf|sentinel|{id}")),
        headers: vec![],
        body: b"{}".to_vec(),
        received_at: 1_000,
    };
    store.enqueue(delivery).await.unwrap();
    eventually("the delivery to be the test's", async || {
        if store.claim(id, "test", 1_000, 60_000).await.ok()?.is_some() {
            return Some(());
        }
        let record = store.get(id).await.ok()??;
        (record.status == DeliveryStatus::Done).then_some(())
    })
    .await;
    store
        .dead_letter(id, "Halo is unavailable (HTTP 503)", 2_000)
        .await
        .unwrap();
}

/// Polls `check` every 50 ms for up to 20 s.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_dead_letter_shows_on_the_page_and_succeeds_when_replayed_after_halo_recovers() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo)
        .set("ADMIN_TOKEN", TOKEN)
        .set("PROCESS_BUDGET_MS", "3000");
    let service = bridge(vars).await;
    let sender = Sender::new(service.url());

    // A delivery that works, for contrast on the page.
    let fine = Incident::new("inc-fine");
    assert_eq!(sender.cf("evt-fine", &fine.text()).await.status, 200);

    // Halo fails every create: the delivery is queued for a retry.
    halo.set_route_faults(
        Route::TicketsPost,
        RouteFaults {
            share_500: 1.0,
            ..RouteFaults::default()
        },
    );
    let failing = Incident::new("inc-dead").with("title", json!("<script>alert(1)</script>"));
    let reply = sender.cf("evt-dead", &failing.text()).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);

    // Its first attempt failed for real. The day of retries is skipped by
    // taking it from the queue between attempts and giving up on it, as the
    // worker would after a day.
    let store = service.store().clone();
    let record = eventually("the failed first attempt", async || {
        let pending = store.recent(Some(DeliveryStatus::Pending), 10).await.ok()?;
        let failed = pending.into_iter().find(|r| r.last_error.is_some())?;
        let now = failed.updated_at + 1;
        store.claim(&failed.id, "test", now, 60_000).await.ok()?
    })
    .await;
    let error = record.last_error.clone().unwrap_or_default();
    store
        .dead_letter(&record.id, &error, record.updated_at + 1)
        .await
        .unwrap();

    let page = get(&service, "/", Some(TOKEN)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let dead_section = html
        .split("<h2>Dead letters</h2>")
        .nth(1)
        .unwrap_or_default();
    let dead_section = dead_section.split("<h2>").next().unwrap_or_default();
    assert!(dead_section.contains("evt-dead"), "{html}");
    assert!(dead_section.contains("cf|sentinel|inc-dead"), "{html}");
    assert!(dead_section.contains("dead letter"), "{html}");
    assert!(
        dead_section.contains(&html_escape::encode_text(&error).to_string()),
        "{html}"
    );
    assert!(
        dead_section.contains(&format!("action=\"/ui/dead-letters/{}/replay\"", record.id)),
        "{html}"
    );
    assert!(html.contains("<b>1</b>dead letters"), "{html}");
    assert!(
        html.contains("created"),
        "the good delivery is listed: {html}"
    );
    assert!(
        !html.contains("<script>alert(1)"),
        "the body is escaped: {html}"
    );
    for secret in [testkit::CF_SECRET, TOKEN, "demo-secret", "sha256="] {
        assert!(!html.contains(secret), "{secret} shown on the page");
    }

    let (status, body) = json_of(get(&service, "/admin/dead-letters", Some(TOKEN)).await).await;
    assert_eq!(status, StatusCode::OK);
    let letters = body["deadLetters"].as_array().cloned().unwrap_or_default();
    assert_eq!(letters.len(), 1, "{body}");
    assert_eq!(letters[0]["id"], record.id.as_str());
    assert_eq!(letters[0]["eventId"], "evt-dead");
    assert_eq!(letters[0]["reference"], "cf|sentinel|inc-dead");
    assert_eq!(letters[0]["lastError"], error.as_str());
    assert!(!body.to_string().contains(testkit::CF_SECRET));

    // Halo recovers; the operator replays the dead letter through the API.
    halo.clear_faults();
    let path = format!("/admin/dead-letters/{}/replay", record.id);
    let (status, body) = json_of(post(&service, &path, TOKEN).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"replayed": 1, "id": record.id}))
    );

    let done = eventually("the replayed delivery to finish", async || {
        let query = "/admin/deliveries?status=done";
        let (_, body) = json_of(get(&service, query, Some(TOKEN)).await).await;
        let list = body["deliveries"].as_array()?.clone();
        list.into_iter().find(|d| d["id"] == record.id.as_str())
    })
    .await;
    assert_eq!(done["outcome"], "created");
    let ticket_id = done["ticketIds"][0].as_i64().unwrap_or_default();
    let tickets = halo.tickets_with_reference("cf|sentinel|inc-dead");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].id, ticket_id);

    let (_, body) = json_of(get(&service, "/admin/deliveries", Some(TOKEN)).await).await;
    assert_eq!(
        body["counts"],
        json!({"pending": 0, "inFlight": 0, "done": 2, "dead": 0})
    );
    let html = get(&service, "/", Some(TOKEN)).await.text().await.unwrap();
    assert!(html.contains("No dead letters."), "{html}");
    service.stop().await;
    halo.stop().await;
}
