//! The ContraForce client against a wiremock ContraForce: exact routes, credentials
//! and bodies; 409 as success; retries with waits on a manual clock; uncertain
//! comments never sent twice; no secret in any error.

use std::sync::Arc;
use std::time::Duration;

use cf_client::{CfClient, CfConfig, CfError};
use serde_json::{Value, json};
use upstream::{ManualClock, RecordingObserver, Secret};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request, ResponseTemplate};

const SECRET: &str = "cf-s3cret-value";
/// base64("svc-bridge:cf-s3cret-value"), worked out outside Rust.
const BASIC: &str = "Basic c3ZjLWJyaWRnZTpjZi1zM2NyZXQtdmFsdWU=";
const WORKSPACE: &str = "5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10";
const INCIDENT: &str = "7d1e0c2a-46b4-4c0f-9d61-3f5a8b2e9c11";

struct Harness {
    server: MockServer,
    clock: Arc<ManualClock>,
    observer: Arc<RecordingObserver>,
    client: CfClient,
}

impl Harness {
    async fn new() -> Self {
        let server = MockServer::start().await;
        let mut config = CfConfig::new(
            format!("{}/api/v2/", server.uri()),
            "svc-bridge",
            Secret::new(SECRET),
            WORKSPACE,
        );
        config.request_timeout = Duration::from_millis(300);
        let clock = Arc::new(ManualClock::at_unix(1_776_870_000));
        let observer = Arc::new(RecordingObserver::default());
        let client = CfClient::new(config, clock.clone(), observer.clone()).unwrap();
        Self {
            server,
            clock,
            observer,
            client,
        }
    }

    async fn expect(&self, request: MockBuilder, answer: ResponseTemplate, times: u64) {
        request
            .respond_with(answer)
            .expect(times)
            .mount(&self.server)
            .await;
    }

    /// `request` refused with `answer` for its first `times` arrivals only.
    async fn first(&self, request: MockBuilder, answer: ResponseTemplate, times: u64) {
        request
            .respond_with(answer)
            .up_to_n_times(times)
            .expect(times)
            .mount(&self.server)
            .await;
    }
}

/// A request to an incident route with the Basic credentials, JSON, and no query.
fn route(verb: &str, incident_path: &str, action: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(format!(
            "/api/v2/workspaces/{WORKSPACE}/incidents/{incident_path}/{action}"
        )))
        .and(header("authorization", BASIC))
        .and(header("content-type", "application/json"))
        .and(NoQuery)
}

struct NoQuery;

impl Match for NoQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query().is_none()
    }
}

fn comment_body(incident: &str) -> Value {
    json!({
        "incidentId": incident,
        "commentId": null,
        "content": "[Halo ticket #5123 · action 4 · Sam Technician]\n\nPassword reset.",
        "extensionId": null,
        "source": "sentinel",
    })
}

fn close_body() -> Value {
    json!({
        "incidentId": INCIDENT,
        "source": "sentinel",
        "status": "Closed",
        "comment": "Closed in Halo ticket #5123",
        "classification": "Undetermined",
        "classificationReason": "InaccurateData",
    })
}

async fn comment(h: &Harness, incident: &str) -> Result<(), CfError> {
    let content = "[Halo ticket #5123 · action 4 · Sam Technician]\n\nPassword reset.";
    h.client.add_comment(incident, "sentinel", content).await
}

async fn close(h: &Harness) -> Result<(), CfError> {
    let comment = "Closed in Halo ticket #5123";
    h.client
        .close(
            INCIDENT,
            "sentinel",
            "Undetermined",
            "InaccurateData",
            comment,
        )
        .await
}

#[tokio::test]
async fn a_comment_is_posted_exactly_as_contraforce_expects() {
    let h = Harness::new().await;
    let request = route("POST", INCIDENT, "comments").and(body_json(comment_body(INCIDENT)));
    h.expect(request, ResponseTemplate::new(200), 1).await;

    comment(&h, INCIDENT).await.unwrap();
    assert_eq!(h.observer.requests(), vec![("contraforce", Some(200))]);
}

#[tokio::test]
async fn an_incident_id_with_slashes_and_spaces_stays_one_path_segment() {
    let h = Harness::new().await;
    let id = "incidents/2026 04/abc|1";
    let request = route("POST", "incidents%2F2026%2004%2Fabc%7C1", "comments")
        .and(body_json(comment_body(id)));
    h.expect(request, ResponseTemplate::new(201), 1).await;

    comment(&h, id).await.unwrap();
}

#[tokio::test]
async fn close_puts_the_status_with_classification_and_reason() {
    let h = Harness::new().await;
    let request = route("PUT", INCIDENT, "status").and(body_json(close_body()));
    h.expect(request, ResponseTemplate::new(200), 1).await;

    close(&h).await.unwrap();
}

#[tokio::test]
async fn reopen_puts_active_without_classification() {
    let h = Harness::new().await;
    let body = json!({"incidentId": INCIDENT, "source": "sentinel", "status": "Active"});
    h.expect(
        route("PUT", INCIDENT, "status").and(body_json(body)),
        ResponseTemplate::new(204),
        1,
    )
    .await;

    h.client.reopen(INCIDENT, "sentinel").await.unwrap();
}

#[tokio::test]
async fn a_409_on_a_status_change_is_success() {
    let h = Harness::new().await;
    let conflict = ResponseTemplate::new(409).set_body_json(json!({"message": "already closed"}));
    h.expect(route("PUT", INCIDENT, "status"), conflict, 2)
        .await;

    close(&h).await.unwrap();
    h.client.reopen(INCIDENT, "sentinel").await.unwrap();
}

#[tokio::test]
async fn a_409_on_a_comment_is_a_rejection() {
    let h = Harness::new().await;
    let conflict = ResponseTemplate::new(409).set_body_json(json!({"message": "locked"}));
    h.expect(route("POST", INCIDENT, "comments"), conflict, 1)
        .await;

    let error = comment(&h, INCIDENT).await.unwrap_err();
    assert_eq!(
        error,
        CfError::Rejected {
            status: 409,
            message: "locked".into()
        }
    );
}

#[tokio::test]
async fn a_status_change_is_retried_after_a_server_error() {
    let h = Harness::new().await;
    h.first(
        route("PUT", INCIDENT, "status"),
        ResponseTemplate::new(503),
        1,
    )
    .await;
    h.expect(
        route("PUT", INCIDENT, "status").and(body_json(close_body())),
        ResponseTemplate::new(200),
        1,
    )
    .await;

    close(&h).await.unwrap();
    assert_eq!(h.clock.sleeps().len(), 1);
    assert_eq!(
        h.observer.requests(),
        vec![("contraforce", Some(503)), ("contraforce", Some(200))]
    );
}

#[tokio::test]
async fn a_status_change_that_keeps_failing_is_unavailable_after_three_tries() {
    let h = Harness::new().await;
    h.expect(
        route("PUT", INCIDENT, "status"),
        ResponseTemplate::new(500),
        3,
    )
    .await;

    let error = close(&h).await.unwrap_err();
    assert_eq!(error, CfError::Unavailable { status: 500 });
    assert!(error.is_transient());
    assert_eq!(h.clock.sleeps().len(), 2);
}

#[tokio::test]
async fn a_status_change_that_times_out_is_retried_then_a_timeout() {
    let h = Harness::new().await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(2));
    h.expect(route("PUT", INCIDENT, "status"), slow, 3).await;

    assert_eq!(close(&h).await.unwrap_err(), CfError::Timeout);
}

#[tokio::test]
async fn a_comment_refused_with_429_is_retried_after_retry_after() {
    let h = Harness::new().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "2");
    h.first(route("POST", INCIDENT, "comments"), limited, 1)
        .await;
    h.expect(
        route("POST", INCIDENT, "comments"),
        ResponseTemplate::new(200),
        1,
    )
    .await;

    comment(&h, INCIDENT).await.unwrap();
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(2)]);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_handed_to_the_caller_at_once() {
    let h = Harness::new().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "120");
    h.expect(route("PUT", INCIDENT, "status"), limited, 1).await;

    let error = close(&h).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(h.clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_comment_answered_with_a_server_error_is_uncertain_and_not_sent_again() {
    let h = Harness::new().await;
    h.expect(
        route("POST", INCIDENT, "comments"),
        ResponseTemplate::new(500),
        1,
    )
    .await;

    let error = comment(&h, INCIDENT).await.unwrap_err();
    assert!(matches!(error, CfError::Uncertain(_)), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_comment_that_times_out_is_uncertain_and_not_sent_again() {
    let h = Harness::new().await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(2));
    h.expect(route("POST", INCIDENT, "comments"), slow, 1).await;

    let error = comment(&h, INCIDENT).await.unwrap_err();
    assert!(matches!(error, CfError::Uncertain(_)), "{error:?}");
    assert!(h.clock.sleeps().is_empty());
    assert_eq!(h.observer.requests(), vec![("contraforce", None)]);
}

#[tokio::test]
async fn refusals_map_to_their_errors() {
    let h = Harness::new().await;
    let cases = [
        (
            401,
            json!({"title": "Invalid credentials"}),
            CfError::Unauthorized("Invalid credentials".into()),
        ),
        (403, json!(""), CfError::Forbidden),
        (404, json!(""), CfError::NotFound),
        (
            400,
            json!("Comment content is required"),
            CfError::Rejected {
                status: 400,
                message: "Comment content is required".into(),
            },
        ),
    ];
    for (status, body, expected) in cases {
        let id = format!("incident-{status}");
        let answer = ResponseTemplate::new(status).set_body_json(body);
        h.expect(route("POST", &id, "comments"), answer, 1).await;
        assert_eq!(comment(&h, &id).await.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn no_error_text_carries_the_secret_or_the_credentials() {
    let h = Harness::new().await;
    let echo = json!({"message": format!("bad {SECRET} in {BASIC}")});
    h.expect(
        route("POST", INCIDENT, "comments"),
        ResponseTemplate::new(401).set_body_json(echo.clone()),
        1,
    )
    .await;
    h.expect(
        route("PUT", INCIDENT, "status"),
        ResponseTemplate::new(422).set_body_json(echo),
        1,
    )
    .await;

    let errors = [
        comment(&h, INCIDENT).await.unwrap_err(),
        close(&h).await.unwrap_err(),
    ];
    let credential = BASIC.trim_start_matches("Basic ");
    for error in &errors {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(
                !text.contains(SECRET) && !text.contains(credential),
                "{text}"
            );
            assert!(
                text.contains("bad ***"),
                "the rest of the message is kept: {text}"
            );
        }
    }
    assert!(!format!("{:?}", h.client).contains(SECRET));
}

#[tokio::test]
async fn bad_settings_are_config_errors() {
    let clock = Arc::new(ManualClock::at_unix(0));
    let observer = Arc::new(RecordingObserver::default());
    let good = CfConfig::new(
        "https://cf.example/api/v2",
        "svc",
        Secret::new(SECRET),
        WORKSPACE,
    );
    let mut settings = vec![good.clone(), good.clone(), good.clone()];
    settings[0].base_url = "cf.example/api/v2".into();
    settings[1].workspace_id = " ".into();
    settings[2].client_secret = Secret::new("");
    for config in settings {
        let built = CfClient::new(config, clock.clone(), observer.clone());
        assert!(matches!(built, Err(CfError::Config(_))));
    }
    assert!(CfClient::new(good, clock, observer).is_ok());
}

#[tokio::test]
async fn a_redirect_is_reported_not_followed() {
    let h = Harness::new().await;
    let elsewhere = format!("{}/moved", h.server.uri());
    let redirect = ResponseTemplate::new(307).insert_header("location", elsewhere.as_str());
    h.expect(route("POST", INCIDENT, "comments"), redirect, 1)
        .await;
    h.expect(Mock::given(path("/moved")), ResponseTemplate::new(200), 0)
        .await;

    let error = comment(&h, INCIDENT).await.unwrap_err();
    assert!(
        matches!(error, CfError::Rejected { status: 307, .. }),
        "{error:?}"
    );
}
