//! Single-item writes, and the fields they share with their transaction
//! forms.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use dynamodb_mapper::backend::{DeleteItem, PutItem, UpdateItem, WriteOutput};
use dynamodb_mapper::{Item, Result};

use crate::convert::{capacity, item_to_sdk, opt_item_from_sdk, rcc, return_values};
use crate::errors::{conflict, map_err};
use crate::sdk::Sdk;

/// Sets what a put, update, delete or condition check shares with its
/// transaction form (`Put`, `Update`, `Delete`, `ConditionCheck`), on any
/// of the SDK's builders for them: the table, the condition, the
/// placeholders and the stored item on a failed condition. The one place
/// these fields are converted.
macro_rules! write_fields {
    ($builder:expr, $input:expr, $condition:expr) => {
        $builder
            .table_name(&$input.table)
            .set_condition_expression($condition)
            .set_expression_attribute_names($crate::convert::names(
                &$input.expression_attributes.names,
            ))
            .set_expression_attribute_values($crate::convert::values(
                &$input.expression_attributes.values,
            )?)
            .set_return_values_on_condition_check_failure($crate::convert::on_condition_failure(
                $input.return_values_on_condition_check_failure,
            ))
    };
    ($builder:expr, $input:expr) => {
        write_fields!($builder, $input, $input.condition_expression.clone())
    };
}
pub(crate) use write_fields;

/// The attributes a write returned (none when DynamoDB sent an empty map).
fn returned(
    attributes: Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
) -> Result<Option<Item>> {
    opt_item_from_sdk(attributes).map(|a| a.filter(|a| !a.is_empty()))
}

/// Sends a put, update or delete and reads its answer: the attributes
/// asked for, the consumed capacity, the stored item of a failed condition.
macro_rules! send_write {
    ($builder:expr, $input:expr, $error:ident, $key:expr) => {{
        let out = $builder
            .set_return_values(return_values($input.return_values))
            .set_return_consumed_capacity(rcc($input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some($error::ConditionalCheckFailedException(ex)) => {
                    conflict(&$input.table, $key, ex.item())
                }
                _ => map_err(e, &$input.table),
            })?;
        Ok(WriteOutput {
            consumed_capacity: out
                .consumed_capacity()
                .and_then(|c| capacity(c, $input.return_consumed_capacity)),
            attributes: returned(out.attributes)?,
        })
    }};
}

impl Sdk {
    pub(crate) async fn put_item_call(&self, input: PutItem) -> Result<WriteOutput> {
        let builder =
            write_fields!(self.client.put_item(), input).set_item(Some(item_to_sdk(&input.item)?));
        send_write!(builder, input, PutItemError, None)
    }

    pub(crate) async fn update_item_call(&self, input: UpdateItem) -> Result<WriteOutput> {
        let builder = write_fields!(self.client.update_item(), input)
            .set_key(Some(item_to_sdk(&input.key)?))
            .set_update_expression(input.update_expression.clone());
        send_write!(builder, input, UpdateItemError, Some(&input.key))
    }

    pub(crate) async fn delete_item_call(&self, input: DeleteItem) -> Result<WriteOutput> {
        let builder =
            write_fields!(self.client.delete_item(), input).set_key(Some(item_to_sdk(&input.key)?));
        send_write!(builder, input, DeleteItemError, Some(&input.key))
    }
}
