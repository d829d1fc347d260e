//! Fault injection for the two API routes: shares of 500s, 429s (with and
//! without `Retry-After`) and held requests, added latency, and a queue of
//! faults to serve next. Draws come from a seeded RNG so a test can repeat them.
//! Deciding only: answering is the API handlers' job.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The two API routes the faults and counters are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// `POST …/incidents/{id}/comments`
    Comments,
    /// `PUT …/incidents/{id}/status`
    Status,
}

impl Route {
    pub const ALL: [Route; 2] = [Route::Comments, Route::Status];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Comments => "comments",
            Route::Status => "status",
        }
    }

    /// The route named `name` (`comments` or `status`).
    pub fn parse(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.as_str() == name)
    }
}

/// Standing fault settings for one route. Shares are probabilities from 0 to
/// 1, drawn once per request in the order timeout, 500, 429 with
/// `Retry-After`, 429 without; their sum is the share of faulty answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultSettings {
    /// Share of requests answered 500.
    pub server_error_share: f64,
    /// Share of requests answered 429 with `Retry-After`.
    pub rate_limit_share: f64,
    /// The `Retry-After` seconds sent with those 429s.
    pub retry_after_secs: u64,
    /// Share of requests answered 429 without `Retry-After`.
    pub rate_limit_bare_share: f64,
    /// Share of requests held for `timeout_hold_ms`, then answered 504.
    pub timeout_share: f64,
    /// How long a held request is held.
    pub timeout_hold_ms: u64,
    /// Delay added before every answer on this route.
    pub latency_ms: u64,
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            server_error_share: 0.0,
            rate_limit_share: 0.0,
            retry_after_secs: 1,
            rate_limit_bare_share: 0.0,
            timeout_share: 0.0,
            timeout_hold_ms: 30_000,
            latency_ms: 0,
        }
    }
}

impl FaultSettings {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// The same settings with `share` of requests answered 500.
    pub fn server_errors(mut self, share: f64) -> Self {
        self.server_error_share = share;
        self
    }

    /// The same settings with `share` of requests answered 429, carrying
    /// `Retry-After: secs` when `retry_after_secs` is given.
    pub fn rate_limited(mut self, share: f64, retry_after_secs: Option<u64>) -> Self {
        match retry_after_secs {
            Some(secs) => {
                self.rate_limit_share = share;
                self.retry_after_secs = secs;
            }
            None => self.rate_limit_bare_share = share,
        }
        self
    }

    /// The same settings with `share` of requests held for `hold`, then 504.
    pub fn timeouts(mut self, share: f64, hold: Duration) -> Self {
        self.timeout_share = share;
        self.timeout_hold_ms = millis(hold);
        self
    }

    /// The same settings with `latency` added to every answer.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency_ms = millis(latency);
        self
    }

    /// Why these settings make no sense, if they do not.
    pub fn problem(&self) -> Option<String> {
        let shares = [
            ("serverErrorShare", self.server_error_share),
            ("rateLimitShare", self.rate_limit_share),
            ("rateLimitBareShare", self.rate_limit_bare_share),
            ("timeoutShare", self.timeout_share),
        ];
        shares
            .iter()
            .find(|(_, share)| !(0.0..=1.0).contains(share))
            .map(|(name, _)| format!("{name}: must be between 0 and 1"))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One faulty answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// Answer 500.
    ServerError,
    /// Answer 429, with `Retry-After` when `retry_after_secs` is set.
    #[serde(rename_all = "camelCase")]
    RateLimited { retry_after_secs: Option<u64> },
    /// Hold the request for `hold_ms` without answering, then answer 504.
    #[serde(rename_all = "camelCase")]
    Timeout { hold_ms: u64 },
}

impl Fault {
    /// The status the request is finally answered with.
    pub fn status(self) -> u16 {
        match self {
            Fault::ServerError => 500,
            Fault::RateLimited { .. } => 429,
            Fault::Timeout { .. } => 504,
        }
    }
}

/// What the handler must do before (or instead of) the real work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub fault: Option<Fault>,
}

/// Settings, queues and RNG of one route.
#[derive(Debug)]
struct RouteFaults {
    settings: FaultSettings,
    queue: VecDeque<Fault>,
    rng: StdRng,
}

impl RouteFaults {
    fn new(seed: u64) -> Self {
        Self {
            settings: FaultSettings::default(),
            queue: VecDeque::new(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn decide(&mut self) -> Decision {
        let latency = Duration::from_millis(self.settings.latency_ms);
        if let Some(fault) = self.queue.pop_front() {
            return Decision {
                latency,
                fault: Some(fault),
            };
        }

        // Draw even when every share is zero, so a route's sequence of
        // outcomes depends only on the seed and its request count.
        let draw: f64 = self.rng.random();
        let s = &self.settings;
        let bands = [
            (
                s.timeout_share,
                Fault::Timeout {
                    hold_ms: s.timeout_hold_ms,
                },
            ),
            (s.server_error_share, Fault::ServerError),
            (
                s.rate_limit_share,
                Fault::RateLimited {
                    retry_after_secs: Some(s.retry_after_secs),
                },
            ),
            (
                s.rate_limit_bare_share,
                Fault::RateLimited {
                    retry_after_secs: None,
                },
            ),
        ];
        let mut upper = 0.0;
        let mut fault = None;
        for (share, candidate) in bands {
            upper += share;
            if draw < upper {
                fault = Some(candidate);
                break;
            }
        }
        Decision { latency, fault }
    }
}

/// The fault state of both routes.
#[derive(Debug)]
pub(crate) struct FaultBoard {
    seed: u64,
    comments: RouteFaults,
    status: RouteFaults,
}

impl FaultBoard {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            comments: RouteFaults::new(route_seed(seed, Route::Comments)),
            status: RouteFaults::new(route_seed(seed, Route::Status)),
        }
    }

    fn route(&mut self, route: Route) -> &mut RouteFaults {
        match route {
            Route::Comments => &mut self.comments,
            Route::Status => &mut self.status,
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn settings(&self, route: Route) -> FaultSettings {
        match route {
            Route::Comments => self.comments.settings.clone(),
            Route::Status => self.status.settings.clone(),
        }
    }

    pub fn queued(&self, route: Route) -> Vec<Fault> {
        let faults = match route {
            Route::Comments => &self.comments,
            Route::Status => &self.status,
        };
        faults.queue.iter().copied().collect()
    }

    pub fn set(&mut self, route: Route, settings: FaultSettings) {
        self.route(route).settings = settings;
    }

    pub fn push(&mut self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        self.route(route).queue.extend(faults);
    }

    pub fn decide(&mut self, route: Route) -> Decision {
        self.route(route).decide()
    }
}

/// Each route draws from its own stream so one route's traffic does not shift
/// the other's outcomes.
fn route_seed(seed: u64, route: Route) -> u64 {
    match route {
        Route::Comments => seed,
        Route::Status => seed ^ 0x9e37_79b9_7f4a_7c15,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(board: &mut FaultBoard, route: Route, n: usize) -> Vec<Option<u16>> {
        (0..n)
            .map(|_| board.decide(route).fault.map(Fault::status))
            .collect()
    }

    #[test]
    fn full_shares_always_fault_and_zero_never() {
        let mut board = FaultBoard::new(1);
        assert_eq!(outcomes(&mut board, Route::Comments, 20), vec![None; 20]);

        board.set(Route::Comments, FaultSettings::none().server_errors(1.0));
        assert_eq!(
            outcomes(&mut board, Route::Comments, 20),
            vec![Some(500); 20]
        );
        assert_eq!(outcomes(&mut board, Route::Status, 5), vec![None; 5]);

        board.set(Route::Status, FaultSettings::none().rate_limited(1.0, None));
        let decision = board.decide(Route::Status);
        assert_eq!(
            decision.fault,
            Some(Fault::RateLimited {
                retry_after_secs: None
            })
        );
    }

    #[test]
    fn same_seed_same_sequence() {
        let settings = FaultSettings::none()
            .server_errors(0.3)
            .rate_limited(0.3, Some(2));
        let run = |seed| {
            let mut board = FaultBoard::new(seed);
            board.set(Route::Comments, settings.clone());
            outcomes(&mut board, Route::Comments, 50)
        };
        let first = run(42);
        assert_eq!(first, run(42));
        assert!(first.contains(&None) && first.contains(&Some(500)) && first.contains(&Some(429)));
    }

    #[test]
    fn queued_faults_come_first_and_in_order() {
        let mut board = FaultBoard::new(0);
        board.set(
            Route::Comments,
            FaultSettings::none().latency(Duration::from_millis(5)),
        );
        board.push(
            Route::Comments,
            [Fault::ServerError, Fault::Timeout { hold_ms: 10 }],
        );
        let first = board.decide(Route::Comments);
        assert_eq!(first.fault, Some(Fault::ServerError));
        assert_eq!(first.latency, Duration::from_millis(5));
        assert_eq!(
            board.decide(Route::Comments).fault,
            Some(Fault::Timeout { hold_ms: 10 })
        );
        assert_eq!(board.decide(Route::Comments).fault, None);
    }

    #[test]
    fn shares_outside_zero_to_one_are_a_problem() {
        assert!(FaultSettings::none().server_errors(1.5).problem().is_some());
        assert!(FaultSettings::none().server_errors(1.0).problem().is_none());
    }

    #[test]
    fn fault_json_is_tagged() {
        let json = serde_json::to_string(&Fault::RateLimited {
            retry_after_secs: Some(3),
        })
        .unwrap_or_default();
        assert_eq!(json, r#"{"kind":"rateLimited","retryAfterSecs":3}"#);
    }
}
