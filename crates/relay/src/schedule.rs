//! When to try a failed delivery again: seconds at first, growing to an hour,
//! with jitter so a recovering upstream is not hit by every delivery at once,
//! and giving up (dead letter) once about a day has passed since it arrived.

use rand::Rng;
use std::time::Duration;

/// The waits after the 1st, 2nd, … failed attempt; the last repeats.
const STEPS_SECS: [u64; 12] = [2, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 3600];

/// How long after its arrival a delivery is given up on.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again after this wait.
    RetryIn(Duration),
    /// Stop: move to the dead letters.
    GiveUp,
}

/// The decision after attempt number `attempts` (1 = the first) failed, for a
/// delivery that arrived `age` ago; `upstream_wait` is what the upstream asked
/// for (`Retry-After`), honoured when longer than the schedule.
pub fn after_failure(attempts: u32, age: Duration, upstream_wait: Option<Duration>) -> Next {
    if age >= GIVE_UP_AFTER {
        return Next::GiveUp;
    }
    let index = (attempts.max(1) as usize - 1).min(STEPS_SECS.len() - 1);
    let base = Duration::from_secs(STEPS_SECS[index]);
    // ±20 % jitter spreads the retries of a burst that failed together.
    let factor = rand::rng().random_range(0.8..=1.2);
    let jittered = base.mul_f64(factor);
    Next::RetryIn(jittered.max(upstream_wait.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(next: Next) -> Duration {
        match next {
            Next::RetryIn(d) => d,
            Next::GiveUp => panic!("expected a retry"),
        }
    }

    #[test]
    fn grows_from_seconds_to_an_hour_with_jitter() {
        let first = wait(after_failure(1, Duration::ZERO, None));
        assert!(first >= Duration::from_millis(1600) && first <= Duration::from_millis(2400));
        let late = wait(after_failure(40, Duration::from_secs(3600), None));
        assert!(late >= Duration::from_secs(2880) && late <= Duration::from_secs(4320));
    }

    #[test]
    fn honours_a_longer_upstream_wait() {
        let asked = Duration::from_secs(90);
        assert_eq!(wait(after_failure(1, Duration::ZERO, Some(asked))), asked);
    }

    #[test]
    fn gives_up_after_a_day() {
        assert_eq!(after_failure(3, GIVE_UP_AFTER, None), Next::GiveUp);
        assert!(matches!(
            after_failure(30, GIVE_UP_AFTER / 2, None),
            Next::RetryIn(_)
        ));
    }

    #[test]
    fn the_schedule_spans_about_a_day() {
        // Summing the schedule's middle values must reach the give-up age within
        // a few dozen attempts, so a dead delivery does not linger for weeks.
        let mut total = Duration::ZERO;
        let mut attempts = 0;
        while total < GIVE_UP_AFTER {
            attempts += 1;
            let index = (attempts - 1).min(STEPS_SECS.len() - 1);
            total += Duration::from_secs(STEPS_SECS[index]);
        }
        assert!(attempts < 40, "{attempts}");
    }
}
