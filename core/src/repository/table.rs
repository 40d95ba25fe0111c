//! [`Table<T>`]: the repository over any [`Backend`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, stream};
use tracing::Instrument;

use super::{
    COUNTER_ATTRIBUTE, COUNTER_KEY, Cursor, ItemStream, PageOf, QuerySpec, Repository, SaveMode,
    ScanSpec, Tracked,
};
use crate::backend::{
    Backend, BatchGet, BatchWrite, DeleteItem, GetItem, KeysAndAttributes, Page, PutItem, Query,
    ReturnValues, Scan, TableStatus, UpdateItem, WriteRequest,
};
use crate::de::from_item;
use crate::error::Error;
use crate::expr::{
    Condition, ExpressionAttributes, ExpressionKind, KeyCondition, Parser, Update, apply_update,
    attr,
};
use crate::model::{KeySchema, Model, TableDefinition};
use crate::number::Number;
use crate::ser::to_item;
use crate::validate::{ValidationErrors, Violation};
use crate::value::{AttributeValue, Item};

const MODEL: &str = "dynamodb_mapper::model";

/// Keys per `BatchGetItem` request (DynamoDB's limit).
const BATCH_GET_CHUNK: usize = 100;
/// Items per `BatchWriteItem` request (DynamoDB's limit).
const BATCH_WRITE_CHUNK: usize = 25;
/// Batch requests in flight at once.
const BATCH_CONCURRENCY: usize = 4;

/// How the repository retries: unprocessed batch keys and items and
/// throttled batch requests (with exponential backoff and jitter), updates
/// that meet a concurrent change, auto-increment keys taken by direct
/// writes, and waits for a table to become active.
///
/// Single-item reads and writes are not retried here: a backend retries
/// throttling itself (the DynamoDB backend through the SDK's retry settings).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Batch attempts in a row that make no progress before giving up with
    /// [`Error::Unprocessed`] (default 8).
    pub max_attempts: u32,
    /// The first backoff delay (default 25 ms); it doubles each attempt.
    pub base_delay: Duration,
    /// The longest backoff delay (default 2 s).
    pub max_delay: Duration,
    /// Retries of [`Repository::update`] and [`Repository::modify`] after a
    /// concurrent change (default 100).
    pub max_conflict_retries: u32,
    /// Counter values tried by an auto-increment create before giving up
    /// (default 10).
    pub max_key_attempts: u32,
    /// How long table creation and deletion are awaited (default 10 minutes).
    pub table_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
            max_conflict_retries: 100,
            max_key_attempts: 10,
            table_wait: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based): exponential, with
    /// "equal jitter" (between half and all of the exponential delay).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        half + half.mul_f64(unit_random())
    }
}

/// The rounds of a batch request that leave work undone: the retries stop
/// after the policy's number of rounds in a row without progress, with a
/// backoff before each retry.
struct Rounds<'a> {
    policy: &'a RetryPolicy,
    table: &'a str,
    what: &'static str,
    attempt: u32,
}

impl<'a> Rounds<'a> {
    fn new(policy: &'a RetryPolicy, table: &'a str, what: &'static str) -> Self {
        Rounds {
            policy,
            table,
            what,
            attempt: 0,
        }
    }

    /// After a round that left `left` of `before` requests undone: true
    /// (after the backoff) to retry, false to give up.
    async fn retry(&mut self, before: usize, left: usize) -> bool {
        self.attempt = if left < before { 1 } else { self.attempt + 1 };
        if self.attempt >= self.policy.max_attempts {
            return false;
        }
        tracing::debug!(target: MODEL, table = %self.table, what = self.what, unprocessed = left, attempt = self.attempt, "retrying unprocessed requests");
        tokio::time::sleep(self.policy.backoff(self.attempt)).await;
        true
    }
}

/// A number in `[0, 1)` from a process-wide xorshift generator (jitter
/// needs no cryptographic quality, only that processes and tasks differ).
fn unit_random() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut s = STATE.load(Ordering::Relaxed);
    if s == 0 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        s = nanos ^ (u64::from(std::process::id()) << 32) | 1;
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    STATE.store(s, Ordering::Relaxed);
    (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

/// The repository of `T` over a [`Backend`]: every operation of
/// [`Repository`], on the model's table (or another name given with
/// [`Table::with_name`]). Cheap to clone; clones share the backend.
pub struct Table<T> {
    backend: Arc<dyn Backend>,
    name: Arc<str>,
    retry: RetryPolicy,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Table {
            backend: Arc::clone(&self.backend),
            name: Arc::clone(&self.name),
            retry: self.retry.clone(),
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

/// One span per repository operation, on the model target, with the table
/// and (at debug level only, as it holds attribute values) the key.
macro_rules! op_span {
    ($op:literal, $table:expr) => {
        tracing::info_span!(target: MODEL, $op, table = %$table)
    };
    ($op:literal, $table:expr, $key:expr) => {{
        let span = tracing::info_span!(target: MODEL, $op, table = %$table, key = tracing::field::Empty);
        if tracing::enabled!(target: MODEL, tracing::Level::DEBUG) {
            span.record("key", tracing::field::debug($key));
        }
        span
    }};
}

/// A stable identity of a key item: numbers by value ("1" and "1.0" are
/// the same key), for matching batch results to the keys asked for.
fn fingerprint(key: &Item) -> Vec<u8> {
    let canonical: BTreeMap<String, AttributeValue> = key
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::N(n) => AttributeValue::N(n.canonical()),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    crate::codec::encode_item(&Item::from(canonical))
}

fn counter_number() -> AttributeValue {
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

    fn key_schema() -> &'static KeySchema {
        &T::schema().table.key
    }

    /// True for the auto-increment counter's key.
    fn is_counter(key: &Item) -> bool {
        T::schema().auto_increment
            && key.get(&Self::key_schema().hash.name) == Some(&counter_number())
    }

    fn refuse_counter(&self, key: &Item) -> Result<(), Error> {
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
    fn unassigned(value: &T) -> Result<bool, Error> {
        if value.auto_increment_key() != Some(0) {
            return Ok(false);
        }
        let key = value.own_key_item()?;
        Ok(key.get(&Self::key_schema().hash.name) == Some(&AttributeValue::N(Number::from(0))))
    }

    fn load(&self, item: Item) -> Result<Tracked<T>, Error> {
        let value: T = from_item(item.clone())?;
        Ok(Tracked::loaded(value, item))
    }

    /// The condition that the stored item is still `stored` (or, for
    /// `None`, that no item has the key).
    fn guard(stored: Option<&Item>) -> Condition {
        let schema = T::schema();
        let key = &schema.table.key;
        let hash = attr(key.hash.name.clone());
        let Some(stored) = stored else {
            return hash.not_exists();
        };
        let mut guard = hash.exists();
        if let Some(version) = &schema.version_attribute {
            let check = match stored.get(version) {
                Some(v) => attr(version.clone()).eq(v.clone()),
                None => attr(version.clone()).not_exists(),
            };
            return guard.and(check);
        }
        for (name, value) in stored.iter() {
            if !key.contains(name) {
                guard = guard.and(attr(name.clone()).eq(value.clone()));
            }
        }
        for name in &schema.attributes {
            if !key.contains(name) && !stored.contains_key(name) {
                guard = guard.and(attr(name.clone()).not_exists());
            }
        }
        guard
    }

    fn already_exists(&self, key: &T::Key) -> Error {
        Error::AlreadyExists {
            table: self.name.to_string(),
            key: format!("{key:?}"),
        }
    }

    /// The version the value will carry once written, if versioned.
    fn bump_version(value: &mut T) -> Result<Option<u64>, Error> {
        let Some(old) = value.version() else {
            return Ok(None);
        };
        let new = old.checked_add(1).ok_or_else(|| Error::InvalidRequest {
            message: "the version attribute cannot be incremented past u64::MAX".to_owned(),
        })?;
        value.set_version(new);
        if value.version() != Some(new) {
            value.set_version(old);
            return Err(Error::InvalidRequest {
                message: format!("the version attribute's type cannot hold version {new}"),
            });
        }
        Ok(Some(old))
    }

    /// Writes the tracked value, guarded or not; on success it remembers
    /// the item written.
    async fn write(&self, item: &mut Tracked<T>, guard: Option<Condition>) -> Result<(), Error> {
        let new_item = to_item(&item.value)?;
        self.refuse_counter(&Self::key_schema().key_of(&new_item))?;
        let mut put = PutItem::new(&*self.name, new_item);
        if let Some(guard) = &guard {
            put = put.condition(guard).return_old_on_condition_failure(true);
        }
        let written = put.item.clone();
        self.backend.put_item(put).await?;
        item.stored = Some(written);
        Ok(())
    }

    /// Reads the counter: `ADD 1` on the counter item, returning the new value.
    async fn next_counter(&self) -> Result<u64, Error> {
        let key = Item::new().with(Self::key_schema().hash.name.clone(), counter_number());
        let update = Update::new().add(attr(COUNTER_ATTRIBUTE), AttributeValue::N(Number::from(1)));
        let out = self
            .backend
            .update_item(
                UpdateItem::new(&*self.name, key)
                    .update(&update)
                    .return_values(ReturnValues::UpdatedNew),
            )
            .await?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get(COUNTER_ATTRIBUTE))
            .and_then(AttributeValue::as_n)
            .and_then(|n| n.as_str().parse::<u64>().ok())
            .ok_or_else(|| Error::Backend {
                message: format!(
                    "the auto-increment counter of table `{}` does not hold a positive integer",
                    self.name
                ),
                source: None,
            })
    }

    /// Assigns the next counter value and creates the item under it; a
    /// value taken by a direct write is skipped, up to a bound.
    async fn create_auto(&self, item: &mut Tracked<T>) -> Result<(), Error> {
        let guard = Self::guard(None);
        let mut last = 0;
        for _ in 0..self.retry.max_key_attempts.max(1) {
            let n = self.next_counter().await?;
            last = n;
            if !item.value.set_auto_increment_key(n) {
                item.value.set_auto_increment_key(0);
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the auto-increment counter of table `{}` reached {n}, which the key's type cannot hold",
                        self.name
                    ),
                });
            }
            match self.write(item, Some(guard.clone())).await {
                Ok(()) => return Ok(()),
                Err(Error::Conflict { .. }) => {
                    tracing::info!(target: MODEL, table = %self.name, "auto-increment key taken by a direct write; taking the next");
                }
                Err(e) => {
                    item.value.set_auto_increment_key(0);
                    return Err(e);
                }
            }
        }
        item.value.set_auto_increment_key(0);
        Err(Error::AlreadyExists {
            table: self.name.to_string(),
            key: format!(
                "{last} (the last of {} counter values tried, all taken by direct writes)",
                self.retry.max_key_attempts.max(1)
            ),
        })
    }

    async fn save_inner(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<(), Error> {
        item.value.validate()?;
        let old_version = Self::bump_version(&mut item.value)?;
        let result = if item.stored.is_none() && Self::unassigned(&item.value)? {
            self.create_auto(item).await
        } else {
            let key = item.value.key();
            let guard =
                (mode == SaveMode::FailOnConflict).then(|| Self::guard(item.stored.as_ref()));
            let new = item.stored.is_none();
            match self.write(item, guard).await {
                Err(Error::Conflict { .. }) if new => Err(self.already_exists(&key)),
                other => other,
            }
        };
        if result.is_err()
            && let Some(old) = old_version
        {
            item.value.set_version(old);
        }
        if let Err(e) = &result {
            tracing::debug!(target: MODEL, table = %self.name, error = %e, "save failed");
        }
        result
    }

    async fn get_item(&self, key: &T::Key, consistent: bool) -> Result<Option<Tracked<T>>, Error> {
        let key = T::key_item(key)?;
        if Self::is_counter(&key) {
            return Ok(None);
        }
        let out = self
            .backend
            .get_item(GetItem::new(&*self.name, key).consistent(consistent))
            .await?;
        out.item.map(|i| self.load(i)).transpose()
    }

    /// One `BatchGetItem` chunk, retried until every key is processed.
    async fn get_chunk(&self, keys: Vec<Item>) -> Result<Vec<Item>, Error> {
        let mut pending = keys;
        let mut found = Vec::with_capacity(pending.len());
        let mut rounds = Rounds::new(&self.retry, &self.name, "batch get");
        loop {
            let mut tables = BTreeMap::new();
            tables.insert(
                self.name.to_string(),
                KeysAndAttributes {
                    keys: pending.clone(),
                    ..KeysAndAttributes::default()
                },
            );
            let request = BatchGet {
                tables,
                ..BatchGet::default()
            };
            let before = pending.len();
            match self.backend.batch_get_item(request).await {
                Ok(mut out) => {
                    found.extend(out.responses.remove(&*self.name).unwrap_or_default());
                    pending = out
                        .unprocessed_keys
                        .remove(&*self.name)
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(found);
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(e),
            }
            if !rounds.retry(before, pending.len()).await {
                return Err(Error::Unprocessed {
                    table: self.name.to_string(),
                    keys: pending,
                    attempts: rounds.attempt,
                });
            }
        }
    }

    /// One `BatchWriteItem` chunk, retried until every request is processed.
    async fn write_chunk(&self, requests: Vec<WriteRequest>) -> Result<(), Error> {
        let mut pending = requests;
        let mut rounds = Rounds::new(&self.retry, &self.name, "batch write");
        loop {
            let mut tables = BTreeMap::new();
            tables.insert(self.name.to_string(), pending.clone());
            let request = BatchWrite {
                tables,
                ..BatchWrite::default()
            };
            let before = pending.len();
            match self.backend.batch_write_item(request).await {
                Ok(mut out) => {
                    pending = out
                        .unprocessed_items
                        .remove(&*self.name)
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(());
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(e),
            }
            if !rounds.retry(before, pending.len()).await {
                let key = Self::key_schema();
                return Err(Error::Unprocessed {
                    table: self.name.to_string(),
                    keys: pending
                        .iter()
                        .map(|r| match r {
                            WriteRequest::Put(item) => key.key_of(item),
                            WriteRequest::Delete(k) => k.clone(),
                        })
                        .collect(),
                    attempts: rounds.attempt,
                });
            }
        }
    }

    /// Writes requests keyed by item key, 25 per request, the last request
    /// for a key winning (DynamoDB refuses two for one key in a batch).
    async fn write_batches(&self, requests: Vec<(Vec<u8>, WriteRequest)>) -> Result<(), Error> {
        let mut position: HashMap<Vec<u8>, usize> = HashMap::with_capacity(requests.len());
        let mut unique: Vec<Option<WriteRequest>> = Vec::with_capacity(requests.len());
        for (fp, request) in requests {
            if let Some(&i) = position.get(&fp) {
                unique[i] = None;
            }
            position.insert(fp, unique.len());
            unique.push(Some(request));
        }
        let unique: Vec<WriteRequest> = unique.into_iter().flatten().collect();
        let chunks: Vec<Vec<WriteRequest>> = unique
            .chunks(BATCH_WRITE_CHUNK)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(chunks)
            .map(|chunk| self.write_chunk(chunk))
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    fn key_condition(&self, spec: &QuerySpec) -> Result<KeyCondition, Error> {
        let def = &T::schema().table;
        let key = match &spec.index {
            None => &def.key,
            Some(name) => {
                &def.index(name)
                    .ok_or_else(|| Error::InvalidRequest {
                        message: format!(
                            "the model of table `{}` declares no index `{name}`",
                            self.name
                        ),
                    })?
                    .key
            }
        };
        let mut condition = KeyCondition::hash(key.hash.name.clone(), spec.hash.clone());
        if let Some(range) = &spec.range {
            let range_key = key.range.as_ref().ok_or_else(|| Error::InvalidRequest {
                message: format!(
                    "a range condition was given but {} of table `{}` has no range key",
                    spec.index
                        .as_ref()
                        .map_or_else(|| "the key".to_owned(), |i| format!("index `{i}`")),
                    self.name
                ),
            })?;
            condition = condition.range(range_key.name.clone(), range.clone());
        }
        Ok(condition)
    }

    fn query_request(&self, spec: &QuerySpec) -> Result<PageRequest, Error> {
        let mut query = Query::new(&*self.name, &self.key_condition(spec)?)
            .forward(spec.forward)
            .consistent(spec.consistent);
        if let Some(index) = &spec.index {
            query = query.index(index.clone());
        }
        if let Some(filter) = &spec.filter {
            query = query.filter(filter);
        }
        Ok(PageRequest::Query(query))
    }

    fn scan_request(&self, spec: &ScanSpec, segment: Option<(u32, u32)>) -> PageRequest {
        let mut scan = Scan::new(&*self.name).consistent(spec.consistent);
        if let Some(index) = &spec.index {
            scan = scan.index(index.clone());
        }
        if let Some(filter) = &spec.filter {
            scan = scan.filter(filter);
        }
        if let Some((segment, total)) = segment {
            scan = scan.segment(segment, total);
        }
        PageRequest::Scan(scan)
    }

    /// The items of a paged read as a stream holding one page at a time.
    fn stream(
        &self,
        request: Result<PageRequest, Error>,
        limit: Option<usize>,
        page_size: Option<u32>,
    ) -> ItemStream<'_, T> {
        struct State {
            request: Option<PageRequest>,
            error: Option<Error>,
            start: Option<Item>,
            buffer: VecDeque<Item>,
            remaining: Option<usize>,
            done: bool,
        }
        let (request, error) = match request {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        let state = State {
            request,
            error,
            start: None,
            buffer: VecDeque::new(),
            remaining: limit,
            done: false,
        };
        stream::unfold(state, move |mut st| async move {
            loop {
                if st.remaining == Some(0) {
                    return None;
                }
                if let Some(item) = st.buffer.pop_front() {
                    if Self::is_counter(&Self::key_schema().key_of(&item)) {
                        continue;
                    }
                    st.remaining = st.remaining.map(|r| r - 1);
                    return Some((self.load(item), st));
                }
                if st.done {
                    return None;
                }
                if let Some(e) = st.error.take() {
                    st.done = true;
                    return Some((Err(e), st));
                }
                let request = st.request.as_ref()?;
                let page_limit = page_limit(page_size, st.remaining);
                match request
                    .fetch(&*self.backend, st.start.take(), page_limit)
                    .await
                {
                    Ok(page) => {
                        st.buffer = page.items.into();
                        st.start = page.last_evaluated_key;
                        st.done = st.start.is_none();
                    }
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                }
            }
        })
        .boxed()
    }

    async fn one_page(
        &self,
        request: PageRequest,
        limit: Option<usize>,
        page_size: Option<u32>,
        cursor: Option<Cursor>,
    ) -> Result<PageOf<T>, Error> {
        let start = cursor.map(|c| c.key()).transpose()?;
        let page = request
            .fetch(&*self.backend, start, page_limit(page_size, limit))
            .await?;
        let items = page
            .items
            .into_iter()
            .filter(|item| !Self::is_counter(&Self::key_schema().key_of(item)))
            .map(|item| self.load(item))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(PageOf {
            items,
            cursor: page.last_evaluated_key.as_ref().map(Cursor::from_key),
        })
    }

    async fn wait_for(&self, want_active: bool) -> Result<(), Error> {
        let deadline = tokio::time::Instant::now() + self.retry.table_wait;
        let mut attempt: u32 = 0;
        loop {
            match self.backend.describe_table(&self.name).await {
                Ok(d) if want_active && d.status == TableStatus::Active => return Ok(()),
                Err(Error::TableNotFound { .. }) if !want_active => return Ok(()),
                Ok(_) | Err(Error::TableNotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::TableInUse {
                    table: self.name.to_string(),
                    message: format!(
                        "still not {} after {:?}",
                        if want_active { "active" } else { "deleted" },
                        self.retry.table_wait
                    ),
                });
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt.min(20)))).await;
        }
    }

    /// Pauses before retry `attempt` after a concurrent change: not at all
    /// for the first two, then a short jittered backoff (at most 50 ms), so
    /// that writers racing for one item spread out.
    async fn after_conflict(&self, attempt: u32) {
        if attempt > 2 {
            let pause = self
                .retry
                .backoff(attempt - 2)
                .min(Duration::from_millis(50));
            tokio::time::sleep(pause).await;
        }
    }

    /// Checks that an existing table fits the model: same keys, and every
    /// index the model declares.
    fn check_fits(&self, existing: &TableDefinition) -> Result<(), Error> {
        let want = self.definition();
        if existing.key != want.key {
            return Err(Error::InvalidRequest {
                message: format!(
                    "table `{}` exists with key {} but the model's key is {}",
                    self.name,
                    describe_key_schema(&existing.key),
                    describe_key_schema(&want.key)
                ),
            });
        }
        for index in &want.indexes {
            match existing.index(&index.name) {
                Some(found) if found.key == index.key && found.kind == index.kind => {}
                Some(found) => {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "index `{}` of table `{}` has key {} but the model's is {}",
                            index.name,
                            self.name,
                            describe_key_schema(&found.key),
                            describe_key_schema(&index.key)
                        ),
                    });
                }
                None => {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "table `{}` exists without the model's index `{}`",
                            self.name, index.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Checks an update and its condition as DynamoDB parses them (functions,
/// operand types, `BETWEEN` bounds, overlapping paths, an empty update), so
/// that bad input is refused before anything is read or written.
fn check_expressions(update: &Update, condition: Option<&Condition>) -> Result<(), Error> {
    let mut attributes = ExpressionAttributes::default();
    let update = update.render(&mut attributes);
    let condition = condition.map(|c| c.render(&mut attributes));
    let mut parser = Parser::new(&attributes.names, &attributes.values);
    parser.update(&update)?;
    if let Some(condition) = condition {
        parser.condition(&condition, ExpressionKind::Condition)?;
    }
    parser.finish()
}

fn describe_key_schema(key: &KeySchema) -> String {
    match &key.range {
        Some(r) => format!(
            "({} {}, {} {})",
            key.hash.name, key.hash.scalar_type, r.name, r.scalar_type
        ),
        None => format!("({} {})", key.hash.name, key.hash.scalar_type),
    }
}

fn page_limit(page_size: Option<u32>, remaining: Option<usize>) -> Option<u32> {
    let remaining = remaining.map(|r| u32::try_from(r).unwrap_or(u32::MAX));
    match (page_size, remaining) {
        (Some(p), Some(r)) => Some(p.min(r)),
        (p, r) => p.or(r),
    }
}

/// A query or scan request, sent once per page.
enum PageRequest {
    Query(Query),
    Scan(Scan),
}

impl PageRequest {
    async fn fetch(
        &self,
        backend: &dyn Backend,
        start: Option<Item>,
        limit: Option<u32>,
    ) -> Result<Page, Error> {
        match self {
            PageRequest::Query(q) => {
                let mut q = q.clone().start_after(start);
                q.limit = limit;
                backend.query(q).await
            }
            PageRequest::Scan(s) => {
                let mut s = s.clone().start_after(start);
                s.limit = limit;
                backend.scan(s).await
            }
        }
    }
}

#[async_trait]
impl<T: Model> Repository<T> for Table<T> {
    fn table_name(&self) -> &str {
        &self.name
    }

    async fn create_table(&self) -> Result<(), Error> {
        let span = op_span!("create_table", self.name);
        async {
            self.backend.create_table(self.definition()).await?;
            self.wait_for(true).await
        }
        .instrument(span)
        .await
    }

    async fn ensure_table(&self) -> Result<(), Error> {
        let span = op_span!("ensure_table", self.name);
        async {
            match self.backend.describe_table(&self.name).await {
                Ok(d) => {
                    self.check_fits(&d.definition)?;
                    self.wait_for(true).await
                }
                Err(Error::TableNotFound { .. }) => {
                    match self.backend.create_table(self.definition()).await {
                        Ok(_) | Err(Error::TableInUse { .. }) => {}
                        Err(e) => return Err(e),
                    }
                    self.wait_for(true).await?;
                    let d = self.backend.describe_table(&self.name).await?;
                    self.check_fits(&d.definition)
                }
                Err(e) => Err(e),
            }
        }
        .instrument(span)
        .await
    }

    async fn delete_table(&self) -> Result<(), Error> {
        let span = op_span!("delete_table", self.name);
        async {
            self.backend.delete_table(&self.name).await?;
            self.wait_for(false).await
        }
        .instrument(span)
        .await
    }

    async fn get(&self, key: &T::Key) -> Result<Option<Tracked<T>>, Error> {
        let span = op_span!("get", self.name, key);
        self.get_item(key, false).instrument(span).await
    }

    async fn get_consistent(&self, key: &T::Key) -> Result<Option<Tracked<T>>, Error> {
        let span = op_span!("get", self.name, key);
        self.get_item(key, true).instrument(span).await
    }

    async fn save_with(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<(), Error> {
        let key = item.value.key();
        let span = op_span!("save", self.name, &key);
        self.save_inner(item, mode).instrument(span).await
    }

    async fn create(&self, value: T) -> Result<Tracked<T>, Error> {
        let mut item = Tracked::new(value);
        self.save_with(&mut item, SaveMode::FailOnConflict).await?;
        Ok(item)
    }

    async fn put(&self, value: &T) -> Result<(), Error> {
        let key = value.key();
        let span = op_span!("put", self.name, &key);
        async {
            value.validate()?;
            if Self::unassigned(value)? {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the auto-increment key of this `{}` item is not assigned: use create() or save()",
                        self.name
                    ),
                });
            }
            let item = to_item(value)?;
            self.refuse_counter(&Self::key_schema().key_of(&item))?;
            self.backend.put_item(PutItem::new(&*self.name, item)).await?;
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn delete(&self, item: &mut Tracked<T>) -> Result<(), Error> {
        let key = item.value.key();
        let span = op_span!("delete", self.name, &key);
        async {
            let Some(stored) = &item.stored else {
                return Err(Error::Conflict {
                    table: self.name.to_string(),
                    stored: None,
                });
            };
            let key = Self::key_schema().key_of(stored);
            let request = DeleteItem::new(&*self.name, key)
                .condition(&Self::guard(Some(stored)))
                .return_old_on_condition_failure(true);
            self.backend.delete_item(request).await?;
            item.stored = None;
            if item.value.version().is_some() {
                item.value.set_version(0);
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn delete_key(&self, key: &T::Key) -> Result<bool, Error> {
        let span = op_span!("delete", self.name, key);
        async {
            let key = T::key_item(key)?;
            self.refuse_counter(&key)?;
            let out = self
                .backend
                .delete_item(DeleteItem::new(&*self.name, key).return_values(ReturnValues::AllOld))
                .await?;
            Ok(out.attributes.is_some())
        }
        .instrument(span)
        .await
    }

    async fn update(
        &self,
        key: &T::Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Tracked<T>, Error> {
        let span = op_span!("update", self.name, key);
        async {
                        let key = T::key_item(key)?;
            self.refuse_counter(&key)?;
            check_expressions(&update, condition.as_ref())?;
            let version = T::schema().version_attribute.as_deref();
            let bump = version.filter(|v| !update.target_paths().any(|p| p.head() == *v));
            let mut attempt = 0;
            loop {
                let current = self
                    .backend
                    .get_item(GetItem::new(&*self.name, key.clone()).consistent(true))
                    .await?
                    .item;
                let mut full = update.clone();
                if let Some(v) = bump {
                    let old = current
                        .as_ref()
                        .and_then(|c| c.get(v))
                        .and_then(AttributeValue::as_n)
                        .and_then(|n| n.as_str().parse::<u64>().ok())
                        .unwrap_or(0);
                    full = full.set(attr(v), AttributeValue::N(Number::from(old + 1)));
                }
                                // The caller's condition first, as DynamoDB evaluates it
                // before the update: false on the item read is a conflict.
                if let Some(c) = &condition
                    && !c.evaluate(current.as_ref().unwrap_or(&Item::new()))
                {
                    return Err(Error::Conflict {
                        table: self.name.to_string(),
                        stored: current.map(Box::new),
                    });
                }
                // Apply locally: the result must map and validate.
                let mut next = current.clone().unwrap_or_else(|| key.clone());
                apply_update(&mut next, &full)?;
                let value: T = from_item(next)?;
                value.validate()?;
                let guard = Self::guard(current.as_ref());
                let condition = match &condition {
                    Some(c) => c.clone().and(guard),
                    None => guard,
                };
                let request = UpdateItem::new(&*self.name, key.clone())
                    .update(&full)
                    .condition(&condition)
                    .return_old_on_condition_failure(true)
                    .return_values(ReturnValues::AllNew);
                match self.backend.update_item(request).await {
                    Ok(out) => {
                        let item = out.attributes.ok_or_else(|| Error::Backend {
                            message: "UpdateItem with ALL_NEW returned no item".to_owned(),
                            source: None,
                        })?;
                        return self.load(item);
                    }
                    Err(Error::Conflict { table, stored }) => {
                        // Unchanged item: the caller's condition is false.
                        if stored.as_deref() == current.as_ref() || attempt >= self.retry.max_conflict_retries {
                            return Err(Error::Conflict { table, stored });
                        }
                                                attempt += 1;
                        tracing::debug!(target: MODEL, table = %self.name, attempt, "update met a concurrent change; retrying");
                        self.after_conflict(attempt).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn modify(
        &self,
        key: &T::Key,
        f: &(dyn for<'v> Fn(&'v mut T) + Send + Sync),
    ) -> Result<Tracked<T>, Error> {
        let mut attempt = 0;
        loop {
            let Some(mut item) = self.get_consistent(key).await? else {
                return Err(Error::NotFound {
                    table: self.name.to_string(),
                    key: format!("{key:?}"),
                });
            };
            f(&mut item.value);
            match self.save(&mut item).await {
                Ok(()) => return Ok(item),
                Err(Error::Conflict { .. }) if attempt < self.retry.max_conflict_retries => {
                    attempt += 1;
                    self.after_conflict(attempt).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn get_many(&self, keys: &[T::Key]) -> Result<Vec<Option<Tracked<T>>>, Error> {
        let span = op_span!("get_many", self.name);
        async {
            let mut wanted: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
            let mut unique: Vec<Item> = Vec::new();
            // How many times each key was asked for.
            let mut asked: HashMap<Vec<u8>, usize> = HashMap::new();
            for key in keys {
                let item = T::key_item(key)?;
                let fp = fingerprint(&item);
                let count = asked.entry(fp.clone()).or_insert(0);
                if *count == 0 && !Self::is_counter(&item) {
                    unique.push(item);
                }
                *count += 1;
                wanted.push(fp);
            }
            let chunks: Vec<Vec<Item>> = unique
                .chunks(BATCH_GET_CHUNK)
                .map(<[Item]>::to_vec)
                .collect();
            let found: Vec<Vec<Item>> = stream::iter(chunks)
                .map(|chunk| self.get_chunk(chunk))
                .buffer_unordered(BATCH_CONCURRENCY)
                .try_collect()
                .await?;
            let schema = Self::key_schema();
            let mut by_key: HashMap<Vec<u8>, Item> = found
                .into_iter()
                .flatten()
                .map(|item| (fingerprint(&schema.key_of(&item)), item))
                .collect();
            let mut out = Vec::with_capacity(keys.len());
            for fp in &wanted {
                // The last request for a key takes the item; earlier ones clone it.
                let count = asked.get_mut(fp).map_or(0, |c| {
                    *c -= 1;
                    *c
                });
                let item = if count == 0 {
                    by_key.remove(fp)
                } else {
                    by_key.get(fp).cloned()
                };
                out.push(item.map(|item| self.load(item)).transpose()?);
            }
            Ok(out)
        }
        .instrument(span)
        .await
    }

    async fn put_many(&self, values: &[T]) -> Result<(), Error> {
        let span = op_span!("put_many", self.name);
        async {
            let mut violations: Vec<Violation> = Vec::new();
            for (i, value) in values.iter().enumerate() {
                if let Err(e) = value.validate() {
                    violations.extend(e.violations().iter().map(|v| Violation {
                        path: if v.path.is_empty() || v.path.starts_with('[') {
                            format!("[{i}]{}", v.path)
                        } else {
                            format!("[{i}].{}", v.path)
                        },
                        rule: v.rule,
                        message: v.message.clone(),
                    }));
                }
            }
            if !violations.is_empty() {
                return Err(Error::Validation(ValidationErrors::from_iter(violations)));
            }
            let schema = Self::key_schema();
            let mut requests = Vec::with_capacity(values.len());
            for (i, value) in values.iter().enumerate() {
                if Self::unassigned(value)? {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "item [{i}] has no auto-increment key assigned: batch writes cannot assign one; use create()"
                        ),
                    });
                }
                let item = to_item(value)?;
                let key = schema.key_of(&item);
                self.refuse_counter(&key)?;
                requests.push((fingerprint(&key), WriteRequest::Put(item)));
            }
            self.write_batches(requests).await
        }
        .instrument(span)
        .await
    }

    async fn delete_many(&self, keys: &[T::Key]) -> Result<(), Error> {
        let span = op_span!("delete_many", self.name);
        async {
            let mut requests = Vec::with_capacity(keys.len());
            for key in keys {
                let key = T::key_item(key)?;
                self.refuse_counter(&key)?;
                requests.push((fingerprint(&key), WriteRequest::Delete(key)));
            }
            self.write_batches(requests).await
        }
        .instrument(span)
        .await
    }

    fn query(&self, spec: QuerySpec) -> ItemStream<'_, T> {
        let request = self.query_request(&spec);
        self.stream(request, spec.limit, spec.page_size)
    }

    async fn query_page(
        &self,
        spec: QuerySpec,
        cursor: Option<Cursor>,
    ) -> Result<PageOf<T>, Error> {
        let span = op_span!("query_page", self.name);
        async {
            let request = self.query_request(&spec)?;
            self.one_page(request, spec.limit, spec.page_size, cursor)
                .await
        }
        .instrument(span)
        .await
    }

    fn scan(&self, spec: ScanSpec) -> ItemStream<'_, T> {
        let request = self.scan_request(&spec, None);
        self.stream(Ok(request), spec.limit, spec.page_size)
    }

    async fn scan_page(&self, spec: ScanSpec, cursor: Option<Cursor>) -> Result<PageOf<T>, Error> {
        let span = op_span!("scan_page", self.name);
        async {
            let request = self.scan_request(&spec, None);
            self.one_page(request, spec.limit, spec.page_size, cursor)
                .await
        }
        .instrument(span)
        .await
    }

    fn parallel_scan(&self, spec: ScanSpec, segments: u32) -> Vec<ItemStream<'_, T>> {
        if segments == 0 || segments > 1_000_000 {
            let e = Error::InvalidRequest {
                message: format!(
                    "a parallel scan needs from 1 to 1000000 segments, not {segments}"
                ),
            };
            return vec![stream::once(async move { Err(e) }).boxed()];
        }
        (0..segments)
            .map(|s| {
                let request = self.scan_request(&spec, Some((s, segments)));
                self.stream(Ok(request), spec.limit, spec.page_size)
            })
            .collect()
    }
}
