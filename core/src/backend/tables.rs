//! Table requests and descriptions.

use crate::model::TableDefinition;
use crate::time::Timestamp;

/// A table's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableStatus {
    /// Being created.
    Creating,
    /// Ready.
    Active,
    /// Being updated.
    Updating,
    /// Being deleted.
    Deleting,
}

/// A table as described by the backend.
#[derive(Clone, Debug, PartialEq)]
pub struct TableDescription {
    /// Name, keys, indexes, billing and TTL attribute.
    pub definition: TableDefinition,
    /// Lifecycle state.
    pub status: TableStatus,
    /// Number of items (DynamoDB refreshes it about every six hours).
    pub item_count: u64,
    /// Total item size in bytes (same refresh as `item_count`).
    pub size_bytes: u64,
    /// When the table was created.
    pub created: Option<Timestamp>,
}

/// `ListTables`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListTables {
    /// Start after this table name.
    pub exclusive_start_table_name: Option<String>,
    /// At most this many names (1 to 100).
    pub limit: Option<u32>,
}

/// A page of table names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListTablesOutput {
    /// Table names, in order.
    pub table_names: Vec<String>,
    /// Where the next page starts, if there is one.
    pub last_evaluated_table_name: Option<String>,
}

/// A table's time-to-live setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeToLive {
    /// The attribute holding each item's expiry, in epoch seconds.
    pub attribute: String,
    /// Enabled or disabled.
    pub enabled: bool,
}

/// A table's time-to-live state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeToLiveDescription {
    /// Whether TTL is enabled.
    pub enabled: bool,
    /// The attribute, when enabled.
    pub attribute: Option<String>,
}
