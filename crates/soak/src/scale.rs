//! How big and how long a soak is: the full form of the task, and the short
//! form CI runs in a few minutes. Only sizes and times differ; the faults and
//! the kills are the same.

use std::time::Duration;

use crate::sender::Patience;

/// Sizes and times of one soak.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub name: &'static str,
    /// Distinct ContraForce incidents.
    pub incidents: usize,
    /// Halo tickets, each with 1–5 public notes, a private and an own note.
    pub tickets: usize,
    /// The first copies of all deliveries go out over this long.
    pub window: Duration,
    /// Late copies come up to this long after their first copy.
    pub late: Duration,
    /// How long mock Halo holds a "timed out" request (past the bridge's 10 s timeout).
    pub hold: Duration,
    /// The senders' patience.
    pub patience: Patience,
    /// How long the bridge may take to finish its queue once sending is over.
    pub settle: Duration,
}

impl Scale {
    pub const FULL: Scale = Scale {
        name: "full",
        incidents: 1000,
        tickets: 300,
        window: Duration::from_secs(120),
        late: Duration::from_secs(180),
        hold: Duration::from_secs(11),
        patience: Patience {
            request_timeout: Duration::from_secs(60),
            max_wait: Duration::from_secs(30),
            give_up_after: Duration::from_secs(1800),
        },
        settle: Duration::from_secs(600),
    };

    pub const SHORT: Scale = Scale {
        name: "short",
        incidents: 120,
        tickets: 30,
        window: Duration::from_secs(10),
        late: Duration::from_secs(15),
        // Shorter than the bridge's 10 s upstream timeout: the mock gives up
        // first and answers 504, which the bridge treats as it treats a timeout
        // (a create's fate is unknown either way), in a third of the time.
        hold: Duration::from_secs(3),
        patience: Patience {
            request_timeout: Duration::from_secs(60),
            max_wait: Duration::from_secs(3),
            give_up_after: Duration::from_secs(150),
        },
        settle: Duration::from_secs(120),
    };
}
