//! Intake and worker: what happens to a delivery once it has been authenticated
//! and validated, the same for both directions.
//!
//! Every delivery is recorded in the store first (durably in the service and
//! cluster editions), then claimed and processed by a pipeline. The HTTP answer
//! waits for the outcome up to the processing budget; after that the service and
//! cluster editions answer 202 and the worker finishes the job, retrying on a
//! schedule until it succeeds or, after about a day, becomes a dead letter. The
//! function edition keeps nothing it could not finish: it answers 503 with
//! `Retry-After` and forgets the delivery, so the sender's redelivery starts afresh,
//! except that it remembers (in a bounded table) how the failed attempt ended, so a
//! redelivery after a write whose reply was lost looks before writing again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use store::{DeliveryRecord, DeliveryStatus, Enqueued, Intake, NewDelivery, Outcome, Store};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tracing::Instrument;
use upstream::Clock;

use crate::answer::Answer;
use crate::locks::{self, Held, KeyedLocks, LockError};
use crate::metrics::Metrics;
use crate::schedule::{self, Next};
use crate::settings::Edition;
use crate::telemetry;

/// How long a claimed delivery belongs to one worker before another may take it.
pub const LEASE: Duration = Duration::from_secs(60);
/// The most one attempt may take; kept well under [`LEASE`].
const ATTEMPT_LIMIT: Duration = Duration::from_secs(45);
/// How long the function edition waits for a delivery it cannot hand off.
const FUNCTION_BUDGET: Duration = Duration::from_secs(40);
/// The wait suggested to a sender when nothing better is known.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);
/// How often the worker looks for due deliveries.
const POLL: Duration = Duration::from_millis(250);
/// How many queued deliveries the worker of one process works on at once. Upstream
/// calls, not the CPU, bound each one, so a backlog drains faster with more (a backlog
/// of 46,000 took 299 s with 64, and was not through after 600 s with 16).
const WORKER_CONCURRENCY: usize = 64;
/// How long a processed delivery is kept as the record that its event id was seen.
/// ContraForce redelivers within hours; a week leaves a wide margin.
const KEEP_DONE: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often the worker prunes older processed deliveries.
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// How many deliveries one process works on straight from their request, beside
/// the worker's. Beyond that the service and cluster editions leave a recorded
/// delivery to the worker and answer 202 at once, and the function edition, which
/// has no queue, answers 503 with `Retry-After` before recording anything: an
/// overloaded bridge answers quickly instead of piling up tasks and upstream calls.
const REQUEST_CONCURRENCY: usize = 128;
/// The wait suggested to a sender the function edition turned away as too busy.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How many failed attempts the function edition remembers for redeliveries.
const EARLIER_FAILURES: usize = 4096;

/// Why an attempt failed. Every failure is retried on the schedule; `retry_after`
/// is the upstream's own wait when it gave one.
#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub retry_after: Option<Duration>,
}

impl Failure {
    pub fn new(reason: impl Into<String>, retry_after: Option<Duration>) -> Self {
        Self {
            reason: reason.into(),
            retry_after,
        }
    }
}

impl From<LockError> for Failure {
    fn from(error: LockError) -> Self {
        Failure::new(error.to_string(), Some(Duration::from_secs(1)))
    }
}

impl From<store::StoreError> for Failure {
    fn from(error: store::StoreError) -> Self {
        Failure::new(error.to_string(), None)
    }
}

/// One direction's processing of a stored delivery.
#[async_trait]
pub trait Pipeline: Send + Sync + 'static {
    /// Processes one claimed delivery and gives the final answer, or fails.
    async fn process(&self, core: &Core, delivery: &DeliveryRecord) -> Result<Answer, Failure>;
}

/// What a pipeline may use while processing.
pub struct Core {
    pub edition: Edition,
    pub store: Arc<dyn Store>,
    /// Set when the store is shared between processes, so keys need store locks.
    pub shared_store: bool,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub worker_id: String,
    pub budget: Duration,
    locks: KeyedLocks,
}

impl Core {
    pub fn new(
        edition: Edition,
        store: Arc<dyn Store>,
        shared_store: bool,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        worker_id: String,
        budget: Duration,
    ) -> Self {
        let locks = KeyedLocks::default();
        Self {
            edition,
            store,
            shared_store,
            clock,
            metrics,
            worker_id,
            budget,
            locks,
        }
    }

    /// Serialises work on `key` across tasks and, with a shared store, replicas.
    pub async fn hold(&self, key: &str) -> Result<Held, Failure> {
        let shared = self.shared_store.then_some(&self.store);
        Ok(locks::acquire(
            &self.locks,
            shared,
            self.clock.as_ref(),
            key,
            &self.worker_id,
            LEASE,
            ATTEMPT_LIMIT,
        )
        .await?)
    }

    fn now(&self) -> i64 {
        self.clock.unix_millis()
    }
}

/// The intake and worker for one direction.
pub struct Engine {
    pub core: Core,
    pipeline: Arc<dyn Pipeline>,
    waiters: Mutex<HashMap<String, watch::Receiver<Option<Answer>>>>,
    slots: Arc<Semaphore>,
    /// Permits for work started from a request ([`REQUEST_CONCURRENCY`]).
    requests: Arc<Semaphore>,
    earlier: Mutex<EarlierFailures>,
}

/// The function edition's memory of attempts it answered 503 for, keyed by event
/// id: how many there were and how the last one ended. Bounded; the oldest entry
/// goes first.
#[derive(Default)]
struct EarlierFailures {
    by_key: HashMap<String, (u32, String)>,
    order: VecDeque<String>,
}

impl EarlierFailures {
    fn remember(&mut self, key: &str, attempts: u32, reason: &str) {
        if self
            .by_key
            .insert(key.to_owned(), (attempts, reason.to_owned()))
            .is_none()
        {
            self.order.push_back(key.to_owned());
        }
        while self.order.len() > EARLIER_FAILURES {
            if let Some(oldest) = self.order.pop_front() {
                self.by_key.remove(&oldest);
            }
        }
    }

    fn take(&mut self, key: &str) -> Option<(u32, String)> {
        let found = self.by_key.remove(key)?;
        self.order.retain(|k| k != key);
        Some(found)
    }
}

impl Engine {
    pub fn new(core: Core, pipeline: Arc<dyn Pipeline>) -> Arc<Self> {
        Arc::new(Self {
            core,
            pipeline,
            waiters: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(WORKER_CONCURRENCY)),
            requests: Arc::new(Semaphore::new(REQUEST_CONCURRENCY)),
            earlier: Mutex::new(EarlierFailures::default()),
        })
    }

    /// How long an HTTP answer may wait for processing.
    fn budget(&self) -> Duration {
        match self.core.edition {
            Edition::Function => FUNCTION_BUDGET,
            _ => self.core.budget,
        }
    }

    /// Takes a verified, validated delivery and answers for it.
    pub async fn accept(self: &Arc<Self>, delivery: NewDelivery) -> Answer {
        let id = delivery.id.clone();
        let event_id = delivery.event_id.clone();
        // Past the permits the function edition, which cannot queue, turns the
        // delivery away before recording it; the others record it for the worker.
        let permit = self.requests.clone().try_acquire_owned().ok();
        if permit.is_none() && self.core.edition == Edition::Function {
            tracing::warn!("too many deliveries in progress; answering 503");
            return Answer::busy(BUSY_RETRY_AFTER);
        }
        let Some(permit) = permit else {
            return match self.core.store.enqueue(delivery).await {
                // Durably recorded: the worker takes it from the queue.
                Ok(Enqueued::New) => Answer::queued(event_id.as_deref().unwrap_or(&id)),
                Ok(Enqueued::Existing(existing)) => self.copy_of(existing).await,
                Err(error) => not_recorded(&error),
            };
        };
        // Recorded already claimed, so this request processes it at once.
        let lease = LEASE.as_millis() as i64;
        let intake = self
            .core
            .store
            .enqueue_claimed(delivery, &self.core.worker_id, lease);
        match intake.await {
            Ok(Intake::Claimed(record)) => {
                let receiver = self.spawn(record, permit);
                self.wait(&id, event_id.as_deref(), Some(receiver), Whose::Own)
                    .await
            }
            Ok(Intake::Existing(existing)) => {
                // A copy only waits for its original: it takes no permit.
                drop(permit);
                self.copy_of(existing).await
            }
            Err(error) => not_recorded(&error),
        }
    }

    /// Answers for a delivery whose event id was already recorded.
    async fn copy_of(self: &Arc<Self>, existing: DeliveryRecord) -> Answer {
        match existing.status {
            DeliveryStatus::Done => duplicate_answer(&existing),
            DeliveryStatus::Pending | DeliveryStatus::InFlight => {
                let receiver = self.waiter(&existing.id);
                let event_id = existing.event_id.as_deref();
                self.wait(&existing.id, event_id, receiver, Whose::Copy)
                    .await
            }
            DeliveryStatus::Dead => {
                // The sender is trying again: so do we.
                let now = self.core.now();
                if let Err(error) = self.core.store.replay(&existing.id, now).await {
                    tracing::warn!(%error, "could not replay a dead letter on redelivery");
                }
                self.pending_answer(existing.event_id.as_deref().unwrap_or(&existing.id))
            }
        }
    }

    fn waiter(&self, id: &str) -> Option<watch::Receiver<Option<Answer>>> {
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Processes a claimed delivery on its own task (so a closed connection never
    /// cancels it) and returns a receiver for its answer.
    fn spawn(
        self: &Arc<Self>,
        record: DeliveryRecord,
        permit: OwnedSemaphorePermit,
    ) -> watch::Receiver<Option<Answer>> {
        let (sender, receiver) = watch::channel(None);
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(record.id.clone(), receiver.clone());
        let engine = Arc::clone(self);
        // The task keeps the request's span, so its log lines carry the request id.
        let span = tracing::Span::current();
        let task = async move {
            let id = record.id.clone();
            let answer = engine.run(record).await;
            let _ = sender.send(Some(answer));
            engine
                .waiters
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            drop(permit);
        };
        tokio::spawn(task.instrument(span));
        receiver
    }

    /// Waits for the answer of delivery `id`, from this process's task when there
    /// is one, else from the store (another replica is working on it).
    async fn wait(
        &self,
        id: &str,
        event_id: Option<&str>,
        receiver: Option<watch::Receiver<Option<Answer>>>,
        whose: Whose,
    ) -> Answer {
        let deadline = Instant::now() + self.budget();
        if let Some(mut receiver) = receiver {
            let outcome =
                tokio::time::timeout_at(deadline.into(), receiver.wait_for(Option::is_some));
            if let Ok(Ok(answer)) = outcome.await
                && let Some(answer) = answer.clone()
            {
                return answer;
            }
            return self.pending_answer(event_id.unwrap_or(id));
        }

        loop {
            match self.core.store.get(id).await {
                Ok(Some(record)) if record.status == DeliveryStatus::Done => {
                    return match (whose, &record.outcome) {
                        (Whose::Own, Some(outcome)) => Answer {
                            status: outcome.status,
                            body: outcome.body.clone(),
                            retry_after: None,
                        },
                        _ => duplicate_answer(&record),
                    };
                }
                Ok(None) if self.core.edition == Edition::Function => {
                    // The first copy failed and was forgotten.
                    return Answer::unavailable(DEFAULT_RETRY_AFTER);
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return self.pending_answer(event_id.unwrap_or(id));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The answer for work that is not finished within the budget.
    fn pending_answer(&self, event_id: &str) -> Answer {
        match self.core.edition {
            Edition::Function => Answer::unavailable(DEFAULT_RETRY_AFTER),
            _ => Answer::queued(event_id),
        }
    }

    /// One attempt at a claimed delivery, with its bookkeeping in the store.
    async fn run(&self, mut record: DeliveryRecord) -> Answer {
        if self.core.edition == Edition::Function {
            // A redelivery of an event this instance failed: carry the earlier
            // attempt over, so the pipeline checks for writes that may have landed.
            let key = record.event_id.clone().unwrap_or_else(|| record.id.clone());
            let earlier = self
                .earlier
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(&key);
            if let Some((attempts, reason)) = earlier {
                record.attempts = record.attempts.max(attempts + 1);
                record.last_error = Some(reason);
            }
        }
        let attempt =
            tokio::time::timeout(ATTEMPT_LIMIT, self.pipeline.process(&self.core, &record));
        let result = match attempt.await {
            Ok(result) => result,
            Err(_) => Err(Failure::new(
                format!("{}: it took too long", store::INTERRUPTED),
                None,
            )),
        };
        let now = self.core.now();
        let store = &self.core.store;

        match result {
            Ok(answer) => {
                let outcome = Outcome {
                    status: answer.status,
                    body: answer.body.clone(),
                };
                if let Err(error) = store.complete(&record.id, &outcome, now).await {
                    // The work is done upstream; a later attempt finds it there.
                    tracing::error!(
                        %error,
                        id = %record.id,
                        "could not record a finished delivery"
                    );
                }
                answer
            }
            Err(failure) => self.failed(&record, failure, now).await,
        }
    }

    async fn failed(&self, record: &DeliveryRecord, failure: Failure, now: i64) -> Answer {
        let store = &self.core.store;
        let event_id = record.event_id.as_deref().unwrap_or(&record.id);
        tracing::warn!(
            id = %record.id,
            event_id,
            attempts = record.attempts,
            reason = %failure.reason,
            "delivery attempt failed"
        );

        if self.core.edition == Edition::Function {
            self.earlier
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remember(event_id, record.attempts, &failure.reason);
            if let Err(error) = store.forget(&record.id).await {
                tracing::warn!(%error, "could not forget a failed delivery");
            }
            let wait = failure.retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
            return Answer::unavailable(wait.max(Duration::from_secs(1)));
        }

        let age = Duration::from_millis((now - record.received_at).max(0) as u64);
        match schedule::after_failure(record.attempts, age, failure.retry_after) {
            Next::RetryIn(wait) => {
                self.core.metrics.retry();
                let due = now + wait.as_millis() as i64;
                if let Err(error) = store
                    .retry_later(&record.id, due, &failure.reason, now)
                    .await
                {
                    tracing::error!(%error, "could not schedule a retry; the lease will expire");
                }
            }
            Next::GiveUp => {
                tracing::error!(id = %record.id, event_id, reason = %failure.reason,
                    "delivery given up after a day of retries; it waits in the dead letters");
                if let Err(error) = store.dead_letter(&record.id, &failure.reason, now).await {
                    tracing::error!(%error, "could not move a delivery to the dead letters");
                }
            }
        }
        Answer::queued(event_id)
    }

    /// The worker loop: claims due deliveries until `stop` turns true, then
    /// waits a little for those in progress.
    pub async fn work(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut pruned_at = Instant::now();
        loop {
            if *stop.borrow() {
                break;
            }
            if pruned_at.elapsed() >= PRUNE_EVERY {
                pruned_at = Instant::now();
                self.prune().await;
            }
            let free = self.slots.available_permits();
            if free > 0 {
                let now = self.core.now();
                let lease = LEASE.as_millis() as i64;
                let claimed = self
                    .core
                    .store
                    .claim_due(&self.core.worker_id, now, lease, free as u32)
                    .await;
                match claimed {
                    Ok(records) => {
                        for record in records {
                            self.clone().work_on(record).await;
                        }
                    }
                    Err(error) => tracing::warn!(%error, "could not claim due deliveries"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
        }

        // Give what is in progress a moment; anything left keeps its lease and is
        // picked up again after a restart (or by another replica).
        let all = WORKER_CONCURRENCY as u32;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.slots.acquire_many(all)).await;
    }

    /// Drops processed deliveries older than [`KEEP_DONE`], a batch at a time.
    async fn prune(&self) {
        let before = self.core.now() - KEEP_DONE.as_millis() as i64;
        loop {
            match self.core.store.prune_done(before, 1000).await {
                Ok(1000) => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "could not prune processed deliveries");
                    break;
                }
            }
        }
    }

    async fn work_on(self: Arc<Self>, record: DeliveryRecord) {
        let Ok(permit) = Arc::clone(&self.slots).acquire_owned().await else {
            return;
        };
        let (sender, receiver) = watch::channel(None);
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(record.id.clone(), receiver);
        // A retry has no request: the delivery id stands in for the request id.
        let span = telemetry::request_span(&record.id, "worker");
        let task = async move {
            let id = record.id.clone();
            let answer = self.run(record).await;
            let _ = sender.send(Some(answer));
            self.waiters
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            drop(permit);
        };
        tokio::spawn(task.instrument(span));
    }
}

/// Whether a request waits for its own delivery or for the one it is a copy of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    /// The request recorded the delivery: it answers with the outcome itself.
    Own,
    /// A later copy of an event: it answers `duplicate` once the first is done.
    Copy,
}

/// The answer for a delivery the store could not record: not acknowledged, so the
/// sender must try again.
fn not_recorded(error: &store::StoreError) -> Answer {
    tracing::error!(%error, "could not record a delivery");
    Answer::unavailable(DEFAULT_RETRY_AFTER)
}

/// The answer to a copy of a delivery that was already processed.
fn duplicate_answer(record: &DeliveryRecord) -> Answer {
    let outcome = record.outcome.as_ref();
    let ticket_id = outcome
        .and_then(|o| o.body.get("ticketId"))
        .and_then(|v| v.as_i64());
    match (ticket_id, outcome) {
        (Some(ticket_id), _) => Answer::duplicate(ticket_id),
        // A delivery without a ticket (a Halo webhook) answers as it did.
        (None, Some(outcome)) => Answer {
            status: outcome.status,
            body: outcome.body.clone(),
            retry_after: None,
        },
        (None, None) => Answer::queued(record.event_id.as_deref().unwrap_or(&record.id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use store::{ConnectOptions, Kind};
    use upstream::SystemClock;

    /// Holds every delivery until released, counting those it started.
    struct Blocking {
        release: Arc<Semaphore>,
        started: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl Pipeline for Blocking {
        async fn process(&self, _: &Core, _: &DeliveryRecord) -> Result<Answer, Failure> {
            self.started.fetch_add(1, SeqCst);
            let _gate = self.release.acquire().await;
            Ok(Answer::created(1))
        }
    }

    async fn engine(edition: Edition) -> (Arc<Engine>, Arc<Semaphore>, Arc<AtomicUsize>) {
        let store = store::connect("memory:", ConnectOptions::default())
            .await
            .expect("memory store");
        let core = Core::new(
            edition,
            store,
            false,
            Arc::new(SystemClock),
            Arc::new(Metrics::default()),
            "test-worker".to_owned(),
            Duration::from_millis(50),
        );
        let release = Arc::new(Semaphore::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let pipeline = Arc::new(Blocking {
            release: release.clone(),
            started: started.clone(),
        });
        (Engine::new(core, pipeline), release, started)
    }

    fn delivery(n: usize) -> NewDelivery {
        NewDelivery {
            id: format!("id-{n}"),
            kind: Kind::Cf,
            event_id: Some(format!("evt-{n}")),
            subject: None,
            headers: Vec::new(),
            body: b"{}".to_vec(),
            received_at: 0,
        }
    }

    /// Fills every request permit with deliveries that never finish.
    async fn saturate(engine: &Arc<Engine>, started: &AtomicUsize) {
        for n in 0..REQUEST_CONCURRENCY {
            let engine = engine.clone();
            tokio::spawn(async move { engine.accept(delivery(n)).await });
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while started.load(SeqCst) < REQUEST_CONCURRENCY {
            assert!(Instant::now() < deadline, "the deliveries never started");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_full_function_edition_turns_deliveries_away_with_retry_after() {
        let (engine, release, started) = engine(Edition::Function).await;
        saturate(&engine, &started).await;

        let answer = engine.accept(delivery(REQUEST_CONCURRENCY)).await;
        assert_eq!(answer.status, 503);
        assert_eq!(answer.body["error"], "busy");
        assert_eq!(answer.retry_after, Some(BUSY_RETRY_AFTER));
        let recorded = engine
            .core
            .store
            .get(&format!("id-{REQUEST_CONCURRENCY}"))
            .await;
        assert!(
            matches!(recorded, Ok(None)),
            "a turned-away delivery is not recorded"
        );

        // Once the work in progress finishes, deliveries are taken again.
        release.add_permits(Semaphore::MAX_PERMITS / 2);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer = engine.accept(delivery(REQUEST_CONCURRENCY + 1)).await;
            if answer.status != 503 {
                assert_eq!(answer.status, 200);
                break;
            }
            assert!(Instant::now() < deadline, "permits never came back");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_full_service_edition_queues_deliveries_for_the_worker() {
        let (engine, _release, started) = engine(Edition::Service).await;
        saturate(&engine, &started).await;

        let answer = engine.accept(delivery(REQUEST_CONCURRENCY)).await;
        assert_eq!(answer.status, 202);
        assert_eq!(
            answer.body,
            serde_json::json!({
                "status": "queued",
                "eventId": format!("evt-{REQUEST_CONCURRENCY}"),
            })
        );
        let recorded = engine
            .core
            .store
            .get(&format!("id-{REQUEST_CONCURRENCY}"))
            .await
            .expect("store answers")
            .expect("the delivery is recorded");
        assert_eq!(
            recorded.status,
            DeliveryStatus::Pending,
            "left for the worker"
        );
        assert_eq!(started.load(SeqCst), REQUEST_CONCURRENCY);
    }

    #[test]
    fn earlier_failures_are_taken_once_and_bounded() {
        let mut earlier = EarlierFailures::default();
        earlier.remember("evt-1", 1, "note unconfirmed: reply lost");
        earlier.remember("evt-1", 2, "note unconfirmed: again");
        assert_eq!(
            earlier.take("evt-1"),
            Some((2, "note unconfirmed: again".to_owned()))
        );
        assert_eq!(earlier.take("evt-1"), None);

        for n in 0..EARLIER_FAILURES + 10 {
            earlier.remember(&format!("evt-{n}"), 1, "halo: 500");
        }
        assert_eq!(earlier.by_key.len(), EARLIER_FAILURES);
        assert_eq!(earlier.order.len(), EARLIER_FAILURES);
        assert_eq!(earlier.take("evt-0"), None, "the oldest went first");
        assert!(
            earlier
                .take(&format!("evt-{}", EARLIER_FAILURES + 9))
                .is_some()
        );
    }
}
