//! `halo ids` against the mock tenant: the tables, the configured values
//! marked, and the settings lines to paste for each direction.

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig};
use relay::cli::{Exit, halo_ids};
use relay::settings::{Direction, Edition};
use testkit::{cf_to_halo_vars, halo_to_cf_vars};

use crate::support::{Output, settings};

#[tokio::test]
async fn tables_mark_the_configured_ids_and_the_bridge_agent() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let settings = settings(
        Direction::CfToHalo,
        Edition::Service,
        &cf_to_halo_vars(&halo),
    );
    let mut out = Vec::new();
    let exit = halo_ids::run(
        &settings.halo,
        Some(&settings),
        Direction::CfToHalo,
        &mut out,
    )
    .await;
    let output = Output::new(exit, out);
    let text = &output.text;

    assert_eq!(output.exit, Exit::Ok, "{text}");
    for line in [
        "  29  Security Incident  configured",
        "  9   Closed           by name",
        "  21  ContraForce Integration",
        "  12  Contoso Ltd     in HALO_CLIENT_MAP",
        "  1   Default Client  default (configured)",
        "  7   Private Note  configured",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }
    assert!(text.contains("the bridge (Agent/me)"), "{text}");
    // One row per priority per SLA, with the number a ticket takes.
    assert_eq!(text.matches("  Critical  ").count(), 2, "{text}");

    let pasted: Vec<&str> = text
        .split("Settings to paste (check each before use):\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .collect();
    assert_eq!(
        pasted,
        [
            "HALO_DEFAULT_TICKETTYPE_ID=29",
            "HALO_DEFAULT_CLIENT_ID=1",
            "HALO_CLIENT_MAP=5b0c3f0e-2d7a-4f5e-9a51-2f7d3c1e9b10=12",
            "HALO_PRIORITY_MAP=High=2,Medium=3,Low=4,Informational=4",
            "HALO_PRIVATE_NOTE_OUTCOME=Private Note",
        ]
    );
    assert!(!text.contains("demo-secret"));
    halo.stop().await;
}

#[tokio::test]
async fn halo_to_contraforce_suggests_closed_statuses() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .unwrap();
    let vars = halo_to_cf_vars(&halo, &cf).set("HALO_CLOSED_STATUS_ID", "9");
    let settings = settings(Direction::HaloToCf, Edition::Service, &vars);
    let mut out = Vec::new();
    let exit = halo_ids::run(&settings.halo, None, Direction::HaloToCf, &mut out).await;
    let output = Output::new(exit, out);

    assert_eq!(output.exit, Exit::Ok, "{}", output.text);
    assert!(
        output.text.contains("\nHALO_CLOSED_STATUS_ID=9,10\n"),
        "{}",
        output.text
    );
    assert!(output.text.contains("agent 21"), "{}", output.text);
    cf.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn refused_credentials_send_the_operator_to_doctor() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("HALO_CLIENT_SECRET", "not-the-secret");
    let settings = settings(Direction::CfToHalo, Edition::Service, &vars);
    let mut out = Vec::new();
    let exit = halo_ids::run(&settings.halo, None, Direction::CfToHalo, &mut out).await;
    let output = Output::new(exit, out);

    assert_eq!(output.exit, Exit::Failed);
    assert!(output.text.contains("Run `doctor`"), "{}", output.text);
    assert!(!output.text.contains("not-the-secret"), "{}", output.text);
    halo.stop().await;
}
