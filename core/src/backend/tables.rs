//! Table requests and descriptions.

use crate::error::Error;
use crate::model::{BillingMode, IndexDefinition, KeyAttribute, TableDefinition, Throughput};
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
    /// When the table last became on-demand (`PAY_PER_REQUEST`): its
    /// creation if it was created so, or its last switch from provisioned
    /// capacity. DynamoDB's `BillingModeSummary.LastUpdateToPayPerRequestDateTime`,
    /// which it keeps after a switch back to provisioned; `None` for a
    /// table that has never been on-demand (or when the backend does not say).
    pub on_demand_since: Option<Timestamp>,
    /// The state of each global secondary index, those being deleted
    /// included (which are no longer in `definition`).
    pub global_indexes: Vec<IndexDescription>,
}

impl TableDescription {
    /// The state of a global secondary index, if the table has it.
    pub fn index_status(&self, name: &str) -> Option<IndexStatus> {
        self.global_indexes
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.status)
    }

    /// True when the table and each of its global indexes are `ACTIVE`.
    pub fn is_settled(&self) -> bool {
        self.status == TableStatus::Active
            && self
                .global_indexes
                .iter()
                .all(|i| i.status == IndexStatus::Active)
    }
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

/// A global secondary index's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexStatus {
    /// Being created (and backfilled from the table's items): not readable yet.
    Creating,
    /// Its throughput is being changed; readable.
    Updating,
    /// Being deleted: no longer readable or in the table's definition.
    Deleting,
    /// Ready.
    Active,
}

/// The state of a global secondary index, as `DescribeTable` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDescription {
    /// The index name.
    pub name: String,
    /// Lifecycle state.
    pub status: IndexStatus,
    /// True while a new index is being filled from the table's items.
    pub backfilling: bool,
    /// Number of entries, when the store reports it (DynamoDB refreshes it
    /// about every six hours, and reports none for an index being created).
    pub item_count: Option<u64>,
    /// Total size of the entries in bytes, when the store reports it.
    pub size_bytes: Option<u64>,
}

/// One change of a global secondary index in an [`UpdateTable`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobalIndexUpdate {
    /// Creates the index and backfills it from the table's items. Its key
    /// attributes need [`UpdateTable::attribute_definitions`].
    Create(IndexDefinition),
    /// Deletes the index.
    Delete(String),
    /// Changes the index's provisioned throughput (provisioned tables).
    Update {
        /// The index.
        name: String,
        /// Its new capacity.
        throughput: Throughput,
    },
}

impl GlobalIndexUpdate {
    /// The index the change is about.
    pub fn index_name(&self) -> &str {
        match self {
            GlobalIndexUpdate::Create(i) => &i.name,
            GlobalIndexUpdate::Delete(n) | GlobalIndexUpdate::Update { name: n, .. } => n,
        }
    }
}

/// `UpdateTable`: change billing and provisioned throughput, or create or
/// delete one global secondary index, as DynamoDB allows in one call.
///
/// ```
/// use dynamodb_mapper::backend::UpdateTable;
/// use dynamodb_mapper::{IndexDefinition, IndexKind, KeySchema, IndexProjection, ScalarType};
///
/// let by_email = IndexDefinition {
///     name: "by_email".into(),
///     kind: IndexKind::Global,
///     key: KeySchema::hash("email", ScalarType::S),
///     projection: IndexProjection::KeysOnly,
///     throughput: None,
/// };
/// let update = UpdateTable::new("users").create_index(by_email);
/// // The index's key attributes are defined for it.
/// assert_eq!(update.attribute_definitions[0].name, "email");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateTable {
    /// The table.
    pub table: String,
    /// Definitions of the key attributes of an index being created (the
    /// builder adds them; DynamoDB refuses a key attribute without one).
    pub attribute_definitions: Vec<KeyAttribute>,
    /// A new billing mode, or new provisioned throughput of the table.
    pub billing: Option<BillingMode>,
    /// Global index changes: at most one create or delete per call.
    pub index_updates: Vec<GlobalIndexUpdate>,
}

impl UpdateTable {
    /// An update of `table` that changes nothing yet.
    pub fn new(table: impl Into<String>) -> Self {
        UpdateTable {
            table: table.into(),
            attribute_definitions: Vec::new(),
            billing: None,
            index_updates: Vec::new(),
        }
    }

    /// Creates a global index, defining its key attributes.
    pub fn create_index(mut self, index: IndexDefinition) -> Self {
        for a in index.key.attributes() {
            if !self.attribute_definitions.iter().any(|d| d.name == a.name) {
                self.attribute_definitions.push(a.clone());
            }
        }
        self.index_updates.push(GlobalIndexUpdate::Create(index));
        self
    }

    /// Deletes a global index.
    pub fn delete_index(mut self, name: impl Into<String>) -> Self {
        self.index_updates
            .push(GlobalIndexUpdate::Delete(name.into()));
        self
    }

    /// Changes a global index's provisioned throughput.
    pub fn index_throughput(mut self, name: impl Into<String>, throughput: Throughput) -> Self {
        self.index_updates.push(GlobalIndexUpdate::Update {
            name: name.into(),
            throughput,
        });
        self
    }

    /// Changes the billing mode or the table's provisioned throughput.
    pub fn billing(mut self, billing: BillingMode) -> Self {
        self.billing = Some(billing);
        self
    }
}

/// The error every backend gives for a local secondary index in an
/// [`UpdateTable`]: DynamoDB creates them only with the table.
pub fn local_index_update_error(name: &str) -> Error {
    Error::invalid(format!(
        "Local secondary index {name} cannot be added: local secondary indexes can only be created with the table"
    ))
}
