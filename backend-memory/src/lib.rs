//! The in-memory backend of `dynamodb-mapper`: a fake DynamoDB for unit
//! tests and dependency injection, deterministic and fast, answering as
//! DynamoDB does (it runs the shared emulation engine of
//! [`dynamodb_mapper::emulator`] over a `BTreeMap`).
//!
//! It has the knobs a test wants: injected throttling (the next N calls, or
//! a deterministic fraction of calls), injected latency, transaction
//! faults, and simulated provisioned throughput (requests beyond a table's
//! read or write capacity per second are throttled, as DynamoDB throttles
//! them). The knobs are the library's layers
//! ([`dynamodb_mapper::layers`]), which work over any backend; this store
//! comes with them stacked.
//!
//! ```
//! use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
//! use dynamodb_mapper::{Error, Item, KeySchema, ScalarType, TableDefinition};
//! use dynamodb_mapper_memory::MemoryBackend;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryBackend::new();
//! store.create_table(TableDefinition::new("users", KeySchema::hash("id", ScalarType::S))).await?;
//! store.put_item(PutItem::new("users", Item::new().with("id", "alice").with("energy", 10))).await?;
//! let got = store.get_item(GetItem::new("users", Item::new().with("id", "alice"))).await?;
//! assert_eq!(got.item.unwrap()["energy"], 10.into());
//!
//! store.throttle_next(1);
//! let err = store.get_item(GetItem::new("users", Item::new().with("id", "alice"))).await.unwrap_err();
//! assert!(matches!(err, Error::Throttled { .. }));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::ops::Bound;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dynamodb_mapper::backend::{Backend, Layered};
use dynamodb_mapper::emulator::{Emulator, EmulatorBackend, Pairs, ReplaceCheck, Storage, Writes};
use dynamodb_mapper::emulator_backend;
use dynamodb_mapper::layers::{Faults, Pacer, SimulatedThroughput, Traced};
use dynamodb_mapper::{Error, Timestamp};

/// A stored key or value: shared, of its exact size.
type Bytes = Arc<[u8]>;

/// Entries a range read reserves room for at most, before it reads them.
const MAX_RESERVED: usize = 1024;

/// An ordered map in memory: the storage of [`MemoryBackend`].
///
/// Keys and values are kept behind `Arc`s, each in one allocation of its
/// exact size: a read hands out shares of them, never copies.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    map: RwLock<BTreeMap<Bytes, Bytes>>,
}

impl Storage for MemoryStorage {
    type Key = Arc<[u8]>;
    type Value = Arc<[u8]>;

    fn get(&self, key: &[u8]) -> Result<Option<Arc<[u8]>>, Error> {
        Ok(self
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned())
    }

    fn range(
        &self,
        start: &[u8],
        end: &[u8],
        reverse: bool,
        max: usize,
    ) -> Result<Pairs<Arc<[u8]>, Arc<[u8]>>, Error> {
        if start >= end {
            return Ok(Vec::new());
        }
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let range = map.range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)));
        // A range's length is not known before it is walked: the vector is
        // sized for `max` (the engine's batches are small and bounded), so
        // that it is not grown, and copied, as it fills.
        let mut entries: Pairs<Arc<[u8]>, Arc<[u8]>> = Vec::with_capacity(max.min(MAX_RESERVED));
        let pair = |(k, v): (&Bytes, &Bytes)| (k.clone(), v.clone());
        if reverse {
            entries.extend(range.rev().take(max).map(pair));
        } else {
            entries.extend(range.take(max).map(pair));
        }
        Ok(entries)
    }

    fn apply(&self, writes: Writes) -> Result<(), Error> {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        // Keys and values come shared, of their exact size: kept as they are.
        for (k, v) in writes {
            match v {
                Some(v) => {
                    map.insert(k, v);
                }
                None => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }

    /// One search of the map for the check and the write.
    fn replace(
        &self,
        key: Arc<[u8]>,
        value: Arc<[u8]>,
        check: &mut ReplaceCheck<'_>,
    ) -> Result<(), Error> {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        match map.entry(key) {
            Entry::Occupied(mut slot) => {
                check(Some(slot.get()))?;
                slot.insert(value);
            }
            Entry::Vacant(slot) => {
                check(None)?;
                slot.insert(value);
            }
        }
        Ok(())
    }
}

type Stack = Layered<
    Traced,
    Layered<Pacer, Layered<Faults, Layered<SimulatedThroughput, EmulatorBackend<MemoryStorage>>>>,
>;

/// The in-memory fake of DynamoDB. Cheap to clone: clones share the data.
///
/// Under it is the shared engine; around it the library's layers, which
/// its convenience methods set: [`Pacer`] (client-side pacing, off until
/// [`set_pacing`](Self::set_pacing); it paces the requests of a
/// [`Budget`](dynamodb_mapper::layers::Budget) even while off),
/// [`Faults`] (throttling, latency, transaction faults) and
/// [`SimulatedThroughput`]. The same layers stack on any other backend.
#[derive(Clone, Debug)]
pub struct MemoryBackend {
    stack: Arc<Stack>,
    faults: Faults,
    throughput: SimulatedThroughput,
    pacer: Pacer,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        let engine =
            Emulator::open(MemoryStorage::default()).expect("an empty memory store always opens");
        let mut capabilities = Backend::capabilities(&engine);
        capabilities.name = "memory";
        let engine = EmulatorBackend::new(Arc::new(engine), capabilities, false);
        let faults = Faults::new();
        let throughput = SimulatedThroughput::new();
        let pacer = Pacer::new();
        let stack = Layered::new(
            Traced,
            Layered::new(
                pacer.clone(),
                Layered::new(faults.clone(), Layered::new(throughput.clone(), engine)),
            ),
        );
        MemoryBackend {
            stack: Arc::new(stack),
            faults,
            throughput,
            pacer,
        }
    }

    /// The emulation engine (for [`Emulator::purge_expired`],
    /// [`Emulator::verify_indexes`] and other tools).
    pub fn engine(&self) -> &Emulator<MemoryStorage> {
        self.stack.inner().inner().inner().inner().engine()
    }

    /// Deletes the items whose time to live has passed (DynamoDB does so in
    /// the background; the fake does it when asked, to stay deterministic).
    pub fn purge_expired(&self) -> Result<usize, Error> {
        self.engine().purge_expired(Timestamp::now())
    }

    /// The fault-injection layer of this store (its settings are shared
    /// with every clone).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Delays every call by `latency` (`None` for no delay).
    pub fn set_latency(&self, latency: Option<Duration>) {
        self.faults.set_latency(latency);
    }

    /// Throttles the next `n` data calls (reads and writes of items).
    pub fn throttle_next(&self, n: u64) {
        self.faults.throttle_next(n);
    }

    /// Throttles this fraction (0 to 1) of data calls, chosen by a
    /// pseudo-random generator with this seed (deterministic for a given
    /// sequence of calls). `None` stops it.
    pub fn throttle_rate(&self, rate: Option<(f64, u64)>) {
        self.faults.throttle_rate(rate);
    }

    /// Enforces each provisioned table's read and write capacity per second:
    /// requests beyond it fail with [`Error::Throttled`], as DynamoDB's
    /// `ProvisionedThroughputExceededException`. On-demand tables are not limited.
    pub fn simulate_throughput(&self, enabled: bool) {
        self.throughput.set_enabled(enabled);
    }

    /// The simulated-throughput layer of this store: its figures, and
    /// capacity other than the definitions'.
    pub fn throughput(&self) -> &SimulatedThroughput {
        &self.throughput
    }

    /// Turns client-side pacing on or off: requests are paced to the
    /// target share of each table's provisioned capacity, adaptively, and
    /// throttled requests are sent again from the same buckets (see
    /// [`Pacer`]). It sits above the fault and throughput layers, so it
    /// paces what they throttle.
    pub fn set_pacing(&self, enabled: bool) {
        self.pacer.set_enabled(enabled);
    }

    /// The pacer of this store (shared by every clone): its settings, and
    /// its live figures per table and index ([`Pacer::figures`]).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }
}

emulator_backend!(impl[] for MemoryBackend => |s| s.stack);
