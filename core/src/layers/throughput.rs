//! [`SimulatedThroughput`]: provisioned capacity enforced as DynamoDB
//! enforces it, with burst capacity and DynamoDB's throttling errors.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::time::Instant;

use super::capacity::{
    CapacityKey, CapacityKind, Charges, add_charges, base_estimate, batch_item_estimate,
    consumed_charges, read_key, read_units, write_keys,
};
use super::lock;
use crate::backend::{
    Backend, BatchGet, BatchWrite, Capabilities, KeysAndAttributes, Layer, Operation, Request,
    Response, ReturnConsumedCapacity, WriteRequest,
};
use crate::error::{CancellationCode, CancellationReason, Error, Result};
use crate::model::TableDefinition;

/// DynamoDB's message when a table's provisioned throughput is exceeded.
pub const TABLE_THROUGHPUT_EXCEEDED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
/// DynamoDB's message when a global secondary index's provisioned
/// throughput is exceeded (a write to the table is throttled by it).
pub const INDEX_THROUGHPUT_EXCEEDED: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API";

/// Seconds of unused capacity a bucket keeps for bursts, as DynamoDB does
/// ("up to 5 minutes (300 seconds) of unused read and write capacity").
pub const BURST_SECONDS: f64 = 300.0;

/// One bucket of capacity units, on tokio's clock.
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    tokens: f64,
    at: Instant,
    consumed: f64,
    admitted: u64,
    throttled: u64,
}

impl Bucket {
    /// A bucket holding the current second's capacity: unused capacity
    /// accrues from here, up to [`BURST_SECONDS`].
    fn new(per_second: f64, now: Instant) -> Self {
        Bucket {
            per_second,
            tokens: per_second,
            at: now,
            consumed: 0.0,
            admitted: 0,
            throttled: 0,
        }
    }

    fn refill(&mut self, per_second: f64, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.per_second = per_second;
        let most = per_second * BURST_SECONDS;
        if self.tokens < most {
            self.tokens = (self.tokens + elapsed * per_second).min(most);
        } else {
            self.tokens = most;
        }
    }
}

/// A bucket's figures, as [`SimulatedThroughput::figures`] reads them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SimulatedFigures {
    /// The table or index, and read or write.
    pub key: CapacityKey,
    /// The capacity, in units per second.
    pub per_second: f64,
    /// Units in the bucket now: the current second's and up to
    /// [`BURST_SECONDS`] of unused capacity (negative after a request
    /// that consumed more than was left).
    pub balance: f64,
    /// Units consumed since the simulation started.
    pub consumed: f64,
    /// Requests (and batch items) admitted.
    pub admitted: u64,
    /// Requests (and batch items) throttled.
    pub throttled: u64,
}

#[derive(Debug, Default)]
struct State {
    enabled: AtomicBool,
    buckets: Mutex<HashMap<CapacityKey, Bucket>>,
    capacity: Mutex<HashMap<CapacityKey, f64>>,
}

/// Enforces provisioned capacity over any backend, as DynamoDB does: per
/// table and per global secondary index, read and write capacity units
/// per second, with up to [`BURST_SECONDS`] of unused capacity kept for
/// bursts. A request is admitted while its buckets hold capacity, and
/// charged what it consumed (which may leave a bucket in debt, as a large
/// item does on DynamoDB); otherwise it is throttled and changes nothing:
///
/// - single-item requests, queries and scans with [`Error::Throttled`]
///   carrying DynamoDB's `ProvisionedThroughputExceededException` message
///   ([`TABLE_THROUGHPUT_EXCEEDED`], or [`INDEX_THROUGHPUT_EXCEEDED`] when
///   a global index of the table is out of write capacity);
/// - batch requests item by item: what the buckets admit is done, the rest
///   comes back unprocessed, and a batch of which nothing is admitted is
///   throttled;
/// - transactions with `TransactionCanceledException`, each action on an
///   exhausted table or index with the reason `ProvisionedThroughputExceeded`.
///
/// Consumed capacity is the store's, as DynamoDB computes it; on-demand
/// tables are not limited unless [`set_capacity`](Self::set_capacity) gives
/// them a limit. Time is tokio's, so a test under `tokio::time::pause()`
/// runs minutes of traffic in milliseconds, deterministically. Off until
/// [`set_enabled`](Self::set_enabled). Cheap to clone: clones share the
/// buckets.
#[derive(Clone, Debug, Default)]
pub struct SimulatedThroughput {
    state: Arc<State>,
}

impl SimulatedThroughput {
    /// A layer, off.
    pub fn new() -> Self {
        SimulatedThroughput::default()
    }

    /// Turns the simulation on or off. Either way every bucket starts
    /// again with one second of capacity and no burst capacity.
    pub fn set_enabled(&self, enabled: bool) {
        self.state.enabled.store(enabled, Ordering::SeqCst);
        lock(&self.state.buckets).clear();
    }

    /// True while the simulation is on.
    pub fn is_enabled(&self) -> bool {
        self.state.enabled.load(Ordering::SeqCst)
    }

    /// Gives a table or index a capacity other than its definition's, in
    /// units per second (`None`: the definition's again): capacity that
    /// other clients take, a change the definition does not show, or a
    /// limit on an on-demand table.
    pub fn set_capacity(&self, key: CapacityKey, units_per_second: Option<f64>) {
        let mut capacity = lock(&self.state.capacity);
        match units_per_second {
            Some(u) => capacity.insert(key, u.max(0.0)),
            None => capacity.remove(&key),
        };
    }

    /// Every bucket's figures, in key order.
    pub fn figures(&self) -> Vec<SimulatedFigures> {
        let now = Instant::now();
        let mut buckets = lock(&self.state.buckets);
        let mut out: Vec<SimulatedFigures> = buckets
            .iter_mut()
            .map(|(key, b)| {
                b.refill(b.per_second, now);
                SimulatedFigures {
                    key: key.clone(),
                    per_second: b.per_second,
                    balance: b.tokens,
                    consumed: b.consumed,
                    admitted: b.admitted,
                    throttled: b.throttled,
                }
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// The capacity of each key a request may use, for the limited ones.
    fn limits(
        &self,
        keys: impl IntoIterator<Item = CapacityKey>,
        definitions: &HashMap<String, TableDefinition>,
    ) -> BTreeMap<CapacityKey, f64> {
        let capacity = lock(&self.state.capacity);
        keys.into_iter()
            .filter_map(|k| {
                let rate = capacity
                    .get(&k)
                    .copied()
                    .or_else(|| definitions.get(&k.table).and_then(|d| k.provisioned(d)))?;
                Some((k, rate))
            })
            .collect()
    }
}

/// The keys a request may be charged to.
fn keys_of(request: &Request, definitions: &HashMap<String, TableDefinition>) -> Vec<CapacityKey> {
    let tables = request.tables();
    match request {
        Request::Query(q) => vec![read_key(definitions, &q.table, q.index.as_deref())],
        Request::Scan(s) => vec![read_key(definitions, &s.table, s.index.as_deref())],
        r if r.operation().is_write() => tables
            .iter()
            .flat_map(|t| write_keys(definitions, t))
            .collect(),
        _ => tables
            .iter()
            .map(|t| CapacityKey::table(*t, CapacityKind::Read))
            .collect(),
    }
}

/// DynamoDB's message for exhausted buckets: the index message when a
/// global index is what stops a write.
fn exceeded_message(keys: &[&CapacityKey]) -> &'static str {
    if keys
        .iter()
        .any(|k| k.index.is_some() && k.kind == CapacityKind::Write)
    {
        INDEX_THROUGHPUT_EXCEEDED
    } else {
        TABLE_THROUGHPUT_EXCEEDED
    }
}

fn throttled(keys: &[&CapacityKey]) -> Error {
    Error::Throttled {
        message: exceeded_message(keys).to_owned(),
    }
}

/// The buckets of a call, locked: admission and settlement.
struct Admission<'a> {
    buckets: std::sync::MutexGuard<'a, HashMap<CapacityKey, Bucket>>,
    limits: &'a BTreeMap<CapacityKey, f64>,
}

impl<'a> Admission<'a> {
    fn new(state: &'a State, limits: &'a BTreeMap<CapacityKey, f64>) -> Self {
        let now = Instant::now();
        let mut buckets = lock(&state.buckets);
        for (key, rate) in limits {
            buckets
                .entry(key.clone())
                .or_insert_with(|| Bucket::new(*rate, now))
                .refill(*rate, now);
        }
        Admission { buckets, limits }
    }

    /// The limited keys among `keys` whose bucket is empty.
    fn exhausted<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k CapacityKey>,
    ) -> Vec<&'k CapacityKey> {
        keys.into_iter()
            .filter(|k| self.limits.contains_key(*k))
            .filter(|k| self.buckets.get(*k).is_some_and(|b| b.tokens <= 0.0))
            .collect()
    }

    fn count_throttled(&mut self, keys: &[&CapacityKey]) {
        for k in keys {
            if let Some(b) = self.buckets.get_mut(*k) {
                b.throttled += 1;
            }
        }
    }

    /// Takes an estimate from the buckets (so that concurrent calls see it).
    fn reserve(&mut self, estimate: &Charges) {
        for (k, units) in estimate {
            if let Some(b) = self.buckets.get_mut(k) {
                b.tokens -= units;
                b.admitted += 1;
            }
        }
    }

    /// Replaces a reserved estimate with what was consumed.
    fn settle(&mut self, estimate: &Charges, consumed: &Charges) {
        for (k, units) in estimate {
            if let Some(b) = self.buckets.get_mut(k) {
                b.tokens += units;
            }
        }
        for (k, units) in consumed {
            if let Some(b) = self.buckets.get_mut(k) {
                b.tokens -= units;
                b.consumed += units;
            }
        }
    }
}

#[async_trait]
impl Layer for SimulatedThroughput {
    fn passes(&self, request: &Request) -> bool {
        // Table calls keep the buckets in step even while the simulation
        // is off; data calls pass while it is off.
        request.operation().is_data() && !self.is_enabled()
    }

    async fn call(&self, mut request: Request, next: &dyn Backend) -> Result<Response> {
        let operation = request.operation();
        if matches!(operation, Operation::CreateTable | Operation::DeleteTable) {
            // A new table (or one gone) starts with buckets of its own.
            let table = request.tables().first().map(|t| (*t).to_owned());
            let result = request.send(next).await;
            if let (Some(table), Ok(_)) = (table, &result) {
                lock(&self.state.buckets).retain(|k, _| k.table != table);
            }
            return result;
        }
        if operation == Operation::UpdateTable {
            // Capacity is read from the definition at each call; the
            // buckets of an index the table no longer has go.
            let result = request.send(next).await;
            if let Ok(Response::Table(d)) = &result {
                let def = &d.definition;
                lock(&self.state.buckets).retain(|k, _| {
                    k.table != def.name || k.index.as_ref().is_none_or(|i| def.index(i).is_some())
                });
            }
            return result;
        }
        if !self.is_enabled() || !operation.is_data() {
            return request.send(next).await;
        }
        let mut definitions = HashMap::new();
        for table in request.tables() {
            if let Ok(d) = next.table_definition(table).await {
                definitions.insert(table.to_owned(), d);
            }
        }
        let keys = keys_of(&request, &definitions);
        let limits = self.limits(keys.iter().cloned(), &definitions);
        if limits.is_empty() {
            return request.send(next).await;
        }
        let kind = if operation.is_write() {
            CapacityKind::Write
        } else {
            CapacityKind::Read
        };
        // Admission: take the estimate of what is admitted, keep the rest.
        let mut unprocessed = Unprocessed::None;
        let estimate = {
            let mut admission = Admission::new(&self.state, &limits);
            match &mut request {
                Request::BatchWriteItem(batch) => {
                    let (estimate, rest) = admit_writes(&mut admission, batch, &definitions)?;
                    unprocessed = Unprocessed::Writes(rest);
                    estimate
                }
                Request::BatchGetItem(batch) => {
                    let (estimate, rest) = admit_gets(&mut admission, batch)?;
                    unprocessed = Unprocessed::Keys(rest);
                    estimate
                }
                _ => {
                    let exhausted = admission.exhausted(&keys);
                    if !exhausted.is_empty() {
                        admission.count_throttled(&exhausted);
                        return Err(refusal(&request, &exhausted));
                    }
                    let estimate = base_estimate(&request, &definitions);
                    admission.reserve(&estimate);
                    estimate
                }
            }
        };
        let asked = request.return_consumed_capacity();
        request.set_return_consumed_capacity(ReturnConsumedCapacity::Indexes);
        let result = request.send(next).await;
        let consumed = match &result {
            Ok(response) => consumed_charges(response.consumed_capacity(), kind),
            // A failed condition still consumes capacity (at least the estimate).
            Err(Error::Conflict { .. } | Error::TransactionCanceled { .. }) => estimate.clone(),
            Err(_) => Charges::new(),
        };
        Admission::new(&self.state, &limits).settle(&estimate, &consumed);
        let mut response = result?;
        unprocessed.add_to(&mut response);
        response.keep_consumed_capacity(asked);
        Ok(response)
    }

    fn capabilities(&self, mut inner: Capabilities) -> Capabilities {
        inner.throughput_enforced |= self.is_enabled();
        inner
    }
}

/// The error of a refused request: a transaction is cancelled with a
/// reason per action, anything else throttled.
fn refusal(request: &Request, exhausted: &[&CapacityKey]) -> Error {
    let reason_for = |table: &str, kind: CapacityKind| {
        let mine: Vec<&CapacityKey> = exhausted
            .iter()
            .copied()
            .filter(|k| k.table == table && k.kind == kind)
            .collect();
        if mine.is_empty() {
            return CancellationReason::none();
        }
        CancellationReason {
            code: CancellationCode::ProvisionedThroughputExceeded,
            message: Some(exceeded_message(&mine).to_owned()),
            item: None,
        }
    };
    match request {
        Request::TransactWriteItems(t) => Error::TransactionCanceled {
            reasons: t
                .items
                .iter()
                .map(|a| reason_for(a.table(), CapacityKind::Write))
                .collect(),
        },
        Request::TransactGetItems(t) => Error::TransactionCanceled {
            reasons: t
                .items
                .iter()
                .map(|g| reason_for(&g.table, CapacityKind::Read))
                .collect(),
        },
        _ => throttled(exhausted),
    }
}

/// What a batch left undone here, added to what the store left undone.
enum Unprocessed {
    None,
    Writes(BTreeMap<String, Vec<WriteRequest>>),
    Keys(BTreeMap<String, KeysAndAttributes>),
}

impl Unprocessed {
    fn add_to(self, response: &mut Response) {
        match (self, response) {
            (Unprocessed::Writes(rest), Response::BatchWrite(out)) => {
                for (table, mut items) in rest {
                    out.unprocessed_items
                        .entry(table)
                        .or_default()
                        .append(&mut items);
                }
            }
            (Unprocessed::Keys(rest), Response::BatchGet(out)) => {
                for (table, mut ka) in rest {
                    match out.unprocessed_keys.get_mut(&table) {
                        Some(existing) => existing.keys.append(&mut ka.keys),
                        None => {
                            out.unprocessed_keys.insert(table, ka);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Admits the writes of a batch one by one while their table's and
/// indexes' buckets hold capacity; returns the estimate taken and the
/// writes left out (the batch keeps the admitted ones).
fn admit_writes(
    admission: &mut Admission<'_>,
    batch: &mut BatchWrite,
    definitions: &HashMap<String, TableDefinition>,
) -> Result<(Charges, BTreeMap<String, Vec<WriteRequest>>)> {
    let mut estimate = Charges::new();
    let mut rest: BTreeMap<String, Vec<WriteRequest>> = BTreeMap::new();
    let mut refused: Vec<CapacityKey> = Vec::new();
    let mut admitted_any = false;
    for (table, requests) in batch.tables.iter_mut() {
        let keys = write_keys(definitions, table);
        let mut kept = Vec::with_capacity(requests.len());
        for w in requests.drain(..) {
            let exhausted = admission.exhausted(&keys);
            if exhausted.is_empty() {
                let e = batch_item_estimate(definitions.get(table), table, &w);
                admission.reserve(&e);
                add_charges(&mut estimate, &e, 1.0);
                kept.push(w);
                admitted_any = true;
            } else {
                admission.count_throttled(&exhausted);
                refused.extend(exhausted.into_iter().cloned());
                rest.entry(table.clone()).or_default().push(w);
            }
        }
        *requests = kept;
    }
    batch.tables.retain(|_, r| !r.is_empty());
    if !admitted_any {
        let refused: Vec<&CapacityKey> = refused.iter().collect();
        return Err(throttled(&refused));
    }
    Ok((estimate, rest))
}

/// Admits the keys of a batch get one by one while their table's bucket
/// holds capacity; returns the estimate taken and the keys left out.
fn admit_gets(
    admission: &mut Admission<'_>,
    batch: &mut BatchGet,
) -> Result<(Charges, BTreeMap<String, KeysAndAttributes>)> {
    let mut estimate = Charges::new();
    let mut rest: BTreeMap<String, KeysAndAttributes> = BTreeMap::new();
    let mut admitted_any = false;
    for (table, ka) in batch.tables.iter_mut() {
        let key = CapacityKey::table(table, CapacityKind::Read);
        let units = read_units(0, ka.consistent_read);
        let mut kept = Vec::with_capacity(ka.keys.len());
        for k in ka.keys.drain(..) {
            let exhausted = admission.exhausted([&key]);
            if exhausted.is_empty() {
                let mut e = Charges::new();
                e.insert(key.clone(), units);
                admission.reserve(&e);
                add_charges(&mut estimate, &e, 1.0);
                kept.push(k);
                admitted_any = true;
            } else {
                admission.count_throttled(&exhausted);
                rest.entry(table.clone())
                    .or_insert_with(|| KeysAndAttributes {
                        keys: Vec::new(),
                        consistent_read: ka.consistent_read,
                        projection_expression: ka.projection_expression.clone(),
                        expression_attribute_names: ka.expression_attribute_names.clone(),
                    })
                    .keys
                    .push(k);
            }
        }
        ka.keys = kept;
    }
    batch.tables.retain(|_, ka| !ka.keys.is_empty());
    if !admitted_any {
        return Err(Error::Throttled {
            message: TABLE_THROUGHPUT_EXCEEDED.to_owned(),
        });
    }
    Ok((estimate, rest))
}
