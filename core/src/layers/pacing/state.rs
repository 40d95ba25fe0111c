//! The pacer's shared state (table definitions, buckets, what requests
//! cost last time) and the arithmetic of taking and settling capacity.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::bucket::PaceBucket;
use super::budget::Budget;
use super::settings::{PacingFigures, PacingSettings};
use crate::backend::{Operation, Request, Response};
use crate::error::{CancellationCode, Error, Result};
use crate::layers::capacity::{
    CapacityKey, CapacityKind, Charges, base_estimate, consumed_charges, write_keys,
};
use crate::layers::lock;
use crate::model::TableDefinition;

/// What the cost of a kind of request is remembered by: table, operation,
/// index.
type HistoryKey = (String, Operation, Option<String>);

#[derive(Debug)]
struct Meta {
    /// The definition was read (or reading it failed) once.
    tried: bool,
    /// Held while it is read the first time: the other requests wait for it.
    first: Arc<tokio::sync::Mutex<()>>,
    fetched: Instant,
    refreshing: bool,
    refreshed_after_throttle: Option<Instant>,
}

#[derive(Debug, Default)]
struct Tables {
    definitions: HashMap<String, TableDefinition>,
    meta: HashMap<String, Meta>,
    buckets: HashMap<CapacityKey, PaceBucket>,
    /// The last cost of a request (per key or item, for batch gets and
    /// read transactions).
    history: HashMap<HistoryKey, Charges>,
}

/// The state every clone of a pacer shares.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) settings: Mutex<PacingSettings>,
    tables: Mutex<Tables>,
}

/// What to read of a table's definition before a request.
pub(super) enum Learn {
    Nothing,
    /// Never read: `table_definition` (a backend's cache may answer),
    /// by one request while the others wait on the gate.
    Fetch(Arc<tokio::sync::Mutex<()>>),
    /// Due again: `describe_table` (which refreshes a backend's cache).
    Refresh,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    Throttled,
    Failed,
}

/// What a remembered cost is per.
#[derive(Debug)]
enum Per {
    Request,
    /// Keys of a batch get asked for (those processed divide the cost).
    Keys(usize),
    /// Items of a read transaction.
    Items(usize),
}

/// What settling an attempt needs to know of its request.
#[derive(Debug)]
pub(super) struct Plan {
    /// Units to take per bucket (zero for buckets only waited on: every
    /// global index of a table written to, which throttles it when out).
    pub(super) estimate: Charges,
    kind: CapacityKind,
    history: Vec<(HistoryKey, Per)>,
    /// The table of each action of a transaction.
    actions: Vec<String>,
}

fn bucket_mut<'a>(
    buckets: &'a mut HashMap<CapacityKey, PaceBucket>,
    definitions: &HashMap<String, TableDefinition>,
    key: &CapacityKey,
    settings: &PacingSettings,
    now: Instant,
) -> &'a mut PaceBucket {
    buckets.entry(key.clone()).or_insert_with(|| {
        let provisioned = definitions.get(&key.table).and_then(|d| key.provisioned(d));
        PaceBucket::new(provisioned, settings, now)
    })
}

fn mentions_index(message: &str) -> bool {
    message.to_ascii_lowercase().contains("secondary index")
}

/// Errors after which the request is taken to have consumed its estimate
/// (a failed condition consumes capacity on DynamoDB; an unknown outcome
/// may have).
fn charged(e: &Error) -> bool {
    matches!(
        e,
        Error::Conflict { .. }
            | Error::TransactionCanceled { .. }
            | Error::TransactionConflict { .. }
            | Error::Timeout { .. }
            | Error::Backend { .. }
    )
}

impl Plan {
    /// The buckets a throttle of `table` (all tables: `None`) is blamed
    /// on: for a write, the table's or (when the message names them) its
    /// global indexes'; for a read, the bucket it read from.
    fn blamed(&self, table: Option<&str>, index: bool) -> Vec<CapacityKey> {
        let of_table = |k: &&CapacityKey| table.is_none_or(|t| k.table == t);
        let pick = |index: bool| -> Vec<CapacityKey> {
            self.estimate
                .iter()
                .filter(|(k, _)| of_table(k))
                .filter(|(k, v)| match self.kind {
                    CapacityKind::Write => k.index.is_some() == index,
                    CapacityKind::Read => **v > 0.0,
                })
                .map(|(k, _)| k.clone())
                .collect()
        };
        let keys = pick(index);
        if keys.is_empty() && index {
            pick(false)
        } else {
            keys
        }
    }

    /// The buckets a throttling error is blamed on; `None` if the error is
    /// not throttling.
    fn throttled(&self, error: &Error) -> Option<Vec<CapacityKey>> {
        match error {
            Error::Throttled { message } => Some(self.blamed(None, mentions_index(message))),
            Error::TransactionCanceled { reasons } => {
                let mut keys = BTreeSet::new();
                let mut any = false;
                for (i, r) in reasons.iter().enumerate() {
                    if matches!(
                        r.code,
                        CancellationCode::ProvisionedThroughputExceeded
                            | CancellationCode::ThrottlingError
                    ) {
                        any = true;
                        let index = r.message.as_deref().is_some_and(mentions_index);
                        let table = self.actions.get(i).map(String::as_str);
                        keys.extend(self.blamed(table, index));
                    }
                }
                any.then(|| keys.into_iter().collect())
            }
            _ => None,
        }
    }
}

/// The tables a batch answer left work undone on, and how many keys.
fn unprocessed(response: &Response) -> BTreeMap<&str, usize> {
    match response {
        Response::BatchWrite(o) => o
            .unprocessed_items
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(t, v)| (t.as_str(), v.len()))
            .collect(),
        Response::BatchGet(o) => o
            .unprocessed_keys
            .iter()
            .filter(|(_, ka)| !ka.keys.is_empty())
            .map(|(t, ka)| (t.as_str(), ka.keys.len()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

impl State {
    pub(super) fn set_settings(&self, settings: PacingSettings) {
        let mut t = lock(&self.tables);
        for b in t.buckets.values_mut() {
            b.apply_settings(&settings);
        }
        *lock(&self.settings) = settings;
    }

    pub(super) fn figures(&self, settings: &PacingSettings, now: Instant) -> Vec<PacingFigures> {
        let mut t = lock(&self.tables);
        let mut out: Vec<PacingFigures> = t
            .buckets
            .iter_mut()
            .map(|(key, b)| {
                b.advance(settings, now);
                PacingFigures {
                    key: key.clone(),
                    provisioned: b.provisioned,
                    rate: b.rate,
                    balance: b.tokens,
                    consumed: b.consumed,
                    requests: b.requests,
                    throttles: b.throttles,
                    waits: b.waits,
                    waited: b.waited,
                }
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// Forgets a table created or deleted through the pacer.
    pub(super) fn forget(&self, table: &str) {
        let mut t = lock(&self.tables);
        t.definitions.remove(table);
        t.meta.remove(table);
        t.buckets.retain(|k, _| k.table != table);
        t.history.retain(|k, _| k.0 != table);
    }

    /// True once the table's definition was read (or tried).
    pub(super) fn tried(&self, table: &str) -> bool {
        lock(&self.tables).meta.get(table).is_some_and(|m| m.tried)
    }

    pub(super) fn to_learn(
        &self,
        table: &str,
        after_throttle: bool,
        settings: &PacingSettings,
        now: Instant,
    ) -> Learn {
        let mut t = lock(&self.tables);
        let m = t.meta.entry(table.to_owned()).or_insert_with(|| Meta {
            tried: false,
            first: Arc::new(tokio::sync::Mutex::new(())),
            fetched: now,
            refreshing: false,
            refreshed_after_throttle: None,
        });
        if !m.tried {
            return Learn::Fetch(m.first.clone());
        }
        if m.refreshing {
            return Learn::Nothing;
        }
        let due = if after_throttle {
            m.refreshed_after_throttle.is_none_or(|at| {
                now.saturating_duration_since(at) >= settings.refresh_after_throttle
            })
        } else {
            now.saturating_duration_since(m.fetched) >= settings.refresh
        };
        if !due {
            return Learn::Nothing;
        }
        m.refreshing = true;
        if after_throttle {
            m.refreshed_after_throttle = Some(now);
        }
        Learn::Refresh
    }

    /// Records a definition read (`None`: it could not be read; it is
    /// tried again at the next refresh).
    pub(super) fn learned(
        &self,
        table: &str,
        definition: Option<TableDefinition>,
        settings: &PacingSettings,
        now: Instant,
    ) {
        let mut t = lock(&self.tables);
        if let Some(m) = t.meta.get_mut(table) {
            m.tried = true;
            m.refreshing = false;
            m.fetched = now;
        }
        let Some(d) = definition else { return };
        for (k, b) in t.buckets.iter_mut().filter(|(k, _)| k.table == table) {
            b.set_provisioned(k.provisioned(&d), settings);
        }
        t.definitions.insert(table.to_owned(), d);
    }

    /// What a request will take from which buckets, and what settling it
    /// needs to know.
    pub(super) fn plan(&self, request: &Request) -> Plan {
        let t = lock(&self.tables);
        let mut estimate = base_estimate(request, &t.definitions);
        let op = request.operation();
        let mut history: Vec<(HistoryKey, Per)> = Vec::new();
        match request {
            Request::GetItem(r) => history.push(((r.table.clone(), op, None), Per::Request)),
            Request::UpdateItem(r) => history.push(((r.table.clone(), op, None), Per::Request)),
            Request::DeleteItem(r) => history.push(((r.table.clone(), op, None), Per::Request)),
            Request::Query(r) => {
                history.push(((r.table.clone(), op, r.index.clone()), Per::Request));
            }
            Request::Scan(r) => {
                history.push(((r.table.clone(), op, r.index.clone()), Per::Request));
            }
            Request::BatchGetItem(r) => {
                for (table, ka) in &r.tables {
                    history.push(((table.clone(), op, None), Per::Keys(ka.keys.len())));
                }
            }
            Request::TransactGetItems(r) => {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for g in &r.items {
                    *counts.entry(&g.table).or_default() += 1;
                }
                for (table, n) in counts {
                    history.push(((table.to_owned(), op, None), Per::Items(n)));
                }
            }
            _ => {}
        }
        for (key, per) in &history {
            let Some(last) = t.history.get(key) else {
                continue;
            };
            let factor = match per {
                Per::Request => 1.0,
                Per::Keys(n) | Per::Items(n) => *n as f64,
            };
            for (k, v) in last {
                let e = estimate.entry(k.clone()).or_default();
                *e = e.max(v * factor);
            }
        }
        let kind = if op.is_write() {
            CapacityKind::Write
        } else {
            CapacityKind::Read
        };
        if kind == CapacityKind::Write {
            for table in request.tables() {
                for k in write_keys(&t.definitions, table) {
                    estimate.entry(k).or_insert(0.0);
                }
            }
        }
        let actions = match request {
            Request::TransactWriteItems(r) => {
                r.items.iter().map(|a| a.table().to_owned()).collect()
            }
            Request::TransactGetItems(r) => r.items.iter().map(|g| g.table.clone()).collect(),
            _ => Vec::new(),
        };
        Plan {
            estimate,
            kind,
            history,
            actions,
        }
    }

    /// Takes the estimate if every bucket (and the budget's share) has
    /// capacity; otherwise answers how long to wait, and for which bucket.
    pub(super) fn try_take(
        &self,
        estimate: &Charges,
        budget: Option<&Budget>,
        paced: bool,
        waited: Duration,
        settings: &PacingSettings,
        now: Instant,
    ) -> (Duration, Option<CapacityKey>) {
        let mut t = lock(&self.tables);
        let Tables {
            definitions,
            buckets,
            ..
        } = &mut *t;
        let mut wait = Duration::ZERO;
        let mut blocking = None;
        for key in estimate.keys() {
            let b = bucket_mut(buckets, definitions, key, settings, now);
            b.advance(settings, now);
            if paced && b.wait() > wait {
                wait = b.wait();
                blocking = Some(key.clone());
            }
            if let Some(budget) = budget {
                let w = budget.advance(key, b.rate, settings.burst, now);
                if w > wait {
                    wait = w;
                    blocking = Some(key.clone());
                }
            }
        }
        if blocking.is_some() {
            return (wait, blocking);
        }
        for (key, units) in estimate {
            let b = bucket_mut(buckets, definitions, key, settings, now);
            b.take(*units, paced);
            if !waited.is_zero() && *units > 0.0 {
                b.waits += 1;
                b.waited += waited;
            }
            if let Some(budget) = budget {
                budget.take(key, *units);
            }
        }
        (Duration::ZERO, None)
    }

    /// Replaces the estimate taken by what the attempt consumed, learns
    /// from it, and lowers the rates it was throttled by.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &self,
        plan: &Plan,
        result: &Result<Response>,
        budget: Option<&Budget>,
        paced: bool,
        settings: &PacingSettings,
        now: Instant,
    ) -> Outcome {
        let mut t = lock(&self.tables);
        // What each bucket is charged, what was consumed, whom to blame.
        let (outcome, charged_units, actual, blamed) = match result {
            Ok(response) => {
                let reported = response.consumed_capacity();
                let mut actual = consumed_charges(reported, plan.kind);
                let tables: BTreeSet<&str> = reported.iter().map(|c| c.table.as_str()).collect();
                // A table the store did not report keeps its estimate.
                for (k, v) in &plan.estimate {
                    if !tables.contains(k.table.as_str()) {
                        actual.entry(k.clone()).or_insert(*v);
                    }
                }
                let left = unprocessed(response);
                for (key, per) in &plan.history {
                    let n = match per {
                        Per::Request => 1.0,
                        Per::Keys(n) => {
                            n.saturating_sub(left.get(key.0.as_str()).copied().unwrap_or(0)) as f64
                        }
                        Per::Items(n) => *n as f64,
                    };
                    if n > 0.0 && tables.contains(key.0.as_str()) {
                        let cost: Charges = actual
                            .iter()
                            .filter(|(k, _)| k.table == key.0)
                            .map(|(k, v)| (k.clone(), v / n))
                            .collect();
                        t.history.insert(key.clone(), cost);
                    }
                }
                // Work left undone was throttled: its share of the
                // estimate stays taken, as for a throttled request.
                let mut charge = actual.clone();
                for (k, v) in &plan.estimate {
                    if left.contains_key(k.table.as_str()) {
                        let c = charge.entry(k.clone()).or_default();
                        *c = c.max(*v);
                    }
                }
                let blamed: Vec<CapacityKey> = left
                    .keys()
                    .flat_map(|table| plan.blamed(Some(table), false))
                    .collect();
                (Outcome::Done, charge, actual, blamed)
            }
            Err(e) => match plan.throttled(e) {
                Some(keys) => (
                    Outcome::Throttled,
                    plan.estimate.clone(),
                    Charges::new(),
                    keys,
                ),
                None if charged(e) => (
                    Outcome::Failed,
                    plan.estimate.clone(),
                    plan.estimate.clone(),
                    Vec::new(),
                ),
                None => (Outcome::Failed, Charges::new(), Charges::new(), Vec::new()),
            },
        };
        let Tables {
            definitions,
            buckets,
            ..
        } = &mut *t;
        let keys: BTreeSet<&CapacityKey> = plan
            .estimate
            .keys()
            .chain(charged_units.keys())
            .chain(actual.keys())
            .collect();
        for key in keys {
            let estimate = plan.estimate.get(key).copied().unwrap_or(0.0);
            let charge = charged_units.get(key).copied().unwrap_or(0.0);
            let used = actual.get(key).copied().unwrap_or(0.0);
            bucket_mut(buckets, definitions, key, settings, now)
                .settle(estimate, charge, used, paced, now);
            if let Some(budget) = budget {
                budget.settle(key, estimate, charge, used);
            }
        }
        for key in &blamed {
            bucket_mut(buckets, definitions, key, settings, now).throttled(settings, now);
        }
        outcome
    }
}
