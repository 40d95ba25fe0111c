//! Layers over any [`Backend`](crate::backend::Backend), each written once:
//! [`Traced`] (the `database_access` and `transactions` spans),
//! [`Faults`] (injected throttling, latency and transaction faults, for
//! tests), [`SimulatedThroughput`] (provisioned capacity enforced as
//! DynamoDB enforces it: burst capacity, global indexes, DynamoDB's
//! throttling errors) and [`Pacer`] (client-side pacing in capacity units,
//! adaptive on throttling, with [`Budget`]s for bulk work). Capacity is
//! counted as DynamoDB counts it ([`capacity`]). Stack them with
//! [`Layered`](crate::backend::Layered):
//!
//! ```
//! use dynamodb_mapper::backend::{Backend, GetItem, Layered};
//! use dynamodb_mapper::layers::Faults;
//! use dynamodb_mapper::{Error, Item, KeySchema, ScalarType, TableDefinition};
//! use dynamodb_mapper_memory::MemoryBackend;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let faults = Faults::new();
//! let store = Layered::new(faults.clone(), MemoryBackend::new());
//! store.create_table(TableDefinition::new("users", KeySchema::hash("id", ScalarType::S))).await?;
//! faults.throttle_next(1);
//! let err = store.get_item(GetItem::new("users", Item::new().with("id", "a"))).await.unwrap_err();
//! assert!(matches!(err, Error::Throttled { .. }));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```

pub mod capacity;
mod faults;
mod pacing;
mod throughput;
mod traced;

pub use capacity::{CapacityKey, CapacityKind};
pub use faults::Faults;
pub use pacing::{Budget, Pacer, PacingFigures, PacingSettings};
pub use throughput::{
    BURST_SECONDS, INDEX_THROUGHPUT_EXCEEDED, SimulatedFigures, SimulatedThroughput,
    TABLE_THROUGHPUT_EXCEEDED,
};
pub use traced::Traced;

/// Locks a mutex, recovering it if a panicking thread poisoned it (the
/// layers' state stays consistent between statements).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
