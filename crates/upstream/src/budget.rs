//! A client-side request budget over a rolling window ("at most N requests in any
//! five minutes"). When it is spent, callers wait on the [`Clock`] for the oldest
//! request to leave the window; they never fail. What the server does is not modelled.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::Clock;

/// At most `limit` requests start within any `window`.
pub struct RequestBudget {
    limit: usize,
    window: Duration,
    clock: Arc<dyn Clock>,
    started: Mutex<VecDeque<SystemTime>>,
}

impl std::fmt::Debug for RequestBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBudget")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl RequestBudget {
    /// A budget of `limit` requests per `window`; `None` when `limit` is 0 (no limit).
    pub fn new(limit: u32, window: Duration, clock: Arc<dyn Clock>) -> Option<Self> {
        (limit > 0).then(|| Self {
            limit: limit as usize,
            window,
            clock,
            started: Mutex::new(VecDeque::new()),
        })
    }

    /// Takes one slot, waiting (on the clock) as long as the window is full.
    pub async fn acquire(&self) {
        loop {
            let wait = match self.try_take() {
                None => return,
                Some(wait) => wait,
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "request budget spent; waiting"
            );
            self.clock.sleep(wait).await;
        }
    }

    /// Takes a slot if one is free, else says how long until the oldest one frees.
    fn try_take(&self) -> Option<Duration> {
        let now = self.clock.now();
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(oldest) = started.front() {
            let age = now.duration_since(*oldest).unwrap_or(Duration::ZERO);
            if age < self.window {
                break;
            }
            started.pop_front();
        }
        if started.len() < self.limit {
            started.push_back(now);
            return None;
        }
        let oldest = started.front().copied().unwrap_or(now);
        let age = now.duration_since(oldest).unwrap_or(Duration::ZERO);
        Some(
            self.window
                .saturating_sub(age)
                .max(Duration::from_millis(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn zero_means_no_budget() {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_unix(0));
        assert!(RequestBudget::new(0, FIVE_MINUTES, clock).is_none());
    }

    #[tokio::test]
    async fn a_full_window_makes_the_caller_wait_for_the_oldest_slot() {
        let clock = Arc::new(ManualClock::at_unix(1_000));
        let budget = RequestBudget::new(2, FIVE_MINUTES, clock.clone()).unwrap();

        budget.acquire().await;
        clock.advance(Duration::from_secs(100));
        budget.acquire().await;
        assert!(clock.sleeps().is_empty());

        budget.acquire().await;
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(200)]);
        assert_eq!(clock.unix_seconds(), 1_300);

        // The second slot was taken at 1_100, so the next wait ends at 1_400.
        budget.acquire().await;
        assert_eq!(clock.sleeps()[1], Duration::from_secs(100));
    }

    #[tokio::test]
    async fn slots_free_up_as_the_window_rolls() {
        let clock = Arc::new(ManualClock::at_unix(0));
        let budget = RequestBudget::new(1, FIVE_MINUTES, clock.clone()).unwrap();
        budget.acquire().await;
        clock.advance(FIVE_MINUTES);
        budget.acquire().await;
        assert!(clock.sleeps().is_empty());
    }
}
