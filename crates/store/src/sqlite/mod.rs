//! The SQLite backend behind `sqlite://PATH` (service edition): one file in WAL mode with
//! `synchronous=FULL`, so a write is on disk before its call returns. Every write goes
//! through [`writer`] (one connection, group commit), which also makes each claim atomic;
//! reads use a small pool of their own, which WAL lets run beside the writer.

mod writer;

use crate::sql::{self, DeliveryRow};
use crate::{
    ConnectOptions, Counts, DeliveryRecord, DeliveryStatus, Enqueued, Intake, NewDelivery, Outcome,
    Store, StoreError, TicketProgress,
};
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, SqliteConnection};
use std::path::Path;
use writer::{BoxFuture, Writer};

pub(crate) struct SqliteStore {
    writer: Writer,
    readers: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when missing) the file and its parent folders, and migrates it.
    pub(crate) async fn open(path: &Path, options: &ConnectOptions) -> Result<Self, StoreError> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            tokio::fs::create_dir_all(parent).await.map_err(|error| {
                StoreError::Unavailable(format!("cannot create {}: {error}", parent.display()))
            })?;
        }

        let file = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(options.connect_timeout);
        let mut conn = file.connect().await?;
        sqlx::migrate!("./migrations/sqlite").run(&mut conn).await?;

        let readers = SqlitePoolOptions::new()
            .max_connections(options.sqlite_readers.max(1))
            .acquire_timeout(options.connect_timeout)
            .connect_with(file.read_only(true))
            .await?;
        Ok(SqliteStore {
            writer: Writer::spawn(conn),
            readers,
        })
    }

    /// Runs `work` on the writer; see [`Writer::run`].
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.writer.run(work).await
    }

    /// Runs one statement on the writer and returns how many rows it changed.
    async fn write_count<F>(&self, statement: F) -> Result<u64, StoreError>
    where
        F: for<'c> FnOnce(
                &'c mut SqliteConnection,
            )
                -> BoxFuture<'c, Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>>
            + Send
            + 'static,
    {
        self.write(|conn| Box::pin(async move { Ok(statement(conn).await?.rows_affected()) }))
            .await
    }
}

/// Inserts `delivery` (claimed when `claimed_by` is given); `Existing` when its event id
/// is taken. `Claimed` carries the new record whether or not it was claimed.
async fn enqueue(
    conn: &mut SqliteConnection,
    delivery: NewDelivery,
    claimed_by: Option<(String, i64)>,
) -> Result<Intake, StoreError> {
    let claim = claimed_by
        .as_ref()
        .map(|(worker, until)| (worker.as_str(), *until));
    let inserted = sql::enqueue!(delivery, claim)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if inserted == 1 {
        return Ok(Intake::Claimed(delivery.into_record(claim)));
    }

    // Nothing inserted means the event id is taken; the writer is the only one changing
    // the file, so the holder is still there.
    let existing = sql::by_event!(delivery.kind, &delivery.event_id)
        .fetch_one(conn)
        .await?;
    Ok(Intake::Existing(existing.try_into()?))
}

#[async_trait]
impl Store for SqliteStore {
    async fn enqueue(&self, delivery: NewDelivery) -> Result<Enqueued, StoreError> {
        self.write(move |conn| Box::pin(enqueue(conn, delivery, None)))
            .await
            .map(Enqueued::from)
    }

    async fn enqueue_claimed(
        &self,
        delivery: NewDelivery,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Intake, StoreError> {
        let claim = (
            worker.to_owned(),
            sql::until(delivery.received_at, lease_ms),
        );
        self.write(move |conn| Box::pin(enqueue(conn, delivery, Some(claim))))
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let row = sql::by_id!(id).fetch_optional(&self.readers).await?;
        row.map(DeliveryRecord::try_from).transpose()
    }

    async fn claim_due(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let worker = worker.to_owned();
        let until = sql::until(now, lease_ms);
        let rows: Vec<DeliveryRow> = self
            .write(move |conn| {
                Box::pin(async move {
                    Ok(sql::claim_due!("", worker, now, until, limit)
                        .fetch_all(conn)
                        .await?)
                })
            })
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
        let (id, worker) = (id.to_owned(), worker.to_owned());
        let until = sql::until(now, lease_ms);
        let row: Option<DeliveryRow> = self
            .write(move |conn| {
                Box::pin(async move {
                    Ok(sql::claim_one!(id, worker, now, until)
                        .fetch_optional(conn)
                        .await?)
                })
            })
            .await?;
        row.map(DeliveryRecord::try_from).transpose()
    }

    async fn complete(&self, id: &str, outcome: &Outcome, now: i64) -> Result<(), StoreError> {
        let (id, outcome) = (id.to_owned(), outcome.clone());
        self.write_count(move |conn| {
            Box::pin(async move { sql::complete!(id, &outcome, now).execute(conn).await })
        })
        .await?;
        Ok(())
    }

    async fn retry_later(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.write_count(move |conn| {
            Box::pin(sql::retry_later!(id, next_attempt_at, error, now).execute(conn))
        })
        .await?;
        Ok(())
    }

    async fn dead_letter(&self, id: &str, error: &str, now: i64) -> Result<(), StoreError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.write_count(move |conn| Box::pin(sql::dead_letter!(id, error, now).execute(conn)))
            .await?;
        Ok(())
    }

    async fn forget(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write_count(move |conn| Box::pin(sql::forget!(id).execute(conn)))
            .await?;
        Ok(())
    }

    async fn release_worker(&self, worker: &str, now: i64) -> Result<u64, StoreError> {
        let worker = worker.to_owned();
        self.write_count(move |conn| Box::pin(sql::release_worker!(worker, now).execute(conn)))
            .await
    }

    async fn replay(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let id = Some(id.to_owned());
        let replayed = self
            .write_count(move |conn| Box::pin(sql::replay!(id, now).execute(conn)))
            .await?;
        Ok(replayed == 1)
    }

    async fn replay_all(&self, now: i64) -> Result<u64, StoreError> {
        self.write_count(move |conn| Box::pin(sql::replay!(None::<String>, now).execute(conn)))
            .await
    }

    async fn recent(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        sql::records(sql::recent!(status, limit).fetch_all(&self.readers).await?)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        sql::tally(sql::counts!().fetch_all(&self.readers).await?)
    }

    async fn try_lock(
        &self,
        key: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        let until = sql::until(now, ttl_ms);
        let taken = self
            .write_count(move |conn| Box::pin(sql::try_lock!(key, owner, now, until).execute(conn)))
            .await?;
        Ok(taken == 1)
    }

    async fn unlock(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        self.write_count(move |conn| Box::pin(sql::unlock!(key, owner).execute(conn)))
            .await?;
        Ok(())
    }

    async fn find_link(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        Ok(sql::find_link!(reference)
            .fetch_optional(&self.readers)
            .await?)
    }

    async fn save_link(&self, reference: &str, ticket_id: i64) -> Result<(), StoreError> {
        let reference = reference.to_owned();
        self.write_count(move |conn| Box::pin(sql::save_link!(reference, ticket_id).execute(conn)))
            .await?;
        Ok(())
    }

    async fn ticket_progress(&self, ticket_id: i64) -> Result<TicketProgress, StoreError> {
        let rows = sql::ticket_progress!(ticket_id)
            .fetch_all(&self.readers)
            .await?;
        Ok(sql::progress(rows))
    }

    async fn mark_forwarded(&self, ticket_id: i64, action_id: i64) -> Result<(), StoreError> {
        self.write_count(move |conn| {
            Box::pin(sql::mark_forwarded!(ticket_id, action_id).execute(conn))
        })
        .await?;
        Ok(())
    }

    async fn set_reported_closed(&self, ticket_id: i64, closed: bool) -> Result<(), StoreError> {
        self.write_count(move |conn| {
            Box::pin(sql::set_reported_closed!(ticket_id, closed).execute(conn))
        })
        .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if !self.writer.is_running() {
            return Err(StoreError::Unavailable("SQLite writer has stopped".into()));
        }
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    async fn prune_done(&self, finished_before: i64, limit: u32) -> Result<u64, StoreError> {
        self.write_count(move |conn| {
            Box::pin(sql::prune_done!(finished_before, limit).execute(conn))
        })
        .await
    }
}
