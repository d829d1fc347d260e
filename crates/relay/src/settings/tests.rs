//! Behaviour of `Settings::from_map`: defaults per direction and edition, the
//! file/environment layering, blank values, and problem reporting.

use std::path::PathBuf;

use mapping::ticket::{ClientMap, DEFAULT_PRIORITY_MAP, PriorityMap};

use super::*;

const CF_SECRET: &str = "cf-hook-s3cret";
const HALO_SECRET: &str = "halo-client-s3cret";
const HALO_HOOK_SECRET: &str = "halo-hook-s3cret";
const CF_CLIENT_SECRET: &str = "cf-account-s3cret";
const ADMIN: &str = "admin-t0ken";
const DB_PASSWORD: &str = "db-passw0rd";
const WORKSPACE: &str = "6f9619ff-8b86-d011-b42d-00c04fc964ff";

type Vars = Vec<(String, String)>;
type Overrides = &'static [(&'static str, &'static str)];

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The variables every binary must have.
fn halo_required() -> Vars {
    vars(&[
        ("HALO_AUTH_URL", "https://acme.halopsa.com/auth"),
        ("HALO_API_BASE_URL", "https://acme.halopsa.com/api/"),
        ("HALO_CLIENT_ID", "bridge"),
        ("HALO_CLIENT_SECRET", HALO_SECRET),
    ])
}

fn cf_to_halo_required() -> Vars {
    let mut v = halo_required();
    v.extend(vars(&[
        ("CF_WEBHOOK_SECRET", CF_SECRET),
        ("HALO_DEFAULT_TICKETTYPE_ID", "21"),
        ("HALO_DEFAULT_CLIENT_ID", "12"),
    ]));
    v
}

fn halo_to_cf_required() -> Vars {
    let mut v = halo_required();
    v.extend(vars(&[
        (
            "CF_API_BASE_URL",
            "https://prod.platform.contraforce.com/api/v2",
        ),
        ("CF_SERVICE_ACCOUNT_CLIENT_ID", "svc"),
        ("CF_SERVICE_ACCOUNT_CLIENT_SECRET", CF_CLIENT_SECRET),
        ("CF_WORKSPACE_ID", WORKSPACE),
        ("HALO_CLOSED_STATUS_ID", "9"),
        ("HALO_WEBHOOK_SECRET", HALO_HOOK_SECRET),
    ]));
    v
}

/// `base` with `overrides` replacing or adding variables.
fn with(mut base: Vars, overrides: &[(&str, &str)]) -> Vars {
    for (name, value) in overrides {
        base.retain(|(k, _)| k != name);
        base.push((name.to_string(), value.to_string()));
    }
    base
}

fn cf(edition: Edition, overrides: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::from_map(
        Direction::CfToHalo,
        edition,
        with(cf_to_halo_required(), overrides),
    )
}

fn halo(edition: Edition, overrides: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::from_map(
        Direction::HaloToCf,
        edition,
        with(halo_to_cf_required(), overrides),
    )
}

fn problems_of(result: Result<Settings, SettingsError>) -> SettingsError {
    match result {
        Ok(settings) => panic!("expected problems, got {settings:?}"),
        Err(e) => e,
    }
}

/// A TOML file in the temp folder, removed when dropped.
struct TempToml(PathBuf);

impl TempToml {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("relay-settings-{}.toml", new_id()));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempToml {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn new_id() -> String {
    crate::telemetry::new_request_id()
}

const POSTGRES: &str = "postgres://bridge:db-passw0rd@db:5432/bridge";

/// Each edition with the least it needs beyond the direction's variables, and the
/// `STATE_URL` it then uses.
const EDITIONS: [(Edition, Overrides, &str); 3] = [
    (Edition::Function, &[], "memory:"),
    (Edition::Service, &[], "sqlite://data/bridge.db"),
    (Edition::Cluster, &[("STATE_URL", POSTGRES)], POSTGRES),
];

#[test]
fn cf_to_halo_defaults_in_every_edition() {
    for (edition, overrides, state) in EDITIONS {
        let s = cf(edition, overrides).unwrap();

        assert_eq!(s.direction, Direction::CfToHalo);
        assert_eq!(s.edition, edition);
        assert_eq!(s.state_url.expose(), state);
        assert!(s.cf_outbound.is_none() && s.halo_inbound.is_none());
        assert_eq!(s.halo.auth_url, "https://acme.halopsa.com/auth");
        assert_eq!(s.halo.api_base_url, "https://acme.halopsa.com/api");
        assert_eq!(s.halo.client_id, "bridge");
        assert_eq!(s.halo.client_secret.expose(), HALO_SECRET);
        assert_eq!(s.halo.tenant, None);
        assert_eq!(s.halo.scope, "all");
        assert_eq!(s.halo.ref_field, RefField::ThirdPartyNumber);
        assert_eq!(s.halo.max_requests_per_5min, 300);
        assert_eq!(s.process_budget, Duration::from_millis(5000));
        assert_eq!(s.memory_max_entries, 5_000);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(
            s.http_workers,
            (cores / 2).max(1),
            "half the cores, at least one"
        );
        assert_eq!(s.store_options().memory_max_finished, 5_000);
        assert_eq!(s.store_options().memory_max_links, 5_000);
        assert_eq!(s.admin_token, None);
        assert_eq!(s.max_body_bytes, 1_048_576);
        assert_eq!(s.port, 8080);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.rust_log, "info");

        let inbound = s.cf_inbound.unwrap();
        assert_eq!(inbound.webhook_secrets, vec![Secret::new(CF_SECRET)]);
        assert_eq!(inbound.max_skew_secs, 300);
        assert!(!inbound.process_test_deliveries);
        assert_eq!(
            inbound.priority_map,
            PriorityMap::parse(DEFAULT_PRIORITY_MAP).unwrap()
        );
        assert_eq!(inbound.priority_map.priority_for(Some("High")), 1);
        assert_eq!(inbound.priority_map.priority_for(Some("Informational")), 3);
        assert_eq!(inbound.client_map, ClientMap::default());
        assert_eq!(inbound.default_client_id, 12);
        assert_eq!(inbound.default_tickettype_id, 21);
        assert_eq!(
            inbound.private_note_outcome,
            OutcomeRef::Name("Private Note".into())
        );
    }
}

#[test]
fn halo_to_cf_defaults_in_every_edition() {
    for (edition, overrides, state) in EDITIONS {
        let s = halo(edition, overrides).unwrap();

        assert_eq!(s.direction, Direction::HaloToCf);
        assert_eq!(s.state_url.expose(), state);
        assert!(s.cf_inbound.is_none());
        assert_eq!(s.port, 8080);

        let out = s.cf_outbound.unwrap();
        assert_eq!(
            out.api_base_url,
            "https://prod.platform.contraforce.com/api/v2"
        );
        assert_eq!(out.client_id, "svc");
        assert_eq!(out.client_secret.expose(), CF_CLIENT_SECRET);
        assert_eq!(out.workspace_id, WORKSPACE);
        assert_eq!(out.close_classification, "Undetermined");
        assert_eq!(out.close_classification_reason, "InaccurateData");
        assert!(out.mirror_reopen);

        let inbound = s.halo_inbound.unwrap();
        assert_eq!(inbound.webhook_secret.expose(), HALO_HOOK_SECRET);
        assert_eq!(inbound.closed_status_ids, vec![9]);
        assert!(inbound.integration_agent_ids.is_empty());
    }
}

#[test]
fn each_direction_requires_its_own_variables_and_ignores_the_others() {
    let cf_missing = problems_of(Settings::from_map(
        Direction::CfToHalo,
        Edition::Service,
        [],
    ));
    assert_eq!(
        cf_missing.variables(),
        vec![
            "CF_WEBHOOK_SECRET",
            "HALO_API_BASE_URL",
            "HALO_AUTH_URL",
            "HALO_CLIENT_ID",
            "HALO_CLIENT_SECRET",
            "HALO_DEFAULT_CLIENT_ID",
            "HALO_DEFAULT_TICKETTYPE_ID",
        ]
    );
    assert!(
        cf_missing
            .problems()
            .iter()
            .all(|p| p.message == "required")
    );

    let halo_missing = problems_of(Settings::from_map(
        Direction::HaloToCf,
        Edition::Function,
        [],
    ));
    assert_eq!(
        halo_missing.variables(),
        vec![
            "CF_API_BASE_URL",
            "CF_SERVICE_ACCOUNT_CLIENT_ID",
            "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
            "CF_WORKSPACE_ID",
            "HALO_API_BASE_URL",
            "HALO_AUTH_URL",
            "HALO_CLIENT_ID",
            "HALO_CLIENT_SECRET",
            "HALO_CLOSED_STATUS_ID",
            "HALO_WEBHOOK_SECRET",
        ]
    );

    // Malformed values of the other direction do not matter.
    cf(
        Edition::Service,
        &[("CF_WORKSPACE_ID", "nope"), ("CF_MIRROR_REOPEN", "maybe")],
    )
    .unwrap();
    halo(
        Edition::Service,
        &[
            ("HALO_DEFAULT_CLIENT_ID", "abc"),
            ("HALO_PRIORITY_MAP", "x"),
        ],
    )
    .unwrap();
}

#[test]
fn the_environment_beats_the_file_and_the_file_uses_lower_case_keys() {
    let file = TempToml::new(
        r#"
        halo_scope = "file-scope"
        halo_tenant = "file-tenant"
        halo_default_client_id = 40
        cf_process_test_deliveries = true
        max_body_bytes = 2048
        cf_webhook_secret = ["one", " two "]
        "#,
    );
    let s = cf(
        Edition::Service,
        &[
            ("CONFIG_FILE", file.path()),
            ("HALO_SCOPE", "env-scope"),
            ("HALO_DEFAULT_CLIENT_ID", ""),
            ("CF_WEBHOOK_SECRET", ""),
        ],
    )
    .unwrap();

    assert_eq!(s.halo.scope, "env-scope");
    assert_eq!(s.halo.tenant.as_deref(), Some("file-tenant"));
    let described = s.describe();
    assert!(described.contains(&(CONFIG_FILE.to_owned(), file.path().to_owned())));
    assert_eq!(s.max_body_bytes, 2048);
    let inbound = s.cf_inbound.unwrap();
    // A blank environment value is unset, so the file's value shows through.
    assert_eq!(inbound.default_client_id, 40);
    assert!(inbound.process_test_deliveries);
    assert_eq!(
        inbound.webhook_secrets,
        vec![Secret::new("one"), Secret::new("two")]
    );
}

#[test]
fn the_file_alone_can_configure_a_binary() {
    let file = TempToml::new(
        r#"
        halo_auth_url = "http://127.0.0.1:9000/auth"
        halo_api_base_url = "http://127.0.0.1:9000/api"
        halo_client_id = "bridge"
        halo_client_secret = "from-file"
        halo_tenant = ""
        cf_webhook_secret = "s1"
        halo_default_tickettype_id = 3
        halo_default_client_id = 4
        port = 9090
        "#,
    );
    let s = Settings::from_map(
        Direction::CfToHalo,
        Edition::Function,
        vars(&[("CONFIG_FILE", file.path())]),
    )
    .unwrap();
    assert_eq!(s.halo.client_secret.expose(), "from-file");
    assert_eq!(s.halo.tenant, None, "a blank file value is unset");
    assert_eq!(s.port, 9090);
}

#[test]
fn upper_case_file_keys_are_read_but_never_hide_the_environment() {
    let file = TempToml::new("HALO_SCOPE = \"file-upper\"\nHALO_TENANT = \"t\"\n");
    let s = cf(
        Edition::Service,
        &[("CONFIG_FILE", file.path()), ("HALO_SCOPE", "env")],
    )
    .unwrap();
    assert_eq!(s.halo.scope, "env");
    assert_eq!(s.halo.tenant.as_deref(), Some("t"));
}

#[test]
fn a_blank_required_value_in_the_file_is_reported_as_required() {
    let file = TempToml::new("halo_client_id = \"  \"\n");
    let err = problems_of(cf(
        Edition::Service,
        &[("CONFIG_FILE", file.path()), ("HALO_CLIENT_ID", "")],
    ));
    assert_eq!(err.to_string(), "HALO_CLIENT_ID: required");
}

#[test]
fn a_missing_or_broken_file_is_reported_without_quoting_it() {
    let missing = problems_of(cf(
        Edition::Service,
        &[("CONFIG_FILE", "/nonexistent/bridge.toml")],
    ));
    assert_eq!(missing.variables(), vec!["CONFIG_FILE"]);
    assert!(
        missing.to_string().contains("/nonexistent/bridge.toml"),
        "{missing}"
    );

    let file = TempToml::new("halo_client_secret = \"leaked-s3cret\nport = 1\n");
    let broken = problems_of(cf(Edition::Service, &[("CONFIG_FILE", file.path())]));
    let text = broken.to_string();
    assert_eq!(broken.variables(), vec!["CONFIG_FILE"]);
    assert!(text.contains("not valid TOML (line 1"), "{text}");
    assert!(!text.contains("leaked-s3cret"), "{text}");
}

#[test]
fn blank_optional_values_count_as_unset() {
    let s = halo(
        Edition::Service,
        &[
            ("HALO_TENANT", ""),
            ("HALO_SCOPE", "   "),
            ("HALO_EXTERNAL_REF_FIELD_ID", ""),
            ("HALO_INTEGRATION_AGENT_ID", ""),
            ("CF_MIRROR_REOPEN", ""),
            ("STATE_URL", ""),
            ("ADMIN_TOKEN", ""),
            ("PORT", ""),
            ("LOG_FORMAT", ""),
            ("RUST_LOG", ""),
        ],
    )
    .unwrap();
    assert_eq!(s.halo.tenant, None);
    assert_eq!(s.halo.scope, "all");
    assert_eq!(s.halo.ref_field, RefField::ThirdPartyNumber);
    assert_eq!(s.state_url.expose(), "sqlite://data/bridge.db");
    assert_eq!(s.admin_token, None);
    assert_eq!(s.port, 8080);
    assert_eq!(s.rust_log, "info");
    assert!(s.cf_outbound.unwrap().mirror_reopen);
}

#[test]
fn blank_required_values_are_reported_as_required() {
    let err = problems_of(cf(
        Edition::Service,
        &[
            ("HALO_CLIENT_SECRET", ""),
            ("CF_WEBHOOK_SECRET", " , ,"),
            ("HALO_AUTH_URL", " "),
        ],
    ));
    assert_eq!(
        err.to_string(),
        "CF_WEBHOOK_SECRET: required\nHALO_AUTH_URL: required\nHALO_CLIENT_SECRET: required"
    );

    let err = problems_of(halo(Edition::Service, &[("HALO_CLOSED_STATUS_ID", ",")]));
    assert_eq!(err.to_string(), "HALO_CLOSED_STATUS_ID: required");
}

#[test]
fn every_problem_is_reported_together_sorted_by_name() {
    let err = problems_of(cf(
        Edition::Service,
        &[
            ("LOG_FORMAT", "xml"),
            ("HALO_DEFAULT_CLIENT_ID", "abc"),
            ("HALO_API_BASE_URL", "acme.halopsa.com/api"),
            ("CF_PROCESS_TEST_DELIVERIES", "maybe"),
            ("HALO_PRIORITY_MAP", "High=one,Low=3"),
            ("MAX_BODY_BYTES", "0"),
        ],
    ));

    assert_eq!(
        err.variables(),
        vec![
            "CF_PROCESS_TEST_DELIVERIES",
            "HALO_API_BASE_URL",
            "HALO_DEFAULT_CLIENT_ID",
            "HALO_PRIORITY_MAP",
            "LOG_FORMAT",
            "MAX_BODY_BYTES",
        ]
    );
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[2],
        "HALO_DEFAULT_CLIENT_ID: expected an integer, got \"abc\""
    );
    assert_eq!(lines[1], "HALO_API_BASE_URL: not a valid http(s) URL");
    assert_eq!(lines[4], "LOG_FORMAT: expected text or json, got \"xml\"");
    assert!(
        lines[3].starts_with("HALO_PRIORITY_MAP: item \"High=one\""),
        "{text}"
    );
    assert_eq!(
        lines[5],
        "MAX_BODY_BYTES: expected a positive integer, got \"0\""
    );
}

#[test]
fn halo_to_cf_values_are_validated() {
    let err = problems_of(halo(
        Edition::Service,
        &[
            ("CF_WORKSPACE_ID", "workspace-1"),
            ("CF_API_BASE_URL", "ftp://cf.example"),
            ("CF_MIRROR_REOPEN", "sometimes"),
            ("HALO_CLOSED_STATUS_ID", "9,closed"),
            ("HALO_INTEGRATION_AGENT_ID", "1,x"),
            ("HALO_EXTERNAL_REF_FIELD", "summary"),
            ("HALO_EXTERNAL_REF_FIELD_ID", "-3"),
            ("HALO_MAX_REQUESTS_PER_5MIN", "-1"),
            ("PROCESS_BUDGET_MS", "soon"),
            ("MEMORY_MAX_ENTRIES", "5"),
            ("HTTP_WORKERS", "0"),
            ("RUST_LOG", "relay=loud"),
        ],
    ));
    let text = err.to_string();
    for expected in [
        "CF_API_BASE_URL: not a valid http(s) URL",
        "CF_MIRROR_REOPEN: expected true or false",
        "CF_WORKSPACE_ID: expected a GUID, got \"workspace-1\"",
        "HALO_CLOSED_STATUS_ID: expected integers separated by commas, got \"closed\"",
        "HALO_EXTERNAL_REF_FIELD: expected thirdpartynumber or third_party_id_string",
        "HALO_EXTERNAL_REF_FIELD_ID: expected a positive integer, got \"-3\"",
        "HALO_INTEGRATION_AGENT_ID: expected integers separated by commas, got \"x\"",
        "HALO_MAX_REQUESTS_PER_5MIN: expected a non-negative integer, got \"-1\"",
        "PROCESS_BUDGET_MS: expected an integer, got \"soon\"",
        "MEMORY_MAX_ENTRIES: ",
        "HTTP_WORKERS: expected a positive integer, got \"0\"",
        "RUST_LOG: not a valid log filter",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert_eq!(err.problems().len(), 12, "{text}");
}

#[test]
fn secrets_never_appear_in_errors_debug_or_describe() {
    let secrets = [
        ("CF_WEBHOOK_SECRET", CF_SECRET),
        ("HALO_CLIENT_SECRET", HALO_SECRET),
        ("ADMIN_TOKEN", ADMIN),
        ("STATE_URL", POSTGRES),
    ];
    let s = cf(Edition::Cluster, &secrets).unwrap();
    let debug = format!("{s:?}");
    let described = format!("{:?}", s.describe());
    for text in [&debug, &described] {
        for secret in [CF_SECRET, HALO_SECRET, ADMIN, DB_PASSWORD] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
    }
    assert!(
        debug.contains("postgres://bridge:***@db:5432/bridge"),
        "{debug}"
    );

    let h = halo(Edition::Service, &[("ADMIN_TOKEN", ADMIN)]).unwrap();
    let debug = format!("{h:?} {:?}", h.describe());
    for secret in [HALO_HOOK_SECRET, CF_CLIENT_SECRET, HALO_SECRET, ADMIN] {
        assert!(!debug.contains(secret), "{secret} shown in {debug}");
    }

    // Errors next to secrets, and a STATE_URL that is wrong only in its scheme.
    let err = problems_of(cf(
        Edition::Cluster,
        &[
            ("STATE_URL", "mysql://bridge:db-passw0rd@db/bridge"),
            ("HALO_AUTH_URL", "bridge:db-passw0rd@halo"),
            ("PORT", "http"),
        ],
    ));
    let text = format!("{err} {err:?}");
    assert!(!text.contains(DB_PASSWORD), "{text}");
    assert_eq!(err.variables(), vec!["HALO_AUTH_URL", "PORT", "STATE_URL"]);
}

#[test]
fn describe_lists_every_variable_with_its_effective_value() {
    let s = cf(
        Edition::Function,
        &[
            ("HALO_PRIORITY_MAP", "High=5,Low=4"),
            ("ADMIN_TOKEN", ADMIN),
        ],
    )
    .unwrap();
    let described = s.describe();
    let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected: Vec<&str> = COMMON.iter().chain(CF_TO_HALO).copied().collect();
    expected.extend([FUNCTIONS_PORT, CONFIG_FILE]);
    expected.sort();
    assert_eq!(names, expected);

    let value = |name: &str| {
        described
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(value("HALO_PRIORITY_MAP"), "High=5,Low=4");
    assert_eq!(value("HALO_CLIENT_SECRET"), "***");
    assert_eq!(value("CF_WEBHOOK_SECRET"), "***");
    assert_eq!(value("ADMIN_TOKEN"), "***");
    assert_eq!(value("HALO_TENANT"), "(unset)");
    assert_eq!(value("HALO_SCOPE"), "all");
    assert_eq!(value("HALO_EXTERNAL_REF_FIELD"), "thirdpartynumber");
    assert_eq!(value("HALO_EXTERNAL_REF_FIELD_ID"), "(unset)");
    assert_eq!(value("FUNCTIONS_CUSTOMHANDLER_PORT"), "(unset)");
    assert_eq!(value("STATE_URL"), "memory:");
    assert_eq!(value("MAX_BODY_BYTES"), "1048576");
    assert_eq!(value("PORT"), "8080");
    assert_eq!(value("HALO_PRIVATE_NOTE_OUTCOME"), "Private Note");
    assert_eq!(value("CF_PROCESS_TEST_DELIVERIES"), "false");
}

#[test]
fn comma_lists_are_trimmed_and_drop_empty_items() {
    let s = cf(Edition::Service, &[("CF_WEBHOOK_SECRET", " new ,, old ,")]).unwrap();
    assert_eq!(
        s.cf_inbound.unwrap().webhook_secrets,
        vec![Secret::new("new"), Secret::new("old")]
    );

    let s = halo(
        Edition::Service,
        &[
            ("HALO_CLOSED_STATUS_ID", " 9 , 10,,"),
            ("HALO_INTEGRATION_AGENT_ID", " 1, 2 "),
        ],
    )
    .unwrap();
    let inbound = s.halo_inbound.unwrap();
    assert_eq!(inbound.closed_status_ids, vec![9, 10]);
    assert_eq!(inbound.integration_agent_ids, vec![1, 2]);

    let s = cf(
        Edition::Service,
        &[("HALO_CLIENT_MAP", " AcmeCorp = 7 , , other=8 ")],
    )
    .unwrap();
    let map = s.cf_inbound.unwrap().client_map;
    assert_eq!(map.client_for(Some("acmecorp")), Some(7));
    assert_eq!(map.client_for(Some("OTHER")), Some(8));
}

#[test]
fn function_port_wins_over_port_which_wins_over_the_default() {
    let both = [("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"), ("PORT", "9000")];
    assert_eq!(cf(Edition::Function, &both).unwrap().port, 7071);
    assert_eq!(
        cf(Edition::Function, &[("PORT", "9000")]).unwrap().port,
        9000
    );
    assert_eq!(cf(Edition::Function, &[]).unwrap().port, 8080);

    // Only the function edition runs under the Functions host.
    assert_eq!(cf(Edition::Service, &both).unwrap().port, 9000);

    // The unused variable is not validated; the used one is.
    let ignored = [("FUNCTIONS_CUSTOMHANDLER_PORT", "7071"), ("PORT", "junk")];
    assert_eq!(cf(Edition::Function, &ignored).unwrap().port, 7071);
    let err = problems_of(cf(
        Edition::Function,
        &[("FUNCTIONS_CUSTOMHANDLER_PORT", "99999")],
    ));
    assert_eq!(err.variables(), vec!["FUNCTIONS_CUSTOMHANDLER_PORT"]);
}

#[test]
fn a_custom_field_id_wins_over_the_named_reference_field() {
    let named = cf(
        Edition::Service,
        &[("HALO_EXTERNAL_REF_FIELD", "Third_Party_Id_String")],
    );
    assert_eq!(named.unwrap().halo.ref_field, RefField::ThirdPartyIdString);

    let both = cf(
        Edition::Service,
        &[
            ("HALO_EXTERNAL_REF_FIELD", "third_party_id_string"),
            ("HALO_EXTERNAL_REF_FIELD_ID", "55"),
        ],
    );
    assert_eq!(both.unwrap().halo.ref_field, RefField::CustomField(55));

    let described = cf(Edition::Service, &[("HALO_EXTERNAL_REF_FIELD_ID", "55")])
        .unwrap()
        .describe();
    assert!(described.contains(&(
        "HALO_EXTERNAL_REF_FIELD".to_owned(),
        "(not used: HALO_EXTERNAL_REF_FIELD_ID is set)".to_owned()
    )));

    let zero = problems_of(cf(Edition::Service, &[("HALO_EXTERNAL_REF_FIELD_ID", "0")]));
    assert_eq!(zero.variables(), vec!["HALO_EXTERNAL_REF_FIELD_ID"]);
}

#[test]
fn the_cluster_edition_needs_an_explicit_state_url() {
    let err = problems_of(cf(Edition::Cluster, &[]));
    assert_eq!(err.variables(), vec!["STATE_URL"]);
    assert!(err.to_string().starts_with("STATE_URL: required"), "{err}");

    for url in ["postgres://db/bridge", "postgresql://u:p@db:5432/bridge"] {
        let s = halo(Edition::Cluster, &[("STATE_URL", url)]).unwrap();
        assert_eq!(s.state_url.backend(), &StateBackend::Postgres);
    }
}

#[test]
fn every_edition_accepts_every_backend_when_set_explicitly() {
    for edition in [Edition::Function, Edition::Service, Edition::Cluster] {
        for (url, backend) in [
            ("memory:", StateBackend::Memory),
            (
                "sqlite://state/relative.db",
                StateBackend::Sqlite {
                    path: "state/relative.db".into(),
                },
            ),
            (
                "sqlite:///var/lib/bridge.db",
                StateBackend::Sqlite {
                    path: "/var/lib/bridge.db".into(),
                },
            ),
            ("postgres://db/bridge", StateBackend::Postgres),
        ] {
            let s = cf(edition, &[("STATE_URL", url)]).unwrap();
            assert_eq!(s.state_url.backend(), &backend, "{edition:?} {url}");
        }
    }
    let err = problems_of(cf(Edition::Service, &[("STATE_URL", "redis://cache")]));
    assert_eq!(err.variables(), vec!["STATE_URL"]);
}

#[test]
fn typed_values_are_read_from_their_text() {
    let s = cf(
        Edition::Service,
        &[
            ("CF_PROCESS_TEST_DELIVERIES", "YES"),
            ("CF_MAX_SKEW_SECONDS", "60"),
            ("HALO_PRIVATE_NOTE_OUTCOME", "42"),
            ("HALO_MAX_REQUESTS_PER_5MIN", "0"),
            ("PROCESS_BUDGET_MS", "250"),
            ("LOG_FORMAT", "JSON"),
            ("RUST_LOG", "relay=debug,info"),
            ("MAX_BODY_BYTES", "10"),
            ("HALO_TENANT", "acme"),
        ],
    )
    .unwrap();
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(s.rust_log, "relay=debug,info");
    assert_eq!(s.process_budget, Duration::from_millis(250));
    assert_eq!(s.max_body_bytes, 10);
    assert_eq!(s.halo.max_requests_per_5min, 0);
    assert_eq!(s.halo.tenant.as_deref(), Some("acme"));
    let inbound = s.cf_inbound.unwrap();
    assert!(inbound.process_test_deliveries);
    assert_eq!(inbound.max_skew_secs, 60);
    assert_eq!(inbound.private_note_outcome, OutcomeRef::Id(42));
}

#[test]
fn ticket_mapping_inputs_reach_the_ticket_mapping() {
    let s = cf(
        Edition::Service,
        &[
            ("HALO_PRIORITY_MAP", " high = 7 , low = 4 "),
            ("HALO_CLIENT_MAP", "Acme=30"),
        ],
    )
    .unwrap();
    let mapping = s.cf_inbound.unwrap().ticket_mapping();
    assert_eq!(mapping.priorities.priority_for(Some("HIGH")), 7);
    assert_eq!(mapping.priorities.priority_for(Some("Medium")), 4);
    assert_eq!(mapping.clients.client_for(Some("acme")), Some(30));
    assert_eq!(mapping.default_client_id, 12);
    assert_eq!(mapping.tickettype_id, 21);

    let err = problems_of(cf(Edition::Service, &[("HALO_PRIORITY_MAP", "High=1")]));
    assert_eq!(err.variables(), vec!["HALO_PRIORITY_MAP"]);
}
