//! The operator's side (contract §2 and §5): health, readiness and metrics, and
//! a binary started without its settings naming every one that is missing.

use std::process::{Command, Stdio};

use relay::settings::Edition;
use serde_json::{Value, json};

use super::harness::{CfBed, Target};
use crate::Incident;

/// `/healthz`, `/readyz` and `/metrics` answer, and the metrics count deliveries.
pub async fn health_readiness_and_metrics_answer(target: Target) {
    let Some(bed) = CfBed::start(target.edition, |v| v).await else {
        return;
    };
    let (status, text) = bed.sender.get_text("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).ok(),
        Some(json!({"status": "ok"}))
    );
    let (status, _) = bed.sender.get_text("/readyz").await;
    assert_eq!(status, 200);

    bed.create("m-1", &Incident::new("inc-metrics")).await;
    let (status, text) = bed.sender.get_text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains("bridge_deliveries_total{outcome=\"created\"} 1"),
        "{text}"
    );
    for name in [
        "bridge_upstream_requests_total",
        "bridge_queue_depth",
        "bridge_dead_letters",
        "bridge_delivery_duration_seconds",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    bed.stop().await;
}

/// The variables every ContraForce → Halo binary requires.
const REQUIRED: [&str; 7] = [
    "CF_WEBHOOK_SECRET",
    "HALO_AUTH_URL",
    "HALO_API_BASE_URL",
    "HALO_CLIENT_ID",
    "HALO_CLIENT_SECRET",
    "HALO_DEFAULT_TICKETTYPE_ID",
    "HALO_DEFAULT_CLIENT_ID",
];

/// Runs `binary` with exactly `vars` in a scratch folder; returns the exit
/// status and what it printed on stderr.
fn run_with(binary: &str, vars: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    let scratch = std::env::temp_dir().join(format!("bridge-settings-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let output = Command::new(binary)
        .env_clear()
        .envs(vars.iter().copied())
        .current_dir(&scratch)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let _ = std::fs::remove_dir_all(&scratch);
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// With an empty environment the binary exits non-zero at once, naming every
/// missing variable on stderr, without a panic.
pub async fn missing_settings_are_named_and_the_binary_exits(target: Target) {
    let (status, stderr) = run_with(target.binary, &[]);
    assert!(!status.success(), "exited {status}: {stderr}");
    assert!(status.code().is_some(), "killed by a signal: {stderr}");
    let mut required = REQUIRED.to_vec();
    if target.edition == Edition::Cluster {
        required.push("STATE_URL");
    }
    for name in required {
        assert!(stderr.contains(name), "{name} not named in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "a panic:\n{stderr}");

    // Malformed values are reported the same way, and secrets never echoed.
    let secret = "do-not-print-this-secret";
    let (status, stderr) = run_with(
        target.binary,
        &[
            ("CF_WEBHOOK_SECRET", secret),
            ("HALO_CLIENT_SECRET", secret),
            ("HALO_DEFAULT_CLIENT_ID", "twelve"),
            ("MAX_BODY_BYTES", "-5"),
        ],
    );
    assert!(!status.success(), "exited {status}: {stderr}");
    for name in ["HALO_DEFAULT_CLIENT_ID", "MAX_BODY_BYTES", "HALO_AUTH_URL"] {
        assert!(stderr.contains(name), "{name} not named in:\n{stderr}");
    }
    assert!(!stderr.contains(secret), "a secret printed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
}
