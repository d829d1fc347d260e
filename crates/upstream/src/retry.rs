//! How often and how long to wait between attempts: [`RetryPolicy`] with exponential
//! backoff and full jitter, and [`parse_retry_after`] for the server's own wish.
//! Deciding *whether* a failure may be retried is the request helper's job, not this file's.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// How many times a request is tried and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 counts as 1.
    pub max_attempts: u32,
    /// The ceiling of the first backoff; each later one doubles it.
    pub base_delay: Duration,
    /// The longest wait this process will sit through. A server asking for more
    /// (`Retry-After`) gets an immediate "rate limited" so the caller can schedule.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Attempts in all, never fewer than one.
    pub fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The ceiling of the wait after failed attempt `attempt` (1-based):
    /// `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base_delay
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait after failed attempt `attempt`: uniformly random between zero and
    /// [`RetryPolicy::ceiling`] ("full jitter"), so that many clients that failed
    /// together do not all come back at the same instant.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.backoff_with(attempt, &mut rand::rng())
    }

    /// [`RetryPolicy::backoff`] drawing from a given random source (tests seed one).
    pub fn backoff_with<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

/// Reads a `Retry-After` value: whole seconds (`"120"`) or an HTTP date
/// (`"Wed, 22 Apr 2026 15:00:00 GMT"`), the latter measured from `now`. A date in
/// the past means "now" (zero); anything unreadable gives `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A number too large for u64 is still a clear "much later".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `"; retry after 30s"` for an error message, or nothing when no wait is known.
pub fn wait_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; retry after {}s", wait.as_secs_f64().ceil() as u64),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::time::UNIX_EPOCH;

    #[test]
    fn defaults_are_three_attempts_from_250ms_capped_at_5s() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts, 3);
        assert_eq!(policy.base_delay, Duration::from_millis(250));
        assert_eq!(policy.max_delay, Duration::from_secs(5));
    }

    #[test]
    fn ceiling_doubles_and_stops_at_the_cap() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<u128> = (1..=7).map(|a| policy.ceiling(a).as_millis()).collect();
        assert_eq!(ceilings, vec![250, 500, 1000, 2000, 4000, 5000, 5000]);
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn backoff_stays_within_the_ceiling_and_varies() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        let waits: Vec<Duration> = (0..200).map(|_| policy.backoff_with(3, &mut rng)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(1)));
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 150, "jitter should spread the waits");
    }

    #[test]
    fn zero_attempts_means_one() {
        let policy = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.attempts(), 1);
    }

    #[test]
    fn retry_after_in_seconds() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(1_776_870_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    }

    #[test]
    fn wait_hint_rounds_up_to_whole_seconds() {
        assert_eq!(
            wait_hint(Some(Duration::from_millis(1_500))),
            "; retry after 2s"
        );
        assert_eq!(wait_hint(None), "");
    }

    #[test]
    fn unreadable_retry_after_is_none() {
        let now = UNIX_EPOCH;
        for bad in ["", "-5", "1.5", "soon", "Wed, 99 Foo 2026"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
