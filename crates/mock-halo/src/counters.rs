//! Counts of every API call by route and answered status, for assertions and
//! benchmarks. Status 0 counts a call that got no timely answer (held by a
//! timeout or lost-reply fault).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::faults::Route;

/// The status recorded for a call held without an answer.
pub const NO_REPLY: u16 = 0;

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    cells: BTreeMap<(Route, u16), u64>,
}

impl Counters {
    /// Calls of `route` answered with `status`.
    pub fn get(&self, route: Route, status: u16) -> u64 {
        self.cells.get(&(route, status)).copied().unwrap_or(0)
    }

    /// Calls of `route`, whatever the answer.
    pub fn route_total(&self, route: Route) -> u64 {
        self.cells
            .iter()
            .filter(|((r, _), _)| *r == route)
            .map(|(_, n)| n)
            .sum()
    }

    /// Every call counted.
    pub fn total(&self) -> u64 {
        self.cells.values().sum()
    }
}

/// As JSON: `{"ticket_get": {"200": 3, "404": 1}, …}`.
impl Serialize for Counters {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut nested: BTreeMap<&str, BTreeMap<String, u64>> = BTreeMap::new();
        for ((route, status), n) in &self.cells {
            nested
                .entry(route.name())
                .or_default()
                .insert(status.to_string(), *n);
        }
        nested.serialize(serializer)
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct CounterBoard {
    cells: Mutex<BTreeMap<(Route, u16), u64>>,
}

impl CounterBoard {
    pub fn record(&self, route: Route, status: u16) {
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        *cells.entry((route, status)).or_insert(0) += 1;
    }

    pub fn snapshot(&self) -> Counters {
        Counters {
            cells: self.cells.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    pub fn clear(&self) {
        self.cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_status() {
        let board = CounterBoard::default();
        board.record(Route::TicketGet, 200);
        board.record(Route::TicketGet, 200);
        board.record(Route::TicketGet, 404);
        board.record(Route::Token, NO_REPLY);
        let counters = board.snapshot();
        assert_eq!(counters.get(Route::TicketGet, 200), 2);
        assert_eq!(counters.route_total(Route::TicketGet), 3);
        assert_eq!(counters.total(), 4);
        assert_eq!(
            serde_json::to_value(&counters).unwrap(),
            serde_json::json!({"ticket_get": {"200": 2, "404": 1}, "token": {"0": 1}})
        );
        board.clear();
        assert_eq!(board.snapshot().total(), 0);
    }
}
