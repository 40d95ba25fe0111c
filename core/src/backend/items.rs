//! Single-item requests: `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`,
//! and what they share (return values, consumed capacity).

use std::collections::BTreeMap;

use crate::expr::{ExpressionAttributes, Projection, Update};
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
