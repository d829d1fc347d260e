//! The `mock-halo` binary: a HaloPSA stand-in for the demo and benchmarks
//! (never a production path). Settings come from the environment; see the
//! library's crate documentation for the list.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use mock_halo::{MockHalo, MockHaloConfig, SecretPlacement, WebhookConfig};
use upstream::Secret;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let (addr, config) = match settings() {
        Ok(found) => found,
        Err(problems) => {
            for problem in problems {
                tracing::error!("mock-halo: {problem}");
            }
            return ExitCode::FAILURE;
        }
    };
    let halo = match MockHalo::start_on(addr, config).await {
        Ok(halo) => halo,
        Err(e) => {
            tracing::error!("mock-halo: cannot start on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        "mock-halo (test double, not HaloPSA) listening: HALO_AUTH_URL={} HALO_API_BASE_URL={} \
         page={}/ admin={}/_admin/state",
        halo.auth_url(),
        halo.api_url(),
        halo.base_url(),
        halo.base_url(),
    );
    wait_for_stop_signal().await;
    tracing::info!("mock-halo stopping");
    halo.stop().await;
    ExitCode::SUCCESS
}

/// The address and configuration from the environment; every problem at once.
fn settings() -> Result<(SocketAddr, MockHaloConfig), Vec<String>> {
    let mut problems = Vec::new();
    let mut config = MockHaloConfig::default();

    let bind: IpAddr = parsed("BIND", &mut problems).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let port: u16 = parsed("PORT", &mut problems).unwrap_or(8081);
    if let Some(id) = var("MOCK_HALO_CLIENT_ID") {
        config.client_id = id;
    }
    if let Some(secret) = var("MOCK_HALO_CLIENT_SECRET") {
        config.client_secret = Secret::new(secret);
    }
    config.tenant = var("MOCK_HALO_TENANT");
    if let Some(id) = parsed("MOCK_HALO_AGENT_ID", &mut problems) {
        config.agent_id = id;
    }
    if let Some(seed) = parsed("MOCK_HALO_SEED", &mut problems) {
        config.seed = seed;
    }
    if let Some(workers) = parsed("MOCK_HALO_WORKERS", &mut problems) {
        config.workers = workers;
    }
    if let Some(secs) = parsed("MOCK_HALO_TOKEN_LIFETIME_SECS", &mut problems) {
        config.settings.token_lifetime_secs = secs;
    }
    if let Some(url) = var("MOCK_HALO_WEBHOOK_URL") {
        let mut webhook = WebhookConfig::new(url);
        webhook.secret = var("MOCK_HALO_WEBHOOK_SECRET").map(Secret::new);
        match var("MOCK_HALO_WEBHOOK_SECRET_IN").as_deref() {
            None | Some("header") => webhook.secret_in = SecretPlacement::Header,
            Some("basic") => webhook.secret_in = SecretPlacement::Basic,
            Some("bearer") => webhook.secret_in = SecretPlacement::Bearer,
            Some("query") => webhook.secret_in = SecretPlacement::Query,
            Some(other) => problems.push(format!(
                "MOCK_HALO_WEBHOOK_SECRET_IN: '{other}' is not header, basic, bearer or query"
            )),
        }
        if let Some(ms) = parsed::<u64>("MOCK_HALO_WEBHOOK_BATCH_MS", &mut problems) {
            webhook = webhook.batched(Duration::from_millis(ms));
        }
        config.webhook = Some(webhook);
    }

    if problems.is_empty() {
        Ok((SocketAddr::new(bind, port), config))
    } else {
        Err(problems)
    }
}

/// A variable's value; empty counts as unset.
fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, problems: &mut Vec<String>) -> Option<T> {
    let text = var(name)?;
    match text.parse() {
        Ok(value) => Some(value),
        Err(_) => {
            problems.push(format!("{name}: '{text}' is not valid"));
            None
        }
    }
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
