//! The PostgreSQL backend behind `postgres://…` (cluster edition): many replicas on one
//! database. Every operation is a single statement on the pool, so correctness across
//! processes rests on the database: a unique index dedupes events, `FOR UPDATE SKIP
//! LOCKED` splits claims, and upserts with a condition decide locks and links.

use crate::sql::{self, DeliveryRow};
use crate::{
    ConnectOptions, Counts, DeliveryRecord, DeliveryStatus, Enqueued, Intake, NewDelivery, Outcome,
    Store, StoreError, TicketProgress,
};
use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;

/// How often `enqueue` re-reads after a conflict whose holder vanished (forgotten in
/// between) before it gives up; each round is a real race, so a few are plenty.
const ENQUEUE_ROUNDS: usize = 3;

pub(crate) struct PostgresStore {
    pool: PgPool,
    /// Connections that commit without waiting for the write-ahead log to reach disk,
    /// used only to release locks: a release lost in a crash of PostgreSQL leaves the
    /// lease to run out, which is what a replica's crash does anyway, so waiting for
    /// the disk would buy nothing. Everything else is committed durably on `pool`.
    relaxed: PgPool,
}

/// Connections in the `relaxed` pool.
const RELAXED_POOL: u32 = 2;

impl PostgresStore {
    /// Connects and migrates. Callers scrub the URL's password from any error.
    pub(crate) async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url).map_err(|error| {
            StoreError::UnsupportedUrl(format!("invalid postgres URL: {error}"))
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.postgres_pool_size.max(1))
            .acquire_timeout(options.connect_timeout)
            .connect_with(connect.clone())
            .await?;

        // The migrator holds an advisory lock, so replicas starting together take turns.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let relaxed = PgPoolOptions::new()
            .max_connections(RELAXED_POOL)
            .acquire_timeout(options.connect_timeout)
            .connect_lazy_with(connect.options([("synchronous_commit", "off")]));
        Ok(PostgresStore { pool, relaxed })
    }

    async fn execute<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<u64, StoreError> {
        Ok(query.execute(&self.pool).await?.rows_affected())
    }
}

impl PostgresStore {
    /// Inserts `delivery` (claimed when `claimed_by` is given); `Existing` when its event
    /// id is taken. `Claimed` carries the new record whether or not it was claimed.
    async fn record(
        &self,
        delivery: NewDelivery,
        claimed_by: Option<(&str, i64)>,
    ) -> Result<Intake, StoreError> {
        for _ in 0..ENQUEUE_ROUNDS {
            if self.execute(sql::enqueue!(delivery, claimed_by)).await? == 1 {
                return Ok(Intake::Claimed(delivery.into_record(claimed_by)));
            }
            // ON CONFLICT waited for the holder's commit, so this read sees it unless
            // it was deleted since; then the insert gets another chance.
            let existing = sql::by_event!(delivery.kind, &delivery.event_id)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = existing {
                return Ok(Intake::Existing(row.try_into()?));
            }
        }
        Err(StoreError::Unavailable(
            "enqueue kept conflicting with a delivery that disappeared".into(),
        ))
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn enqueue(&self, delivery: NewDelivery) -> Result<Enqueued, StoreError> {
        self.record(delivery, None).await.map(Enqueued::from)
    }

    async fn enqueue_claimed(
        &self,
        delivery: NewDelivery,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Intake, StoreError> {
        let until = sql::until(delivery.received_at, lease_ms);
        self.record(delivery, Some((worker, until))).await
    }

    async fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let row = sql::by_id!(id).fetch_optional(&self.pool).await?;
        row.map(DeliveryRecord::try_from).transpose()
    }

    async fn claim_due(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let until = sql::until(now, lease_ms);
        let rows: Vec<DeliveryRow> =
            sql::claim_due!("FOR UPDATE SKIP LOCKED", worker, now, until, limit)
                .fetch_all(&self.pool)
                .await?;

        // RETURNING gives no order; callers get the oldest due first.
        let mut claimed = sql::records(rows)?;
        claimed.sort_by_key(|record| (record.next_attempt_at, record.received_at));
        Ok(claimed)
    }

    async fn claim(
        &self,
        id: &str,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let until = sql::until(now, lease_ms);
        let row = sql::claim_one!(id, worker, now, until)
            .fetch_optional(&self.pool)
            .await?;
        row.map(DeliveryRecord::try_from).transpose()
    }

    async fn complete(&self, id: &str, outcome: &Outcome, now: i64) -> Result<(), StoreError> {
        self.execute(sql::complete!(id, outcome, now)).await?;
        Ok(())
    }

    async fn retry_later(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.execute(sql::retry_later!(id, next_attempt_at, error, now))
            .await?;
        Ok(())
    }

    async fn dead_letter(&self, id: &str, error: &str, now: i64) -> Result<(), StoreError> {
        self.execute(sql::dead_letter!(id, error, now)).await?;
        Ok(())
    }

    async fn forget(&self, id: &str) -> Result<(), StoreError> {
        self.execute(sql::forget!(id)).await?;
        Ok(())
    }

    async fn release_worker(&self, worker: &str, now: i64) -> Result<u64, StoreError> {
        self.execute(sql::release_worker!(worker, now)).await
    }

    async fn replay(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.execute(sql::replay!(Some(id), now)).await? == 1)
    }

    async fn replay_all(&self, now: i64) -> Result<u64, StoreError> {
        self.execute(sql::replay!(None::<&str>, now)).await
    }

    async fn recent(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        sql::records(sql::recent!(status, limit).fetch_all(&self.pool).await?)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        sql::tally(sql::counts!().fetch_all(&self.pool).await?)
    }

    async fn try_lock(
        &self,
        key: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let until = sql::until(now, ttl_ms);
        Ok(self.execute(sql::try_lock!(key, owner, now, until)).await? == 1)
    }

    async fn unlock(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        sql::unlock!(key, owner).execute(&self.relaxed).await?;
        Ok(())
    }

    async fn find_link(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        Ok(sql::find_link!(reference)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn save_link(&self, reference: &str, ticket_id: i64) -> Result<(), StoreError> {
        self.execute(sql::save_link!(reference, ticket_id)).await?;
        Ok(())
    }

    async fn ticket_progress(&self, ticket_id: i64) -> Result<TicketProgress, StoreError> {
        let rows = sql::ticket_progress!(ticket_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(sql::progress(rows))
    }

    async fn mark_forwarded(&self, ticket_id: i64, action_id: i64) -> Result<(), StoreError> {
        self.execute(sql::mark_forwarded!(ticket_id, action_id))
            .await?;
        Ok(())
    }

    async fn set_reported_closed(&self, ticket_id: i64, closed: bool) -> Result<(), StoreError> {
        self.execute(sql::set_reported_closed!(ticket_id, closed))
            .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn prune_done(&self, finished_before: i64, limit: u32) -> Result<u64, StoreError> {
        self.execute(sql::prune_done!(finished_before, limit)).await
    }
}
