//! [`Table<T>`]: the repository over any [`Backend`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use tracing::Instrument;

use super::paging::Streamed;
use super::progress::{LongOp, Progress, ProgressFn};
use super::{
    COUNTER_KEY, Cursor, GetOptions, ItemStream, KeyOf, ModifyFn, PageOf, QuerySpec, Repository,
    RetryPolicy, SaveMode, ScanSpec, Tracked,
};
use crate::backend::{Backend, Layered};
use crate::de::{Watch, from_item_ref, from_item_ref_watching};
use crate::error::{Error, Result};
use crate::expr::{Condition, Update};
use crate::fields::NamedAttributes;
use crate::layers::Budget;
use crate::model::{KeySchema, Model, TableDefinition};
use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// The repository of `T` over a [`Backend`]: every operation of
/// [`Repository`], on the model's table (or another name given with
/// [`Table::with_name`]). Cheap to clone (a few `Arc`s); clones share the
/// backend.
pub struct Table<T> {
    pub(super) backend: Arc<dyn Backend>,
    pub(super) name: Arc<str>,
    pub(super) retry: RetryPolicy,
    pub(super) progress: Option<Arc<ProgressFn>>,
    /// Expressions may name attributes the model does not have.
    pub(super) allow_unknown: bool,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Table {
            backend: Arc::clone(&self.backend),
            name: Arc::clone(&self.name),
            retry: self.retry.clone(),
            progress: self.progress.clone(),
            allow_unknown: self.allow_unknown,
            _model: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("backend", &self.backend.capabilities().name)
            .finish()
    }
}

pub(super) fn counter_number() -> AttributeValue {
    AttributeValue::N(Number::from(COUNTER_KEY))
}

impl<T: Model> Table<T> {
    /// The repository of `T` over a backend, on the model's table.
    pub fn new(backend: impl Backend + 'static) -> Self {
        Self::shared(Arc::new(backend))
    }

    /// The repository of `T` over a backend shared with other repositories.
    pub fn shared(backend: Arc<dyn Backend>) -> Self {
        Table {
            backend,
            name: Arc::from(T::schema().table.name.as_str()),
            retry: RetryPolicy::default(),
            progress: None,
            allow_unknown: false,
            _model: PhantomData,
        }
    }

    /// The same repository on a table of another name (a prefix per
    /// environment, a table per test).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Arc::from(name.into());
        self
    }

    /// The same repository with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same repository, reporting the progress of its long operations
    /// (`put_many`, `get_many`, `delete_many`, scans, queries read as a
    /// stream, parallel scans) to `report`: after each batch request or
    /// page, and once at the end (see the `progress_bar` example, which
    /// drives a progress bar with it). The callback runs on the task doing
    /// the work: keep it short.
    pub fn on_progress(mut self, report: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// Starts a long operation of this table: its start line now, its end
    /// line when the returned handle is dropped.
    pub(super) fn long_op(
        &self,
        operation: &'static str,
        total: Option<usize>,
        parts: u32,
        info: bool,
    ) -> Arc<LongOp> {
        LongOp::start(
            operation,
            &self.name,
            total,
            parts,
            info,
            self.progress.clone(),
        )
    }

    /// Runs a batch as a long operation.
    async fn batch<R>(
        &self,
        operation: &'static str,
        total: usize,
        work: impl Future<Output = Result<R>>,
    ) -> Result<R> {
        let op = self.long_op(operation, Some(total), 1, true);
        let result = op.scope(work).await;
        op.end(result.is_ok());
        result
    }

    /// The same repository, taking expressions that name attributes the
    /// model does not have.
    ///
    /// By default the repository refuses an update, condition or filter
    /// (here and in the transaction builder) that names a top-level
    /// attribute the model does not declare, with
    /// [`Error::UnknownAttributes`] naming it: a string path's typo
    /// (`attr("stauts")`) would otherwise store a stray attribute or match
    /// nothing. A table whose items hold attributes outside the model
    /// (written by another service, say) allows them here; as the table is
    /// cheap to clone, `orders.clone().allow_unknown_attributes()` allows
    /// them for one call. A model with a field flattened by serde is never
    /// refused (its items may hold any attribute).
    ///
    /// ```
    /// # use dynamodb_mapper::repository::{Repository, RepositoryExt, Table};
    /// # use dynamodb_mapper::expr::{attr, Update};
    /// # use dynamodb_mapper::{Error, Model};
    /// # use dynamodb_mapper_memory::MemoryBackend;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
    /// # #[model(table = "orders")]
    /// # struct Order { #[model(hash_key)] id: String, status: String }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let orders = Table::<Order>::new(MemoryBackend::new());
    /// orders.create_table().await?;
    /// orders.create(Order { id: "o1".into(), status: "new".into() }).await?;
    ///
    /// let typo = Update::new().set(attr("stauts"), "paid");
    /// let err = orders.update("o1", typo.clone(), None).await.unwrap_err();
    /// assert!(matches!(&err, Error::UnknownAttributes { names, .. } if names == &["stauts"]));
    /// assert!(err.to_string().contains("did you mean `status`?"), "{err}");
    ///
    /// // Attributes outside the model, on purpose:
    /// let audit = Update::new().set(attr("audited_by"), "ops");
    /// orders.clone().allow_unknown_attributes().update("o1", audit, None).await?;
    /// # Ok::<(), Error>(())
    /// # }).unwrap();
    /// ```
    pub fn allow_unknown_attributes(mut self) -> Self {
        self.allow_unknown = true;
        self
    }

    /// True when expressions may name attributes the model does not have
    /// (see [`Table::allow_unknown_attributes`]).
    pub fn allows_unknown_attributes(&self) -> bool {
        self.allow_unknown
    }

    /// The same repository with every request it makes in a capacity
    /// [`Budget`]: its batch reads and writes (`get_many`, `put_many`,
    /// `delete_many`), queries, scans and parallel scans, bulk migrations
    /// and single-item calls take at most the budget's share of the
    /// table's capacity, paced by the backend's pacer (which paces
    /// budgeted requests even while it is off), instead of hammering the
    /// table and backing off. Clones of the budget share it: give one to
    /// several repositories and they share it between them. An explicit
    /// [`Budget::scope`] around a call wins over the repository's.
    ///
    /// ```
    /// use dynamodb_mapper::layers::Budget;
    /// use dynamodb_mapper::{Model, Repository, Table};
    /// use dynamodb_mapper_memory::MemoryBackend;
    /// # #[derive(Model, serde::Serialize, serde::Deserialize, Clone, Debug)]
    /// # #[model(table = "events", read_capacity = 100, write_capacity = 100)]
    /// # struct Event { #[model(hash_key)] id: String }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let events = Table::<Event>::new(MemoryBackend::new());
    /// events.create_table().await?;
    /// // Half of the table's paced capacity for the import.
    /// let import = events.clone().with_budget(Budget::new(0.5));
    /// let batch: Vec<Event> = (0..20).map(|i| Event { id: format!("e{i}") }).collect();
    /// import.put_many(&batch).await?;
    /// # Ok::<(), dynamodb_mapper::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn with_budget(mut self, budget: Budget) -> Self {
        self.backend = Arc::new(Layered::new(budget, self.backend));
        self
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The table definition this repository creates: the model's, under
    /// this repository's table name.
    pub fn definition(&self) -> TableDefinition {
        T::table_definition().with_name(&*self.name)
    }

    pub(super) fn key_schema() -> &'static KeySchema {
        &T::schema().table.key
    }

    /// True for the auto-increment counter's key, or its item (the hash
    /// key is looked at in place: no key is built from an item).
    pub(super) fn is_counter(key: &Item) -> bool {
        T::schema().auto_increment
            && key.get(&Self::key_schema().hash.name) == Some(&counter_number())
    }

    /// True for the auto-increment counter's item.
    pub(crate) fn is_counter_item(&self, item: &Item) -> bool {
        Self::is_counter(item)
    }

    pub(super) fn refuse_counter(&self, key: &Item) -> Result<()> {
        if Self::is_counter(key) {
            return Err(Error::InvalidRequest {
                message: format!(
                    "hash key {COUNTER_KEY} of table `{}` is reserved for the auto-increment counter",
                    self.name
                ),
            });
        }
        Ok(())
    }

    /// True when the value's auto-increment key is still to be assigned (0).
    pub(super) fn unassigned(value: &T) -> Result<bool> {
        if value.auto_increment_key() != Some(0) {
            return Ok(false);
        }
        let key = value.own_key_item()?;
        Ok(key.get(&Self::key_schema().hash.name) == Some(&AttributeValue::N(Number::from(0))))
    }

    /// The item `value` is stored as: mapped, and stamped with the model's
    /// schema version when it declares migrations (an item written without
    /// it would read as version 1, and be upgraded again on every read).
    pub(crate) fn stored_item(value: &T) -> Result<Item> {
        let mut item = crate::ser::to_item(value)?;
        if let Some(m) = T::migrations() {
            item.insert(m.version_attribute().to_owned(), m.stamp());
        }
        Ok(item)
    }

    /// The value of a stored item, remembering the item: brought to the
    /// model's schema version first when the model has migrations.
    pub(super) fn load(&self, item: Item) -> Result<Tracked<T>> {
        let Some(migrations) = T::migrations() else {
            let value: T = from_item_ref(&item).map_err(|e| self.mapping_error(&item, e))?;
            return Ok(Tracked::loaded(value, item, None));
        };
        // The common case, an item at the current version: mapped in one
        // pass that notes the version attribute on its way. The result is
        // kept only if the item is current, when it is what the path below
        // gives too; otherwise (an older item, an error before the
        // attribute was reached) the read starts over.
        let watch = Watch::new(migrations.version_attribute());
        let mapped = from_item_ref_watching::<T>(&item, &watch);
        if migrations.is_current_stamp(watch.seen()) {
            let value = mapped.map_err(|e| self.mapping_error(&item, e))?;
            return Ok(Tracked::loaded(value, item, None));
        }
        drop(mapped);
        let upgraded = migrations
            .upgraded(&item)
            .map_err(|failure| Error::Migration {
                table: self.name.to_string(),
                key: crate::transaction::describe_key::<T>(&Self::key_schema().key_of(&item)),
                failure,
            })?;
        let source = upgraded.as_ref().unwrap_or(&item);
        let value: T = from_item_ref(source).map_err(|e| self.mapping_error(&item, e))?;
        Ok(Tracked::loaded(value, item, upgraded))
    }

    /// A conflict of a write of the item with key `key` (or of the item
    /// `key`) names the key, as the model's key text: the store may not.
    pub(super) fn name_conflict(&self, e: Error, key: &Item) -> Error {
        match e {
            Error::Conflict { table, stored, .. } => Error::Conflict {
                table,
                key: Some(Self::key_schema().describe(key)),
                stored,
            },
            other => other,
        }
    }

    /// A mapping error on read, naming the table and the key.
    fn mapping_error(&self, item: &Item, e: Error) -> Error {
        match e {
            Error::Mapping(m) => Error::ReadMapping {
                table: self.name.to_string(),
                key: crate::transaction::describe_key::<T>(&Self::key_schema().key_of(item)),
                source: m,
            },
            other => other,
        }
    }
}

#[async_trait]
impl<T: Model> Repository<T> for Table<T> {
    fn table_name(&self) -> &str {
        &self.name
    }

    fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    fn load_item(&self, item: Item) -> Result<Tracked<T>> {
        self.load(item)
    }

    async fn create_table(&self) -> Result<()> {
        let span = op_span!("create_table", self.name);
        self.create_table_inner().instrument(span).await
    }

    async fn ensure_table(&self) -> Result<()> {
        let span = op_span!("ensure_table", self.name);
        self.ensure_table_inner().instrument(span).await
    }

    async fn delete_table(&self) -> Result<()> {
        let span = op_span!("delete_table", self.name);
        self.delete_table_inner().instrument(span).await
    }

    async fn get_with(&self, key: KeyOf<T>, options: GetOptions) -> Result<Option<Tracked<T>>> {
        let span = op_span!("get", self.name, &key);
        self.get_inner(key.into_item(), options.consistent)
            .instrument(span)
            .await
    }

    async fn save_with(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<()> {
        let key = item.value.key();
        let span = op_span!("save", self.name, &key);
        self.save_inner(item, mode).instrument(span).await
    }

    async fn create(&self, value: T) -> Result<Tracked<T>> {
        let mut item = Tracked::new(value);
        self.save_with(&mut item, SaveMode::FailOnConflict).await?;
        Ok(item)
    }

    async fn put(&self, value: &T) -> Result<()> {
        let key = value.key();
        let span = op_span!("put", self.name, &key);
        self.put_inner(value).instrument(span).await
    }

    async fn delete(&self, item: &mut Tracked<T>) -> Result<()> {
        let key = item.value.key();
        let span = op_span!("delete", self.name, &key);
        self.delete_inner(item).instrument(span).await
    }

    async fn delete_key_with(&self, key: KeyOf<T>) -> Result<bool> {
        let span = op_span!("delete", self.name, &key);
        self.delete_key_inner(key.into_item())
            .instrument(span)
            .await
    }

    async fn update_with(
        &self,
        key: KeyOf<T>,
        update: Update,
        condition: Option<Condition>,
        upsert: bool,
    ) -> Result<Tracked<T>> {
        let span = op_span!("update", self.name, &key);
        self.update_inner(key, update, condition, upsert)
            .instrument(span)
            .await
    }

    async fn modify_with(&self, key: KeyOf<T>, change: &mut ModifyFn<'_, T>) -> Result<Tracked<T>> {
        self.modify_inner(key, change).await
    }

    async fn get_many_with(&self, keys: Vec<KeyOf<T>>) -> Result<Vec<Option<Tracked<T>>>> {
        let span = op_span!("get_many", self.name);
        let total = keys.len();
        self.batch("get_many", total, self.get_many_inner(keys))
            .instrument(span)
            .await
    }

    async fn put_many(&self, values: &[T]) -> Result<()> {
        let span = op_span!("put_many", self.name);
        self.batch("put_many", values.len(), self.put_many_inner(values))
            .instrument(span)
            .await
    }

    async fn delete_many_with(&self, keys: Vec<KeyOf<T>>) -> Result<()> {
        let span = op_span!("delete_many", self.name);
        let total = keys.len();
        self.batch("delete_many", total, self.delete_many_inner(keys))
            .instrument(span)
            .await
    }

    fn query(&self, spec: QuerySpec) -> ItemStream<T> {
        let request = self
            .check_query(&spec)
            .and_then(|()| self.query_request(&spec));
        self.stream(request, spec.limit, spec.page_size, Streamed::Query)
    }

    async fn query_page(&self, spec: QuerySpec, cursor: Option<Cursor>) -> Result<PageOf<T>> {
        let span = op_span!("query_page", self.name);
        async {
            self.check_query(&spec)?;
            let request = self.query_request(&spec)?;
            self.one_page(request, spec.limit, spec.page_size, cursor)
                .await
        }
        .instrument(span)
        .await
    }

    fn scan(&self, spec: ScanSpec) -> ItemStream<T> {
        let request = self
            .check_scan(&spec)
            .map(|()| self.scan_request(&spec, None));
        self.stream(request, spec.limit, spec.page_size, Streamed::Scan)
    }

    async fn scan_page(&self, spec: ScanSpec, cursor: Option<Cursor>) -> Result<PageOf<T>> {
        let span = op_span!("scan_page", self.name);
        async {
            self.check_scan(&spec)?;
            let request = self.scan_request(&spec, None);
            self.one_page(request, spec.limit, spec.page_size, cursor)
                .await
        }
        .instrument(span)
        .await
    }

    fn parallel_scan(&self, spec: ScanSpec, segments: u32) -> Vec<ItemStream<T>> {
        if let Err(e) = self.check_scan(&spec) {
            return vec![Box::pin(futures::stream::once(async move { Err(e) }))];
        }
        self.parallel_scan_inner(spec, segments)
    }

    fn check_attributes(&self, what: &str, expression: &dyn NamedAttributes) -> Result<()> {
        self.check_names(what, expression)
    }
}
