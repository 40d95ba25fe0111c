//! The in-memory backend of `dynamodb-mapper`: a fake DynamoDB for unit
//! tests and dependency injection, deterministic and fast, answering as
//! DynamoDB does (it runs the shared emulation engine of
//! [`dynamodb_mapper::emulator`] over a `BTreeMap`).
//!
//! It has the knobs a test wants: injected throttling (the next N calls, or
//! a deterministic fraction of calls), injected latency, and simulated
//! provisioned throughput (requests beyond a table's read or write capacity
//! per second are throttled, as DynamoDB throttles them).
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

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use async_trait::async_trait;
use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities,
    ConsumedCapacity, DeleteItem, GetItem, GetItemOutput, ListTables, ListTablesOutput, Page,
    PutItem, Query, ReturnConsumedCapacity, Scan, TableDescription, TimeToLive,
    TimeToLiveDescription, TransactGet, TransactGetOutput, TransactWrite, TransactWriteItem,
    TransactWriteOutput, UpdateItem, WriteOutput,
};
use dynamodb_mapper::emulator::{Emulator, Entries, Storage, Writes};
use dynamodb_mapper::{BillingMode, Error, TableDefinition, Timestamp};

/// An ordered map in memory: the storage of [`MemoryBackend`].
#[derive(Debug, Default)]
pub struct MemoryStorage {
    map: RwLock<BTreeMap<Vec<u8>, Arc<[u8]>>>,
}

impl Storage for MemoryStorage {
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
    ) -> Result<Entries<Arc<[u8]>>, Error> {
        if start >= end {
            return Ok(Vec::new());
        }
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let range = map.range::<[u8], _>((Bound::Included(start), Bound::Excluded(end)));
        let entries: Vec<(Vec<u8>, Arc<[u8]>)> = if reverse {
            range
                .rev()
                .take(max)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            range
                .take(max)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        Ok(entries)
    }

    fn apply(&self, writes: Writes) -> Result<(), Error> {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        for (k, v) in writes {
            match v {
                Some(v) => {
                    map.insert(k, Arc::from(v));
                }
                None => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }
}

/// A token bucket of capacity units per second (on tokio's clock, so that a
/// test can pause and advance time).
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(per_second: u64) -> Self {
        Bucket {
            per_second: per_second as f64,
            tokens: per_second as f64,
            at: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let elapsed = self.at.elapsed().as_secs_f64();
        self.at = Instant::now();
        // At most one second of unused capacity is kept.
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
    }
}

#[derive(Debug, Default)]
struct Knobs {
    latency: Mutex<Option<Duration>>,
    throttle_next: AtomicU64,
    /// Fraction of calls to throttle, and the state of the generator.
    throttle_rate: Mutex<Option<(f64, u64)>>,
    simulate_throughput: Mutex<bool>,
    /// (table, is_write) -> bucket.
    buckets: Mutex<HashMap<(String, bool), Bucket>>,
}

/// The in-memory fake of DynamoDB. Cheap to clone: clones share the data.
#[derive(Clone, Debug)]
pub struct MemoryBackend {
    engine: Arc<Emulator<MemoryStorage>>,
    knobs: Arc<Knobs>,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

fn throttled(message: &str) -> Error {
    Error::Throttled {
        message: message.to_owned(),
    }
}

const THROUGHPUT_EXCEEDED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        let engine =
            Emulator::open(MemoryStorage::default()).expect("an empty memory store always opens");
        MemoryBackend {
            engine: Arc::new(engine),
            knobs: Arc::new(Knobs::default()),
        }
    }

    fn e(&self) -> &Emulator<MemoryStorage> {
        &self.engine
    }

    /// The emulation engine (for [`Emulator::purge_expired`],
    /// [`Emulator::verify_indexes`] and other tools).
    pub fn engine(&self) -> &Emulator<MemoryStorage> {
        &self.engine
    }

    /// Deletes the items whose time to live has passed (DynamoDB does so in
    /// the background; the fake does it when asked, to stay deterministic).
    pub fn purge_expired(&self) -> Result<usize, Error> {
        self.e().purge_expired(Timestamp::now())
    }

    /// Delays every call by `latency` (`None` for no delay).
    pub fn set_latency(&self, latency: Option<Duration>) {
        *self.knobs.latency.lock().unwrap_or_else(|e| e.into_inner()) = latency;
    }

    /// Throttles the next `n` data calls (reads and writes of items).
    pub fn throttle_next(&self, n: u64) {
        self.knobs.throttle_next.store(n, Ordering::SeqCst);
    }

    /// Throttles this fraction (0 to 1) of data calls, chosen by a
    /// pseudo-random generator with this seed (deterministic for a given
    /// sequence of calls). `None` stops it.
    pub fn throttle_rate(&self, rate: Option<(f64, u64)>) {
        *self
            .knobs
            .throttle_rate
            .lock()
            .unwrap_or_else(|e| e.into_inner()) =
            rate.map(|(r, seed)| (r.clamp(0.0, 1.0), seed.max(1)));
    }

    /// Enforces each provisioned table's read and write capacity per second:
    /// requests beyond it fail with [`Error::Throttled`], as DynamoDB's
    /// `ProvisionedThroughputExceededException`. On-demand tables are not limited.
    pub fn simulate_throughput(&self, enabled: bool) {
        *self
            .knobs
            .simulate_throughput
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = enabled;
        self.knobs
            .buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    async fn before_call(&self) -> Result<(), Error> {
        let latency = *self.knobs.latency.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = latency {
            tokio::time::sleep(d).await;
        }
        Ok(())
    }

    /// Injected throttling, for data calls.
    fn injected(&self) -> Result<(), Error> {
        let throttle = self
            .knobs
            .throttle_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if throttle {
            return Err(throttled(
                "Rate of requests exceeds the allowed throughput (injected by the test).",
            ));
        }
        let mut rate = self
            .knobs
            .throttle_rate
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((r, state)) = rate.as_mut() {
            // xorshift64*
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            let x = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
            if (x >> 11) as f64 / (1u64 << 53) as f64 <= *r && *r > 0.0 {
                return Err(throttled(
                    "Rate of requests exceeds the allowed throughput (injected by the test).",
                ));
            }
        }
        Ok(())
    }

    fn simulating(&self) -> bool {
        *self
            .knobs
            .simulate_throughput
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Fails if a table's bucket is empty.
    fn check_capacity(&self, tables: &[&str], write: bool) -> Result<(), Error> {
        if !self.simulating() {
            return Ok(());
        }
        let mut buckets = self.knobs.buckets.lock().unwrap_or_else(|e| e.into_inner());
        for table in tables {
            let Ok(d) = self.e().describe_table(table) else {
                continue;
            };
            let BillingMode::Provisioned(t) = d.definition.billing else {
                continue;
            };
            let per_second = if write {
                t.write_capacity_units
            } else {
                t.read_capacity_units
            };
            let bucket = buckets
                .entry(((*table).to_owned(), write))
                .or_insert_with(|| Bucket::new(per_second));
            bucket.refill();
            if bucket.tokens <= 0.0 {
                return Err(throttled(THROUGHPUT_EXCEEDED));
            }
        }
        Ok(())
    }

    /// Charges consumed capacity to the tables' buckets.
    fn charge(&self, used: &[ConsumedCapacity], write: bool) {
        if !self.simulating() {
            return;
        }
        let mut buckets = self.knobs.buckets.lock().unwrap_or_else(|e| e.into_inner());
        for c in used {
            if let Some(b) = buckets.get_mut(&(c.table.clone(), write)) {
                b.tokens -= c.capacity_units;
            }
        }
    }

    /// The capacity level to ask the engine for: the caller's, or the total
    /// when simulating throughput (stripped again before returning).
    fn rcc(&self, asked: ReturnConsumedCapacity) -> ReturnConsumedCapacity {
        if asked == ReturnConsumedCapacity::None && self.simulating() {
            ReturnConsumedCapacity::Total
        } else {
            asked
        }
    }

    async fn data_call(&self, tables: &[&str], write: bool) -> Result<(), Error> {
        self.before_call().await?;
        self.injected()?;
        self.check_capacity(tables, write)
    }
}

fn strip(asked: ReturnConsumedCapacity, c: Option<ConsumedCapacity>) -> Option<ConsumedCapacity> {
    if asked == ReturnConsumedCapacity::None {
        None
    } else {
        c
    }
}

fn strip_all(asked: ReturnConsumedCapacity, c: Vec<ConsumedCapacity>) -> Vec<ConsumedCapacity> {
    if asked == ReturnConsumedCapacity::None {
        Vec::new()
    } else {
        c
    }
}

#[async_trait]
impl Backend for MemoryBackend {
    fn capabilities(&self) -> Capabilities {
        let mut c = self.e().capabilities();
        c.name = "memory";
        c.throughput_enforced = self.simulating();
        c
    }

    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error> {
        self.before_call().await?;
        self.e().create_table(definition)
    }

    async fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        self.before_call().await?;
        self.e().describe_table(table)
    }

    async fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        self.before_call().await?;
        self.e().delete_table(table)
    }

    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
        self.before_call().await?;
        self.e().list_tables(input)
    }

    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error> {
        self.before_call().await?;
        self.e().update_time_to_live(table, ttl)
    }

    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error> {
        self.before_call().await?;
        self.e().describe_time_to_live(table)
    }

    async fn get_item(&self, mut input: GetItem) -> Result<GetItemOutput, Error> {
        self.data_call(&[&input.table], false).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().get_item(input)?;
        self.charge(out.consumed_capacity.as_slice(), false);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn put_item(&self, mut input: PutItem) -> Result<WriteOutput, Error> {
        self.data_call(&[&input.table], true).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().put_item(input)?;
        self.charge(out.consumed_capacity.as_slice(), true);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn update_item(&self, mut input: UpdateItem) -> Result<WriteOutput, Error> {
        self.data_call(&[&input.table], true).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().update_item(input)?;
        self.charge(out.consumed_capacity.as_slice(), true);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn delete_item(&self, mut input: DeleteItem) -> Result<WriteOutput, Error> {
        self.data_call(&[&input.table], true).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().delete_item(input)?;
        self.charge(out.consumed_capacity.as_slice(), true);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn query(&self, mut input: Query) -> Result<Page, Error> {
        self.data_call(&[&input.table], false).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().query(input)?;
        self.charge(out.consumed_capacity.as_slice(), false);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn scan(&self, mut input: Scan) -> Result<Page, Error> {
        self.data_call(&[&input.table], false).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().scan(input)?;
        self.charge(out.consumed_capacity.as_slice(), false);
        out.consumed_capacity = strip(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn batch_get_item(&self, mut input: BatchGet) -> Result<BatchGetOutput, Error> {
        let tables: Vec<String> = input.tables.keys().cloned().collect();
        let names: Vec<&str> = tables.iter().map(String::as_str).collect();
        self.data_call(&names, false).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().batch_get_item(input)?;
        self.charge(&out.consumed_capacity, false);
        out.consumed_capacity = strip_all(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn batch_write_item(&self, mut input: BatchWrite) -> Result<BatchWriteOutput, Error> {
        let tables: Vec<String> = input.tables.keys().cloned().collect();
        let names: Vec<&str> = tables.iter().map(String::as_str).collect();
        self.data_call(&names, true).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().batch_write_item(input)?;
        self.charge(&out.consumed_capacity, true);
        out.consumed_capacity = strip_all(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn transact_write_items(
        &self,
        mut input: TransactWrite,
    ) -> Result<TransactWriteOutput, Error> {
        let tables: Vec<String> = input
            .items
            .iter()
            .map(|i| match i {
                TransactWriteItem::Put(p) => p.table.clone(),
                TransactWriteItem::Update(u) => u.table.clone(),
                TransactWriteItem::Delete(d) => d.table.clone(),
                TransactWriteItem::ConditionCheck(c) => c.table.clone(),
            })
            .collect();
        let names: Vec<&str> = tables.iter().map(String::as_str).collect();
        self.data_call(&names, true).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().transact_write_items(input)?;
        self.charge(&out.consumed_capacity, true);
        out.consumed_capacity = strip_all(asked, out.consumed_capacity);
        Ok(out)
    }

    async fn transact_get_items(&self, mut input: TransactGet) -> Result<TransactGetOutput, Error> {
        let tables: Vec<String> = input.items.iter().map(|g| g.table.clone()).collect();
        let names: Vec<&str> = tables.iter().map(String::as_str).collect();
        self.data_call(&names, false).await?;
        let asked = input.return_consumed_capacity;
        input.return_consumed_capacity = self.rcc(asked);
        let mut out = self.e().transact_get_items(input)?;
        self.charge(&out.consumed_capacity, false);
        out.consumed_capacity = strip_all(asked, out.consumed_capacity);
        Ok(out)
    }
}
