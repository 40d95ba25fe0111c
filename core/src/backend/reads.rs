//! Paged reads: `Query` and `Scan`, and their pages.

use super::ConsumedCapacity;
use super::items::ReturnConsumedCapacity;
use crate::expr::{Condition, ExpressionAttributes, KeyCondition, Projection};
use crate::value::Item;

/// The builder methods `Query` and `Scan` share.
macro_rules! paged_read_builders {
    () => {
        /// Reads a secondary index instead of the table.
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

        /// Reads at most this many items (before the filter).
        pub fn limit(mut self, limit: u32) -> Self {
            self.limit = Some(limit);
            self
        }

        /// Continues after this key (a previous page's `last_evaluated_key`).
        pub fn start_after(mut self, key: Option<Item>) -> Self {
            self.exclusive_start_key = key;
            self
        }

        /// A strongly consistent read.
        pub fn consistent(mut self, yes: bool) -> Self {
            self.consistent_read = yes;
            self
        }

        expression_builders!();
    };
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

    /// Ascending (true) or descending range key order.
    pub fn forward(mut self, forward: bool) -> Self {
        self.scan_index_forward = forward;
        self
    }

    paged_read_builders!();
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

    /// One segment of a parallel scan.
    pub fn segment(mut self, segment: u32, total: u32) -> Self {
        self.segment = Some(Segment { segment, total });
        self
    }

    paged_read_builders!();
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
