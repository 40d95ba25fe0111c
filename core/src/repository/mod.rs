//! The typed repository: [`Repository<T>`] and its implementation [`Table<T>`].
//!
//! ```
//! use dynamodb_mapper::repository::{Repository, Table, Tracked};
//! use dynamodb_mapper::{Error, Model};
//! use dynamodb_mapper_memory::MemoryBackend;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
//! #[model(table = "users")]
//! struct User {
//!     #[model(hash_key)]
//!     id: String,
//!     energy: i64,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let users = Table::<User>::new(MemoryBackend::new());
//! users.create_table().await?;
//! users.create(User { id: "alice".into(), energy: 10 }).await?;
//!
//! let mut alice = users.get(&"alice".to_string()).await?.expect("exists");
//! let mut stale = alice.clone();
//! alice.energy += 5;
//! users.save(&mut alice).await?;
//!
//! // The second copy was loaded before the save: saving it is a conflict.
//! stale.energy += 1;
//! assert!(matches!(users.save(&mut stale).await, Err(Error::Conflict { .. })));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```

mod table;

use std::fmt;
use std::ops::{Deref, DerefMut};

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::error::Error;
use crate::expr::{Condition, RangeCondition, Update};
use crate::model::Model;
use crate::value::{AttributeValue, Item};

pub use table::{RetryPolicy, Table};

/// The attribute of the auto-increment counter item.
pub const COUNTER_ATTRIBUTE: &str = "__max_hash_key__";
/// The hash key of the auto-increment counter item.
pub const COUNTER_KEY: i64 = -1;

/// A value together with the item it was loaded from, for conflict
/// detection. It dereferences to the value, so fields are read and changed
/// directly.
#[derive(Clone, PartialEq)]
pub struct Tracked<T> {
    value: T,
    stored: Option<Item>,
}

impl<T> Tracked<T> {
    /// A value never saved: saving it with conflict detection creates it
    /// only if no item has its key.
    pub fn new(value: T) -> Self {
        Tracked {
            value,
            stored: None,
        }
    }

    pub(crate) fn loaded(value: T, stored: Item) -> Self {
        Tracked {
            value,
            stored: Some(stored),
        }
    }

    /// The item as it was stored when loaded or last saved (before any
    /// migration); `None` for a value never saved.
    pub fn stored(&self) -> Option<&Item> {
        self.stored.as_ref()
    }

    /// True for a value never saved (or deleted since).
    pub fn is_new(&self) -> bool {
        self.stored.is_none()
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("value", &self.value)
            .field("new", &self.stored.is_none())
            .finish()
    }
}

/// How a save treats the item already stored.
///
/// Conflict detection without a version attribute sends a condition with
/// one clause per top-level attribute (the attribute as loaded, or absent
/// for a model field that was absent). Mind three consequences:
///
/// - DynamoDB limits a condition to 4 KB, roughly 200 attributes: a model
///   with more top-level attributes should declare a `#[model(version)]`.
/// - Attributes outside the model that appear after the load are not
///   detected (as in the Python mapper); a save writes the whole item
///   (`PutItem`), so it drops attributes the model does not know.
/// - A value read from an index that does not project every attribute
///   remembers the projected item: saving it is a conflict. Reload it from
///   the table first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveMode {
    /// Succeed only if the stored item is still what was loaded (or, for a
    /// new value, if no item has its key); otherwise [`Error::Conflict`]
    /// (or [`Error::AlreadyExists`]).
    #[default]
    FailOnConflict,
    /// Write whatever is stored.
    Overwrite,
}

/// An opaque position in a query or scan, to resume it later (for APIs that
/// hand pages to their clients). It is URL safe.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from a token given out before.
    pub fn parse(token: &str) -> Result<Cursor, Error> {
        let c = Cursor(token.to_owned());
        c.key()?;
        Ok(c)
    }

    pub(crate) fn from_key(key: &Item) -> Cursor {
        Cursor(base64url(&crate::codec::encode_item(key)))
    }

    pub(crate) fn key(&self) -> Result<Item, Error> {
        let bytes = unbase64url(&self.0)
            .ok_or_else(|| Error::invalid("the cursor is not a token this library gave out"))?;
        crate::codec::decode_item(&bytes)
            .map_err(|_| Error::invalid("the cursor is not a token this library gave out"))
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unbase64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let digits: Vec<u32> = text
        .bytes()
        .map(|c| ALPHABET.iter().position(|&a| a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    for chunk in digits.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | (d << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// The builder methods queries and scans share.
macro_rules! paged_read_builders {
    () => {
        /// Reads a secondary index instead of the table.
        pub fn index(mut self, name: impl Into<String>) -> Self {
            self.index = Some(name.into());
            self
        }

        /// Only items for which the filter holds (applied by the store to
        /// the items each request reads).
        pub fn filter(mut self, filter: Condition) -> Self {
            self.filter = Some(filter);
            self
        }

        /// At most this many items in all.
        pub fn limit(mut self, limit: usize) -> Self {
            self.limit = Some(limit);
            self
        }

        /// At most this many items read per request (DynamoDB's `Limit`).
        pub fn page_size(mut self, size: u32) -> Self {
            self.page_size = Some(size.max(1));
            self
        }

        /// Strongly consistent reads (not on global secondary indexes).
        pub fn consistent(mut self) -> Self {
            self.consistent = true;
            self
        }
    };
}

/// A query: the items with one hash key, optionally narrowed by a range
/// key condition and a filter, on the table or one of its indexes.
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySpec {
    pub(crate) index: Option<String>,
    pub(crate) hash: AttributeValue,
    pub(crate) range: Option<RangeCondition>,
    pub(crate) filter: Option<Condition>,
    pub(crate) forward: bool,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<u32>,
    pub(crate) consistent: bool,
}

impl QuerySpec {
    /// The items whose hash key is `hash` (of the table, or of the index
    /// chosen with [`QuerySpec::index`]).
    pub fn new(hash: impl Into<AttributeValue>) -> Self {
        QuerySpec {
            index: None,
            hash: hash.into(),
            range: None,
            filter: None,
            forward: true,
            limit: None,
            page_size: None,
            consistent: false,
        }
    }

    /// Only range keys meeting this condition.
    pub fn range(mut self, condition: RangeCondition) -> Self {
        self.range = Some(condition);
        self
    }

    /// Descending range key order.
    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }

    paged_read_builders!();
}

/// A scan: every item of the table or index, optionally filtered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanSpec {
    pub(crate) index: Option<String>,
    pub(crate) filter: Option<Condition>,
    pub(crate) limit: Option<usize>,
    pub(crate) page_size: Option<u32>,
    pub(crate) consistent: bool,
}

impl ScanSpec {
    /// The whole table.
    pub fn new() -> Self {
        ScanSpec::default()
    }

    paged_read_builders!();
}

/// One page of a paged read, with the cursor of the next one.
#[derive(Debug)]
pub struct PageOf<T> {
    /// The items of this page (it may be empty while more pages follow).
    pub items: Vec<Tracked<T>>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<Cursor>,
}

/// A stream of items read page by page.
pub type ItemStream<'a, T> = BoxStream<'a, Result<Tracked<T>, Error>>;

/// Typed access to one table of `T`, with conflict detection, batching,
/// paging and auto-increment keys. Object safe: an application service can
/// take an `Arc<dyn Repository<User>>` and be tested with the in-memory
/// backend.
#[async_trait]
pub trait Repository<T: Model>: Send + Sync {
    /// The table's name.
    fn table_name(&self) -> &str;

    /// Creates the table from the model (keys, indexes, billing, TTL) and
    /// waits until it is active.
    async fn create_table(&self) -> Result<(), Error>;

    /// Creates the table if it does not exist; checks that an existing
    /// table has the model's key schema.
    async fn ensure_table(&self) -> Result<(), Error>;

    /// Deletes the table and its items.
    async fn delete_table(&self) -> Result<(), Error>;

    /// The value with this key, if any (eventually consistent).
    async fn get(&self, key: &T::Key) -> Result<Option<Tracked<T>>, Error>;

    /// The value with this key, if any, read strongly consistent.
    async fn get_consistent(&self, key: &T::Key) -> Result<Option<Tracked<T>>, Error>;

    /// Saves with conflict detection: see [`SaveMode::FailOnConflict`].
    async fn save(&self, item: &mut Tracked<T>) -> Result<(), Error> {
        self.save_with(item, SaveMode::FailOnConflict).await
    }

    /// Saves in a mode. The value is validated first (a failure writes
    /// nothing); a version attribute is checked and incremented; on success
    /// the item remembers its new stored form.
    async fn save_with(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<(), Error>;

    /// Saves a new value, only if no item has its key
    /// ([`Error::AlreadyExists`] otherwise). An auto-increment model whose
    /// key is 0 gets the next key of the table's counter.
    async fn create(&self, value: T) -> Result<Tracked<T>, Error>;

    /// Writes a value whatever is stored (validated first).
    async fn put(&self, value: &T) -> Result<(), Error>;

    /// Deletes with conflict detection: only if the stored item is still
    /// what was loaded. Deleting a value never saved is a conflict. After a
    /// delete, the next save of the value counts as new.
    async fn delete(&self, item: &mut Tracked<T>) -> Result<(), Error>;

    /// Deletes the item with this key, whatever it holds; true if there was one.
    async fn delete_key(&self, key: &T::Key) -> Result<bool, Error>;

    /// A partial update through the expression language, on condition.
    ///
    /// The current item is read (strongly consistent); the condition is
    /// evaluated on it, as DynamoDB evaluates it before updating (false:
    /// [`Error::Conflict`] with the item, or with `None` when there is no
    /// item); the update is applied to it and the result mapped to `T` and
    /// validated; then the update is sent on condition that the item did not
    /// change meanwhile, and all of it retried if it did. A model's version
    /// attribute is incremented. On a missing key the update creates the
    /// item, if the result is a whole `T`. Returns the new value.
    async fn update(
        &self,
        key: &T::Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Tracked<T>, Error>;

    /// Reads, changes with `f`, validates and saves with conflict
    /// detection, retrying from the read on conflict. Returns the saved value.
    async fn modify(
        &self,
        key: &T::Key,
        f: &(dyn for<'v> Fn(&'v mut T) + Send + Sync),
    ) -> Result<Tracked<T>, Error>;

    /// The values with these keys, in the caller's order (`None` where
    /// missing); any number of keys, read 100 at a time, unprocessed keys
    /// retried with backoff.
    async fn get_many(&self, keys: &[T::Key]) -> Result<Vec<Option<Tracked<T>>>, Error>;

    /// Writes these values whatever is stored, 25 at a time (all validated
    /// before any is written).
    async fn put_many(&self, values: &[T]) -> Result<(), Error>;

    /// Deletes the items with these keys, 25 at a time.
    async fn delete_many(&self, keys: &[T::Key]) -> Result<(), Error>;

    /// The items of a query, fetched page by page as the stream is read.
    fn query(&self, spec: QuerySpec) -> ItemStream<'_, T>;

    /// One page of a query, from a cursor.
    async fn query_page(&self, spec: QuerySpec, cursor: Option<Cursor>)
    -> Result<PageOf<T>, Error>;

    /// Every item (of the table or an index), fetched page by page.
    fn scan(&self, spec: ScanSpec) -> ItemStream<'_, T>;

    /// One page of a scan, from a cursor.
    async fn scan_page(&self, spec: ScanSpec, cursor: Option<Cursor>) -> Result<PageOf<T>, Error>;

    /// A parallel scan: one stream per segment, to be read concurrently.
    fn parallel_scan(&self, spec: ScanSpec, segments: u32) -> Vec<ItemStream<'_, T>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let text = base64url(&bytes);
            assert!(
                text.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            );
            assert_eq!(unbase64url(&text).unwrap(), bytes);
        }
        assert!(unbase64url("a").is_none());
        assert!(unbase64url("ab+c").is_none());
        assert!(Cursor::parse("not a cursor!").is_err());
    }
}
