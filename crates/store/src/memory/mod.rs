//! The in-process backend behind `memory:`, for the stateless function edition: the same
//! semantics as the SQL backends, lost on exit, and bounded so that a warm instance does
//! not grow without limit. Finished deliveries (the processed-event record), links and
//! ticket progress are evicted oldest first; pending and in-flight deliveries never are.

mod lru;

use crate::{
    ConnectOptions, Counts, DeliveryRecord, DeliveryStatus, Enqueued, INTERRUPTED, Intake, Kind,
    NewDelivery, Outcome, Store, StoreError, TicketProgress,
};
use async_trait::async_trait;
use lru::Lru;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Beyond this many locks, expired ones are swept on the next `try_lock`.
const LOCK_SWEEP_AT: usize = 1024;

pub(crate) struct MemoryStore {
    state: Mutex<State>,
}

struct State {
    records: Records,
    /// The latest time any caller passed in: the clock that ages finished deliveries.
    latest_now: i64,
    max_finished: usize,
    max_finished_age_ms: i64,
    /// Key → (owner, end of lease).
    locks: HashMap<String, (String, i64)>,
    links: Lru<String, i64>,
    tickets: Lru<i64, TicketProgress>,
}

/// The deliveries and the indexes that must change with them.
#[derive(Default)]
struct Records {
    by_id: HashMap<String, Entry>,
    by_event: HashMap<(Kind, String), String>,
    /// Pending and in-flight deliveries by insertion order: what claims look at.
    active: BTreeMap<u64, String>,
    /// Done and dead deliveries by (time finished, insertion order): eviction order.
    finished: BTreeMap<(i64, u64), String>,
    inserted: u64,
}

struct Entry {
    record: DeliveryRecord,
    seq: u64,
}

/// Where an entry sits in the indexes, derived from its status.
enum Slot {
    Active(u64),
    Finished((i64, u64)),
}

impl Entry {
    fn slot(&self) -> Slot {
        match self.record.status {
            DeliveryStatus::Pending | DeliveryStatus::InFlight => Slot::Active(self.seq),
            DeliveryStatus::Done | DeliveryStatus::Dead => {
                Slot::Finished((self.record.updated_at, self.seq))
            }
        }
    }

    /// Due for `claim_due`: pending and due, or in flight with an ended lease.
    fn is_due(&self, now: i64) -> bool {
        match self.record.status {
            DeliveryStatus::Pending => self.record.next_attempt_at <= now,
            _ => self.is_abandoned(now),
        }
    }

    /// Claimable by id: pending whenever due, or in flight with an ended lease.
    fn is_claimable(&self, now: i64) -> bool {
        self.record.status == DeliveryStatus::Pending || self.is_abandoned(now)
    }

    fn is_abandoned(&self, now: i64) -> bool {
        self.record.status == DeliveryStatus::InFlight
            && self.record.lease_until.is_some_and(|until| until < now)
    }
}

impl Records {
    fn index(&mut self, id: &str, slot: Slot) {
        match slot {
            Slot::Active(seq) => self.active.insert(seq, id.to_owned()),
            Slot::Finished(key) => self.finished.insert(key, id.to_owned()),
        };
    }

    fn unindex(&mut self, slot: Slot) {
        match slot {
            Slot::Active(seq) => self.active.remove(&seq),
            Slot::Finished(key) => self.finished.remove(&key),
        };
    }

    fn insert(&mut self, record: DeliveryRecord) {
        self.inserted += 1;
        let entry = Entry {
            record,
            seq: self.inserted,
        };
        let id = entry.record.id.clone();
        if let Some(event_id) = &entry.record.event_id {
            self.by_event
                .insert((entry.record.kind, event_id.clone()), id.clone());
        }
        self.index(&id, entry.slot());
        self.by_id.insert(id, entry);
    }

    /// Applies `change` to one delivery and moves it between the indexes as its status
    /// requires. `None` when there is no such delivery.
    fn update(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut DeliveryRecord),
    ) -> Option<&DeliveryRecord> {
        let before = self.by_id.get(id)?.slot();
        self.unindex(before);
        let entry = self.by_id.get_mut(id)?;
        change(&mut entry.record);
        let after = entry.slot();
        self.index(id, after);
        self.by_id.get(id).map(|entry| &entry.record)
    }

    fn remove(&mut self, id: &str) {
        let Some(entry) = self.by_id.remove(id) else {
            return;
        };
        self.unindex(entry.slot());
        if let Some(event_id) = entry.record.event_id {
            let key = (entry.record.kind, event_id);
            if self.by_event.get(&key).is_some_and(|owner| owner == id) {
                self.by_event.remove(&key);
            }
        }
    }

    fn active_where(&self, keep: impl Fn(&Entry) -> bool) -> Vec<String> {
        let entries = self.active.values().filter_map(|id| self.by_id.get(id));
        entries
            .filter(|entry| keep(entry))
            .map(|entry| entry.record.id.clone())
            .collect()
    }
}

fn claim(record: &mut DeliveryRecord, worker: &str, now: i64, lease_ms: i64) {
    if record.status == DeliveryStatus::InFlight {
        record.last_error = Some(format!("{INTERRUPTED}: its lease ended"));
    }
    record.status = DeliveryStatus::InFlight;
    record.lease_owner = Some(worker.to_owned());
    record.lease_until = Some(now.saturating_add(lease_ms));
    record.attempts = record.attempts.saturating_add(1);
    record.updated_at = now;
}

fn end_lease(record: &mut DeliveryRecord, status: DeliveryStatus, now: i64) {
    record.status = status;
    record.lease_owner = None;
    record.lease_until = None;
    record.updated_at = now;
}

fn make_pending(record: &mut DeliveryRecord, next_attempt_at: i64, now: i64) {
    end_lease(record, DeliveryStatus::Pending, now);
    record.next_attempt_at = next_attempt_at;
}

impl State {
    fn observe(&mut self, now: i64) {
        self.latest_now = self.latest_now.max(now);
    }

    /// Drops finished deliveries beyond the count bound or older than the age bound.
    fn evict(&mut self) {
        let horizon = self.latest_now.saturating_sub(self.max_finished_age_ms);
        while let Some((&(finished_at, _), _)) = self.records.finished.first_key_value() {
            if self.records.finished.len() <= self.max_finished && finished_at >= horizon {
                break;
            }
            if let Some((_, id)) = self.records.finished.pop_first() {
                self.records.remove(&id);
            }
        }
    }
}

impl MemoryStore {
    pub(crate) fn new(options: &ConnectOptions) -> Self {
        let max_age_ms = i64::try_from(options.memory_finished_max_age.as_millis());
        let state = State {
            records: Records::default(),
            latest_now: i64::MIN,
            max_finished: options.memory_max_finished,
            max_finished_age_ms: max_age_ms.unwrap_or(i64::MAX),
            locks: HashMap::new(),
            links: Lru::new(options.memory_max_links),
            tickets: Lru::new(options.memory_max_tickets),
        };
        MemoryStore {
            state: Mutex::new(state),
        }
    }

    /// The state; a panic elsewhere while holding it leaves no half-made change that
    /// matters more than refusing service would, so a poisoned lock is still used.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes one delivery at `now`, then applies the bounds.
    fn update_at(&self, id: &str, now: i64, change: impl FnOnce(&mut DeliveryRecord)) {
        let mut state = self.state();
        state.observe(now);
        state.records.update(id, change);
        state.evict();
    }
}

impl MemoryStore {
    /// Records a delivery (claimed by `claimed_by` when given) unless its event id is
    /// taken. `Claimed` carries the new record whether or not it was claimed.
    fn record(
        &self,
        delivery: NewDelivery,
        claimed_by: Option<(&str, i64)>,
    ) -> Result<Intake, StoreError> {
        let mut state = self.state();
        state.observe(delivery.received_at);

        if let Some(event_id) = &delivery.event_id {
            let key = (delivery.kind, event_id.clone());
            let existing = state.records.by_event.get(&key);
            if let Some(entry) = existing.and_then(|id| state.records.by_id.get(id)) {
                return Ok(Intake::Existing(entry.record.clone()));
            }
        }
        if state.records.by_id.contains_key(&delivery.id) {
            return Err(StoreError::Unavailable(format!(
                "delivery id {} is already recorded",
                delivery.id
            )));
        }

        let record = delivery.into_record(claimed_by);
        state.records.insert(record.clone());
        state.evict();
        Ok(Intake::Claimed(record))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn enqueue(&self, delivery: NewDelivery) -> Result<Enqueued, StoreError> {
        self.record(delivery, None).map(Enqueued::from)
    }

    async fn enqueue_claimed(
        &self,
        delivery: NewDelivery,
        worker: &str,
        lease_ms: i64,
    ) -> Result<Intake, StoreError> {
        let until = delivery.received_at.saturating_add(lease_ms);
        self.record(delivery, Some((worker, until)))
    }

    async fn get(&self, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        Ok(self
            .state()
            .records
            .by_id
            .get(id)
            .map(|entry| entry.record.clone()))
    }

    async fn claim_due(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut state = self.state();
        state.observe(now);
        let records = &mut state.records;

        let mut due = records.active_where(|entry| entry.is_due(now));
        due.sort_by_key(|id| {
            records
                .by_id
                .get(id)
                .map(|entry| (entry.record.next_attempt_at, entry.seq))
        });
        due.truncate(usize::try_from(limit).unwrap_or(usize::MAX));

        let claimed = due.iter().filter_map(|id| {
            records
                .update(id, |record| claim(record, worker, now, lease_ms))
                .cloned()
        });
        Ok(claimed.collect())
    }

    async fn claim(
        &self,
        id: &str,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let mut state = self.state();
        state.observe(now);
        let records = &mut state.records;

        if !records
            .by_id
            .get(id)
            .is_some_and(|entry| entry.is_claimable(now))
        {
            return Ok(None);
        }
        Ok(records
            .update(id, |record| claim(record, worker, now, lease_ms))
            .cloned())
    }

    async fn complete(&self, id: &str, outcome: &Outcome, now: i64) -> Result<(), StoreError> {
        self.update_at(id, now, |record| {
            end_lease(record, DeliveryStatus::Done, now);
            record.outcome = Some(outcome.clone());
            // Kept only as the processed-event record from here on.
            record.body = Vec::new();
            record.headers = Vec::new();
        });
        Ok(())
    }

    async fn retry_later(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.update_at(id, now, |record| {
            make_pending(record, next_attempt_at, now);
            record.last_error = Some(error.to_owned());
        });
        Ok(())
    }

    async fn dead_letter(&self, id: &str, error: &str, now: i64) -> Result<(), StoreError> {
        self.update_at(id, now, |record| {
            end_lease(record, DeliveryStatus::Dead, now);
            record.last_error = Some(error.to_owned());
        });
        Ok(())
    }

    async fn forget(&self, id: &str) -> Result<(), StoreError> {
        self.state().records.remove(id);
        Ok(())
    }

    async fn release_worker(&self, worker: &str, now: i64) -> Result<u64, StoreError> {
        let mut state = self.state();
        state.observe(now);
        let records = &mut state.records;

        let owned = records.active_where(|entry| {
            entry.record.status == DeliveryStatus::InFlight
                && entry.record.lease_owner.as_deref() == Some(worker)
        });
        for id in &owned {
            records.update(id, |record| {
                make_pending(record, now, now);
                record.last_error = Some(format!("{INTERRUPTED}: its process stopped"));
            });
        }
        Ok(owned.len() as u64)
    }

    async fn replay(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let mut state = self.state();
        state.observe(now);
        let records = &mut state.records;

        let is_dead = records.by_id.get(id).map(|entry| entry.record.status);
        if is_dead != Some(DeliveryStatus::Dead) {
            return Ok(false);
        }
        records.update(id, |record| {
            make_pending(record, now, now);
            record.attempts = 0;
        });
        Ok(true)
    }

    async fn replay_all(&self, now: i64) -> Result<u64, StoreError> {
        let mut state = self.state();
        state.observe(now);
        let records = &mut state.records;

        let dead: Vec<String> = records
            .finished
            .values()
            .filter(|id| {
                records
                    .by_id
                    .get(*id)
                    .is_some_and(|e| e.record.status == DeliveryStatus::Dead)
            })
            .cloned()
            .collect();
        for id in &dead {
            records.update(id, |record| {
                make_pending(record, now, now);
                record.attempts = 0;
            });
        }
        Ok(dead.len() as u64)
    }

    async fn recent(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let state = self.state();
        let mut matching: Vec<&Entry> = state
            .records
            .by_id
            .values()
            .filter(|entry| status.is_none_or(|wanted| entry.record.status == wanted))
            .collect();
        matching.sort_by_key(|entry| std::cmp::Reverse((entry.record.received_at, entry.seq)));
        matching.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(matching
            .into_iter()
            .map(|entry| entry.record.clone())
            .collect())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let state = self.state();
        let mut counts = Counts::default();
        for entry in state.records.by_id.values() {
            match entry.record.status {
                DeliveryStatus::Pending => counts.pending += 1,
                DeliveryStatus::InFlight => counts.in_flight += 1,
                DeliveryStatus::Done => counts.done += 1,
                DeliveryStatus::Dead => counts.dead += 1,
            }
        }
        Ok(counts)
    }

    async fn try_lock(
        &self,
        key: &str,
        owner: &str,
        now: i64,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        state.observe(now);
        if state.locks.len() >= LOCK_SWEEP_AT {
            state.locks.retain(|_, (_, until)| *until >= now);
        }

        let taken = state
            .locks
            .get(key)
            .is_some_and(|(holder, until)| holder != owner && *until >= now);
        if !taken {
            state.locks.insert(
                key.to_owned(),
                (owner.to_owned(), now.saturating_add(ttl_ms)),
            );
        }
        Ok(!taken)
    }

    async fn unlock(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .locks
            .get(key)
            .is_some_and(|(holder, _)| holder == owner)
        {
            state.locks.remove(key);
        }
        Ok(())
    }

    async fn find_link(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.state().links.get(&reference.to_owned()).copied())
    }

    async fn save_link(&self, reference: &str, ticket_id: i64) -> Result<(), StoreError> {
        self.state()
            .links
            .use_or_insert_with(reference.to_owned(), || ticket_id);
        Ok(())
    }

    async fn ticket_progress(&self, ticket_id: i64) -> Result<TicketProgress, StoreError> {
        Ok(self
            .state()
            .tickets
            .get(&ticket_id)
            .cloned()
            .unwrap_or_default())
    }

    async fn mark_forwarded(&self, ticket_id: i64, action_id: i64) -> Result<(), StoreError> {
        let mut state = self.state();
        state
            .tickets
            .use_or_insert_with(ticket_id, TicketProgress::default)
            .forwarded
            .insert(action_id);
        Ok(())
    }

    async fn set_reported_closed(&self, ticket_id: i64, closed: bool) -> Result<(), StoreError> {
        let mut state = self.state();
        state
            .tickets
            .use_or_insert_with(ticket_id, TicketProgress::default)
            .reported_closed = Some(closed);
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn prune_done(&self, finished_before: i64, limit: u32) -> Result<u64, StoreError> {
        let mut state = self.state();
        let records = &mut state.records;

        let old: Vec<String> = records
            .finished
            .range(..(finished_before, 0))
            .map(|(_, id)| id)
            .filter(|id| {
                records
                    .by_id
                    .get(*id)
                    .is_some_and(|e| e.record.status == DeliveryStatus::Done)
            })
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        for id in &old {
            records.remove(id);
        }
        Ok(old.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::lru::Lru;

    #[test]
    fn lru_drops_the_least_recently_used() {
        let mut lru = Lru::new(2);
        lru.use_or_insert_with("a", || 1);
        lru.use_or_insert_with("b", || 2);
        assert_eq!(lru.get(&"a"), Some(&1));
        lru.use_or_insert_with("c", || 3);

        assert_eq!(lru.len(), 2);
        assert_eq!(lru.get(&"b"), None);
        assert_eq!(lru.get(&"a"), Some(&1));
        assert_eq!(lru.get(&"c"), Some(&3));
    }

    #[test]
    fn lru_keeps_the_first_value_of_a_key() {
        let mut lru = Lru::new(4);
        lru.use_or_insert_with("a", || 1);
        assert_eq!(*lru.use_or_insert_with("a", || 2), 1);
    }
}
