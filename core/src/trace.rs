//! The tracing targets of the library, and the layer that traces every
//! backend call.
//!
//! - [`MODEL`]: one span per repository operation (`get`, `save`, ...),
//!   with the table, and the key at debug level only; and events: at info,
//!   one line per table step (creation requested, active, exists, deletion
//!   requested, deleted) and one when each long operation starts and ends
//!   (`put_many`, `get_many`, `delete_many`, scans, parallel scans, bulk
//!   migration) with its counts (`items`, `requests`), `elapsed_ms` and
//!   `outcome`; streamed queries log the same at debug.
//! - [`DATABASE_ACCESS`]: one span per backend call, with the operation,
//!   the tables and the consumed capacity; and at debug one line per call
//!   (the [`Traced`](crate::layers::Traced) layer, in every store's stack)
//!   with the operation, table, key (as text, for single-item requests),
//!   consumed capacity, outcome and `elapsed_us`.
//! - [`TRANSACTIONS`]: transactions, their commits and attempts.
//!
//! Events are lines a plain subscriber prints: with `tracing_subscriber`,
//! `tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).init()`
//! and `RUST_LOG=dynamodb_mapper=info` (the examples do this; see
//! `examples/src/lib.rs`).
//!
//! No attribute value is recorded above debug level, and at debug only
//! keys: item values never.

/// The target of repository operations.
pub const MODEL: &str = "dynamodb_mapper::model";
/// The target of backend calls.
pub const DATABASE_ACCESS: &str = "dynamodb_mapper::database_access";
/// The target of transactions.
pub const TRANSACTIONS: &str = "dynamodb_mapper::transactions";
