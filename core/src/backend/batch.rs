//! Batch requests: `BatchGetItem` and `BatchWriteItem`.

use std::collections::BTreeMap;

use super::{ConsumedCapacity, ReturnConsumedCapacity};
use crate::value::Item;

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
