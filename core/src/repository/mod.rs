//! The typed repository: [`Repository<T>`], its conveniences
//! [`RepositoryExt`], and its implementation [`Table<T>`].
//!
//! `Repository<T>` is small and object safe (an application service holds
//! an `Arc<dyn Repository<User>>` and is tested on the in-memory store);
//! [`RepositoryExt`] adds the generic conveniences to every repository,
//! trait objects included, the way `object_store`'s `ObjectStoreExt` does.
//!
//! ```
//! use dynamodb_mapper::repository::{Repository, RepositoryExt, Table, Tracked};
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
//! let mut alice = users.get("alice").await?.expect("exists");
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

/// One span per repository operation, on the model target, with the table
/// and (at debug level only, as it holds attribute values) the key.
macro_rules! op_span {
    ($op:literal, $table:expr) => {
        tracing::info_span!(target: $crate::trace::MODEL, $op, table = %$table)
    };
    ($op:literal, $table:expr, $key:expr) => {{
        let span = tracing::info_span!(target: $crate::trace::MODEL, $op, table = %$table, key = tracing::field::Empty);
        if tracing::enabled!(target: $crate::trace::MODEL, tracing::Level::DEBUG) {
            span.record("key", tracing::field::debug($key));
        }
        span
    }};
}

mod auto_increment;
pub(crate) mod batch;
mod change;
mod checks;
mod cursor;
mod evolve;
mod ext;
mod guard;
mod key;
mod lifecycle;
mod paging;
pub(crate) mod plan;
pub(crate) mod preflight;
mod progress;
mod retry;
mod spec;
mod table;
mod tracked;

use std::sync::Arc;

use async_trait::async_trait;

use crate::backend::Backend;
use crate::error::Result;
use crate::expr::{Condition, Update};
use crate::model::Model;
use crate::value::Item;

pub use cursor::Cursor;
pub use evolve::{MigrateTableOptions, MigrateTableReport};
pub use ext::RepositoryExt;
pub use key::{AsKey, KeyOf};
pub use progress::{Progress, ProgressFn};
pub use retry::RetryPolicy;
pub use spec::{ItemStream, PageOf, QuerySpec, ScanSpec};
pub use table::Table;
pub use tracked::{SaveMode, Tracked};

/// The attribute of the auto-increment counter item.
pub const COUNTER_ATTRIBUTE: &str = "__max_hash_key__";
/// The hash key of the auto-increment counter item.
pub const COUNTER_KEY: i64 = -1;

/// How a single item is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// A strongly consistent read (eventually consistent by default).
    pub consistent: bool,
}

impl GetOptions {
    /// A strongly consistent read.
    pub fn consistent() -> Self {
        GetOptions { consistent: true }
    }
}

/// The change function of [`Repository::modify_with`]: changes the value,
/// or refuses with an error that stops the modification and is returned.
pub type ModifyFn<'a, T> = dyn FnMut(&mut T) -> Result<()> + Send + 'a;

/// Typed access to one table of `T`, with conflict detection, batching,
/// paging and auto-increment keys. Object safe: an application service can
/// take an `Arc<dyn Repository<User>>` and be tested with the in-memory
/// backend. The conveniences (`get("alice")`, `save`, `modify` with a
/// closure) come from [`RepositoryExt`], implemented for every repository.
#[async_trait]
pub trait Repository<T: Model>: Send + Sync {
    /// The table's name.
    fn table_name(&self) -> &str;

    /// The store the table is in (transactions across repositories need
    /// their tables in one store).
    fn backend(&self) -> &Arc<dyn Backend>;

    /// The value of an item read from this table, remembering the item as
    /// stored (for conflict detection): what every read path does with
    /// the items it reads.
    fn load_item(&self, item: Item) -> Result<Tracked<T>>;

    /// Creates the table from the model (keys, indexes, billing, TTL) and
    /// waits until it is active.
    async fn create_table(&self) -> Result<()>;

    /// Creates the table if it does not exist; checks that an existing
    /// table has the model's key schema.
    async fn ensure_table(&self) -> Result<()>;

    /// Deletes the table and its items, and waits until it is gone.
    async fn delete_table(&self) -> Result<()>;

    /// The value with this key, if any.
    async fn get_with(&self, key: KeyOf<T>, options: GetOptions) -> Result<Option<Tracked<T>>>;

    /// Saves in a mode. The value is validated first (a failure writes
    /// nothing); a version attribute is checked and incremented; on success
    /// the item remembers its new stored form.
    async fn save_with(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<()>;

    /// Saves a new value, only if no item has its key
    /// ([`Error::AlreadyExists`](crate::Error::AlreadyExists) otherwise). An
    /// auto-increment model whose key is 0 gets the next key of the
    /// table's counter.
    async fn create(&self, value: T) -> Result<Tracked<T>>;

    /// Writes a value whatever is stored (validated first).
    async fn put(&self, value: &T) -> Result<()>;

    /// Deletes with conflict detection: only if the stored item is still
    /// what was loaded. Deleting a value never saved is refused
    /// ([`Error::InvalidRequest`](crate::Error::InvalidRequest), saying so).
    /// After a delete, the next save of the value counts as new.
    async fn delete(&self, item: &mut Tracked<T>) -> Result<()>;

    /// Deletes the item with this key, whatever it holds; true if there was one.
    async fn delete_key_with(&self, key: KeyOf<T>) -> Result<bool>;

    /// A partial update through the expression language, on condition.
    ///
    /// The current item is read (strongly consistent); the condition is
    /// evaluated on it, as DynamoDB evaluates it before updating (false:
    /// [`Error::Conflict`](crate::Error::Conflict) with the item, or with
    /// `None` when there is no item); the update is applied to it and the
    /// result mapped to `T` and validated; then the update is sent on
    /// condition that the item did not change meanwhile, and all of it
    /// retried if it did. A model's version attribute is incremented. On a
    /// missing key: [`Error::NotFound`](crate::Error::NotFound), unless
    /// `upsert`, which creates the item if the result is a whole `T`.
    /// Returns the new value.
    async fn update_with(
        &self,
        key: KeyOf<T>,
        update: Update,
        condition: Option<Condition>,
        upsert: bool,
    ) -> Result<Tracked<T>>;

    /// Reads, changes with `change`, validates and saves with conflict
    /// detection, retrying from the read on conflict. A change that
    /// returns an error stops with nothing written, and the error is
    /// returned. Returns the saved value.
    async fn modify_with(&self, key: KeyOf<T>, change: &mut ModifyFn<'_, T>) -> Result<Tracked<T>>;

    /// The values with these keys, in the caller's order (`None` where
    /// missing); any number of keys, read 100 at a time, unprocessed keys
    /// retried with backoff.
    async fn get_many_with(&self, keys: Vec<KeyOf<T>>) -> Result<Vec<Option<Tracked<T>>>>;

    /// Writes these values whatever is stored, 25 at a time (all validated
    /// before any is written).
    async fn put_many(&self, values: &[T]) -> Result<()>;

    /// Deletes the items with these keys, 25 at a time.
    async fn delete_many_with(&self, keys: Vec<KeyOf<T>>) -> Result<()>;

    /// The items of a query, fetched page by page as the stream is read.
    /// The stream owns what it needs (`'static`): it can be spawned.
    fn query(&self, spec: QuerySpec) -> ItemStream<T>;

    /// One page of a query, from a cursor given out by the same query
    /// (same table, index, key condition and direction; another's is
    /// refused with [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// saying "cursor belongs to another query", before anything is sent).
    /// The page's cursor is given only when more items follow.
    async fn query_page(&self, spec: QuerySpec, cursor: Option<Cursor>) -> Result<PageOf<T>>;

    /// Every item (of the table or an index), fetched page by page.
    fn scan(&self, spec: ScanSpec) -> ItemStream<T>;

    /// One page of a scan, from a cursor given out by a scan of the same
    /// table or index (another's is refused, as for
    /// [`Repository::query_page`]). The page's cursor is given only when
    /// more items follow.
    async fn scan_page(&self, spec: ScanSpec, cursor: Option<Cursor>) -> Result<PageOf<T>>;

    /// A parallel scan: one stream per segment, each `'static`, to be read
    /// concurrently (spawn them).
    fn parallel_scan(&self, spec: ScanSpec, segments: u32) -> Vec<ItemStream<T>>;

    /// Refuses an expression given for this table (`what` names it: `"the
    /// update"`, `"the condition"`) that names attributes the model does
    /// not have, with [`Error::UnknownAttributes`](crate::Error::UnknownAttributes):
    /// what every operation taking an expression checks, the transaction
    /// builder's included. [`Table`] skips the check when made with
    /// [`Table::allow_unknown_attributes`]; the default checks.
    fn check_attributes(
        &self,
        what: &str,
        expression: &dyn crate::fields::NamedAttributes,
    ) -> Result<()> {
        crate::fields::refuse_unknown_attributes::<T>(self.table_name(), what, expression)
    }
}
