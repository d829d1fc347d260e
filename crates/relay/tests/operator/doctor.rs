//! `doctor` against healthy and misconfigured mock tenants: each mistake is
//! reported at the right check with its fix, and the pilot ticket proves (or
//! disproves) the reference field round trip.

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig, STATUS_CLOSED};
use relay::cli::doctor::{self, Check, Verdict};
use relay::cli::{DoctorArgs, Exit};
use relay::settings::{Direction, Edition};
use serde_json::json;
use testkit::{Vars, cf_to_halo_vars, halo_to_cf_vars};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Output, settings};

async fn diagnose(direction: Direction, vars: &Vars, write: bool) -> Vec<Check> {
    let settings = settings(direction, Edition::Service, vars);
    doctor::diagnose(&settings, write, &mut |_| {}).await
}

fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {checks:#?}"))
}

fn fix(check: &Check) -> &str {
    check.fix.as_deref().unwrap_or_default()
}

fn failed(checks: &[Check]) -> Vec<&str> {
    checks
        .iter()
        .filter(|c| c.verdict == Verdict::Failed)
        .map(|c| c.name)
        .collect()
}

#[tokio::test]
async fn a_healthy_tenant_passes_every_check_and_the_pilot_is_closed() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let checks = diagnose(Direction::CfToHalo, &cf_to_halo_vars(&halo), true).await;

    assert!(failed(&checks).is_empty(), "{checks:#?}");
    let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "Halo token",
            "Halo scopes",
            "Halo agent (Agent/me)",
            "ticket type",
            "priorities",
            "clients",
            "private note outcome",
            "pilot ticket: reference stored",
            "pilot ticket: found by Halo's filter",
            "pilot ticket: closed",
        ]
    );
    assert!(
        find(&checks, "Halo agent (Agent/me)")
            .detail
            .contains("agent 21")
    );

    let tickets = halo.tickets();
    assert_eq!(tickets.len(), 1, "exactly one pilot ticket");
    assert!(
        tickets[0]
            .thirdpartynumber
            .starts_with("cf|bridge-doctor|pilot-")
    );
    assert_eq!(tickets[0].status_id, STATUS_CLOSED);
    halo.stop().await;
}

#[tokio::test]
async fn without_write_nothing_is_created_and_the_report_says_how() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let settings = settings(
        Direction::CfToHalo,
        Edition::Service,
        &cf_to_halo_vars(&halo),
    );
    let mut out = Vec::new();
    let exit = doctor::run(&settings, &DoctorArgs::default(), &mut out).await;
    let output = Output::new(exit, out);

    assert_eq!(output.exit, Exit::Ok, "{}", output.text);
    assert!(output.check("Halo token").starts_with("[ ok ]"));
    let pilot = output.check("pilot ticket");
    assert!(
        pilot.starts_with("[skip]") && pilot.contains("doctor --write"),
        "{pilot}"
    );
    assert!(
        output.text.ends_with("All checks passed.\n"),
        "{}",
        output.text
    );
    assert!(halo.tickets().is_empty());
    assert!(!output.text.contains("demo-secret"));
    halo.stop().await;
}

#[tokio::test]
async fn a_wrong_grant_points_at_the_services_application_type() {
    // Halo answers so when the application is not a client-credentials one,
    // whatever grant the bridge sends.
    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "unsupported_grant_type",
            "error_description": "The specified 'grant_type' parameter is not supported."
        })))
        .expect(1)
        .mount(&auth)
        .await;
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("HALO_AUTH_URL", format!("{}/auth", auth.uri()));

    let settings = settings(Direction::CfToHalo, Edition::Service, &vars);
    let mut out = Vec::new();
    let exit = doctor::run(&settings, &DoctorArgs { write: true }, &mut out).await;
    let output = Output::new(exit, out);

    assert_eq!(output.exit, Exit::Failed);
    let token = output.check("Halo token");
    assert!(token.starts_with("[FAIL]"), "{token}");
    assert!(token.contains("unsupported_grant_type"), "{token}");
    assert!(
        token.contains("\"Client ID and Secret (Services)\""),
        "{token}"
    );
    let scopes = output.check("Halo scopes");
    assert!(scopes.starts_with("[skip]") && scopes.contains("needs a Halo token"));
    assert!(output.check("pilot ticket").starts_with("[skip]"));
    assert!(
        output.text.ends_with("1 check failed.\n"),
        "{}",
        output.text
    );
    assert!(halo.tickets().is_empty());
    halo.stop().await;
}

#[tokio::test]
async fn an_unknown_scope_points_at_halo_scope() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("HALO_SCOPE", "all read:everything");
    let checks = diagnose(Direction::CfToHalo, &vars, false).await;

    let token = find(&checks, "Halo token");
    assert_eq!(token.verdict, Verdict::Failed);
    assert!(token.detail.contains("invalid_scope"), "{token:?}");
    assert!(
        fix(token).contains("HALO_SCOPE (\"all read:everything\")"),
        "{token:?}"
    );
    assert_eq!(failed(&checks), ["Halo token"]);
    halo.stop().await;
}

#[tokio::test]
async fn scopes_the_direction_needs_are_named_when_missing() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo).set("HALO_SCOPE", "read:tickets read:lookups read:customers");
    let checks = diagnose(Direction::CfToHalo, &vars, false).await;

    let scopes = find(&checks, "Halo scopes");
    assert_eq!(scopes.verdict, Verdict::Failed);
    assert_eq!(scopes.detail, "the token lacks edit:tickets edit:actions");
    assert!(fix(scopes).contains("add edit:tickets edit:actions to HALO_SCOPE"));
    assert_eq!(find(&checks, "ticket type").verdict, Verdict::Ok);
    halo.stop().await;
}

#[tokio::test]
async fn tenant_mistakes_are_told_apart() {
    let config = MockHaloConfig {
        tenant: Some("acme".to_owned()),
        ..MockHaloConfig::default()
    };
    let halo = MockHalo::start(config).await.unwrap();

    let missing = diagnose(Direction::CfToHalo, &cf_to_halo_vars(&halo), false).await;
    let token = find(&missing, "Halo token");
    assert_eq!(token.verdict, Verdict::Failed);
    assert!(fix(token).starts_with("this is hosted multi-tenant Halo: set HALO_TENANT"));

    let vars = cf_to_halo_vars(&halo).set("HALO_TENANT", "acne");
    let wrong = diagnose(Direction::CfToHalo, &vars, false).await;
    let token = find(&wrong, "Halo token");
    assert_eq!(token.verdict, Verdict::Failed);
    assert!(fix(token).contains("HALO_TENANT=\"acne\""), "{token:?}");

    let vars = cf_to_halo_vars(&halo).set("HALO_TENANT", "acme");
    let right = diagnose(Direction::CfToHalo, &vars, false).await;
    assert!(failed(&right).is_empty(), "{right:#?}");

    // A token from one Halo and the API of another.
    let other = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&other).set("HALO_API_BASE_URL", halo.api_url());
    let crossed = diagnose(Direction::CfToHalo, &vars, false).await;
    let scopes = find(&crossed, "Halo scopes");
    assert_eq!(scopes.verdict, Verdict::Failed);
    assert!(
        fix(scopes).contains("must point at the same Halo"),
        "{scopes:?}"
    );
    assert_eq!(find(&crossed, "ticket type").verdict, Verdict::Skipped);
    other.stop().await;
    halo.stop().await;
}

#[tokio::test]
async fn a_missing_outcome_and_unknown_ids_are_listed_with_the_choices() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let vars = cf_to_halo_vars(&halo)
        .set("HALO_PRIVATE_NOTE_OUTCOME", "Secret Note")
        .set("HALO_DEFAULT_TICKETTYPE_ID", "77")
        .set("HALO_CLIENT_MAP", "acct-1=12,acct-2=99");
    let checks = diagnose(Direction::CfToHalo, &vars, false).await;

    assert_eq!(
        failed(&checks),
        ["ticket type", "clients", "private note outcome"]
    );
    let outcome = find(&checks, "private note outcome");
    assert!(
        outcome.detail.contains("\"Secret Note\" is not an outcome"),
        "{outcome:?}"
    );
    assert!(fix(outcome).contains("7 Private Note"), "{outcome:?}");
    let ticket_type = find(&checks, "ticket type");
    assert!(
        fix(ticket_type).contains("29 Security Incident"),
        "{ticket_type:?}"
    );
    let clients = find(&checks, "clients");
    assert_eq!(
        clients.detail,
        "not clients in Halo: HALO_CLIENT_MAP acct-2=99"
    );
    halo.stop().await;
}

#[tokio::test]
async fn a_reference_field_halo_drops_is_caught_by_the_pilot() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    halo.update_settings(|s| s.dropped_fields = vec!["thirdpartynumber".to_owned()]);
    let checks = diagnose(Direction::CfToHalo, &cf_to_halo_vars(&halo), true).await;

    let stored = find(&checks, "pilot ticket: reference stored");
    assert_eq!(stored.verdict, Verdict::Failed);
    assert!(stored.detail.contains("Halo dropped it"), "{stored:?}");
    assert!(fix(stored).contains("HALO_EXTERNAL_REF_FIELD=third_party_id_string"));
    assert_eq!(
        find(&checks, "pilot ticket: found by Halo's filter").verdict,
        Verdict::Failed
    );
    assert_eq!(find(&checks, "pilot ticket: closed").verdict, Verdict::Ok);
    assert_eq!(halo.tickets()[0].status_id, STATUS_CLOSED);

    // The field the fix suggests works on this tenant.
    let vars = cf_to_halo_vars(&halo).set("HALO_EXTERNAL_REF_FIELD", "third_party_id_string");
    let checks = diagnose(Direction::CfToHalo, &vars, true).await;
    assert!(failed(&checks).is_empty(), "{checks:#?}");
    halo.stop().await;
}

#[tokio::test]
async fn halo_to_contraforce_checks_statuses_and_probes_contraforce_without_changes() {
    let halo = MockHalo::start(MockHaloConfig::default()).await.unwrap();
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .unwrap();
    let vars = halo_to_cf_vars(&halo, &cf).set("HALO_INTEGRATION_AGENT_ID", "8");
    let checks = diagnose(Direction::HaloToCf, &vars, true).await;

    assert!(failed(&checks).is_empty(), "{checks:#?}");
    assert_eq!(
        find(&checks, "closed statuses").detail,
        "HALO_CLOSED_STATUS_ID: 9 Closed, 10 Cancelled"
    );
    let probe = find(&checks, "ContraForce API");
    assert!(probe.detail.contains("nothing changed"), "{probe:?}");
    assert!(
        cf.control().incidents().is_empty(),
        "the probe stored nothing"
    );
    assert_eq!(halo.tickets()[0].status_id, STATUS_CLOSED);

    let vars = halo_to_cf_vars(&halo, &cf)
        .set("HALO_CLOSED_STATUS_ID", "9,77")
        .set("CF_WORKSPACE_ID", "00000000-0000-4000-8000-0000000000ff");
    let checks = diagnose(Direction::HaloToCf, &vars, false).await;
    assert_eq!(failed(&checks), ["closed statuses", "ContraForce API"]);
    assert!(fix(find(&checks, "ContraForce API")).contains("CF_WORKSPACE_ID"));

    let vars = halo_to_cf_vars(&halo, &cf).set("CF_SERVICE_ACCOUNT_CLIENT_SECRET", "wrong");
    let checks = diagnose(Direction::HaloToCf, &vars, false).await;
    let probe = find(&checks, "ContraForce API");
    assert!(
        probe.detail.contains("refused the service account"),
        "{probe:?}"
    );
    assert!(cf.control().incidents().is_empty());
    cf.stop().await;
    halo.stop().await;
}
