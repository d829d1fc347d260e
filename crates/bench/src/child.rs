//! A service binary in a child process on 127.0.0.1: started with exactly the
//! given settings, timed until its first `200` from `/healthz`, its resident
//! memory read from `/proc`, and stopped gracefully (SIGTERM) or killed (SIGKILL).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;
use crate::wire;

/// How long a binary may take to answer `/healthz` before start-up counts as failed.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A running service binary.
pub struct Service {
    child: Child,
    pub addr: SocketAddr,
    /// From spawning the process to its first `200` from `/healthz`.
    pub started_in: Duration,
}

/// The path of a workspace binary built beside the running one (`target/release`).
pub fn binary(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the running binary has no folder")?;
    let path = dir.join(name);
    if !path.exists() {
        return Err(format!(
            "{} is missing: build the services first with \
             `cargo build --release --bins` (the benchmark runs the release binaries)",
            path.display()
        )
        .into());
    }
    Ok(path)
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Service {
    /// Starts `binary` with only `env` (plus `BIND` and `PORT`), its standard
    /// output appended to `log` when given, and waits until it is healthy.
    pub async fn start(
        binary: &Path,
        env: &[(String, String)],
        log: Option<&Path>,
    ) -> Result<Service, Error> {
        Self::start_on(binary, env, log, free_port()?).await
    }

    /// [`Service::start`] on a given port (a restart keeps its address).
    pub async fn start_on(
        binary: &Path,
        env: &[(String, String)],
        log: Option<&Path>,
        port: u16,
    ) -> Result<Service, Error> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stdout = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            ),
            None => Stdio::null(),
        };
        let mut command = Command::new(binary);
        command
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("BIND", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::inherit());

        let spawned = Instant::now();
        let mut child = command.spawn()?;
        loop {
            if let Ok(answer) = wire::get(addr, "/healthz").await
                && answer.status == 200
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                return Err(
                    format!("{} exited during start-up: {status}", binary.display()).into(),
                );
            }
            if spawned.elapsed() > START_LIMIT {
                let _ = child.kill();
                return Err(format!("{} did not become healthy", binary.display()).into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(Service {
            started_in: spawned.elapsed(),
            child,
            addr,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid(), "VmRSS:")
    }

    /// The most resident memory so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid(), "VmHWM:")
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the process to stop (SIGTERM) and waits up to `limit`, then kills it.
    pub async fn stop(mut self, limit: Duration) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let asked = Instant::now();
        while asked.elapsed() < limit {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.kill();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
}
