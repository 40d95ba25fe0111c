//! The tracing targets of the library, and the layer that traces every
//! backend call.
//!
//! - [`MODEL`]: one span per repository operation (`get`, `save`, ...),
//!   with the table, and the key at debug level only.
//! - [`DATABASE_ACCESS`]: one span per backend call, with the operation,
//!   the tables and the consumed capacity.
//! - [`TRANSACTIONS`]: transactions, their commits and attempts.
//!
//! No attribute value is recorded above debug level.

/// The target of repository operations.
pub const MODEL: &str = "dynamodb_mapper::model";
/// The target of backend calls.
pub const DATABASE_ACCESS: &str = "dynamodb_mapper::database_access";
/// The target of transactions.
pub const TRANSACTIONS: &str = "dynamodb_mapper::transactions";
