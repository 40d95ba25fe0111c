//! What the emulator needs from a store of bytes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::Error;

/// Entries read from a storage: keys and values, in key order (of a
/// storage whose [`Key`](Storage::Key) is `Vec<u8>`).
pub type Entries<V> = Vec<(Vec<u8>, V)>;

/// Keys and values as a storage hands them out, in key order.
pub type Pairs<K, V> = Vec<(K, V)>;

/// Writes to apply: `Some(value)` to write a key, `None` to remove it.
///
/// Keys and values come shared, each in one allocation of its exact size:
/// a store that keeps `Arc<[u8]>`s (the memory backend) keeps them as they
/// are, without a copy (sled copies them into its own buffers, as it
/// copied the vectors it was given before).
pub type Writes = Vec<(Arc<[u8]>, Option<Arc<[u8]>>)>;

/// An ordered map of byte keys to byte values with atomic batches: all the
/// emulator needs from a store. The memory backend keeps a `BTreeMap`, the
/// sled backend a sled tree; everything else (DynamoDB's semantics) is the
/// emulator's.
///
/// The emulator serializes writers and takes care of isolation; a storage
/// must only make each [`apply`](Storage::apply) atomic (all or nothing,
/// also across a crash for a persistent store).
pub trait Storage: Send + Sync + 'static {
    /// A stored key as [`range`](Storage::range) hands it out (a store
    /// that keeps keys shared hands out a share, not a copy).
    type Key: AsRef<[u8]> + Send;

    /// A stored value (cheap to clone or to hand out).
    type Value: AsRef<[u8]> + Send;

    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Self::Value>, Error>;

    /// Up to `max` entries with keys in `[start, end)`, in ascending key
    /// order, or descending from `end` when `reverse`.
    fn range(
        &self,
        start: &[u8],
        end: &[u8],
        reverse: bool,
        max: usize,
    ) -> Result<Pairs<Self::Key, Self::Value>, Error>;

    /// Writes (`Some`) and removes (`None`) atomically.
    fn apply(&self, writes: Writes) -> Result<(), Error>;

    /// Writes `value` at `key` if `check`, given the value there now
    /// (`None` for none), accepts it; an error of `check` comes back and
    /// nothing is written. The emulator's put of an item whose old value
    /// it needs only to size: a store that can (the memory backend) finds
    /// the key once for both. The default reads the key, then
    /// [`apply`](Storage::apply)s the write.
    fn replace(
        &self,
        key: Arc<[u8]>,
        value: Arc<[u8]>,
        check: &mut ReplaceCheck<'_>,
    ) -> Result<(), Error> {
        check(self.get(&key)?.as_ref().map(AsRef::as_ref))?;
        self.apply(vec![(key, Some(value))])
    }

    /// Makes every applied write durable, if the storage's policy is to
    /// do so on each write. Called after the emulator released its lock.
    fn sync(&self) -> Result<(), Error> {
        Ok(())
    }

    /// What [`sync`](Storage::sync) does, as a future that holds no thread
    /// while it waits (for a flush another writer runs), for a storage
    /// whose `sync` waits for the disk; `None` (the default) when it has
    /// none. It covers the writes applied before its first poll. The
    /// [`EmulatorBackend`](super::EmulatorBackend) of such a storage, on a
    /// multi-thread tokio runtime, applies an item write on the task's
    /// thread and then awaits this instead of blocking a thread in `sync`.
    fn sync_async(&self) -> Option<SyncFuture<'_>> {
        None
    }
}

/// The check of [`Storage::replace`]: given the value at the key (`None`
/// for none), it accepts the write or fails it.
pub type ReplaceCheck<'a> = dyn FnMut(Option<&[u8]>) -> Result<(), Error> + 'a;

/// The future of [`Storage::sync_async`].
pub type SyncFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;
