//! [`Pacer`]: client-side pacing in capacity units, adaptive on throttling.

mod bucket;
mod budget;
mod settings;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

pub use budget::Budget;
pub use settings::{PacingFigures, PacingSettings};

use super::capacity::Charges;
use super::lock;
use crate::backend::{Backend, Layer, Request, Response, ReturnConsumedCapacity};
use crate::error::Result;
use crate::trace::DATABASE_ACCESS;
use state::{Learn, Outcome, State};

/// Paces requests to what the tables can take, in capacity units, so that
/// an application uses its provisioned throughput instead of being
/// throttled and backing off.
///
/// Per table and per global secondary index, a token bucket of read and
/// one of write capacity units, refilled at the target share
/// ([`PacingSettings::target`], 0.95 by default) of the provisioned
/// capacity in the table's definition ([`Backend::table_definition`], read
/// again every few minutes and after a throttle, so it follows changes).
/// Before a request the pacer takes an estimate of its cost from the
/// buckets it uses, waiting while one is empty (a put costs its item's
/// size, a query or scan what the last page cost, a transaction twice its
/// items); after it, it settles with the capacity the store reports (it
/// asks for `INDEXES`, so that a write is charged to the indexes it
/// changed, and gives the caller only what the caller asked for). A
/// bucket therefore never goes below zero by more than one request's
/// estimate, plus what a request consumed beyond its estimate.
///
/// It adapts: a throttle (an error, a cancelled transaction's
/// throughput reason, or a batch answer with unprocessed work) lowers the
/// bucket's rate ([`PacingSettings::decrease`]), which then recovers
/// gradually ([`PacingSettings::recovery`]). So it also paces on-demand
/// tables, tables of unknown capacity and capacity shared with other
/// clients. A throttled request is sent again ([`PacingSettings::max_retries`]),
/// each retry taking capacity from the same buckets.
///
/// Off by default: [`set_enabled`](Self::set_enabled) turns it on; while
/// off it paces only the requests of a [`Budget`]. Every backend of this
/// library has one in it, turned on with one call (`set_pacing(true)` on
/// the memory and sled stores, `DynamoDbBackendBuilder::pacing(true)` or
/// `set_pacing(true)` on the DynamoDB backend, which then leaves throttled
/// requests to the pacer instead of the SDK's retries) and read with
/// `pacer()`. Cheap to clone: clones
/// share the buckets, so one pacer over a backend handle paces every
/// repository and task that uses the handle. Waits are recorded at debug
/// level on [`DATABASE_ACCESS`]; the live figures are
/// [`figures`](Self::figures).
///
/// ```
/// use dynamodb_mapper::backend::{Backend, Layered, PutItem};
/// use dynamodb_mapper::layers::Pacer;
/// use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
/// use dynamodb_mapper_memory::MemoryBackend;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let pacer = Pacer::new();
/// pacer.set_enabled(true);
/// let store = Layered::new(pacer.clone(), MemoryBackend::new());
/// let def = TableDefinition::new("users", KeySchema::hash("id", ScalarType::S)).with_throughput(5, 5);
/// store.create_table(def).await?;
/// store.put_item(PutItem::new("users", Item::new().with("id", "a"))).await?;
/// let figures = pacer.figures();
/// assert_eq!(figures[0].provisioned, Some(5.0));
/// assert_eq!(figures[0].rate, Some(4.75));
/// assert_eq!(figures[0].consumed, 1.0);
/// # Ok::<(), dynamodb_mapper::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct Pacer {
    enabled: Arc<AtomicBool>,
    state: Arc<State>,
}

impl Pacer {
    /// A pacer, off.
    pub fn new() -> Self {
        Pacer::default()
    }

    /// Turns pacing on or off (the buckets and what they learned stay).
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::SeqCst);
    }

    /// True while pacing is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    /// The settings.
    pub fn settings(&self) -> PacingSettings {
        lock(&self.state.settings).clone()
    }

    /// Changes the settings (values out of range keep their default).
    pub fn set_settings(&self, settings: PacingSettings) {
        self.state.set_settings(settings.sanitized());
    }

    /// Sets the target share of provisioned capacity (0 to 1).
    pub fn set_target(&self, target: f64) {
        let mut s = self.settings();
        s.target = target;
        self.set_settings(s);
    }

    /// Every bucket's figures now, in key order: provisioned capacity,
    /// rate, balance, units consumed, requests, throttles and waits.
    pub fn figures(&self) -> Vec<PacingFigures> {
        self.state.figures(&self.settings(), Instant::now())
    }

    /// Waits until every bucket of the estimate (and of the budget, if
    /// any) has capacity, then takes the estimate.
    async fn acquire(&self, estimate: &Charges, budget: Option<&Budget>, enabled: bool) {
        let mut waited = Duration::ZERO;
        loop {
            let settings = self.settings();
            let now = Instant::now();
            let (wait, key) = self
                .state
                .try_take(estimate, budget, enabled, waited, &settings, now);
            let Some(key) = key else { return };
            tracing::debug!(
                target: DATABASE_ACCESS,
                table = %key.table,
                index = key.index.as_deref().unwrap_or(""),
                capacity = key.kind.name(),
                wait_ms = wait.as_secs_f64() * 1000.0,
                budget_fraction = budget.and_then(Budget::fraction),
                budget_units = budget.and_then(Budget::units),
                "pacing: waiting for capacity"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// One attempt: takes the estimate, sends, settles.
    async fn attempt(
        &self,
        mut request: Request,
        next: &dyn Backend,
        budget: Option<&Budget>,
        enabled: bool,
    ) -> (Result<Response>, Outcome) {
        let plan = self.state.plan(&request);
        self.acquire(&plan.estimate, budget, enabled).await;
        request.set_return_consumed_capacity(ReturnConsumedCapacity::Indexes);
        // Paced here: a pacer further down does not pace it again.
        let result = Budget::cleared(request.send(next)).await;
        let settings = self.settings();
        let outcome = self
            .state
            .settle(&plan, &result, budget, enabled, &settings, Instant::now());
        (result, outcome)
    }

    /// Reads the definitions of the request's tables that are unknown or
    /// due for a refresh.
    async fn learn(&self, tables: &[String], next: &dyn Backend, after_throttle: bool) {
        for table in tables {
            let settings = self.settings();
            match self
                .state
                .to_learn(table, after_throttle, &settings, Instant::now())
            {
                Learn::Nothing => {}
                Learn::Fetch(gate) => {
                    let _first = gate.lock().await;
                    if self.state.tried(table) {
                        continue;
                    }
                    let d = next.table_definition(table).await.ok();
                    self.state.learned(table, d, &settings, Instant::now());
                }
                Learn::Refresh => {
                    let d = next.describe_table(table).await.ok().map(|d| d.definition);
                    self.state.learned(table, d, &settings, Instant::now());
                }
            }
        }
    }
}

#[async_trait]
impl Layer for Pacer {
    fn passes(&self, request: &Request) -> bool {
        // A data call with pacing off and no budget to charge: what
        // `call` sends on as it is.
        request.operation().is_data() && !self.is_enabled() && !Budget::is_set()
    }

    async fn call(&self, request: Request, next: &dyn Backend) -> Result<Response> {
        let operation = request.operation();
        if !operation.is_data() {
            let table = operation
                .changes_table()
                .then(|| request.tables().first().map(|t| (*t).to_owned()))
                .flatten();
            let result = request.send(next).await;
            if let (Some(table), Ok(_)) = (table, &result) {
                self.state.forget(&table);
            }
            return result;
        }
        let budget = Budget::current();
        let enabled = self.is_enabled();
        if !enabled && budget.is_none() {
            return request.send(next).await;
        }
        // Boxed on its own: the waits and retries make a large future, and
        // every call, paced or not, would allocate that much for it (a
        // large allocation is a slow one).
        Box::pin(self.paced(request, next, budget, enabled)).await
    }
}

impl Pacer {
    /// A data request, paced (or within a budget).
    async fn paced(
        &self,
        request: Request,
        next: &dyn Backend,
        budget: Option<Budget>,
        enabled: bool,
    ) -> Result<Response> {
        let operation = request.operation();
        let tables: Vec<String> = request.tables().iter().map(|t| (*t).to_owned()).collect();
        self.learn(&tables, next, false).await;
        let asked = request.return_consumed_capacity();
        let max_retries = self.settings().max_retries;
        let mut retries = 0u32;
        while enabled && retries < max_retries {
            let (result, outcome) = self
                .attempt(request.clone(), next, budget.as_ref(), enabled)
                .await;
            if outcome != Outcome::Throttled {
                return kept(result, asked);
            }
            self.learn(&tables, next, true).await;
            retries += 1;
            tracing::debug!(
                target: DATABASE_ACCESS,
                operation = operation.name(),
                table = %tables.join(","),
                retry = retries,
                "pacing: throttled, sending again at the lowered rate"
            );
        }
        let (result, outcome) = self.attempt(request, next, budget.as_ref(), enabled).await;
        if outcome == Outcome::Throttled {
            self.learn(&tables, next, true).await;
        }
        kept(result, asked)
    }
}

/// The response with the consumed capacity the caller asked for.
fn kept(result: Result<Response>, asked: Option<ReturnConsumedCapacity>) -> Result<Response> {
    result.map(|mut r| {
        r.keep_consumed_capacity(asked);
        r
    })
}
