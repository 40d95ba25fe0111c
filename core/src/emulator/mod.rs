//! The emulation engine shared by the memory and sled backends: DynamoDB's
//! semantics over any ordered byte store ([`Storage`]).
//!
//! Everything DynamoDB decides lives here once: key and item validation
//! with DynamoDB's messages, condition evaluation and update application,
//! key ordering, query and scan paging with the 1 MB page rule, sparse
//! secondary indexes kept in step with every write, batch limits, atomic
//! and isolated transactions with per-action cancellation reasons,
//! idempotent client request tokens, and consumed capacity. The backends
//! differ only in how bytes are kept.
//!
//! Writers are serialized by one lock and every check happens before
//! anything is written, so a refused request changes nothing; readers share
//! the lock, so a transaction is seen whole or not at all.
//!
//! # Where it differs from DynamoDB Local, on purpose
//!
//! DynamoDB Local is the reference the conformance suite runs against; the
//! emulator follows it except where DynamoDB's documented behaviour is
//! known to differ, or where Local's answer would mislead:
//!
//! - Numbers are always stored in canonical text; Local keeps the text of
//!   numbers written by update expressions (`1.50`, `1e2`). Values are equal
//!   either way.
//! - A query page counts the data read *before* the filter toward 1 MB, as
//!   DynamoDB documents; Local counts only items that pass the filter.
//! - `size` and `convert` are reserved words (AWS's list); Local accepts
//!   them bare.
//! - The first operand of `begins_with`, `contains` and `attribute_type`
//!   is a path, as in the library's condition types; Local also evaluates
//!   a value there (a condition constant over the item).
//! - `UPDATED_OLD` and `UPDATED_NEW` return the updated paths nested as in
//!   the item (`SET a.b` returns `{a: {b: ...}}`), as DynamoDB returns
//!   them; Local returns whole top-level attributes.
//! - An update that only takes attributes away (`REMOVE`, `DELETE`) from
//!   an absent item creates nothing and returns no `ALL_NEW` attributes,
//!   as DynamoDB answers it; Local creates the item from its key.
//! - A transaction that updates a key attribute is cancelled with a reason
//!   per action (DynamoDB documents one per action); Local gives one reason.
//! - `TransactGetItems` with a wrongly typed key, or one without a key
//!   attribute, is a validation error; Local cancels the transaction
//!   without reasons.
//! - Batch get keys equal as numbers (`1`, `1.0`) are duplicates, as they are
//!   in batch writes and transactions; Local's batch get accepts them.
//! - Items whose time to live has passed are deleted only when
//!   `purge_expired` is called (deterministic tests); Local deletes them in
//!   the background within about ten seconds.
//! - The order of items within a global index partition, of global index
//!   partitions, and of scans over number hash keys differs from Local's
//!   (DynamoDB promises none of these orders).
//! - Idempotency mismatches say which token was reused; Local's message is
//!   empty. `DeleteTable` answers with status `DELETING`, as DynamoDB does.
//! - Transactions are serialized, so a transaction conflict never happens
//!   (as with Local).
//! - Two actions on one item in a transaction are refused up front, as
//!   DynamoDB documents; Local first evaluates the conditions and, if one
//!   fails, cancels the transaction instead.
//! - An index query whose page stops on the inclusive end bound of its
//!   range condition still returns a last evaluated key, since items with
//!   equal index keys may follow; Local returns none there and so can skip
//!   items of a global index. (Table queries follow Local: no last key.)
//! - An update with several invalid actions (a path that cannot be
//!   updated, a missing operand, a wrong operand type) is refused naming
//!   the first in the emulator's order (`SET` values, `SET` paths,
//!   `REMOVE`, `ADD`, `DELETE`); which one Local names depends on the hash
//!   order of its internal maps.
//! - When three or more update or projection paths include an overlapping
//!   pair, the message names that pair (with more than 16 paths, the pair
//!   found among neighbours in sorted order); Local's "path two" is chosen
//!   by Java hash order and need not overlap "path one".
//! - The order of items with equal local index sort keys (and so the pages
//!   and last evaluated keys of such a query under `Limit`) differs from
//!   Local's, as for global indexes; every item still comes exactly once.
//! - An update's evaluation errors inside a transaction (a missing operand,
//!   a wrong type, an invalid path, an item grown too large, an index key
//!   given a value that is not a string, number or binary) cancel it with
//!   a `ValidationError` reason for that action, as DynamoDB documents;
//!   Local answers a plain validation error.
//! - Keys equal as numbers (`0`, `-0`) in one transaction are refused as
//!   two actions on one item; Local accepts them.
//! - A `ConditionCheck`'s condition may name a path into a key attribute
//!   (Local evaluates it); in every other condition it is refused.
//! - A scan of an index filters on the whole item, as Local does; a query
//!   of an index refuses a filter on what the index does not project.
//! - An empty client request token is refused (DynamoDB's minimum length
//!   is 1); Local accepts it. Zero scan segments are refused with
//!   DynamoDB's constraint ("greater than or equal to 1"); Local says the
//!   segment must be at most -1.
//! - More than 100 non-key attributes projected into a table's indexes are
//!   a limit ("exceeds the per-table limit of 100"); Local refuses them
//!   with a message about 20 attributes of local indexes. Attribute names
//!   and map keys over 64 KB are refused; Local fails with an internal error.
//! - Expressions nested deeper than any expression within DynamoDB's 300
//!   operators can be (640 levels) are refused, naming the operator count
//!   or the redundant parentheses that make them so deep.
//! - When a request has several faults, the checks run in Local's order
//!   where it is deterministic: the key condition, then paths into key
//!   attributes (filter before projection), the start key, the select, and
//!   what the index projects; transactions check each action's own
//!   expressions first, then, in request order, that its table exists and
//!   its item is not an earlier action's, then each action against its
//!   table.
//! - `UpdateTable` answers with a new index `CREATING`; the next
//!   `DescribeTable` still reports it so and backfills it, and the one
//!   after reports it `ACTIVE` (Local backfills in the background for about
//!   a second). A deleted index is `DELETING` until the next description
//!   has removed its entries. The table stays `ACTIVE` throughout, as on
//!   Local (DynamoDB reports `UPDATING`). Reading an index being created is
//!   DynamoDB's `Cannot read from backfilling global secondary index`
//!   (Local fails with an internal error), and that read finishes the
//!   backfill, so the next read finds the index. Index item counts and
//!   sizes are not reported.
//! - Where Local fails with an internal error on `UpdateTable` (capacity of
//!   an index on an on-demand table, provisioned billing without the
//!   indexes' capacity), the emulator answers a validation error, or, for
//!   an index without capacity of its own on a provisioned table, gives it
//!   the table's, the library's convention. An on-demand table's indexes
//!   have no capacity (Local keeps their former one).
//! - Creating or deleting an index while another one is being created or
//!   deleted is DynamoDB's `LimitExceededException` ("Only 1 online index
//!   can be created or deleted simultaneously per table"); Local answers
//!   `ResourceInUseException`, or accepts the change.
//! - Consumed capacity follows DynamoDB's documented rules where Local's
//!   figures differ: a transaction's writes count twice (two units per
//!   KB; Local counts them once), a batch get's missing key is a read of
//!   nothing (half a unit, eventually consistent; Local counts none), and
//!   a batch delete of a missing item one unit (Local two).
//! - A query or scan of a `KEYS_ONLY` or `INCLUDE` index counts the index
//!   entries read toward a page's 1 MB, which is what DynamoDB reads;
//!   Local counts the table's whole items.
//! - An update that gives a local index's sort key a value of the wrong
//!   type is refused ("Type mismatch for Index Key"), as a put is and as
//!   DynamoDB documents; Local stores it and leaves the item out of the
//!   index.
//! - `DescribeTable` lists a table's indexes in definition order; Local
//!   lists them in the order of a Java hash map of their names (the order
//!   in which the emulator, as Local, checks an item's index keys).
//! - A table may be named by its ARN (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`)
//!   in every request on an existing table, as in DynamoDB and Local; in
//!   transactions too, as DynamoDB documents (Local answers them as missing
//!   tables). A batch naming one table twice (by its name and its ARN) is
//!   refused; Local keeps one of the entries and drops the other's requests.
//! - The `ConsumedCapacity` list of a request over several tables (batch
//!   reads and writes, transactions) is in table-name order; Local lists
//!   the tables in request order. DynamoDB documents no order.

mod arn;
mod backend;
mod batch;
pub mod codec;
mod definition;
mod evolve;
mod read;
mod read_checks;
mod record;
mod service;
mod stack;
mod storage;
mod table;
mod tables;
mod transact;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

pub use service::EmulatorBackend;
pub use stack::EngineStack;
pub use storage::{Entries, Pairs, ReplaceCheck, Storage, SyncFuture, Writes};

use crate::backend::{ConsumedCapacity, ReturnConsumedCapacity};
use crate::error::Error;
use crate::time::Timestamp;
use crate::value::Item;
use definition::missing_table;
use table::{META_PREFIX, TABLE_PREFIX, TableMeta};

/// The version of the emulator's storage layout, recorded in every store.
pub const STORE_FORMAT: u32 = 1;

const FORMAT_KEY: &[u8] = b"\x00format";
const NEXT_ID_KEY: &[u8] = b"\x00next_table_id";

/// How long a client request token makes a transaction idempotent.
const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// A table's counters, kept up to date by every write.
#[derive(Clone, Debug)]
struct TableState {
    meta: Arc<TableMeta>,
    item_count: u64,
    size_bytes: u64,
}

#[derive(Debug, Default)]
struct State {
    tables: BTreeMap<String, TableState>,
    next_id: u32,
}

/// A transaction's client request token, remembered for ten minutes.
struct TokenRecord {
    fingerprint: [u8; 20],
    at: Instant,
}

/// The tokens of the last ten minutes, and the order they came in (so
/// that forgetting the expired ones costs what expired, not all of them).
#[derive(Default)]
struct Tokens {
    records: HashMap<String, TokenRecord>,
    order: std::collections::VecDeque<(Instant, String)>,
}

impl Tokens {
    fn forget_expired(&mut self) {
        while let Some((at, _)) = self.order.front() {
            if at.elapsed() < TOKEN_LIFETIME {
                break;
            }
            if let Some((at, token)) = self.order.pop_front()
                && self.records.get(&token).is_some_and(|r| r.at == at)
            {
                self.records.remove(&token);
            }
        }
    }
}

thread_local! {
    /// Item writes on this thread leave [`Storage::sync`] to their caller.
    static DEFERRED_SYNC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While alive, the item writes (`PutItem`, `UpdateItem`, `DeleteItem`,
/// `BatchWriteItem`, `TransactWriteItems`) that the engine runs on this
/// thread apply their changes without waiting for them to be durable: the
/// holder waits for that (with [`Storage::sync_async`] or
/// [`Storage::sync`]) before acknowledging any of them.
pub(crate) struct DeferredSync {
    was: bool,
}

impl DeferredSync {
    pub(crate) fn new() -> Self {
        DeferredSync {
            was: DEFERRED_SYNC.replace(true),
        }
    }
}

impl Drop for DeferredSync {
    fn drop(&mut self) {
        DEFERRED_SYNC.set(self.was);
    }
}

/// DynamoDB's semantics over a [`Storage`].
pub struct Emulator<S: Storage> {
    storage: S,
    state: RwLock<State>,
    tokens: Mutex<Tokens>,
}

impl<S: Storage> std::fmt::Debug for Emulator<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables: Vec<String> = self.read_state().tables.keys().cloned().collect();
        f.debug_struct("Emulator").field("tables", &tables).finish()
    }
}

impl<S: Storage> Emulator<S> {
    /// Opens the emulator over a storage: an empty storage is initialised,
    /// an existing one is loaded (tables, their counters) and checked:
    /// its format version, every table record, every item (it decodes, it
    /// has its key attributes, it is stored under its key), and each
    /// index's entry count against the items that belong in it. A storage
    /// that fails a check is refused with [`Error::Corrupt`] naming the
    /// check; one of another layout version likewise.
    pub fn open(storage: S) -> Result<Self, Error> {
        let mut state = State {
            tables: BTreeMap::new(),
            next_id: 1,
        };
        match storage.get(FORMAT_KEY)? {
            Some(v) => {
                let version = stored_u32(v.as_ref(), "format version")?;
                if version != STORE_FORMAT {
                    return Err(Error::Corrupt {
                        message: format!(
                            "the store has format version {version}, but this version of dynamodb-mapper reads version {STORE_FORMAT}"
                        ),
                    });
                }
            }
            None => {
                let anything = storage.range(&[], &[0xff; 8], false, 1)?;
                if !anything.is_empty() {
                    return Err(Error::Corrupt {
                        message: "the store holds data but no format version: it was not written by dynamodb-mapper (or its format record is lost)".to_owned(),
                    });
                }
                storage.apply(vec![(
                    FORMAT_KEY.into(),
                    Some(STORE_FORMAT.to_be_bytes()[..].into()),
                )])?;
                storage.sync()?;
            }
        }
        if let Some(v) = storage.get(NEXT_ID_KEY)? {
            state.next_id = stored_u32(v.as_ref(), "next table id")?;
        }
        // Load table records and count their items.
        let mut ids: BTreeMap<u32, String> = BTreeMap::new();
        let records = scan_all(&storage, &[TABLE_PREFIX], &[TABLE_PREFIX + 1])?;
        for (k, v) in records {
            let k = k.as_ref();
            let record = codec::decode_item(v.as_ref()).map_err(|e| Error::Corrupt {
                message: format!(
                    "the table record under key \"{}\" cannot be decoded: {}",
                    k.get(1..).unwrap_or_default().escape_ascii(),
                    corrupt_detail(&e)
                ),
            })?;
            let meta = TableMeta::from_record(&record)?;
            if k != TableMeta::record_key(meta.name()) {
                return Err(meta.corrupt(format!(
                    "its record is stored under the name \"{}\"",
                    k.get(1..).unwrap_or_default().escape_ascii()
                )));
            }
            if let Some(other) = ids.insert(meta.id, meta.name().to_owned()) {
                return Err(meta.corrupt(format!("it has the id {} of table `{other}`", meta.id)));
            }
            let next = meta.id.checked_add(1).ok_or_else(|| {
                meta.corrupt(format!(
                    "its id {} is beyond the ids this store gives out",
                    meta.id
                ))
            })?;
            state.next_id = state.next_id.max(next);
            let ts = load_table(&storage, meta)?;
            state.tables.insert(ts.meta.def.name.clone(), ts);
        }
        let _ = META_PREFIX;
        Ok(Emulator {
            storage,
            state: RwLock::new(state),
            tokens: Mutex::new(Tokens::default()),
        })
    }

    /// The storage underneath.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// After an item write: [`Storage::sync`], unless this thread's caller
    /// waits for durability itself once the call returns (see
    /// [`DeferredSync`]).
    fn sync_write(&self) -> Result<(), Error> {
        if DEFERRED_SYNC.get() {
            Ok(())
        } else {
            self.storage.sync()
        }
    }

    fn read_state(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_state(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A table's metadata, or DynamoDB's error for a missing table.
    fn meta(&self, state: &State, name: &str) -> Result<Arc<TableMeta>, Error> {
        state
            .tables
            .get(name)
            .map(|t| t.meta.clone())
            .ok_or_else(|| missing_table(name))
    }

    /// The item of a table stored under `key`; a damaged one is
    /// [`Error::Corrupt`] naming the table and the key.
    fn load(&self, meta: &TableMeta, key: &[u8]) -> Result<Option<Item>, Error> {
        Ok(self.load_sized(meta, key)?.map(|(item, _)| item))
    }

    /// [`load`](Self::load), with the item's [`size`](Item::size).
    fn load_sized(&self, meta: &TableMeta, key: &[u8]) -> Result<Option<(Item, usize)>, Error> {
        match self.storage.get(key)? {
            Some(v) => decode_stored_sized(meta, key, v.as_ref()).map(Some),
            None => Ok(None),
        }
    }

    /// Deletes the items whose time to live has passed, as DynamoDB's
    /// background process does: the TTL attribute must be a number of
    /// epoch seconds before `now` and not more than five years before it.
    /// Returns how many items were deleted.
    pub fn purge_expired(&self, now: Timestamp) -> Result<usize, Error> {
        let tables: Vec<Arc<TableMeta>> = {
            let state = self.read_state();
            state.tables.values().map(|t| t.meta.clone()).collect()
        };
        let now_s = now.unix_seconds();
        let oldest = now_s - 5 * 365 * 86_400 - 86_400;
        let mut deleted = 0;
        for meta in tables {
            let Some(attr) = &meta.def.ttl_attribute else {
                continue;
            };
            let prefix = meta.items_prefix();
            let mut expired = Vec::new();
            for (k, v) in scan_all(&self.storage, &prefix, &codec::prefix_end(&prefix))? {
                let item = decode_stored(&meta, k.as_ref(), v.as_ref())?;
                if let Some(crate::AttributeValue::N(n)) = item.get(attr)
                    && let Ok(t) = n.to_i64()
                    && t < now_s
                    && t >= oldest
                {
                    expired.push(meta.key().key_of(&item));
                }
            }
            for key in expired {
                let mut req = crate::backend::DeleteItem::new(meta.name(), key.clone());
                // Only if still expired: a newer write may have changed it.
                let mut attrs = crate::expr::ExpressionAttributes::default();
                let cond = crate::expr::attr(attr.clone()).lt(now_s);
                req.condition_expression = Some(cond.render(&mut attrs));
                req.expression_attributes = attrs;
                match self.delete_item(req) {
                    Ok(_) => deleted += 1,
                    Err(Error::Conflict { .. }) | Err(Error::TableNotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(deleted)
    }

    fn check_token(&self, token: &str, fingerprint: [u8; 20]) -> Result<bool, Error> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.forget_expired();
        match tokens.records.get(token) {
            Some(r) if r.fingerprint == fingerprint => Ok(true),
            Some(_) => Err(Error::IdempotencyMismatch {
                message: format!(
                    "client request token {token} was used with other parameters within 10 minutes"
                ),
            }),
            None => Ok(false),
        }
    }

    fn remember_token(&self, token: &str, fingerprint: [u8; 20]) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let at = Instant::now();
        tokens.order.push_back((at, token.to_owned()));
        tokens
            .records
            .insert(token.to_owned(), TokenRecord { fingerprint, at });
    }
}

/// A stored item of a table, decoded; damage is [`Error::Corrupt`] naming
/// the table and the key.
/// An item without its key attributes is damaged too (and would otherwise
/// have no storage key): that is checked here, for every stored item read.
fn decode_stored(meta: &TableMeta, key: &[u8], bytes: &[u8]) -> Result<Item, Error> {
    decode_stored_sized(meta, key, bytes).map(|(item, _)| item)
}

/// [`decode_stored`], with the item's [`size`](Item::size), counted while
/// decoding.
fn decode_stored_sized(meta: &TableMeta, key: &[u8], bytes: &[u8]) -> Result<(Item, usize), Error> {
    decode_stored_donated(meta, key, bytes, &mut [])
}

/// [`decode_stored_sized`], the item taking the strings of `donors` where
/// they are its own (see [`crate::codec::decode_item_donated`]).
fn decode_stored_donated(
    meta: &TableMeta,
    key: &[u8],
    bytes: &[u8],
    donors: &mut [crate::codec::Donor],
) -> Result<(Item, usize), Error> {
    let schema = meta.key();
    // Whether the item keeps a value of the right type under the hash key
    // and the range key (a table without one has it), told by the decoder
    // as it reads each attribute: no search of the item once it is built.
    // A repeated name is told again, and the item keeps its last value.
    let mut typed = [false, schema.range.is_none()];
    let (item, size) = crate::codec::decode_item_donated(bytes, donors, |name, v| {
        if name == schema.hash.name {
            typed[0] = v.value_type() == schema.hash.scalar_type.value_type();
        } else if let Some(r) = &schema.range
            && name == r.name
        {
            typed[1] = v.value_type() == r.scalar_type.value_type();
        }
    })
    .map_err(|e| meta.corrupt_item(key, &e))?;
    if typed != [true, true] {
        for a in schema.attributes() {
            if item
                .get(&a.name)
                .is_none_or(|v| v.value_type() != a.scalar_type.value_type())
            {
                return Err(meta.corrupt(format!(
                    "the item stored under {} has no key attribute `{}` of type {}",
                    table::shown_storage_key(key),
                    a.name,
                    a.scalar_type.as_str()
                )));
            }
        }
    }
    Ok((item, size))
}

/// The message of a corruption error (without the "store is corrupt" prefix).
fn corrupt_detail(e: &Error) -> String {
    match e {
        Error::Corrupt { message } => message.clone(),
        other => other.to_string(),
    }
}

/// A four-byte big-endian number of the store's own records.
fn stored_u32(bytes: &[u8], what: &str) -> Result<u32, Error> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| Error::Corrupt {
            message: format!(
                "the store's {what} record is damaged: {} bytes, not 4",
                bytes.len()
            ),
        })
}

/// A table's counters from its items, checking each item (it decodes, has
/// its key attributes, is stored under its key) and each index (as many
/// entries as items that belong in it, each pointing into this table).
fn load_table<S: Storage>(storage: &S, meta: TableMeta) -> Result<TableState, Error> {
    let prefix = meta.items_prefix();
    let mut expected = vec![0u64; meta.def.indexes.len()];
    let (mut item_count, mut size_bytes) = (0u64, 0u64);
    for (k, v) in scan_all(storage, &prefix, &codec::prefix_end(&prefix))? {
        let k = k.as_ref();
        let item = decode_stored(&meta, k, v.as_ref())?;
        if meta.item_key(&item) != k {
            return Err(meta.corrupt(format!(
                "the item stored under {} holds another key",
                table::shown_storage_key(k)
            )));
        }
        for (n, count) in expected.iter_mut().enumerate() {
            if meta.building(n) {
                continue;
            }
            if meta.index_key(n, &item).is_some() {
                *count += 1;
            }
        }
        item_count += 1;
        size_bytes += item.size() as u64;
    }
    for (n, want) in expected.into_iter().enumerate() {
        // An index still being backfilled (a crash interrupted it) is
        // rebuilt from the items; its entries are not counted.
        if meta.building(n) {
            continue;
        }
        let prefix = meta.index_prefix(n);
        let entries = scan_all(storage, &prefix, &codec::prefix_end(&prefix))?;
        if let Some((k, _)) = entries
            .iter()
            .find(|(_, v)| !v.as_ref().starts_with(&meta.items_prefix()))
        {
            return Err(meta.corrupt(format!(
                "an entry of index `{}` (under \"{}\") points outside the table",
                meta.def.indexes[n].name,
                k.as_ref().get(5..).unwrap_or_default().escape_ascii()
            )));
        }
        let found = entries.len() as u64;
        if found != want {
            return Err(meta.corrupt(format!(
                "index `{}` has {found} entries, but {want} of the table's {item_count} items belong in it",
                meta.def.indexes[n].name
            )));
        }
    }
    // Entries under an id that no index of the table (listed, or being
    // deleted) has: its record lost one.
    let known: std::collections::BTreeSet<u8> = (0..meta.def.indexes.len())
        .map(|n| meta.slots.get(n).map_or(n as u8, |s| s.id))
        .chain(meta.dropping.iter().map(|d| d.id))
        .collect();
    for id in (0..=u8::MAX).filter(|id| !known.contains(id)) {
        let start = meta.slot_prefix(id);
        let end = codec::prefix_end(&start);
        if !storage.range(&start, &end, false, 1)?.is_empty() {
            return Err(meta.corrupt(format!(
                "the store holds entries of an index (id {id}) that none of its {} indexes has",
                meta.def.indexes.len()
            )));
        }
    }
    Ok(TableState {
        meta: Arc::new(meta),
        item_count,
        size_bytes,
    })
}

/// Every entry in `[start, end)`, fetched in batches.
fn scan_all<S: Storage>(
    storage: &S,
    start: &[u8],
    end: &[u8],
) -> Result<Pairs<S::Key, S::Value>, Error> {
    let mut out = Vec::new();
    let mut from = start.to_vec();
    loop {
        let batch = storage.range(&from, end, false, 1024)?;
        let done = batch.len() < 1024;
        if let Some((k, _)) = batch.last() {
            from = codec::successor(k.as_ref());
        }
        out.extend(batch);
        if done {
            return Ok(out);
        }
    }
}

// ---------------------------------------------------------------------------
// Consumed capacity, as DynamoDB computes it.

fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

/// Capacity on one table, split between the table and its indexes.
#[derive(Clone, Debug, Default)]
struct Usage {
    table: f64,
    global: BTreeMap<String, f64>,
    local: BTreeMap<String, f64>,
}

impl Usage {
    fn index(&mut self, meta: &TableMeta, n: usize, units: f64) {
        let index = &meta.def.indexes[n];
        let map = if index.kind == crate::IndexKind::Global {
            &mut self.global
        } else {
            &mut self.local
        };
        *map.entry(index.name.clone()).or_default() += units;
    }

    fn scaled(mut self, factor: f64) -> Self {
        self.table *= factor;
        self.global.values_mut().for_each(|v| *v *= factor);
        self.local.values_mut().for_each(|v| *v *= factor);
        self
    }

    fn add(&mut self, other: Usage) {
        self.table += other.table;
        for (k, v) in other.global {
            *self.global.entry(k).or_default() += v;
        }
        for (k, v) in other.local {
            *self.local.entry(k).or_default() += v;
        }
    }

    /// The capacity as `rcc` asks it reported (`table` is copied only
    /// when it is: a multi-table request's names move in).
    fn report(
        self,
        table: impl Into<String>,
        rcc: ReturnConsumedCapacity,
    ) -> Option<ConsumedCapacity> {
        let total =
            self.table + self.global.values().sum::<f64>() + self.local.values().sum::<f64>();
        match rcc {
            ReturnConsumedCapacity::None => None,
            ReturnConsumedCapacity::Total => Some(ConsumedCapacity {
                table: table.into(),
                capacity_units: total,
                ..ConsumedCapacity::default()
            }),
            ReturnConsumedCapacity::Indexes => Some(ConsumedCapacity {
                table: table.into(),
                capacity_units: total,
                table_units: Some(self.table),
                global_indexes: self.global,
                local_indexes: self.local,
            }),
        }
    }
}

/// Capacity of a multi-table request, per table, in table order.
fn report_all(
    usage: BTreeMap<String, Usage>,
    rcc: ReturnConsumedCapacity,
) -> Vec<ConsumedCapacity> {
    usage
        .into_iter()
        .filter_map(|(t, u)| u.report(t, rcc))
        .collect()
}
