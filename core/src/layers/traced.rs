//! [`Traced`]: one span per backend call.

use async_trait::async_trait;
use tracing::Instrument;

use crate::backend::{Backend, Layer, Request, Response, ReturnConsumedCapacity};
use crate::error::Result;
use crate::trace::{DATABASE_ACCESS, TRANSACTIONS};

/// Traces every call: one INFO span per call on
/// [`DATABASE_ACCESS`](crate::trace::DATABASE_ACCESS) (transactions on
/// [`TRANSACTIONS`](crate::trace::TRANSACTIONS)), with the operation, the
/// tables and the capacity it consumed. When a subscriber records the
/// span, the layer asks the store for the consumed capacity and gives the
/// caller only what the caller asked for. No attribute value is recorded.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traced;

#[async_trait]
impl Layer for Traced {
    async fn call(&self, mut request: Request, next: &dyn Backend) -> Result<Response> {
        let operation = request.operation();
        let tables = request.tables().join(",");
        let span = if operation.is_transaction() {
            tracing::info_span!(target: TRANSACTIONS, "backend_call", operation = operation.name(), table = %tables, consumed_capacity = tracing::field::Empty)
        } else {
            tracing::info_span!(target: DATABASE_ACCESS, "backend_call", operation = operation.name(), table = %tables, consumed_capacity = tracing::field::Empty)
        };
        if span.is_disabled() {
            return request.send(next).await;
        }
        let asked = request.return_consumed_capacity();
        if asked == Some(ReturnConsumedCapacity::None) {
            request.set_return_consumed_capacity(ReturnConsumedCapacity::Total);
        }
        let mut result = request.send(next).instrument(span.clone()).await;
        if let Ok(response) = &mut result {
            let used = response.consumed_capacity();
            if !used.is_empty() {
                let total: f64 = used.iter().map(|c| c.capacity_units).sum();
                span.record("consumed_capacity", total);
            }
            response.keep_consumed_capacity(asked);
        }
        result
    }
}
