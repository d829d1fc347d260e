//! How many answers each API route gave, by status code, so tests and
//! benchmarks can check what the bridge really sent.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::faults::Route;

/// Answers per route and status. A held request (timeout fault) counts as a
/// 504 from the moment it is held, since the client may give up before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub comments: BTreeMap<u16, u64>,
    pub status: BTreeMap<u16, u64>,
}

impl Counters {
    fn route(&self, route: Route) -> &BTreeMap<u16, u64> {
        match route {
            Route::Comments => &self.comments,
            Route::Status => &self.status,
        }
    }

    pub(crate) fn record(&mut self, route: Route, status: u16) {
        let map = match route {
            Route::Comments => &mut self.comments,
            Route::Status => &mut self.status,
        };
        *map.entry(status).or_default() += 1;
    }

    /// How many answers `route` gave with `status`.
    pub fn get(&self, route: Route, status: u16) -> u64 {
        self.route(route).get(&status).copied().unwrap_or(0)
    }

    /// How many requests `route` answered in all.
    pub fn total(&self, route: Route) -> u64 {
        self.route(route).values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_status() {
        let mut counters = Counters::default();
        counters.record(Route::Comments, 201);
        counters.record(Route::Comments, 201);
        counters.record(Route::Comments, 500);
        counters.record(Route::Status, 409);
        assert_eq!(counters.get(Route::Comments, 201), 2);
        assert_eq!(counters.get(Route::Status, 201), 0);
        assert_eq!(counters.total(Route::Comments), 3);
        assert_eq!(counters.total(Route::Status), 1);
    }
}
