//! Starting a bridge for a test: the settings pointing at the mocks, then either
//! in-process ([`start_bridge`]) or as the service's own binary in a child
//! process ([`BinaryBridge`]), which a test can kill without warning.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mock_contraforce::MockContraForce;
use mock_halo::MockHalo;
use relay::Bridge;
use relay::settings::{Direction, Edition, Settings};

/// Settings as environment variables, changed per test.
#[derive(Debug, Clone, Default)]
pub struct Vars(pub BTreeMap<String, String>);

impl Vars {
    pub fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    pub fn unset(mut self, name: &str) -> Self {
        self.0.remove(name);
        self
    }
}

fn halo_vars(halo: &MockHalo) -> Vars {
    let config = halo.config();
    Vars::default()
        .set("HALO_AUTH_URL", halo.auth_url())
        .set("HALO_API_BASE_URL", halo.api_url())
        .set("HALO_CLIENT_ID", config.client_id.clone())
        .set("HALO_CLIENT_SECRET", config.client_secret.expose())
        .set("HALO_MAX_REQUESTS_PER_5MIN", "0")
        .set("RUST_LOG", "warn")
}

/// The settings of a ContraForce → Halo bridge against `halo`.
pub fn cf_to_halo_vars(halo: &MockHalo) -> Vars {
    halo_vars(halo)
        .set("CF_WEBHOOK_SECRET", crate::CF_SECRET)
        .set("HALO_DEFAULT_TICKETTYPE_ID", crate::TICKET_TYPE.to_string())
        .set("HALO_DEFAULT_CLIENT_ID", crate::DEFAULT_CLIENT.to_string())
        .set(
            "HALO_CLIENT_MAP",
            format!("{}={}", crate::MAPPED_ACCOUNT, crate::MAPPED_CLIENT),
        )
}

/// The settings of a Halo → ContraForce bridge against `halo` and `cf`.
pub fn halo_to_cf_vars(halo: &MockHalo, cf: &MockContraForce) -> Vars {
    let control = cf.control();
    halo_vars(halo)
        .set("CF_API_BASE_URL", cf.api_url())
        .set("CF_SERVICE_ACCOUNT_CLIENT_ID", control.client_id())
        .set(
            "CF_SERVICE_ACCOUNT_CLIENT_SECRET",
            control.client_secret().expose(),
        )
        .set("CF_WORKSPACE_ID", control.workspace_id())
        .set("HALO_CLOSED_STATUS_ID", "9,10")
        .set("HALO_WEBHOOK_SECRET", crate::HALO_WEBHOOK_SECRET)
}

/// Starts a bridge in-process on 127.0.0.1 and a free port.
pub async fn start_bridge(direction: Direction, edition: Edition, vars: &Vars) -> Bridge {
    let mut vars = vars.clone();
    if !vars.0.contains_key("STATE_URL") {
        vars = vars.set("STATE_URL", crate::fresh_state_url(edition).await);
    }
    let vars = vars.set("PORT", "0");
    let settings = Settings::from_map(direction, edition, vars.0.clone())
        .unwrap_or_else(|problems| panic!("test settings are wrong:\n{problems}"));
    Bridge::start(settings, IpAddr::V4(Ipv4Addr::LOCALHOST), false)
        .await
        .expect("the bridge starts")
}

/// A bridge binary running as a child process on 127.0.0.1.
pub struct BinaryBridge {
    child: Child,
    pub url: String,
}

impl BinaryBridge {
    /// Starts `binary` with `vars` (and nothing else from the test's environment
    /// that the bridge reads) and waits until `/healthz` answers.
    pub async fn start(binary: &str, vars: &Vars) -> Self {
        let port = free_port();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .envs(&vars.0)
            .env("BIND", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().expect("the bridge binary starts");
        let bridge = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        bridge.wait_healthy(Duration::from_secs(20)).await;
        bridge
    }

    async fn wait_healthy(&self, limit: Duration) {
        let started = Instant::now();
        let http = reqwest::Client::new();
        while started.elapsed() < limit {
            let answer = http.get(format!("{}/healthz", self.url)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the bridge binary did not become healthy within {limit:?}");
    }

    /// Kills the process at once (SIGKILL): no graceful shutdown, as in a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for BinaryBridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a local address").port()
}
