//! The service binary's subcommands, run as an operator runs them: the real
//! executable with only the variables given, against the mock Halo.

use std::process::Stdio;

use mock_halo::{MockHalo, MockHaloConfig};
use relay::settings::Edition;
use store::{ConnectOptions, Kind, NewDelivery};
use testkit::{BinaryBridge, Vars, cf_to_halo_vars, fresh_state_url};

const BINARY: &str = env!("CARGO_BIN_EXE_cf-to-halo-service");

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

#[tokio::test]
async fn help_lists_every_subcommand() {
    let (code, text) = run(&["--help"], &Vars::default()).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Usage: cf-to-halo-service [COMMAND]"),
        "{text}"
    );
    for command in [
        "serve",
        "check-config",
        "halo",
        "doctor",
        "send-test-event",
        "replay",
    ] {
        assert!(
            text.contains(&format!("\n  {command} ")),
            "{command} missing from {text}"
        );
    }
    let (code, text) = run(&["no-such-command"], &Vars::default()).await;
    assert_eq!(code, 2, "{text}");
}

#[tokio::test]
async fn check_config_masks_secrets_and_lists_every_problem() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("ADMIN_TOKEN", "an-admin-token-long-enough-to-pass");
    let (code, text) = run(&["check-config"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("HALO_DEFAULT_TICKETTYPE_ID  29"), "{text}");
    assert!(text.contains("CF_WEBHOOK_SECRET           ***"), "{text}");
    for secret in [testkit::CF_SECRET, "demo-secret", "an-admin-token"] {
        assert!(!text.contains(secret), "{secret} printed: {text}");
    }

    let broken = vars
        .unset("CF_WEBHOOK_SECRET")
        .set("HALO_PRIORITY_MAP", "High=1");
    let (code, text) = run(&["check-config"], &broken).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.starts_with("The settings have 2 problems"), "{text}");
    assert!(text.contains("  CF_WEBHOOK_SECRET: required\n"), "{text}");
    assert!(text.contains("  HALO_PRIORITY_MAP: "), "{text}");
    halo.stop().await;
}

#[tokio::test]
async fn halo_ids_works_before_the_ids_are_configured() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo)
        .unset("HALO_DEFAULT_TICKETTYPE_ID")
        .unset("HALO_DEFAULT_CLIENT_ID");
    let (code, text) = run(&["halo", "ids"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("The other settings are not complete yet"),
        "{text}"
    );
    assert!(text.contains("  29  Security Incident"), "{text}");
    assert!(text.contains("\nHALO_DEFAULT_TICKETTYPE_ID=29\n"), "{text}");
    assert!(
        text.contains("\nHALO_PRIVATE_NOTE_OUTCOME=Private Note\n"),
        "{text}"
    );
    halo.stop().await;
}

#[tokio::test]
async fn doctor_finds_a_reference_field_halo_drops() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    halo.update_settings(|s| s.dropped_fields = vec!["thirdpartynumber".to_owned()]);
    let vars = cf_to_halo_vars(&halo);

    let (code, text) = run(&["doctor"], &vars).await;
    assert_eq!(code, 0, "without --write the pilot is skipped: {text}");
    assert!(text.contains("[skip] pilot ticket:"), "{text}");
    assert!(halo.tickets().is_empty());

    let (code, text) = run(&["doctor", "--write"], &vars).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("[ ok ] Halo token:"), "{text}");
    assert!(
        text.contains("[FAIL] pilot ticket: reference stored:"),
        "{text}"
    );
    assert!(
        text.contains("fix: set HALO_EXTERNAL_REF_FIELD=third_party_id_string"),
        "{text}"
    );
    assert!(text.contains("[ ok ] pilot ticket: closed:"), "{text}");
    assert!(text.ends_with("2 checks failed.\n"), "{text}");
    halo.stop().await;
}

#[tokio::test]
async fn send_test_event_reaches_a_running_service() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("STATE_URL", fresh_state_url(Edition::Service).await);
    let service = BinaryBridge::start(BINARY, &vars).await;

    let (code, text) = run(&["send-test-event", &service.url], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("(test delivery of a sample incident"),
        "{text}"
    );
    assert!(text.contains("HTTP 200 OK\n"), "{text}");
    assert!(text.contains("\"status\":\"test\""), "{text}");
    assert!(halo.tickets().is_empty());

    let (code, text) = run(&["send-test-event", &service.url, "--real"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\"status\":\"created\""), "{text}");
    assert_eq!(halo.tickets().len(), 1);
    service.kill();
    halo.stop().await;
}

#[tokio::test]
async fn replay_lists_and_requeues_the_dead_letters_of_the_sqlite_store() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let state_url = fresh_state_url(Edition::Service).await;
    let store = store::connect(&state_url, ConnectOptions::default())
        .await
        .unwrap();
    store
        .enqueue(NewDelivery {
            id: "dead-1".into(),
            kind: Kind::Cf,
            event_id: Some("evt-dead-1".into()),
            subject: Some("cf|sentinel|inc-dead-1".into()),
            headers: vec![],
            body: b"{}".to_vec(),
            received_at: 1_000,
        })
        .await
        .unwrap();
    store.claim("dead-1", "w", 1_000, 60_000).await.unwrap();
    store
        .dead_letter("dead-1", "Halo is unavailable (HTTP 503)", 2_000)
        .await
        .unwrap();
    let vars = cf_to_halo_vars(&halo).set("STATE_URL", state_url);

    let (code, text) = run(&["replay"], &vars).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("1 dead letter, newest first:"), "{text}");
    assert!(text.contains("dead-1"), "{text}");
    assert!(text.contains("evt-dead-1"), "{text}");
    assert!(text.contains("Halo is unavailable (HTTP 503)"), "{text}");

    let (code, text) = run(&["replay", "dead-1"], &vars).await;
    assert_eq!(
        (code, text.as_str()),
        (0, "Replayed dead-1: queued again, due now.\n")
    );
    let (code, text) = run(&["replay", "--all"], &vars).await;
    assert_eq!((code, text.as_str()), (0, "There are no dead letters.\n"));
    assert_eq!(store.counts().await.unwrap().pending, 1);
    halo.stop().await;
}
