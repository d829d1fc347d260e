//! Serialising work per key (an incident's reference, a Halo ticket): at most one
//! task in this process holds a key, and with a shared store (PostgreSQL) at most
//! one process too, through the store's leased locks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use store::Store;
use tokio::sync::OwnedMutexGuard;
use upstream::Clock;

/// Locks by name, created on demand and forgotten once nobody holds or waits on them.
#[derive(Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for the lock named `key` in this process.
    pub async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(existing) = locks.get(key).and_then(Weak::upgrade) {
                existing
            } else {
                // Dropping dead entries here keeps the map as small as the set of
                // keys in use, without a sweeper task.
                if locks.len() > 1024 {
                    locks.retain(|_, weak| weak.strong_count() > 0);
                }
                let fresh = Arc::new(tokio::sync::Mutex::new(()));
                locks.insert(key.to_owned(), Arc::downgrade(&fresh));
                fresh
            }
        };
        lock.lock_owned().await
    }
}

/// A held key: the in-process guard, and the store lock when the store is shared.
pub struct Held {
    _local: OwnedMutexGuard<()>,
    shared: Option<(Arc<dyn Store>, String, String)>,
}

impl Held {
    /// Releases the store lock (the local guard goes with `self`).
    pub async fn release(self) {
        if let Some((store, key, owner)) = &self.shared
            && let Err(error) = store.unlock(key, owner).await
        {
            // The lease runs out by itself; nothing is lost by a failed unlock.
            tracing::warn!(%error, key = %key, "could not release a store lock");
        }
    }
}

/// Why a key could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another replica holds {0}; timed out waiting")]
    Busy(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Takes `key` in this process and, when `shared` is set, in the store as well,
/// waiting up to `wait` for another replica to let go. The store lock lasts
/// `ttl` so a replica that dies while holding it does not block the key forever.
pub async fn acquire(
    locks: &KeyedLocks,
    shared: Option<&Arc<dyn Store>>,
    clock: &dyn Clock,
    key: &str,
    owner: &str,
    ttl: Duration,
    wait: Duration,
) -> Result<Held, LockError> {
    let local = locks.lock(key).await;
    let Some(store) = shared else {
        return Ok(Held {
            _local: local,
            shared: None,
        });
    };

    let deadline = clock.unix_millis() + wait.as_millis() as i64;
    let mut pause = Duration::from_millis(20);
    loop {
        let now = clock.unix_millis();
        if store
            .try_lock(key, owner, now, ttl.as_millis() as i64)
            .await?
        {
            let shared = Some((Arc::clone(store), key.to_owned(), owner.to_owned()));
            return Ok(Held {
                _local: local,
                shared,
            });
        }
        if now >= deadline {
            return Err(LockError::Busy(key.to_owned()));
        }
        clock.sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_holder_per_key_in_process() {
        let locks = Arc::new(KeyedLocks::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (locks, inside, most) = (locks.clone(), inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _guard = locks.lock("cf|sentinel|1").await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn different_keys_do_not_block_each_other() {
        let locks = KeyedLocks::default();
        let _a = locks.lock("a").await;
        let b = tokio::time::timeout(Duration::from_secs(1), locks.lock("b")).await;
        assert!(b.is_ok());
    }
}
