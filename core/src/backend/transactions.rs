//! Transactions: `TransactWriteItems` and `TransactGetItems`.

use super::{ConsumedCapacity, DeleteItem, GetItem, PutItem, ReturnConsumedCapacity, UpdateItem};
use crate::expr::{Condition, ExpressionAttributes};
use crate::value::{AttributeValue, Item};

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

impl TransactWriteItem {
    /// What DynamoDB counts of one write action toward the transaction's 4 MB
    /// (measured against DynamoDB Local): its item (a put) or key, the text of
    /// its expressions, the names its placeholders stand for and the values.
    /// `item` and `value` size them, exactly or as a bound.
    pub(crate) fn payload_size_by(
        &self,
        item: fn(&Item) -> usize,
        value: fn(&AttributeValue) -> usize,
    ) -> usize {
        let (sized, expressions, attributes) = match self {
            TransactWriteItem::Put(p) => (
                &p.item,
                [p.condition_expression.as_deref(), None],
                &p.expression_attributes,
            ),
            TransactWriteItem::Update(u) => (
                &u.key,
                [
                    u.condition_expression.as_deref(),
                    u.update_expression.as_deref(),
                ],
                &u.expression_attributes,
            ),
            TransactWriteItem::Delete(d) => (
                &d.key,
                [d.condition_expression.as_deref(), None],
                &d.expression_attributes,
            ),
            TransactWriteItem::ConditionCheck(c) => (
                &c.key,
                [Some(c.condition_expression.as_str()), None],
                &c.expression_attributes,
            ),
        };
        item(sized)
            + expressions.iter().flatten().map(|e| e.len()).sum::<usize>()
            + attributes.names.values().map(String::len).sum::<usize>()
            + attributes.values.values().map(value).sum::<usize>()
    }
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
