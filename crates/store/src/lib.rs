//! The bridge's state behind one interface, [`Store`], with three backends chosen
//! by `STATE_URL`: `memory:` (bounded, for the stateless function edition),
//! `sqlite://PATH` (service edition) and `postgres://…` (cluster edition).
//!
//! What it keeps: every verified delivery with its raw body and headers (the
//! durable intake queue, also the processed-event record and the dead letters),
//! reference → Halo ticket links, per-ticket forwarded actions and last reported
//! state, and leased named locks for per-incident / per-ticket serialisation.
//! It knows nothing of HTTP or of either upstream.
//!
//! All times are Unix milliseconds supplied by the caller, so tests control time.
//!
//! Modules: `state_url` reads `STATE_URL`; `options` sizes the backends; `memory`,
//! `sqlite` and `postgres` are the backends; `sql` holds what the two SQL ones share.

mod memory;
mod options;
mod postgres;
mod sql;
mod sqlite;
mod state_url;
mod types;

pub use options::ConnectOptions;
pub use state_url::StateUrl;
pub use types::*;

use async_trait::async_trait;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Opens the backend `url` names (see [`StateUrl`]) and brings its schema up to date
/// (migrations are embedded). A SQLite file and its missing parent folders are created.
/// Errors never contain the URL's password.
pub async fn connect(url: &str, options: ConnectOptions) -> Result<Arc<dyn Store>, StoreError> {
    let parsed = StateUrl::parse(url)?;
    tracing::debug!(state_url = %parsed, "opening store");

    let store: Arc<dyn Store> = match parsed {
        StateUrl::Memory => Arc::new(memory::MemoryStore::new(&options)),
        StateUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(&path, &options).await?),
        StateUrl::Postgres(url) => Arc::new(
            postgres::PostgresStore::connect(&url, &options)
                .await
                .map_err(|error| state_url::scrub(error, &url))?,
        ),
    };
    Ok(store)
}

/// Durable state shared by the intake, the worker and the operator view.
///
/// Every method is safe to call concurrently from many tasks and, for the
/// PostgreSQL backend, from many processes.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Records a verified delivery. When `event_id` is `Some` and a delivery of the
    /// same kind with that event id already exists (in any status), nothing is
    /// written and the existing record is returned instead.
    async fn enqueue(&self, delivery: NewDelivery) -> Result<Enqueued, StoreError>;

    /// Records a verified delivery as [`Store::enqueue`] does, but a new one is recorded
    /// already claimed by `worker` (`InFlight` until `received_at + lease_ms`, attempts 1,
    /// exactly as [`Store::claim`] would leave it) in the same write, so the intake
    /// processing it at once spends one write instead of two.
    async fn enqueue_claimed(
        &self,
        delivery: NewDelivery,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Intake, StoreError>;

    /// One delivery by id.
    async fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, StoreError>;

    /// Claims up to `limit` deliveries that are due: `Pending` with
    /// `next_attempt_at <= now`, or `InFlight` whose lease ended before `now`
    /// (its worker died). Each claimed record becomes `InFlight`, owned by
    /// `worker` until `now + lease_ms`, with `attempts` increased by one; the
    /// returned records show the new values. Two concurrent callers never
    /// claim the same delivery. Oldest `next_attempt_at` first.
    async fn claim_due(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// Claims one given delivery (for processing it inline right after intake):
    /// succeeds only if it is `Pending` (whatever its `next_attempt_at`), or `InFlight`
    /// with an ended lease; `None` otherwise, or when there is no such delivery. On
    /// success the record changes as in [`Store::claim_due`].
    async fn claim(
        &self,
        id: &str,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError>;

    /// Marks a claimed delivery `Done` with the answer it produced, ending its lease.
    ///
    /// This and the next two take no worker: a worker whose lease ran out and was
    /// reclaimed can still write its result, so callers serialise real work with
    /// [`Store::try_lock`]. An unknown `id` is not an error (it may have been forgotten).
    /// The memory backend drops the body and headers of a `Done` delivery, keeping the
    /// record small: only its ids, subject and outcome matter from then on.
    async fn complete(&self, id: &str, outcome: &Outcome, now: i64) -> Result<(), StoreError>;

    /// Puts a claimed delivery back to `Pending`, due at `next_attempt_at`, with the error,
    /// ending its lease. `attempts` is kept.
    async fn retry_later(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Gives up on a delivery: `Dead`, with the error, ending its lease. It stays listed
    /// until replayed (the memory backend counts dead letters among the finished
    /// deliveries it evicts beyond its bounds).
    async fn dead_letter(&self, id: &str, error: &str, now: i64) -> Result<(), StoreError>;

    /// Removes a delivery entirely, so a redelivery with the same event id starts
    /// afresh (the function edition does this when it answers 503).
    async fn forget(&self, id: &str) -> Result<(), StoreError>;

    /// Returns every `InFlight` delivery owned by `worker` to `Pending`, due now
    /// (start-up of a single-process edition, and graceful shutdown). Their `attempts`
    /// are kept. Returns how many.
    async fn release_worker(&self, worker: &str, now: i64) -> Result<u64, StoreError>;

    /// Puts one dead letter back to `Pending`, due now, attempts reset to 0 (its last
    /// error is kept for the record). `false` when `id` is not a dead letter.
    async fn replay(&self, id: &str, now: i64) -> Result<bool, StoreError>;

    /// Replays every dead letter; returns how many.
    async fn replay_all(&self, now: i64) -> Result<u64, StoreError>;

    /// The most recent deliveries (newest `received_at` first, later insertions first
    /// among equal times), optionally of one status.
    async fn recent(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;

    /// How many deliveries are in each status.
    async fn counts(&self) -> Result<Counts, StoreError>;

    /// Takes the named lock for `owner` until `now + ttl_ms`. Succeeds when the
    /// lock is free, expired (its end is before `now`), or already held by `owner`
    /// (which moves its end to `now + ttl_ms`).
    async fn try_lock(
        &self,
        key: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Releases the named lock if `owner` holds it.
    async fn unlock(&self, key: &str, owner: &str) -> Result<(), StoreError>;

    /// The Halo ticket linked to a ContraForce reference.
    async fn find_link(&self, reference: &str) -> Result<Option<i64>, StoreError>;

    /// Links a reference to a Halo ticket (idempotent; an existing link is kept).
    async fn save_link(&self, reference: &str, ticket_id: i64) -> Result<(), StoreError>;

    /// Ids of the actions of `ticket_id` already forwarded to ContraForce, and the
    /// closed state last reported for it (`None` when nothing was reported yet). An
    /// unknown ticket gives the empty default.
    async fn ticket_progress(&self, ticket_id: i64) -> Result<TicketProgress, StoreError>;

    /// Records one action of `ticket_id` as forwarded (idempotent).
    async fn mark_forwarded(&self, ticket_id: i64, action_id: i64) -> Result<(), StoreError>;

    /// Records the closed/open state last reported to ContraForce for `ticket_id`.
    async fn set_reported_closed(&self, ticket_id: i64, closed: bool) -> Result<(), StoreError>;

    /// Answers when the backend is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Deletes up to `limit` `Done` deliveries that finished (were last updated) before
    /// `finished_before`, oldest first, and returns how many; call again while it
    /// returns `limit`. Their event ids then count as new again, so keep them for longer
    /// than any sender redelivers. The memory backend evicts on its own; this is for the
    /// SQL backends, whose tables otherwise only grow. The default keeps everything.
    async fn prune_done(&self, finished_before: i64, limit: u32) -> Result<u64, StoreError> {
        let _ = (finished_before, limit);
        Ok(0)
    }
}

/// What the store knows of one Halo ticket's forwarding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketProgress {
    pub forwarded: BTreeSet<i64>,
    /// The last state reported to ContraForce: `Some(true)` closed, `Some(false)`
    /// reopened (or never closed), `None` when nothing was reported yet.
    pub reported_closed: Option<bool>,
}
