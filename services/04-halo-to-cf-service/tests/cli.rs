//! The service binary's subcommands, run as an operator runs them: the real
//! executable with only the variables given, against the mock Halo and the
//! mock ContraForce.

use std::process::Stdio;

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig};
use relay::settings::Edition;
use store::{ConnectOptions, Kind, NewDelivery};
use testkit::{BinaryBridge, Vars, fresh_state_url, halo_to_cf_vars};

const BINARY: &str = env!("CARGO_BIN_EXE_halo-to-cf-service");

/// Runs the binary with `args` and exactly `vars`; its exit code and output.
async fn run(args: &[&str], vars: &Vars) -> (i32, String) {
    let output = tokio::process::Command::new(BINARY)
        .args(args)
        .env_clear()
        .envs(&vars.0)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

async fn upstreams() -> (MockHalo, MockContraForce, Vars) {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .unwrap();
    let vars = halo_to_cf_vars(&halo, &cf);
    (halo, cf, vars)
}

#[tokio::test]
async fn help_names_the_binary_and_its_subcommands() {
    let (code, text) = run(&["help", "doctor"], &Vars::default()).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Usage: halo-to-cf-service doctor [OPTIONS]"),
        "{text}"
    );
    assert!(text.contains("--write"), "{text}");
}

#[tokio::test]
async fn check_config_masks_the_contraforce_secrets() {
    let (halo, cf, vars) = upstreams().await;
    let (code, text) = run(&["check-config"], &vars).await;
    assert_eq!(code, 0, "{text}");
    let secret = cf.control().client_secret().expose().to_owned();
    for shown in [secret.as_str(), testkit::HALO_WEBHOOK_SECRET, "demo-secret"] {
        assert!(!text.contains(shown), "{shown} printed: {text}");
    }
    assert!(text.contains("HALO_CLOSED_STATUS_ID"), "{text}");
    assert!(text.contains("Note: ADMIN_TOKEN is unset"), "{text}");

    let (code, text) = run(&["check-config"], &vars.set("CF_WORKSPACE_ID", "acme")).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("  CF_WORKSPACE_ID: "), "{text}");
    cf.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn halo_ids_suggests_the_closed_statuses() {
    let (halo, cf, vars) = upstreams().await;
    let (code, text) = run(&["halo", "ids"], &vars.unset("HALO_CLOSED_STATUS_ID")).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("  10  Cancelled        by name"), "{text}");
    assert!(text.contains("\nHALO_CLOSED_STATUS_ID=9,10\n"), "{text}");
    cf.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn doctor_checks_contraforce_without_changing_anything() {
    let (halo, cf, vars) = upstreams().await;
    let (code, text) = run(&["doctor"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("[ ok ] closed statuses: HALO_CLOSED_STATUS_ID: 9 Closed, 10 Cancelled"));
    assert!(text.contains("[ ok ] ContraForce API:"), "{text}");
    assert!(cf.control().incidents().is_empty());

    let wrong = vars.set("CF_SERVICE_ACCOUNT_CLIENT_ID", "someone-else");
    let (code, text) = run(&["doctor"], &wrong).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("[FAIL] ContraForce API: ContraForce refused the service account"));
    assert!(
        text.contains("fix: check CF_SERVICE_ACCOUNT_CLIENT_ID"),
        "{text}"
    );
    cf.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn send_test_event_is_checked_and_ignored_by_a_running_service() {
    let (halo, cf, vars) = upstreams().await;
    let vars = vars.set("STATE_URL", fresh_state_url(Edition::Service).await);
    let service = BinaryBridge::start(BINARY, &vars).await;

    let (code, text) = run(&["send-test-event", &service.url], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("(a Halo test event naming no ticket)"),
        "{text}"
    );
    assert!(
        text.contains("\"reason\":\"no ticket id in payload\""),
        "{text}"
    );

    let other = vars.clone().set("HALO_WEBHOOK_SECRET", "not-the-secret");
    let (code, text) = run(&["send-test-event", &service.url], &other).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("HTTP 401 Unauthorized\n{\"error\":\"invalid callback secret\"}"));
    service.kill();
    cf.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn replay_requeues_a_dead_letter_by_id() {
    let (halo, cf, vars) = upstreams().await;
    let state_url = fresh_state_url(Edition::Service).await;
    let store = store::connect(&state_url, ConnectOptions::default())
        .await
        .unwrap();
    store
        .enqueue(NewDelivery {
            id: "dead-halo".into(),
            kind: Kind::Halo,
            event_id: None,
            subject: Some("ticket 1001".into()),
            headers: vec![],
            body: b"{}".to_vec(),
            received_at: 1_000,
        })
        .await
        .unwrap();
    store.claim("dead-halo", "w", 1_000, 60_000).await.unwrap();
    store
        .dead_letter("dead-halo", "ContraForce is unavailable", 2_000)
        .await
        .unwrap();
    let vars = vars.set("STATE_URL", state_url);

    let (code, text) = run(&["replay"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("#1001"), "{text}");
    let (code, text) = run(&["replay", "no-such-id"], &vars).await;
    assert_eq!(code, 1, "{text}");
    let (code, text) = run(&["replay", "dead-halo"], &vars).await;
    assert_eq!(
        (code, text.as_str()),
        (0, "Replayed dead-halo: queued again, due now.\n")
    );
    assert_eq!(store.counts().await.unwrap().dead, 0);
    cf.stop().await;
    halo.stop().await;
}
