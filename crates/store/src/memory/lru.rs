//! A map with a size cap that drops its least recently used entry when full: how the
//! memory backend bounds links and ticket progress. Not thread-safe on its own.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

pub(super) struct Lru<K, V> {
    /// Key → (value, its last use).
    entries: HashMap<K, (V, u64)>,
    /// Last use → key; the first entry is the one to drop.
    by_use: BTreeMap<u64, K>,
    uses: u64,
    cap: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub(super) fn new(cap: usize) -> Self {
        Lru {
            entries: HashMap::new(),
            by_use: BTreeMap::new(),
            uses: 0,
            cap: cap.max(1),
        }
    }

    /// The value for `key`, counted as a use.
    pub(super) fn get(&mut self, key: &K) -> Option<&V> {
        self.uses += 1;
        let (value, used) = self.entries.get_mut(key)?;
        self.by_use.remove(used);
        *used = self.uses;
        self.by_use.insert(self.uses, key.clone());
        Some(value)
    }

    /// The value for `key`, inserted from `make` when missing, counted as a use. Drops
    /// least recently used entries first when a new key would exceed the cap.
    pub(super) fn use_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.entries.contains_key(&key) {
            while self.entries.len() >= self.cap {
                let Some((_, oldest)) = self.by_use.pop_first() else {
                    break;
                };
                self.entries.remove(&oldest);
            }
        }

        self.uses += 1;
        let now = self.uses;
        let entry = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| (make(), now));
        self.by_use.remove(&entry.1);
        entry.1 = now;
        self.by_use.insert(now, key);
        &mut entry.0
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}
