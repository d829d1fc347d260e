//! The `mock-contraforce` binary: the test-and-demo ContraForce stand-in on
//! `BIND:PORT` (default `127.0.0.1:8082`), set up from `MOCK_CF_*` variables.
//! Never a production path.

use std::process::ExitCode;

use mock_contraforce::{MockCfConfig, MockContraForce};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let bind = env_or("BIND", "127.0.0.1");
    let port = match env_or("PORT", "8082").parse::<u16>() {
        Ok(port) => port,
        Err(_) => {
            tracing::error!("PORT must be a port number");
            return ExitCode::FAILURE;
        }
    };

    let config = MockCfConfig::from_env();
    let mock = match MockContraForce::start_on((bind.as_str(), port), config).await {
        Ok(mock) => mock,
        Err(error) => {
            tracing::error!(%bind, port, %error, "could not start");
            return ExitCode::FAILURE;
        }
    };

    let base = mock.base_url();
    tracing::info!("mock ContraForce (test and demo only) listening on {base}");
    tracing::info!(
        "API base for the bridge (CF_API_BASE_URL): {}",
        mock.api_url()
    );
    tracing::info!("HTML view: {base}/   admin API: {base}/_admin/state");
    tracing::info!(
        workspace_id = mock.workspace_id(),
        client_id = mock.client_id(),
        "accepted credentials"
    );
    match mock.target_url() {
        Some(url) => tracing::info!("deliveries go to {url}"),
        None => tracing::info!("no MOCK_CF_WEBHOOK_URL: set one with PUT {base}/_admin/sender"),
    }

    let handle = mock.server_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping");
        handle.stop(true).await;
    });
    match mock.wait().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
