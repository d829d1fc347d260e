//! The bridges of one edition as child processes on fixed ports, sharing one
//! fresh store: one process for the function and service editions, two
//! replicas for the cluster edition. Kills (SIGKILL) and restarts happen here;
//! a restarted process keeps its port, so senders find it again.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use bench::child::{self, Service};
use bench::scrape;
use bench::services::{Edition, Spec, State};

/// The running bridges of one soak.
pub struct Fleet {
    pub spec: Spec,
    binary: PathBuf,
    env: Vec<(String, String)>,
    ports: Vec<u16>,
    replicas: Vec<Option<Service>>,
    pub log: PathBuf,
    state: State,
}

impl Fleet {
    /// Starts the edition's processes with `env` (without `STATE_URL`, which the
    /// fleet adds), logging to a file in the temporary folder.
    pub async fn start(spec: Spec, mut env: Vec<(String, String)>) -> Result<Fleet, bench::Error> {
        let state = State::fresh(spec.edition).await?;
        if let Some(url) = state.url() {
            env.push(("STATE_URL".into(), url.to_owned()));
        }
        let count = if spec.edition == Edition::Cluster {
            2
        } else {
            1
        };
        let log = std::env::temp_dir().join(format!(
            "soak-{}-{}.log",
            spec.binary,
            uuid::Uuid::new_v4().simple()
        ));
        let mut fleet = Fleet {
            spec,
            binary: child::binary(spec.binary)?,
            env,
            ports: Vec::new(),
            replicas: Vec::new(),
            log,
            state,
        };
        for _ in 0..count {
            fleet.ports.push(child::free_port()?);
            fleet.replicas.push(None);
        }
        for i in 0..count {
            fleet.restart(i).await?;
        }
        Ok(fleet)
    }

    /// Every replica's address, up or not.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.ports
            .iter()
            .map(|port| SocketAddr::from(([127, 0, 0, 1], *port)))
            .collect()
    }

    /// Replica `i`, when it runs.
    pub fn service(&self, i: usize) -> Option<&Service> {
        self.replicas.get(i).and_then(Option::as_ref)
    }

    /// Kills replica `i` without warning.
    pub fn kill(&mut self, i: usize) {
        if let Some(service) = self.replicas.get_mut(i).and_then(Option::take) {
            service.kill();
        }
    }

    /// Starts replica `i` (again) on its port.
    pub async fn restart(&mut self, i: usize) -> Result<(), bench::Error> {
        let service =
            Service::start_on(&self.binary, &self.env, Some(&self.log), self.ports[i]).await?;
        self.replicas[i] = Some(service);
        Ok(())
    }

    /// Waits until a live replica reports an empty queue (or `limit` passes);
    /// true when it emptied. The function edition keeps no queue.
    pub async fn drained(&self, limit: Duration) -> bool {
        let started = std::time::Instant::now();
        loop {
            let mut depth = None;
            for (addr, up) in self.addrs().into_iter().zip(&self.replicas) {
                if up.is_some()
                    && let Ok(counters) = scrape::read(addr).await
                {
                    depth = Some(counters.queue_depth.unwrap_or(0));
                    break;
                }
            }
            if depth == Some(0) {
                return true;
            }
            if started.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Stops every replica gracefully and removes the store.
    pub async fn stop(mut self) {
        for replica in self.replicas.iter_mut() {
            if let Some(service) = replica.take() {
                service.stop(Duration::from_secs(15)).await;
            }
        }
        self.state.remove().await;
    }
}
