//! Fault injection per route: shares of 500s, 429s (with and without
//! `Retry-After`), timeouts and lost replies, added latency, and scripted
//! outcomes for the next calls. The dice are seeded so a run can be repeated.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The routes faults and counters are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `POST /auth/token`
    Token,
    /// `GET /api/Tickets`
    TicketsList,
    /// `GET /api/Tickets/{id}`
    TicketGet,
    /// `POST /api/Tickets`
    TicketsPost,
    /// `POST /api/Actions`
    ActionsPost,
    /// `GET /api/Actions`
    ActionsGet,
    /// `GET /api/Agent`, `/api/Agent/me`, `/api/Status`, `/api/TicketType`,
    /// `/api/Priority`, `/api/Outcome`, `/api/Client`
    Lookups,
}

impl Route {
    pub const ALL: [Route; 7] = [
        Route::Token,
        Route::TicketsList,
        Route::TicketGet,
        Route::TicketsPost,
        Route::ActionsPost,
        Route::ActionsGet,
        Route::Lookups,
    ];

    /// The name used in admin paths and counter keys, e.g. `tickets_post`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::TicketsList => "tickets_list",
            Route::TicketGet => "ticket_get",
            Route::TicketsPost => "tickets_post",
            Route::ActionsPost => "actions_post",
            Route::ActionsGet => "actions_get",
            Route::Lookups => "lookups",
        }
    }

    pub fn parse(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Routes that store something, where a reply can be lost after the write.
    pub fn writes(self) -> bool {
        matches!(self, Route::TicketsPost | Route::ActionsPost)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The faults of one route. Shares are probabilities in 0..=1, drawn in the
/// order listed; their sum past 1 is cut off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteFaults {
    /// Answer 500 with a Halo exception body.
    pub share_500: f64,
    /// Answer 429 with `Retry-After: retry_after_secs`.
    pub share_429: f64,
    /// Answer 429 without `Retry-After`.
    pub share_429_no_retry_after: f64,
    pub retry_after_secs: u64,
    /// Hold the request without an answer (see `Settings::hold_ms`).
    pub share_timeout: f64,
    /// Writes only: store the ticket or action, then hold as a timeout does.
    pub share_reply_lost: f64,
    /// Added before every answer on this route.
    pub latency_ms: u64,
}

impl Default for RouteFaults {
    fn default() -> Self {
        Self {
            share_500: 0.0,
            share_429: 0.0,
            share_429_no_retry_after: 0.0,
            retry_after_secs: 30,
            share_timeout: 0.0,
            share_reply_lost: 0.0,
            latency_ms: 0,
        }
    }
}

impl RouteFaults {
    fn draws(&self) -> bool {
        self.share_500 > 0.0
            || self.share_429 > 0.0
            || self.share_429_no_retry_after > 0.0
            || self.share_timeout > 0.0
            || self.share_reply_lost > 0.0
    }
}

/// What happens to one call, drawn from the shares or taken from a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Served normally.
    Pass,
    #[serde(rename = "error_500")]
    Error500,
    RateLimited {
        /// `None`: no `Retry-After` header.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    Timeout,
    /// Writes only (elsewhere it acts as [`Fault::Timeout`]).
    ReplyLost,
}

/// Every route's faults, and the seed the dice restart from when set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPlan {
    pub seed: Option<u64>,
    pub routes: BTreeMap<Route, RouteFaults>,
}

impl FaultPlan {
    /// A plan with faults on one route.
    pub fn on(route: Route, faults: RouteFaults) -> Self {
        Self {
            seed: None,
            routes: BTreeMap::from([(route, faults)]),
        }
    }
}

/// The outcome for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub fault: Fault,
}

/// The plan plus its running state: one seeded die and one script per route,
/// so the draws of a route do not depend on traffic to other routes.
#[derive(Debug)]
pub(crate) struct FaultState {
    plan: FaultPlan,
    seed: u64,
    dice: Vec<StdRng>,
    scripts: Vec<VecDeque<Fault>>,
}

impl FaultState {
    pub fn new(seed: u64) -> Self {
        Self {
            plan: FaultPlan::default(),
            seed,
            dice: dice(seed),
            scripts: vec![VecDeque::new(); Route::ALL.len()],
        }
    }

    pub fn plan(&self) -> FaultPlan {
        let mut plan = self.plan.clone();
        plan.seed = Some(self.seed);
        plan
    }

    /// Replaces the plan; the dice restart from the plan's seed (or the current one).
    pub fn set_plan(&mut self, plan: FaultPlan) {
        self.seed = plan.seed.unwrap_or(self.seed);
        self.dice = dice(self.seed);
        self.plan = plan;
    }

    pub fn set_route(&mut self, route: Route, faults: RouteFaults) {
        self.plan.routes.insert(route, faults);
    }

    /// Queues outcomes for the next calls of `route`, before any drawing.
    pub fn push_script(&mut self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        self.scripts[route.index()].extend(faults);
    }

    pub fn decide(&mut self, route: Route) -> Decision {
        let faults = self.plan.routes.get(&route);
        let latency = Duration::from_millis(faults.map_or(0, |f| f.latency_ms));
        if let Some(fault) = self.scripts[route.index()].pop_front() {
            return Decision { latency, fault };
        }
        let fault = match faults.filter(|f| f.draws()) {
            Some(f) => draw(&mut self.dice[route.index()], f, route),
            None => Fault::Pass,
        };
        Decision { latency, fault }
    }
}

fn dice(seed: u64) -> Vec<StdRng> {
    Route::ALL
        .iter()
        .map(|r| {
            StdRng::seed_from_u64(seed ^ (r.index() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        })
        .collect()
}

fn draw(die: &mut StdRng, f: &RouteFaults, route: Route) -> Fault {
    let roll: f64 = die.random();
    let reply_lost = if route.writes() {
        f.share_reply_lost
    } else {
        0.0
    };
    let bands = [
        (f.share_500, Fault::Error500),
        (
            f.share_429,
            Fault::RateLimited {
                retry_after_secs: Some(f.retry_after_secs),
            },
        ),
        (
            f.share_429_no_retry_after,
            Fault::RateLimited {
                retry_after_secs: None,
            },
        ),
        (f.share_timeout, Fault::Timeout),
        (reply_lost, Fault::ReplyLost),
    ];
    let mut edge = 0.0;
    for (share, fault) in bands {
        edge += share.clamp(0.0, 1.0);
        if roll < edge {
            return fault;
        }
    }
    Fault::Pass
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(state: &mut FaultState, route: Route, n: usize) -> Vec<Fault> {
        (0..n).map(|_| state.decide(route).fault).collect()
    }

    #[test]
    fn route_names_round_trip() {
        for route in Route::ALL {
            assert_eq!(Route::parse(route.name()), Some(route));
            let json = serde_json::to_string(&route).unwrap();
            assert_eq!(json, format!("\"{}\"", route.name()));
        }
    }

    #[test]
    fn share_one_always_faults_and_zero_never() {
        let mut state = FaultState::new(1);
        state.set_route(
            Route::TicketGet,
            RouteFaults {
                share_500: 1.0,
                ..RouteFaults::default()
            },
        );
        assert!(
            draws(&mut state, Route::TicketGet, 50)
                .iter()
                .all(|f| *f == Fault::Error500)
        );
        assert!(
            draws(&mut state, Route::TicketsList, 50)
                .iter()
                .all(|f| *f == Fault::Pass)
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let faults = RouteFaults {
            share_429: 0.3,
            share_timeout: 0.2,
            ..RouteFaults::default()
        };
        let run = |seed| {
            let mut state = FaultState::new(0);
            state.set_plan(FaultPlan {
                seed: Some(seed),
                ..FaultPlan::on(Route::Token, faults.clone())
            });
            draws(&mut state, Route::Token, 200)
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let mixed = run(7);
        assert!(mixed.contains(&Fault::Pass) && mixed.contains(&Fault::Timeout));
    }

    #[test]
    fn reply_lost_applies_to_writes_only() {
        let mut state = FaultState::new(1);
        let lost = RouteFaults {
            share_reply_lost: 1.0,
            ..RouteFaults::default()
        };
        state.set_route(Route::TicketGet, lost.clone());
        state.set_route(Route::ActionsPost, lost);
        assert_eq!(state.decide(Route::TicketGet).fault, Fault::Pass);
        assert_eq!(state.decide(Route::ActionsPost).fault, Fault::ReplyLost);
    }

    #[test]
    fn scripts_come_first_then_drawing_resumes() {
        let mut state = FaultState::new(1);
        state.set_route(
            Route::Lookups,
            RouteFaults {
                latency_ms: 5,
                ..RouteFaults::default()
            },
        );
        state.push_script(Route::Lookups, [Fault::Error500, Fault::Timeout]);
        let first = state.decide(Route::Lookups);
        assert_eq!(
            first,
            Decision {
                latency: Duration::from_millis(5),
                fault: Fault::Error500
            }
        );
        assert_eq!(
            draws(&mut state, Route::Lookups, 2),
            vec![Fault::Timeout, Fault::Pass]
        );
    }
}
