//! The [`Backend`] trait: DynamoDB's operations over the neutral data model.
//!
//! A backend is a store with DynamoDB's semantics: real DynamoDB, the
//! in-memory fake, or the sled emulator. Requests carry expressions as
//! DynamoDB does (strings with `#name` and `:value` placeholders and the
//! maps that resolve them), so every backend sees exactly what DynamoDB
//! would; the builder methods render the typed expressions of
//! [`crate::expr`] into them.
//!
//! ```
//! use dynamodb_mapper::backend::{PutItem, ReturnValues};
//! use dynamodb_mapper::expr::attr;
//! use dynamodb_mapper::Item;
//!
//! let put = PutItem::new("users", Item::new().with("id", "alice").with("energy", 10))
//!     .condition(&attr("id").not_exists())
//!     .return_values(ReturnValues::AllOld);
//! assert_eq!(put.condition_expression.as_deref(), Some("attribute_not_exists(#n0)"));
//! assert_eq!(put.expression_attributes.names["#n0"], "id");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Error;
use crate::expr::{Condition, ExpressionAttributes, KeyCondition, Projection, Update};
use crate::model::TableDefinition;
use crate::time::Timestamp;
use crate::value::Item;

/// Which item attributes a write returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReturnValues {
    /// Nothing.
    #[default]
    None,
    /// The whole item before the write.
    AllOld,
    /// The attributes the update touched, before it (updates only).
    UpdatedOld,
    /// The whole item after the write (updates only).
    AllNew,
    /// The attributes the update touched, after it (updates only).
    UpdatedNew,
}

impl ReturnValues {
    /// DynamoDB's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnValues::None => "NONE",
            ReturnValues::AllOld => "ALL_OLD",
            ReturnValues::UpdatedOld => "UPDATED_OLD",
            ReturnValues::AllNew => "ALL_NEW",
            ReturnValues::UpdatedNew => "UPDATED_NEW",
        }
    }
}

/// Whether, and in how much detail, a request reports the capacity it used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReturnConsumedCapacity {
    /// Not reported.
    #[default]
    None,
    /// The total per table.
    Total,
    /// The total, the table's share and each index's share.
    Indexes,
}

/// Capacity units a request consumed on one table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsumedCapacity {
    /// The table.
    pub table: String,
    /// Total capacity units (table and indexes).
    pub capacity_units: f64,
    /// The table's own units, with [`ReturnConsumedCapacity::Indexes`].
    pub table_units: Option<f64>,
    /// Units per global secondary index, with [`ReturnConsumedCapacity::Indexes`].
    pub global_indexes: BTreeMap<String, f64>,
    /// Units per local secondary index, with [`ReturnConsumedCapacity::Indexes`].
    pub local_indexes: BTreeMap<String, f64>,
}

/// What a query or scan returns for each item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Select {
    /// Every attribute of the item (from the table, for a local index).
    AllAttributes,
    /// The attributes projected into the index.
    AllProjectedAttributes,
    /// The attributes of the projection expression.
    SpecificAttributes,
    /// No items, only the count.
    Count,
}

/// What a backend can do, for callers and for the conformance suite.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// A short name of the backend (`memory`, `sled`, `dynamodb`).
    pub name: &'static str,
    /// Transactions (`TransactWriteItems`, `TransactGetItems`).
    pub transactions: bool,
    /// Items whose TTL has passed are deleted in the background.
    pub ttl_expiry: bool,
    /// Concurrent transactions on one item may fail with a transaction
    /// conflict (DynamoDB does; DynamoDB Local and the emulators serialize them).
    pub transaction_conflicts: bool,
    /// Provisioned throughput is enforced with throttling.
    pub throughput_enforced: bool,
    /// Data survives the process.
    pub persistent: bool,
}

impl Capabilities {
    /// The capabilities of a store with every DynamoDB feature.
    pub fn full(name: &'static str) -> Self {
        Capabilities {
            name,
            transactions: true,
            ttl_expiry: true,
            transaction_conflicts: true,
            throughput_enforced: true,
            persistent: true,
        }
    }
}

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

macro_rules! expression_builders {
    () => {
        /// Adds an expression attribute name placeholder (`#name` -> attribute).
        pub fn name(
            mut self,
            placeholder: impl Into<String>,
            attribute: impl Into<String>,
        ) -> Self {
            self.expression_attributes
                .names
                .insert(placeholder.into(), attribute.into());
            self
        }

        /// Adds an expression attribute value placeholder (`:value` -> value).
        pub fn value(
            mut self,
            placeholder: impl Into<String>,
            value: impl Into<crate::AttributeValue>,
        ) -> Self {
            self.expression_attributes
                .values
                .insert(placeholder.into(), value.into());
            self
        }

        /// Reports consumed capacity.
        pub fn return_consumed_capacity(mut self, rcc: ReturnConsumedCapacity) -> Self {
            self.return_consumed_capacity = rcc;
            self
        }
    };
}

macro_rules! condition_builders {
    () => {
        /// Renders a typed condition into this request.
        pub fn condition(mut self, condition: &Condition) -> Self {
            self.condition_expression = Some(condition.render(&mut self.expression_attributes));
            self
        }

        /// Sets the condition as DynamoDB text (with placeholders added by [`Self::name`] and [`Self::value`]).
        pub fn condition_expression(mut self, expression: impl Into<String>) -> Self {
            self.condition_expression = Some(expression.into());
            self
        }

        /// Asks for the stored item when the condition fails (`ReturnValuesOnConditionCheckFailure=ALL_OLD`).
        pub fn return_old_on_condition_failure(mut self, yes: bool) -> Self {
            self.return_values_on_condition_check_failure = yes;
            self
        }
    };
}

/// `GetItem`.
#[derive(Clone, Debug, PartialEq)]
pub struct GetItem {
    /// The table.
    pub table: String,
    /// The item's key.
    pub key: Item,
    /// A strongly consistent read.
    pub consistent_read: bool,
    /// The attributes to return.
    pub projection_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl GetItem {
    /// Gets the item with this key.
    pub fn new(table: impl Into<String>, key: Item) -> Self {
        GetItem {
            table: table.into(),
            key,
            consistent_read: false,
            projection_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// A strongly consistent read.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent_read = yes;
        self
    }

    /// Returns only these attributes.
    pub fn projection(mut self, projection: &Projection) -> Self {
        self.projection_expression = Some(projection.render(&mut self.expression_attributes));
        self
    }

    /// Sets the projection as DynamoDB text.
    pub fn projection_expression(mut self, expression: impl Into<String>) -> Self {
        self.projection_expression = Some(expression.into());
        self
    }

    expression_builders!();
}

/// The result of `GetItem`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GetItemOutput {
    /// The item, if it exists.
    pub item: Option<Item>,
    /// Capacity used, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// `PutItem`.
#[derive(Clone, Debug, PartialEq)]
pub struct PutItem {
    /// The table.
    pub table: String,
    /// The whole item, keys included.
    pub item: Item,
    /// The write happens only if this holds for the stored item.
    pub condition_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// `NONE` or `ALL_OLD`.
    pub return_values: ReturnValues,
    /// Return the stored item when the condition fails.
    pub return_values_on_condition_check_failure: bool,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl PutItem {
    /// Writes this item, replacing any item with its key.
    pub fn new(table: impl Into<String>, item: Item) -> Self {
        PutItem {
            table: table.into(),
            item,
            condition_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            return_values: ReturnValues::None,
            return_values_on_condition_check_failure: false,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// What to return.
    pub fn return_values(mut self, rv: ReturnValues) -> Self {
        self.return_values = rv;
        self
    }

    condition_builders!();
    expression_builders!();
}

/// `UpdateItem`.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateItem {
    /// The table.
    pub table: String,
    /// The item's key (the item is created when missing).
    pub key: Item,
    /// The changes; none only creates the item if missing.
    pub update_expression: Option<String>,
    /// The update happens only if this holds for the stored item.
    pub condition_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// What to return.
    pub return_values: ReturnValues,
    /// Return the stored item when the condition fails.
    pub return_values_on_condition_check_failure: bool,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl UpdateItem {
    /// Updates the item with this key.
    pub fn new(table: impl Into<String>, key: Item) -> Self {
        UpdateItem {
            table: table.into(),
            key,
            update_expression: None,
            condition_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            return_values: ReturnValues::None,
            return_values_on_condition_check_failure: false,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// Renders a typed update into this request.
    pub fn update(mut self, update: &Update) -> Self {
        self.update_expression = Some(update.render(&mut self.expression_attributes));
        self
    }

    /// Sets the update as DynamoDB text.
    pub fn update_expression(mut self, expression: impl Into<String>) -> Self {
        self.update_expression = Some(expression.into());
        self
    }

    /// What to return.
    pub fn return_values(mut self, rv: ReturnValues) -> Self {
        self.return_values = rv;
        self
    }

    condition_builders!();
    expression_builders!();
}

/// `DeleteItem`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeleteItem {
    /// The table.
    pub table: String,
    /// The item's key.
    pub key: Item,
    /// The delete happens only if this holds for the stored item.
    pub condition_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// `NONE` or `ALL_OLD`.
    pub return_values: ReturnValues,
    /// Return the stored item when the condition fails.
    pub return_values_on_condition_check_failure: bool,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl DeleteItem {
    /// Deletes the item with this key (nothing happens if it is missing).
    pub fn new(table: impl Into<String>, key: Item) -> Self {
        DeleteItem {
            table: table.into(),
            key,
            condition_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            return_values: ReturnValues::None,
            return_values_on_condition_check_failure: false,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// What to return.
    pub fn return_values(mut self, rv: ReturnValues) -> Self {
        self.return_values = rv;
        self
    }

    condition_builders!();
    expression_builders!();
}

/// The result of a put, update or delete.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriteOutput {
    /// The attributes asked for with `ReturnValues`.
    pub attributes: Option<Item>,
    /// Capacity used, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// A parallel scan's segment: `segment` of `total` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    /// This segment, `0..total`.
    pub segment: u32,
    /// How many segments the table is split into (1 to 1,000,000).
    pub total: u32,
}

/// `Query`: one page of the items with one hash key.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The table.
    pub table: String,
    /// A secondary index to query instead of the table.
    pub index: Option<String>,
    /// The hash key value and an optional range key condition.
    pub key_condition_expression: String,
    /// Items are returned only if this holds (applied after `limit`).
    pub filter_expression: Option<String>,
    /// The attributes to return.
    pub projection_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// What to return for each item.
    pub select: Option<Select>,
    /// At most this many items are read (before the filter).
    pub limit: Option<u32>,
    /// Continue after this key (a previous page's `last_evaluated_key`).
    pub exclusive_start_key: Option<Item>,
    /// Ascending range key order (descending when false).
    pub scan_index_forward: bool,
    /// A strongly consistent read (not on global indexes).
    pub consistent_read: bool,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl Query {
    /// A query with a typed key condition.
    pub fn new(table: impl Into<String>, key_condition: &KeyCondition) -> Self {
        let mut q = Query::with_expression(table, "");
        q.key_condition_expression = key_condition.render(&mut q.expression_attributes);
        q
    }

    /// A query with the key condition as DynamoDB text.
    pub fn with_expression(table: impl Into<String>, key_condition: impl Into<String>) -> Self {
        Query {
            table: table.into(),
            index: None,
            key_condition_expression: key_condition.into(),
            filter_expression: None,
            projection_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            select: None,
            limit: None,
            exclusive_start_key: None,
            scan_index_forward: true,
            consistent_read: false,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// Queries a secondary index.
    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    /// Renders a typed filter into this request.
    pub fn filter(mut self, filter: &Condition) -> Self {
        self.filter_expression = Some(filter.render(&mut self.expression_attributes));
        self
    }

    /// Sets the filter as DynamoDB text.
    pub fn filter_expression(mut self, expression: impl Into<String>) -> Self {
        self.filter_expression = Some(expression.into());
        self
    }

    /// Returns only these attributes.
    pub fn projection(mut self, projection: &Projection) -> Self {
        self.projection_expression = Some(projection.render(&mut self.expression_attributes));
        self
    }

    /// What to return for each item.
    pub fn select(mut self, select: Select) -> Self {
        self.select = Some(select);
        self
    }

    /// Reads at most this many items.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after this key.
    pub fn start_after(mut self, key: Option<Item>) -> Self {
        self.exclusive_start_key = key;
        self
    }

    /// Ascending (true) or descending range key order.
    pub fn forward(mut self, forward: bool) -> Self {
        self.scan_index_forward = forward;
        self
    }

    /// A strongly consistent read.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent_read = yes;
        self
    }

    expression_builders!();
}

/// `Scan`: one page of a table or index.
#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// The table.
    pub table: String,
    /// A secondary index to scan instead of the table.
    pub index: Option<String>,
    /// Items are returned only if this holds (applied after `limit`).
    pub filter_expression: Option<String>,
    /// The attributes to return.
    pub projection_expression: Option<String>,
    /// Placeholders of the expressions.
    pub expression_attributes: ExpressionAttributes,
    /// What to return for each item.
    pub select: Option<Select>,
    /// At most this many items are read (before the filter).
    pub limit: Option<u32>,
    /// Continue after this key.
    pub exclusive_start_key: Option<Item>,
    /// A strongly consistent read (not on global indexes).
    pub consistent_read: bool,
    /// One segment of a parallel scan.
    pub segment: Option<Segment>,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl Scan {
    /// A scan of the whole table.
    pub fn new(table: impl Into<String>) -> Self {
        Scan {
            table: table.into(),
            index: None,
            filter_expression: None,
            projection_expression: None,
            expression_attributes: ExpressionAttributes::default(),
            select: None,
            limit: None,
            exclusive_start_key: None,
            consistent_read: false,
            segment: None,
            return_consumed_capacity: ReturnConsumedCapacity::None,
        }
    }

    /// Scans a secondary index.
    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    /// Renders a typed filter into this request.
    pub fn filter(mut self, filter: &Condition) -> Self {
        self.filter_expression = Some(filter.render(&mut self.expression_attributes));
        self
    }

    /// Sets the filter as DynamoDB text.
    pub fn filter_expression(mut self, expression: impl Into<String>) -> Self {
        self.filter_expression = Some(expression.into());
        self
    }

    /// Returns only these attributes.
    pub fn projection(mut self, projection: &Projection) -> Self {
        self.projection_expression = Some(projection.render(&mut self.expression_attributes));
        self
    }

    /// What to return for each item.
    pub fn select(mut self, select: Select) -> Self {
        self.select = Some(select);
        self
    }

    /// Reads at most this many items.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after this key.
    pub fn start_after(mut self, key: Option<Item>) -> Self {
        self.exclusive_start_key = key;
        self
    }

    /// One segment of a parallel scan.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segment = Some(Segment { segment, total });
        self
    }

    /// A strongly consistent read.
    pub fn consistent(mut self, yes: bool) -> Self {
        self.consistent_read = yes;
        self
    }

    expression_builders!();
}

/// One page of a query or scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The items (none with [`Select::Count`]).
    pub items: Vec<Item>,
    /// Items that passed the filter.
    pub count: u64,
    /// Items read before the filter.
    pub scanned_count: u64,
    /// Where the next page starts; `None` on the last page.
    pub last_evaluated_key: Option<Item>,
    /// Capacity used, when asked for.
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// Keys to read from one table in a batch get.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeysAndAttributes {
    /// The keys.
    pub keys: Vec<Item>,
    /// Strongly consistent reads.
    pub consistent_read: bool,
    /// The attributes to return.
    pub projection_expression: Option<String>,
    /// Name placeholders of the projection.
    pub expression_attribute_names: BTreeMap<String, String>,
}

/// `BatchGetItem`: up to 100 keys over one or more tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchGet {
    /// Keys per table.
    pub tables: BTreeMap<String, KeysAndAttributes>,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl BatchGet {
    /// An empty batch.
    pub fn new() -> Self {
        BatchGet::default()
    }

    /// Adds keys of a table.
    pub fn keys(mut self, table: impl Into<String>, keys: impl IntoIterator<Item = Item>) -> Self {
        self.tables
            .entry(table.into())
            .or_default()
            .keys
            .extend(keys);
        self
    }
}

/// The result of a batch get.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchGetOutput {
    /// The items found, per table (not in request order).
    pub responses: BTreeMap<String, Vec<Item>>,
    /// Keys not read this time; ask again.
    pub unprocessed_keys: BTreeMap<String, KeysAndAttributes>,
    /// Capacity used per table, when asked for.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// One write of a batch write.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteRequest {
    /// Put this item.
    Put(Item),
    /// Delete the item with this key.
    Delete(Item),
}

/// `BatchWriteItem`: up to 25 puts and deletes over one or more tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchWrite {
    /// Writes per table.
    pub tables: BTreeMap<String, Vec<WriteRequest>>,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

impl BatchWrite {
    /// An empty batch.
    pub fn new() -> Self {
        BatchWrite::default()
    }

    /// Adds a put.
    pub fn put(mut self, table: impl Into<String>, item: Item) -> Self {
        self.tables
            .entry(table.into())
            .or_default()
            .push(WriteRequest::Put(item));
        self
    }

    /// Adds a delete.
    pub fn delete(mut self, table: impl Into<String>, key: Item) -> Self {
        self.tables
            .entry(table.into())
            .or_default()
            .push(WriteRequest::Delete(key));
        self
    }
}

/// The result of a batch write.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchWriteOutput {
    /// Writes not done this time; send them again.
    pub unprocessed_items: BTreeMap<String, Vec<WriteRequest>>,
    /// Capacity used per table, when asked for.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// A condition check inside a transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionCheck {
    /// The table.
    pub table: String,
    /// The item's key.
    pub key: Item,
    /// The condition that must hold.
    pub condition_expression: String,
    /// Placeholders of the expression.
    pub expression_attributes: ExpressionAttributes,
    /// Return the stored item when the condition fails.
    pub return_values_on_condition_check_failure: bool,
}

impl ConditionCheck {
    /// Checks a typed condition on the item with this key.
    pub fn new(table: impl Into<String>, key: Item, condition: &Condition) -> Self {
        let mut expression_attributes = ExpressionAttributes::default();
        let condition_expression = condition.render(&mut expression_attributes);
        ConditionCheck {
            table: table.into(),
            key,
            condition_expression,
            expression_attributes,
            return_values_on_condition_check_failure: false,
        }
    }
}

/// One action of a write transaction. `return_values` and
/// `return_consumed_capacity` of the inner requests must be left unset.
#[derive(Clone, Debug, PartialEq)]
pub enum TransactWriteItem {
    /// A put.
    Put(PutItem),
    /// An update.
    Update(UpdateItem),
    /// A delete.
    Delete(DeleteItem),
    /// A condition that must hold, with no write.
    ConditionCheck(ConditionCheck),
}

/// `TransactWriteItems`: up to 100 actions, all or nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactWrite {
    /// The actions, on distinct items.
    pub items: Vec<TransactWriteItem>,
    /// Makes the request idempotent for 10 minutes.
    pub client_request_token: Option<String>,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// The result of a write transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactWriteOutput {
    /// Capacity used per table, when asked for.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// `TransactGetItems`: up to 100 reads from one snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactGet {
    /// The reads (their `consistent_read` is ignored: transactions read consistently).
    pub items: Vec<GetItem>,
    /// Report consumed capacity.
    pub return_consumed_capacity: ReturnConsumedCapacity,
}

/// The result of a read transaction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactGetOutput {
    /// One entry per read, in order; `None` for a missing item.
    pub items: Vec<Option<Item>>,
    /// Capacity used per table, when asked for.
    pub consumed_capacity: Vec<ConsumedCapacity>,
}

/// A store with DynamoDB's semantics. Object safe: use `Arc<dyn Backend>`.
///
/// Every method answers as DynamoDB does, errors included: a request that
/// DynamoDB refuses is refused with the same [`Error`] kind and changes
/// nothing.
#[async_trait]
pub trait Backend: Send + Sync + fmt::Debug {
    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// Creates a table (and its TTL setting) and waits until it is active.
    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error>;
    /// Describes a table (status and counts as the store reports them now).
    async fn describe_table(&self, table: &str) -> Result<TableDescription, Error>;
    /// A table's definition: keys, indexes, billing, TTL attribute. A
    /// backend may answer from a cache, since definitions rarely change
    /// (the DynamoDB backend does, saving a round trip per call).
    async fn table_definition(&self, table: &str) -> Result<TableDefinition, Error> {
        Ok(self.describe_table(table).await?.definition)
    }
    /// Deletes a table and its items.
    async fn delete_table(&self, table: &str) -> Result<TableDescription, Error>;
    /// Lists table names, a page at a time.
    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error>;
    /// Enables or disables time to live.
    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error>;
    /// Describes time to live.
    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error>;

    /// Reads one item.
    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error>;
    /// Writes one item.
    async fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error>;
    /// Changes (or creates) one item.
    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error>;
    /// Deletes one item.
    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error>;
    /// Reads one page of items with one hash key.
    async fn query(&self, input: Query) -> Result<Page, Error>;
    /// Reads one page of a table or index.
    async fn scan(&self, input: Scan) -> Result<Page, Error>;
    /// Reads up to 100 items by key.
    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error>;
    /// Writes up to 25 puts and deletes.
    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error>;
    /// Writes up to 100 actions atomically.
    async fn transact_write_items(
        &self,
        input: TransactWrite,
    ) -> Result<TransactWriteOutput, Error>;
    /// Reads up to 100 items from one snapshot.
    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error>;
}

macro_rules! forward_backend {
    ($ty:ty) => {
        #[async_trait]
        impl<B: Backend + ?Sized> Backend for $ty {
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            async fn create_table(
                &self,
                definition: TableDefinition,
            ) -> Result<TableDescription, Error> {
                (**self).create_table(definition).await
            }
            async fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
                (**self).describe_table(table).await
            }
            async fn table_definition(&self, table: &str) -> Result<TableDefinition, Error> {
                (**self).table_definition(table).await
            }
            async fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
                (**self).delete_table(table).await
            }
            async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
                (**self).list_tables(input).await
            }
            async fn update_time_to_live(
                &self,
                table: &str,
                ttl: TimeToLive,
            ) -> Result<TimeToLive, Error> {
                (**self).update_time_to_live(table, ttl).await
            }
            async fn describe_time_to_live(
                &self,
                table: &str,
            ) -> Result<TimeToLiveDescription, Error> {
                (**self).describe_time_to_live(table).await
            }
            async fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error> {
                (**self).get_item(input).await
            }
            async fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error> {
                (**self).put_item(input).await
            }
            async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error> {
                (**self).update_item(input).await
            }
            async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error> {
                (**self).delete_item(input).await
            }
            async fn query(&self, input: Query) -> Result<Page, Error> {
                (**self).query(input).await
            }
            async fn scan(&self, input: Scan) -> Result<Page, Error> {
                (**self).scan(input).await
            }
            async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
                (**self).batch_get_item(input).await
            }
            async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error> {
                (**self).batch_write_item(input).await
            }
            async fn transact_write_items(
                &self,
                input: TransactWrite,
            ) -> Result<TransactWriteOutput, Error> {
                (**self).transact_write_items(input).await
            }
            async fn transact_get_items(
                &self,
                input: TransactGet,
            ) -> Result<TransactGetOutput, Error> {
                (**self).transact_get_items(input).await
            }
        }
    };
}

forward_backend!(Arc<B>);
forward_backend!(Box<B>);
forward_backend!(&B);
