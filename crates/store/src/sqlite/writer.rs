//! The single writer behind the SQLite backend, with group commit. SQLite lets one
//! connection write at a time and every commit costs an fsync, so all writes go to one
//! task that runs whatever has queued up as one transaction, one `COMMIT` for the lot,
//! and only then does each caller get its own answer. Reads do not come here.
//!
//! Each write is a single changing statement (reads beside it are fine): SQLite undoes
//! a failing statement by itself and keeps the transaction, so one bad write fails
//! alone without a savepoint around every write (three statements where one does).

use crate::StoreError;
use sqlx::SqliteConnection;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

pub(super) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How many writes one transaction takes at most; more wait for the next one.
const MAX_BATCH: usize = 512;
/// Writes waiting beyond this make callers wait to queue (backpressure).
const QUEUE: usize = 4096;

type Answer = Result<Box<dyn Any + Send>, StoreError>;
type Work = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Answer> + Send>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Answer>,
}

/// The handle callers hold; the task ends when the last handle is dropped.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on `conn`, which must already be migrated.
    pub(super) fn spawn(conn: SqliteConnection) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(serve(conn, queue));
        Writer { jobs }
    }

    /// Runs `work` in the next batch and answers once that batch is committed: a
    /// successful answer means the write is on disk. A caller that stops waiting does
    /// not stop its write. When a commit fails every write of the batch reports the
    /// error. On failures that end SQLite's transaction early (disk full, I/O error)
    /// some of them may have been written all the same; a caller's retry then meets an
    /// already-recorded event (`Existing`) or a claim that waits for its lease to end,
    /// and only an enqueue without event id could be recorded twice.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let work: Work = Box::new(move |conn| {
            Box::pin(async move { work(conn).await.map(|value| Box::new(value) as Box<_>) })
        });
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, reply })
            .await
            .map_err(|_| stopped())?;

        let value = answer.await.map_err(|_| stopped())??;
        value.downcast::<T>().map(|value| *value).map_err(|_| {
            StoreError::Corrupt("SQLite writer answered with a value of another type".into())
        })
    }

    /// Whether the writer task still runs.
    pub(super) fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("SQLite writer has stopped".into())
}

async fn serve(mut conn: SqliteConnection, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&mut conn, &mut batch).await;
    }
}

async fn commit_batch(conn: &mut SqliteConnection, batch: &mut Vec<Job>) {
    // IMMEDIATE takes the write lock up front, so another process on the same file
    // makes us wait (busy timeout) instead of failing the commit halfway.
    if let Err(error) = execute(conn, "BEGIN IMMEDIATE").await {
        tracing::error!(%error, "SQLite: cannot start a write transaction");
        fail_all(batch.drain(..).map(|job| job.reply), &error);
        return;
    }

    let mut done: Vec<(oneshot::Sender<Answer>, Answer)> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let answer = (job.work)(conn).await;
        if answer.is_err() && !still_in_transaction(conn).await {
            // SQLite ended the whole transaction (I/O error, disk full): the writes
            // before this one are gone with it. A new transaction has begun for the rest.
            tracing::error!(writes = done.len(), "SQLite: a write ended the transaction");
            let lost = StoreError::Unavailable("SQLite rolled back the write transaction".into());
            for (_, earlier) in &mut done {
                *earlier = Err(StoreError::Unavailable(lost.to_string()));
            }
        }
        done.push((job.reply, answer));
    }

    match execute(conn, "COMMIT").await {
        Ok(()) => {
            for (reply, answer) in done {
                // A caller that stopped waiting has nobody to tell.
                let _ = reply.send(answer);
            }
        }
        Err(error) => {
            tracing::error!(%error, writes = done.len(), "SQLite: commit failed");
            if let Err(rollback) = execute(conn, "ROLLBACK").await {
                tracing::error!(error = %rollback, "SQLite: rollback after failed commit failed");
            }
            fail_all(done.into_iter().map(|(reply, _)| reply), &error);
        }
    }
}

/// After a failed write: whether the batch's transaction is still open. A failing
/// statement normally undoes only itself, but some errors make SQLite roll back the
/// whole transaction. `BEGIN` fails inside a transaction; where it succeeds, the old one
/// was gone and the rest of the batch runs in the new one.
async fn still_in_transaction(conn: &mut SqliteConnection) -> bool {
    execute(conn, "BEGIN IMMEDIATE").await.is_err()
}

fn fail_all(replies: impl Iterator<Item = oneshot::Sender<Answer>>, error: &StoreError) {
    for reply in replies {
        let _ = reply.send(Err(StoreError::Unavailable(error.to_string())));
    }
}

async fn execute(conn: &mut SqliteConnection, statement: &'static str) -> Result<(), StoreError> {
    sqlx::query(statement).execute(conn).await?;
    Ok(())
}
