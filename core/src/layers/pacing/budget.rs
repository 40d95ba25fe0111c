//! [`Budget`]: a share of the paced capacity for bulk work.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::backend::{Backend, Layer, Request, Response};
use crate::error::Result;

use crate::layers::capacity::CapacityKey;
use crate::layers::lock;

tokio::task_local! {
    /// The budget of the running scope (`None`: cleared, under a pacer
    /// that already paced the request).
    static BUDGET: Option<Budget>;
}

/// How much a budget allows of each table and index.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Limit {
    /// A fraction of the pacer's rate.
    Fraction(f64),
    /// Units per second (at most the pacer's rate).
    Units(f64),
}

#[derive(Debug)]
struct Share {
    rate: Option<f64>,
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Inner {
    limit: Limit,
    shares: Mutex<HashMap<CapacityKey, Share>>,
    consumed: Mutex<f64>,
}

/// A share of each table's paced capacity, for bulk work: batch writes
/// and reads, scans, a bulk migration. The requests made inside
/// [`scope`](Self::scope) (or through a repository given the budget,
/// [`Table::with_budget`](crate::Table::with_budget), or through the
/// budget as a [`Layer`]) take capacity from the budget as well as from
/// the [`Pacer`](super::Pacer) they go through: per table and index, and
/// per read and write capacity, at most `fraction` of the rate the pacer
/// allows it (the target share of its provisioned capacity, lowered after
/// throttles; [`new`](Self::new)), or at most so many units a second
/// ([`units_per_second`](Self::units_per_second), which also limits
/// on-demand tables). So bulk work leaves the rest to the application's
/// own traffic instead of hammering and backing off. A disabled pacer
/// still paces the requests of a budget (and only those); every backend
/// of this library has a pacer in it (off until its `set_pacing`).
///
/// The budget holds its own buckets: its clones share them, so several
/// tasks in the scope of one budget share it between them. It applies to
/// the requests of the future given to `scope`, on its task (futures it
/// polls, as `buffer_unordered` does, included; tasks it spawns are not,
/// unless they are given a scope of their own); the innermost scope wins.
/// With no pacer under the backend, a budget changes nothing.
///
/// ```
/// use dynamodb_mapper::backend::{Backend, Layered, PutItem};
/// use dynamodb_mapper::layers::{Budget, Pacer};
/// use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
/// use dynamodb_mapper_memory::MemoryBackend;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let pacer = Pacer::new(); // off: only budgeted work is paced
/// let store = Layered::new(pacer.clone(), MemoryBackend::new());
/// let def = TableDefinition::new("bulk", KeySchema::hash("id", ScalarType::S)).with_throughput(100, 100);
/// store.create_table(def).await?;
/// let bulk = Budget::new(0.05);
/// let start = std::time::Instant::now();
/// bulk.scope(async {
///     for i in 0..5 {
///         store.put_item(PutItem::new("bulk", Item::new().with("id", format!("k{i}")))).await?;
///     }
///     Ok::<(), dynamodb_mapper::Error>(())
/// }).await?;
/// // 5% of 95 units a second: five one-unit writes take more than half a second.
/// assert!(start.elapsed().as_secs_f64() > 0.5);
/// assert_eq!(bulk.consumed(), 5.0);
/// # Ok::<(), dynamodb_mapper::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Budget {
    inner: Arc<Inner>,
}

impl Budget {
    /// A budget of this fraction (clamped to (0, 1]; not a number: 1) of
    /// the paced capacity of every table and index.
    pub fn new(fraction: f64) -> Self {
        let fraction = if fraction.is_nan() {
            1.0
        } else {
            fraction.clamp(f64::MIN_POSITIVE, 1.0)
        };
        Budget::with_limit(Limit::Fraction(fraction))
    }

    /// A budget of at most this many capacity units a second (not a
    /// number, or below 0.001: 0.001) of every table and index, read and
    /// write capacity each: on provisioned tables never more than the
    /// pacer's rate, on on-demand tables and tables of unknown capacity
    /// this rate.
    pub fn units_per_second(units: f64) -> Self {
        let units = if units.is_nan() {
            0.001
        } else {
            units.max(0.001)
        };
        Budget::with_limit(Limit::Units(units))
    }

    fn with_limit(limit: Limit) -> Self {
        Budget {
            inner: Arc::new(Inner {
                limit,
                shares: Mutex::new(HashMap::new()),
                consumed: Mutex::new(0.0),
            }),
        }
    }

    /// The fraction of the pacer's rate (`None` for a budget in units a
    /// second).
    pub fn fraction(&self) -> Option<f64> {
        match self.inner.limit {
            Limit::Fraction(f) => Some(f),
            Limit::Units(_) => None,
        }
    }

    /// The units a second (`None` for a budget in a fraction).
    pub fn units(&self) -> Option<f64> {
        match self.inner.limit {
            Limit::Units(u) => Some(u),
            Limit::Fraction(_) => None,
        }
    }

    /// The rate this budget allows a bucket the pacer paces at
    /// `pacer_rate` (`None`: not limited).
    fn rate(&self, pacer_rate: Option<f64>) -> Option<f64> {
        match (self.inner.limit, pacer_rate) {
            (Limit::Fraction(f), r) => r.map(|r| r * f),
            (Limit::Units(u), Some(r)) => Some(u.min(r)),
            (Limit::Units(u), None) => Some(u),
        }
    }

    /// Units consumed by the requests of this budget so far.
    pub fn consumed(&self) -> f64 {
        *lock(&self.inner.consumed)
    }

    /// Runs `future` with this budget: its requests through a pacer take
    /// capacity from the budget too.
    pub async fn scope<F: Future>(&self, future: F) -> F::Output {
        BUDGET.scope(Some(self.clone()), future).await
    }

    /// The budget of the running scope, if any.
    pub fn current() -> Option<Budget> {
        BUDGET.try_with(Option::clone).ok().flatten()
    }

    /// True if the running task has a budget ([`current`](Self::current)
    /// without the clone).
    pub(crate) fn is_set() -> bool {
        BUDGET.try_with(Option::is_some).unwrap_or(false)
    }

    /// Runs `future` with no budget: what a pacer sends on, so that a
    /// pacer below it does not pace the request a second time.
    pub(super) async fn cleared<F: Future>(future: F) -> F::Output {
        BUDGET.scope(None, future).await
    }

    /// Brings a key's share to `now`, at the fraction of the pacer's rate
    /// (`None`: not limited); answers how long until it has capacity.
    pub(super) fn advance(
        &self,
        key: &CapacityKey,
        pacer_rate: Option<f64>,
        burst: Duration,
        now: Instant,
    ) -> Duration {
        let rate = self.rate(pacer_rate);
        let mut shares = lock(&self.inner.shares);
        let share = shares.entry(key.clone()).or_insert_with(|| Share {
            rate,
            tokens: 0.0,
            at: now,
        });
        let elapsed = now.saturating_duration_since(share.at).as_secs_f64();
        share.at = now;
        share.rate = rate;
        match rate {
            None => Duration::ZERO,
            Some(r) => {
                share.tokens = (share.tokens + elapsed * r).min(r * burst.as_secs_f64());
                if share.tokens < 0.0 {
                    Duration::from_secs_f64((-share.tokens / r).min(3600.0))
                } else {
                    Duration::ZERO
                }
            }
        }
    }

    /// Takes an estimate from a key's share.
    pub(super) fn take(&self, key: &CapacityKey, units: f64) {
        if let Some(s) = lock(&self.inner.shares).get_mut(key)
            && s.rate.is_some()
        {
            s.tokens -= units;
        }
    }

    /// Replaces an estimate taken by what the request is charged, and
    /// records what it consumed.
    pub(super) fn settle(&self, key: &CapacityKey, estimate: f64, charge: f64, consumed: f64) {
        if let Some(s) = lock(&self.inner.shares).get_mut(key)
            && s.rate.is_some()
        {
            s.tokens += estimate - charge;
        }
        *lock(&self.inner.consumed) += consumed;
    }
}

/// A budget as a layer: every request through it runs in the budget's
/// [`scope`](Budget::scope), unless it already runs in one (an explicit
/// scope wins). Put it above the backend's pacer, as
/// [`Table::with_budget`](crate::Table::with_budget) does.
#[async_trait]
impl Layer for Budget {
    async fn call(&self, request: Request, next: &dyn Backend) -> Result<Response> {
        if Budget::current().is_some() {
            return request.send(next).await;
        }
        self.scope(request.send(next)).await
    }
}
