//! Tuning for [`crate::connect`]: the memory backend's bounds, pool sizes and waits.
//! Which backend to open is the URL's business, not this.

use std::time::Duration;

/// How a backend is sized. `Default` suits production; tests shrink the bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Memory backend: finished deliveries (`Done`, and `Dead`, which are finished too)
    /// kept as the processed-event record; beyond this the oldest finished go first.
    pub memory_max_finished: usize,
    /// Memory backend: finished deliveries are also dropped once this long has passed
    /// since they finished, measured on the times callers pass in.
    pub memory_finished_max_age: Duration,
    /// Memory backend: reference → ticket links kept; the least recently used go first.
    pub memory_max_links: usize,
    /// Memory backend: tickets whose forwarding progress is kept; least recently used go first.
    pub memory_max_tickets: usize,
    /// PostgreSQL: connections in the pool.
    pub postgres_pool_size: u32,
    /// SQLite: read connections beside the single writer.
    pub sqlite_readers: u32,
    /// How long to wait for a PostgreSQL connection, or for SQLite's file lock.
    pub connect_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            memory_max_finished: 100_000,
            memory_finished_max_age: Duration::from_secs(24 * 60 * 60),
            memory_max_links: 100_000,
            memory_max_tickets: 100_000,
            postgres_pool_size: 10,
            sqlite_readers: 4,
            connect_timeout: Duration::from_secs(10),
        }
    }
}
