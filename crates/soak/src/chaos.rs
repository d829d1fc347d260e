//! The kills of a soak: the service edition is killed (SIGKILL) twice during
//! the sending window and restarted two seconds later each time; in the cluster
//! edition one of the two replicas is killed once and stays down, so the other
//! must take over what it held. The function edition is left alone.

use std::time::{Duration, Instant};

use bench::services::Edition;

use crate::fleet::Fleet;

/// Kills and restarts as the edition's plan says, timed from `started` over `window`.
pub async fn run(fleet: &mut Fleet, started: Instant, window: Duration) -> Vec<String> {
    let mut log = Vec::new();
    let at = |share: f64| started + window.mul_f64(share);
    match fleet.spec.edition {
        Edition::Function => {}
        Edition::Service => {
            for share in [0.3, 0.6] {
                tokio::time::sleep_until(at(share).into()).await;
                fleet.kill(0);
                log.push(format!("killed the service at {:.1} s", secs(started)));
                tokio::time::sleep(Duration::from_secs(2)).await;
                match fleet.restart(0).await {
                    Ok(()) => log.push(format!("restarted it at {:.1} s", secs(started))),
                    Err(error) => log.push(format!("could not restart it: {error}")),
                }
            }
        }
        Edition::Cluster => {
            tokio::time::sleep_until(at(0.3).into()).await;
            fleet.kill(1);
            log.push(format!(
                "killed replica 2 of 2 at {:.1} s (not restarted)",
                secs(started)
            ));
        }
    }
    log
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}
