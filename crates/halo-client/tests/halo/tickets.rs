//! Tickets: read, find by reference, create (never blindly twice), update.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use halo_client::{HaloError, NewTicket, RefField};
use serde_json::json;
use wiremock::matchers::body_json;
use wiremock::{Request, Respond, ResponseTemplate};

use crate::support::*;

const REF: &str = "cf|sentinel|7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11";

fn new_ticket() -> NewTicket {
    NewTicket {
        summary: "[CF #1234] Suspicious sign-in activity".into(),
        details_html: "<p>details</p>".into(),
        tickettype_id: 29,
        client_id: 12,
        priority_id: 1,
        reference: REF.into(),
    }
}

fn create_body() -> serde_json::Value {
    json!([{
        "summary": "[CF #1234] Suspicious sign-in activity",
        "details_html": "<p>details</p>",
        "tickettype_id": 29,
        "client_id": 12,
        "priority_id": 1,
        "thirdpartynumber": REF,
    }])
}

fn search_query(param: &str) -> ExactQuery {
    ExactQuery::new(&[
        (param, REF),
        ("open_only", "false"),
        ("pageinate", "true"),
        ("page_size", "100"),
        ("page_no", "1"),
    ])
}

/// Searches for `REF` against a Halo whose search (on `param`) answers `answer`,
/// pinning the exact search request; gives the id of the ticket found.
async fn found(field: RefField, param: &str, answer: serde_json::Value) -> Option<i64> {
    let h = Harness::with(|c| c.ref_field = field).await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Tickets").and(search_query(param)),
        ResponseTemplate::new(200).set_body_json(answer),
        1,
    )
    .await;
    h.client.find_by_reference(REF).await.unwrap().map(|t| t.id)
}

#[tokio::test]
async fn get_ticket_reads_a_quirky_ticket() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("GET", "/api/Tickets/5123").and(ExactQuery::new(&[])),
        ResponseTemplate::new(200).set_body_json(fixture(TICKET, "ticket")),
        1,
    )
    .await;

    let ticket = h.client.get_ticket(5123).await.unwrap().unwrap();
    assert_eq!(ticket.id, 5123);
    assert_eq!(ticket.status_id, Some(2));
    assert_eq!(ticket.tickettype_id, Some(29));
    assert_eq!(
        ticket.reference(&RefField::ThirdPartyNumber).as_deref(),
        Some(REF)
    );
    assert_eq!(ticket.dateclosed, None);
}

#[tokio::test]
async fn get_ticket_404_is_none() {
    let h = Harness::answering("GET", "/api/Tickets/99", ResponseTemplate::new(404)).await;

    assert_eq!(h.client.get_ticket(99).await.unwrap(), None);
}

#[tokio::test]
async fn find_by_reference_sends_the_filter_and_returns_the_exact_match() {
    let answer = json!({
        "page_no": 1, "page_size": 100, "record_count": 3,
        "tickets": [
            ticket_json(80, &format!("{REF}-2")),
            ticket_json(81, REF),
            ticket_json(82, "cf|sentinel|other"),
        ]
    });
    assert_eq!(
        found(RefField::ThirdPartyNumber, "thirdpartynumber", answer).await,
        Some(81)
    );
}

#[tokio::test]
async fn find_by_reference_refuses_tickets_that_do_not_carry_the_reference() {
    // An ignored filter hands back unrelated tickets, near misses included.
    let answer = json!({"tickets": [
        ticket_json(1, &format!("{REF}-2")),
        ticket_json(2, &REF.to_uppercase()),
        ticket_json(3, ""),
        json!({"id": 4, "summary": "no reference at all"}),
        json!({"summary": "no id", "thirdpartynumber": REF}),
    ]});
    assert_eq!(
        found(RefField::ThirdPartyNumber, "thirdpartynumber", answer).await,
        None
    );
}

#[tokio::test]
async fn find_by_reference_reads_faults_and_takes_the_oldest_of_several() {
    let answer = json!({"record_count": 2, "faults": [
        {"id": "90", "third_party_id_string": REF},
        {"id": 60.0, "third_party_id_string": REF},
    ]});
    assert_eq!(
        found(
            RefField::ThirdPartyIdString,
            "third_party_id_string",
            answer
        )
        .await,
        Some(60)
    );
}

#[tokio::test]
async fn find_by_reference_reads_a_bare_array_and_custom_fields() {
    let answer = json!([
        {"id": 70, "customfields": [{"id": 8, "value": REF}]},
        {"id": 71, "customfields": [{"id": 7, "value": REF}]},
    ]);
    assert_eq!(
        found(RefField::CustomField(7), "searchcustomfield_7", answer).await,
        Some(71)
    );
}

#[tokio::test]
async fn find_by_reference_of_nothing_asks_nothing() {
    let h = Harness::new().await;
    h.token(0).await;
    assert_eq!(h.client.find_by_reference("  ").await.unwrap(), None);
}

#[tokio::test]
async fn create_posts_a_one_element_array_and_reads_a_201_object() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("POST", "/api/Tickets")
            .and(ExactQuery::new(&[]))
            .and(body_json(create_body())),
        ResponseTemplate::new(201).set_body_json(ticket_json(5123, REF)),
        1,
    )
    .await;

    let ticket = h.client.create_ticket(&new_ticket()).await.unwrap();
    assert_eq!(ticket.id, 5123);
}

#[tokio::test]
async fn create_reads_an_array_answer() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("POST", "/api/Tickets").and(body_json(create_body())),
        ResponseTemplate::new(201).set_body_json(json!([ticket_json(5124, REF)])),
        1,
    )
    .await;

    assert_eq!(
        h.client.create_ticket(&new_ticket()).await.unwrap().id,
        5124
    );
}

#[tokio::test]
async fn create_with_the_reference_in_a_custom_field() {
    let h = Harness::with(|c| c.ref_field = RefField::CustomField(7)).await;
    h.token(1).await;
    let mut body = create_body();
    body[0].as_object_mut().unwrap().remove("thirdpartynumber");
    body[0]["customfields"] = json!([{"id": 7, "value": REF}]);
    h.expect(
        api("POST", "/api/Tickets").and(body_json(body)),
        ResponseTemplate::new(201).set_body_json(ticket_json(5, "")),
        1,
    )
    .await;

    assert_eq!(h.client.create_ticket(&new_ticket()).await.unwrap().id, 5);
}

#[tokio::test]
async fn a_create_that_times_out_is_uncertain_and_not_sent_again() {
    let h = Harness::answering(
        "POST",
        "/api/Tickets",
        ResponseTemplate::new(201)
            .set_body_json(ticket_json(5, REF))
            .set_delay(Duration::from_secs(2)),
    )
    .await;

    let error = h.client.create_ticket(&new_ticket()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
    assert!(error.is_transient());
    assert!(h.clock.sleeps().is_empty());
    assert_eq!(h.observer.requests().last(), Some(&("halo", None)));
}

#[tokio::test]
async fn a_create_answered_with_500_is_uncertain_and_not_sent_again() {
    let h = Harness::answering("POST", "/api/Tickets", ResponseTemplate::new(500)).await;

    let error = h.client.create_ticket(&new_ticket()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
}

#[tokio::test]
async fn a_create_whose_answer_is_unreadable_is_uncertain() {
    let h = Harness::answering(
        "POST",
        "/api/Tickets",
        ResponseTemplate::new(201).set_body_string("<html>oops</html>"),
    )
    .await;

    let error = h.client.create_ticket(&new_ticket()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
}

#[tokio::test]
async fn a_create_refused_with_429_is_retried_after_the_wait() {
    let h = Harness::new().await;
    h.token(1).await;
    api("POST", "/api/Tickets")
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.server)
        .await;
    h.expect(
        api("POST", "/api/Tickets").and(body_json(create_body())),
        ResponseTemplate::new(201).set_body_json(ticket_json(5, REF)),
        1,
    )
    .await;

    assert_eq!(h.client.create_ticket(&new_ticket()).await.unwrap().id, 5);
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(1)]);
}

#[tokio::test]
async fn a_create_whose_connection_drops_after_sending_is_uncertain() {
    let auth = wiremock::MockServer::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        // Read the request, then hang up without answering.
        while let Ok((mut socket, _)) = listener.accept().await {
            *counter.lock().unwrap() += 1;
            let mut buffer = vec![0u8; 65_536];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await;
            drop(socket);
        }
    });
    let auth_base = auth.uri();
    let mut settings = config(&auth_base, &api_base);
    settings.request_timeout = Duration::from_secs(5);
    let h = Harness::over(auth, settings);
    h.token(1).await;

    let error = h.client.create_ticket(&new_ticket()).await.unwrap_err();
    assert!(matches!(error, HaloError::Uncertain(_)), "{error:?}");
    assert_eq!(*accepted.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_create_that_never_connected_is_retried_and_then_a_transport_error() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let auth = wiremock::MockServer::start().await;
    let auth_base = auth.uri();
    let h = Harness::over(auth, config(&auth_base, &api_base));
    h.token(1).await;

    let error = h.client.create_ticket(&new_ticket()).await.unwrap_err();
    assert!(matches!(error, HaloError::Transport(_)), "{error:?}");
    let api_calls: Vec<_> = h
        .observer
        .requests()
        .into_iter()
        .filter(|(t, _)| *t == "halo")
        .collect();
    assert_eq!(
        api_calls,
        vec![("halo", None); 3],
        "a refused connection cannot have created anything"
    );
    assert_eq!(h.clock.sleeps().len(), 2);
}

/// Answers after a delay and remembers when each request arrived.
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Respond for Arrivals {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(201)
            .set_body_json(ticket_json(1, REF))
            .set_delay(Duration::from_millis(150))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_reach_halo_one_at_a_time() {
    let h = Harness::with(|c| c.request_timeout = Duration::from_secs(5)).await;
    h.token(1).await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    h.expect(api("POST", "/api/Tickets"), Arrivals(arrivals.clone()), 3)
        .await;

    let mut creates = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let client = h.client.clone();
        creates.spawn(async move { client.create_ticket(&new_ticket()).await });
    }
    while let Some(done) = creates.join_next().await {
        done.unwrap().unwrap();
    }
    let arrivals = arrivals.lock().unwrap();
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(140),
            "creates overlapped"
        );
    }
}

/// The first create hangs (a Halo in trouble); the second waits its turn, but not for
/// the whole request timeout.
struct FirstHangs(Arc<Mutex<Vec<Instant>>>);

impl Respond for FirstHangs {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let mut arrivals = self.0.lock().unwrap();
        arrivals.push(Instant::now());
        let delay = if arrivals.len() == 1 { 6_000 } else { 10 };
        ResponseTemplate::new(201)
            .set_body_json(ticket_json(1, REF))
            .set_delay(Duration::from_millis(delay))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_create_holds_up_the_next_only_for_its_turn() {
    let h = Harness::with(|c| c.request_timeout = Duration::from_secs(10)).await;
    h.token(1).await;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    h.expect(api("POST", "/api/Tickets"), FirstHangs(arrivals.clone()), 2)
        .await;

    let first = {
        let client = h.client.clone();
        tokio::spawn(async move { client.create_ticket(&new_ticket()).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    h.client.create_ticket(&new_ticket()).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= halo_client::CREATE_TURN - Duration::from_millis(200),
        "the second create did not wait its turn: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(4),
        "the second create waited for the hanging one: {waited:?}"
    );
    first.await.unwrap().unwrap();
}

#[tokio::test]
async fn update_sends_only_the_fields_with_the_id() {
    let h = Harness::new().await;
    h.token(1).await;
    h.expect(
        api("POST", "/api/Tickets").and(body_json(json!([{"status_id": 9, "id": 5123}]))),
        ResponseTemplate::new(201).set_body_json(json!({"id": 5123, "status_id": 9})),
        1,
    )
    .await;

    let ticket = h
        .client
        .update_ticket(5123, json!({"status_id": 9}))
        .await
        .unwrap();
    assert_eq!(ticket.status_id, Some(9));
}

#[tokio::test]
async fn update_with_fields_that_are_not_an_object_sends_nothing() {
    let h = Harness::new().await;
    h.token(0).await;
    let error = h.client.update_ticket(5, json!([1, 2])).await.unwrap_err();
    assert!(matches!(error, HaloError::Config(_)), "{error:?}");
}
