//! [`Traced`]: one span and one debug line per backend call.

use std::time::Instant;

use async_trait::async_trait;
use tracing::{Instrument, Level};

use crate::backend::{Backend, Layer, Request, Response, ReturnConsumedCapacity};
use crate::error::{Error, Result};
use crate::trace::{DATABASE_ACCESS, TRANSACTIONS};
use crate::value::{AttributeValue, Item};

/// Traces every call: one INFO span per call on
/// [`DATABASE_ACCESS`](crate::trace::DATABASE_ACCESS) (transactions on
/// [`TRANSACTIONS`](crate::trace::TRANSACTIONS)), with the operation, the
/// tables and the capacity it consumed; and one DEBUG event per call on
/// the same target when it returns, with the operation, the tables, the
/// key of a single-item request (as text), the consumed capacity, the
/// outcome (`ok` or the kind of error) and the time it took. When a
/// subscriber records either, the layer asks the store for the consumed
/// capacity and gives the caller only what the caller asked for. The
/// span records no attribute value; the event records keys only, never
/// other attribute values.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traced;

#[async_trait]
impl Layer for Traced {
    fn passes(&self, request: &Request) -> bool {
        // Nothing listens (no subscriber, or one that records neither the
        // span nor the line): the call goes through as it is, without
        // building the table list or the span.
        if request.operation().is_transaction() {
            !(tracing::span_enabled!(target: TRANSACTIONS, Level::INFO)
                || tracing::enabled!(target: TRANSACTIONS, Level::DEBUG))
        } else {
            !(tracing::span_enabled!(target: DATABASE_ACCESS, Level::INFO)
                || tracing::enabled!(target: DATABASE_ACCESS, Level::DEBUG))
        }
    }

    async fn call(&self, mut request: Request, next: &dyn Backend) -> Result<Response> {
        let operation = request.operation();
        let tables = request.tables().join(",");
        let span = if operation.is_transaction() {
            tracing::info_span!(target: TRANSACTIONS, "backend_call", operation = operation.name(), table = %tables, consumed_capacity = tracing::field::Empty)
        } else {
            tracing::info_span!(target: DATABASE_ACCESS, "backend_call", operation = operation.name(), table = %tables, consumed_capacity = tracing::field::Empty)
        };
        let line = if operation.is_transaction() {
            tracing::enabled!(target: TRANSACTIONS, Level::DEBUG)
        } else {
            tracing::enabled!(target: DATABASE_ACCESS, Level::DEBUG)
        };
        if span.is_disabled() && !line {
            return request.send(next).await;
        }
        let key = if line { key_text(&request) } else { None };
        let start = Instant::now();
        let asked = request.return_consumed_capacity();
        if asked == Some(ReturnConsumedCapacity::None) {
            request.set_return_consumed_capacity(ReturnConsumedCapacity::Total);
        }
        let mut result = request.send(next).instrument(span.clone()).await;
        let mut capacity = None;
        if let Ok(response) = &mut result {
            let used = response.consumed_capacity();
            if !used.is_empty() {
                let total: f64 = used.iter().map(|c| c.capacity_units).sum();
                span.record("consumed_capacity", total);
                capacity = Some(total);
            }
            response.keep_consumed_capacity(asked);
        }
        if line {
            let outcome = match &result {
                Ok(_) => "ok",
                Err(e) => outcome(e),
            };
            let elapsed_us = start.elapsed().as_micros() as u64;
            let key = key.as_deref().unwrap_or("-");
            let capacity = capacity.map_or_else(|| "-".to_owned(), |c| c.to_string());
            let name = operation.name();
            if operation.is_transaction() {
                tracing::debug!(target: TRANSACTIONS, operation = name, table = %tables, consumed_capacity = %capacity, outcome, elapsed_us, "{name} {tables}: {outcome}");
            } else {
                tracing::debug!(target: DATABASE_ACCESS, operation = name, table = %tables, key, consumed_capacity = %capacity, outcome, elapsed_us, "{name} {tables}: {outcome}");
            }
        }
        result
    }
}

/// The key of a single-item request, as text (`id=alice, seq=3`).
fn key_text(request: &Request) -> Option<String> {
    let key: &Item = match request {
        Request::GetItem(r) => &r.key,
        Request::UpdateItem(r) => &r.key,
        Request::DeleteItem(r) => &r.key,
        _ => return None,
    };
    let parts: Vec<String> = key
        .iter()
        .map(|(name, value)| match value {
            AttributeValue::S(s) => format!("{name}={s}"),
            AttributeValue::N(n) => format!("{name}={n}"),
            other => format!("{name}={other:?}"),
        })
        .collect();
    Some(parts.join(", "))
}

/// The kind of an error, as a word for the outcome field.
fn outcome(e: &Error) -> &'static str {
    match e {
        Error::NotFound { .. } | Error::TableNotFound { .. } | Error::IndexNotFound { .. } => {
            "not_found"
        }
        Error::Conflict { .. } => "conditional_check_failed",
        Error::AlreadyExists { .. } => "already_exists",
        Error::TransactionCanceled { .. } => "transaction_canceled",
        Error::TransactionConflict { .. } => "transaction_conflict",
        Error::Throttled { .. } => "throttled",
        Error::Validation(_) | Error::InvalidRequest { .. } => "invalid_request",
        Error::LimitExceeded { .. } => "limit_exceeded",
        Error::TableInUse { .. } => "table_in_use",
        Error::Timeout { .. } => "timeout",
        _ => "error",
    }
}
