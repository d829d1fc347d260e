//! The kills of a soak: the service edition is killed (SIGKILL) twice during
//! the sending window and restarted two seconds later each time; in the cluster
//! edition one of the two replicas is killed once and stays down, so the other
//! must take over what it held. The function edition is left alone.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bench::services::Edition;

use crate::fleet::Fleet;

/// What the kills did: lines for the report, and when each kill happened.
#[derive(Debug, Default)]
pub struct Kills {
    pub log: Vec<String>,
    /// Wall-clock times of the kills, in Unix milliseconds (the mocks' clock).
    pub at_unix_ms: Vec<i64>,
}

impl Kills {
    /// Whether `at_unix_ms` falls within `window_ms` before a kill: work done
    /// upstream then may not have been recorded by the bridge before it died.
    pub fn just_before_one(&self, at_unix_ms: i64, window_ms: i64) -> bool {
        self.at_unix_ms
            .iter()
            .any(|kill| (kill - window_ms..=*kill).contains(&at_unix_ms))
    }
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Kills and restarts as the edition's plan says, timed from `started` over `window`.
pub async fn run(fleet: &mut Fleet, started: Instant, window: Duration) -> Kills {
    let mut kills = Kills::default();
    let log = &mut kills.log;
    let at = |share: f64| started + window.mul_f64(share);
    match fleet.spec.edition {
        Edition::Function => {}
        Edition::Service => {
            for share in [0.3, 0.6] {
                tokio::time::sleep_until(at(share).into()).await;
                kills.at_unix_ms.push(unix_ms());
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
            kills.at_unix_ms.push(unix_ms());
            fleet.kill(1);
            log.push(format!(
                "killed replica 2 of 2 at {:.1} s (not restarted)",
                secs(started)
            ));
        }
    }
    kills
}

fn secs(since: Instant) -> f64 {
    since.elapsed().as_secs_f64()
}
