//! [`SimulatedThroughput`]: provisioned capacity, enforced by throttling.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::time::Instant;

use super::lock;
use crate::backend::{Backend, Capabilities, Layer, Request, Response, ReturnConsumedCapacity};
use crate::error::{Error, Result};
use crate::model::BillingMode;

const THROUGHPUT_EXCEEDED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";

/// A token bucket of capacity units per second (on tokio's clock, so that
/// a test can pause and advance time).
#[derive(Debug)]
struct Bucket {
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(per_second: u64) -> Self {
        Bucket {
            per_second: per_second as f64,
            tokens: per_second as f64,
            at: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let elapsed = self.at.elapsed().as_secs_f64();
        self.at = Instant::now();
        // At most one second of unused capacity is kept.
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second);
    }
}

#[derive(Debug, Default)]
struct State {
    enabled: AtomicBool,
    /// (table, is_write) -> bucket.
    buckets: Mutex<HashMap<(String, bool), Bucket>>,
}

/// Enforces each provisioned table's read and write capacity per second
/// over any backend: a data call on a table whose capacity is used up
/// fails with [`Error::Throttled`], as DynamoDB's
/// `ProvisionedThroughputExceededException`, and changes nothing;
/// on-demand tables are not limited. Off until
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

    /// Turns the simulation on or off (and starts every bucket full).
    pub fn set_enabled(&self, enabled: bool) {
        self.state.enabled.store(enabled, Ordering::SeqCst);
        lock(&self.state.buckets).clear();
    }

    /// True while the simulation is on.
    pub fn is_enabled(&self) -> bool {
        self.state.enabled.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Layer for SimulatedThroughput {
    async fn call(&self, mut request: Request, next: &dyn Backend) -> Result<Response> {
        let operation = request.operation();
        if !self.is_enabled() || !operation.is_data() {
            return request.send(next).await;
        }
        let write = operation.is_write();
        let tables: Vec<String> = request.tables().iter().map(|t| (*t).to_owned()).collect();
        let mut limits = Vec::with_capacity(tables.len());
        for table in &tables {
            let Ok(definition) = next.table_definition(table).await else {
                continue;
            };
            if let BillingMode::Provisioned(t) = definition.billing {
                let per_second = if write {
                    t.write_capacity_units
                } else {
                    t.read_capacity_units
                };
                limits.push((table.clone(), per_second));
            }
        }
        {
            let mut buckets = lock(&self.state.buckets);
            for (table, per_second) in &limits {
                let bucket = buckets
                    .entry((table.clone(), write))
                    .or_insert_with(|| Bucket::new(*per_second));
                bucket.refill();
                if bucket.tokens <= 0.0 {
                    return Err(Error::Throttled {
                        message: THROUGHPUT_EXCEEDED.to_owned(),
                    });
                }
            }
        }
        let asked = request.return_consumed_capacity();
        if asked == Some(ReturnConsumedCapacity::None) {
            request.set_return_consumed_capacity(ReturnConsumedCapacity::Total);
        }
        let mut response = request.send(next).await?;
        {
            let mut buckets = lock(&self.state.buckets);
            for c in response.consumed_capacity() {
                if let Some(b) = buckets.get_mut(&(c.table.clone(), write)) {
                    b.tokens -= c.capacity_units;
                }
            }
        }
        response.keep_consumed_capacity(asked);
        Ok(response)
    }

    fn capabilities(&self, mut inner: Capabilities) -> Capabilities {
        inner.throughput_enforced |= self.is_enabled();
        inner
    }
}
