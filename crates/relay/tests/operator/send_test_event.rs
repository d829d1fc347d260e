//! `send-test-event` against running bridges: signed like ContraForce, a test
//! delivery unless `--real`, a file body, and the Halo direction's shared secret.

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig};
use relay::cli::{Exit, SendArgs, send_test_event};
use relay::settings::{Direction, Edition};
use serde_json::json;
use testkit::{cf_to_halo_vars, halo_to_cf_vars, start_bridge};

use crate::support::{Output, settings};

async fn send(direction: Direction, vars: &testkit::Vars, args: SendArgs) -> Output {
    let settings = settings(direction, Edition::Service, vars);
    let mut out = Vec::new();
    let exit = send_test_event::run(&settings, &args, &mut out).await;
    Output::new(exit, out)
}

#[tokio::test]
async fn a_test_delivery_is_answered_without_touching_halo_and_a_real_one_opens_a_ticket() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo);
    let bridge = start_bridge(Direction::CfToHalo, Edition::Service, &vars).await;

    let args = SendArgs {
        url: bridge.url(),
        event_id: Some("evt-test-1".into()),
        ..SendArgs::default()
    };
    let output = send(Direction::CfToHalo, &vars, args).await;
    assert_eq!(output.exit, Exit::Ok, "{}", output.text);
    assert!(
        output
            .text
            .contains("/cf/webhooks (test delivery of a sample incident")
    );
    assert!(output.text.contains("\nHTTP 200 OK\n"), "{}", output.text);
    assert_eq!(
        output.answer(),
        json!({"status": "test", "eventId": "evt-test-1"})
    );
    assert!(halo.tickets().is_empty());

    let real = SendArgs {
        url: format!("{}/cf/webhooks", bridge.url()),
        real: true,
        ..SendArgs::default()
    };
    let output = send(Direction::CfToHalo, &vars, real).await;
    assert_eq!(output.exit, Exit::Ok, "{}", output.text);
    assert_eq!(
        output.answer(),
        json!({"status": "created", "ticketId": 1001})
    );
    assert_eq!(halo.tickets()[0].summary, "[CF #1] Bridge test incident");
    assert!(!output.text.contains(testkit::CF_SECRET));
    bridge.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn a_file_body_is_signed_as_is_and_a_refusal_fails_the_command() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo);
    let bridge = start_bridge(Direction::CfToHalo, Edition::Service, &vars).await;
    let file = std::env::temp_dir().join(format!("send-test-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(
        &file,
        br#"{"type":"incident.created.v1","data":{"source":"s"}}"#,
    )
    .unwrap();

    let args = SendArgs {
        url: bridge.url(),
        body: Some(file.clone()),
        real: true,
        ..SendArgs::default()
    };
    let output = send(Direction::CfToHalo, &vars, args.clone()).await;
    assert_eq!(output.exit, Exit::Failed, "{}", output.text);
    assert!(output.text.contains("real delivery of the file"));
    assert_eq!(
        output.answer(),
        json!({"error": "malformed payload", "detail": "data.incidentId: missing"})
    );

    // Signed with a secret the bridge does not have.
    let other = vars.clone().set("CF_WEBHOOK_SECRET", "some-other-secret");
    let output = send(Direction::CfToHalo, &other, args).await;
    assert!(
        output.text.contains("\nHTTP 401 Unauthorized\n"),
        "{}",
        output.text
    );
    assert_eq!(output.answer(), json!({"error": "invalid signature"}));
    let _ = std::fs::remove_file(file);
    bridge.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn the_halo_direction_sends_its_shared_secret() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .unwrap();
    let vars = halo_to_cf_vars(&halo, &cf);
    let bridge = start_bridge(Direction::HaloToCf, Edition::Service, &vars).await;

    let args = SendArgs {
        url: bridge.url(),
        ..SendArgs::default()
    };
    let output = send(Direction::HaloToCf, &vars, args.clone()).await;
    assert_eq!(output.exit, Exit::Ok, "{}", output.text);
    assert_eq!(
        output.answer(),
        json!({"status": "ignored", "reason": "no ticket id in payload"})
    );

    let real = SendArgs {
        real: true,
        ticket: Some(4242),
        ..args.clone()
    };
    let output = send(Direction::HaloToCf, &vars, real).await;
    assert_eq!(
        output.answer(),
        json!({"status": "ignored", "reason": "ticket not found"})
    );

    let no_ticket = SendArgs { real: true, ..args };
    let output = send(Direction::HaloToCf, &vars, no_ticket).await;
    assert_eq!(output.exit, Exit::Settings);
    assert!(output.text.contains("--real needs --ticket N"));
    bridge.stop().await;
    cf.stop().await;
    halo.stop().await;
}
