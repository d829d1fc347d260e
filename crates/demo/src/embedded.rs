//! The demo without Docker: both mocks and four bridges (the function and the
//! service edition of each direction) started inside this process on free
//! local ports, configured as the compose file configures the containers.

use std::net::{IpAddr, Ipv4Addr};

use mock_contraforce::{MockCfConfig, MockContraForce};
use mock_halo::{MockHalo, MockHaloConfig};
use relay::Bridge;
use relay::settings::{Direction, Edition, Settings};

use crate::scenario::{Endpoints, Expected, Pair, StepFailed};

/// The running pieces; dropping them stops everything.
pub struct Embedded {
    pub halo: MockHalo,
    pub cf: MockContraForce,
    pub bridges: Vec<Bridge>,
    pub endpoints: Endpoints,
    _state: std::path::PathBuf,
}

pub async fn start(expected: &Expected) -> Result<Embedded, StepFailed> {
    let failed = |what: &str, e: String| StepFailed {
        step: what.to_owned(),
        detail: e,
    };
    let halo = MockHalo::start(MockHaloConfig::default())
        .await
        .map_err(|e| failed("start mock Halo", e.to_string()))?;
    let cf = MockContraForce::start(MockCfConfig::default())
        .await
        .map_err(|e| failed("start mock ContraForce", e.to_string()))?;

    let state = std::env::temp_dir().join(format!("bridge-demo-{}", uuid::Uuid::new_v4()));
    let halo_config = halo.config();
    let control = cf.control();
    let common = [
        ("HALO_AUTH_URL", halo.auth_url()),
        ("HALO_API_BASE_URL", halo.api_url()),
        ("HALO_CLIENT_ID", halo_config.client_id.clone()),
        (
            "HALO_CLIENT_SECRET",
            halo_config.client_secret.expose().to_owned(),
        ),
        ("PORT", "0".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let cf_to_halo = [
        ("CF_WEBHOOK_SECRET", expected.cf_webhook_secret.clone()),
        ("HALO_DEFAULT_TICKETTYPE_ID", "29".to_owned()),
        ("HALO_DEFAULT_CLIENT_ID", "1".to_owned()),
        (
            "HALO_CLIENT_MAP",
            format!("{}={}", expected.account_id, expected.client_id),
        ),
    ];
    let halo_to_cf = [
        ("CF_API_BASE_URL", cf.api_url()),
        (
            "CF_SERVICE_ACCOUNT_CLIENT_ID",
            control.client_id().to_owned(),
        ),
        (
            "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
            control.client_secret().expose().to_owned(),
        ),
        ("CF_WORKSPACE_ID", control.workspace_id().to_owned()),
        ("CF_CLOSE_CLASSIFICATION", expected.classification.clone()),
        ("HALO_CLOSED_STATUS_ID", "9,10".to_owned()),
        ("HALO_WEBHOOK_SECRET", expected.halo_webhook_secret.clone()),
    ];

    let mut bridges = Vec::new();
    let mut urls = Vec::new();
    for (direction, edition, file) in [
        (Direction::CfToHalo, Edition::Function, None),
        (Direction::HaloToCf, Edition::Function, None),
        (Direction::CfToHalo, Edition::Service, Some("cf-to-halo.db")),
        (Direction::HaloToCf, Edition::Service, Some("halo-to-cf.db")),
    ] {
        let mut vars: Vec<(String, String)> = common
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let own: &[(&str, String)] = if direction == Direction::CfToHalo {
            &cf_to_halo
        } else {
            &halo_to_cf
        };
        vars.extend(own.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        if let Some(file) = file {
            vars.push((
                "STATE_URL".to_owned(),
                format!("sqlite://{}", state.join(file).display()),
            ));
        }
        let settings = Settings::from_map(direction, edition, vars)
            .map_err(|e| failed("configure the bridges", e.to_string()))?;
        let bridge = Bridge::start(settings, IpAddr::V4(Ipv4Addr::LOCALHOST), false)
            .await
            .map_err(|e| failed("start the bridges", e.to_string()))?;
        urls.push(bridge.url());
        bridges.push(bridge);
    }

    let endpoints = Endpoints {
        halo: halo.base_url(),
        cf: cf.base_url(),
        pairs: vec![
            Pair {
                name: "function editions (01 and 03)".to_owned(),
                cf_to_halo: urls[0].clone(),
                halo_to_cf: urls[1].clone(),
            },
            Pair {
                name: "service editions (02 and 04)".to_owned(),
                cf_to_halo: urls[2].clone(),
                halo_to_cf: urls[3].clone(),
            },
        ],
    };
    Ok(Embedded {
        halo,
        cf,
        bridges,
        endpoints,
        _state: state,
    })
}
