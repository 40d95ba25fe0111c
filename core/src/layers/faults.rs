//! [`Faults`]: injected throttling, latency and transaction faults.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::lock;
use crate::backend::{Backend, Layer, Operation, Request, Response};
use crate::error::{CancellationCode, CancellationReason, Error, Result};

const INJECTED_THROTTLE: &str =
    "Rate of requests exceeds the allowed throughput (injected by the test).";

#[derive(Debug, Default)]
struct State {
    latency: Mutex<Option<Duration>>,
    throttle_next: AtomicU64,
    /// Fraction of data calls to throttle, and the generator choosing them.
    throttle_rate: Mutex<Option<(f64, fastrand::Rng)>>,
    conflict_next: AtomicU64,
    lose_next: AtomicU64,
    cancel_next: Mutex<VecDeque<Vec<CancellationReason>>>,
    /// Data calls to let through, then data calls to fail.
    fail_calls: Mutex<(u64, u64)>,
    conflict_writes: AtomicU64,
    /// Set by every setting, never cleared: until a test sets one, calls
    /// go by without a look at the others.
    armed: AtomicBool,
}

/// Faults for tests, over any backend: throttling (the next N data calls,
/// or a seeded fraction of them), store failures, latency on every call, and transaction
/// faults (the next N write transactions cancelled by a transaction
/// conflict, applied but with their response lost, or cancelled with
/// given reasons). Cheap to clone: clones share the settings, so a test
/// keeps a handle to the layer it stacked.
///
/// Faults only come from the settings: with none set, the layer changes
/// nothing.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    state: Arc<State>,
}

fn take_one(counter: &AtomicU64) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Faults {
    /// A layer with no fault set.
    pub fn new() -> Self {
        Faults::default()
    }

    /// Delays every call by `latency` (`None` for no delay), on tokio's
    /// clock (a test under `tokio::time::pause()` waits no real time).
    pub fn set_latency(&self, latency: Option<Duration>) {
        self.arm();
        *lock(&self.state.latency) = latency;
    }

    /// Throttles the next `n` data calls (reads and writes of items) with
    /// [`Error::Throttled`]; they change nothing.
    pub fn throttle_next(&self, n: u64) {
        self.arm();
        self.state.throttle_next.store(n, Ordering::SeqCst);
    }

    /// Throttles this fraction (0 to 1) of data calls, chosen by a
    /// pseudo-random generator with this seed (the same sequence of calls
    /// is throttled the same way). `None` stops it.
    pub fn throttle_rate(&self, rate: Option<(f64, u64)>) {
        self.arm();
        *lock(&self.state.throttle_rate) =
            rate.map(|(r, seed)| (r.clamp(0.0, 1.0), fastrand::Rng::with_seed(seed)));
    }

    /// Cancels the next `n` write transactions, unapplied, with DynamoDB's
    /// `TransactionCanceledException` whose first reason is
    /// `TransactionConflict` (another transaction held an item).
    pub fn conflict_next_transactions(&self, n: u64) {
        self.arm();
        self.state.conflict_next.store(n, Ordering::SeqCst);
    }

    /// Applies the next `n` write transactions but loses their responses:
    /// the caller sees [`Error::Timeout`], as after a network failure, and
    /// must resend with the same client request token to learn the outcome.
    pub fn lose_next_transaction_responses(&self, n: u64) {
        self.arm();
        self.state.lose_next.store(n, Ordering::SeqCst);
    }

    /// Cancels the next write transaction, unapplied, with these reasons
    /// (one per action, in order; missing ones are `None`).
    pub fn cancel_next_transaction(&self, reasons: Vec<CancellationReason>) {
        self.arm();
        lock(&self.state.cancel_next).push_back(reasons);
    }

    /// After `skip` more data calls succeed, fails the next `count` with
    /// [`Error::Backend`] (a store failure that retrying does not cure);
    /// they change nothing.
    pub fn fail_calls(&self, skip: u64, count: u64) {
        self.arm();
        *lock(&self.state.fail_calls) = (skip, count);
    }

    /// Fails the next `n` conditional single-item writes (a put, update
    /// or delete with a condition) with [`Error::Conflict`], unapplied, as
    /// if another writer had changed the item just before.
    pub fn conflict_next_writes(&self, n: u64) {
        self.arm();
        self.state.conflict_writes.store(n, Ordering::SeqCst);
    }

    /// Marks the layer as having settings to look at: from now on every
    /// call goes through [`Layer::call`].
    fn arm(&self) {
        self.state.armed.store(true, Ordering::SeqCst);
    }

    fn failed(&self) -> bool {
        let mut f = lock(&self.state.fail_calls);
        match *f {
            (_, 0) => false,
            (0, n) => {
                *f = (0, n - 1);
                true
            }
            (s, n) => {
                *f = (s - 1, n);
                false
            }
        }
    }

    fn throttled(&self) -> bool {
        if take_one(&self.state.throttle_next) {
            return true;
        }
        let mut rate = lock(&self.state.throttle_rate);
        match rate.as_mut() {
            Some((r, rng)) => *r > 0.0 && rng.f64() < *r,
            None => false,
        }
    }
}

fn cancelled(reasons: Vec<CancellationReason>, actions: usize) -> Error {
    let mut reasons = reasons;
    reasons.resize(actions.max(reasons.len()), CancellationReason::none());
    Error::TransactionCanceled { reasons }
}

#[async_trait]
impl Layer for Faults {
    fn passes(&self, _request: &Request) -> bool {
        !self.state.armed.load(Ordering::SeqCst)
    }

    async fn call(&self, request: Request, next: &dyn Backend) -> Result<Response> {
        let latency = *lock(&self.state.latency);
        if let Some(d) = latency {
            tokio::time::sleep(d).await;
        }
        let operation = request.operation();
        if operation.is_data() && self.throttled() {
            return Err(Error::Throttled {
                message: INJECTED_THROTTLE.to_owned(),
            });
        }
        if operation.is_data() && self.failed() {
            return Err(Error::Backend {
                message: "the store failed (injected by the test)".to_owned(),
                source: None,
            });
        }
        let conditional = match &request {
            Request::PutItem(p) => p.condition_expression.is_some(),
            Request::UpdateItem(u) => u.condition_expression.is_some(),
            Request::DeleteItem(d) => d.condition_expression.is_some(),
            _ => false,
        };
        if conditional && take_one(&self.state.conflict_writes) {
            // The layer knows no key schema: a key of one attribute is
            // its text; the repository names the key of its own writes.
            let key = match &request {
                Request::UpdateItem(u) => crate::backend::single_key_text(&u.key),
                Request::DeleteItem(d) => crate::backend::single_key_text(&d.key),
                _ => None,
            };
            let table = request.tables().first().map(|t| (*t).to_owned());
            return Err(Error::conflict(table.unwrap_or_default(), key, None));
        }
        if operation != Operation::TransactWriteItems {
            return request.send(next).await;
        }
        let actions = match &request {
            Request::TransactWriteItems(t) => t.items.len(),
            _ => 0,
        };
        if take_one(&self.state.conflict_next) {
            let conflict = CancellationReason {
                code: CancellationCode::TransactionConflict,
                message: Some(
                    "Transaction is ongoing for the item (injected by the test)".to_owned(),
                ),
                item: None,
            };
            return Err(cancelled(vec![conflict], actions));
        }
        if let Some(reasons) = lock(&self.state.cancel_next).pop_front() {
            return Err(cancelled(reasons, actions));
        }
        let lose = take_one(&self.state.lose_next);
        let response = request.send(next).await?;
        if lose {
            return Err(Error::Timeout {
                message: "the transaction's response was lost (injected by the test)".to_owned(),
                source: None,
            });
        }
        Ok(response)
    }
}
