//! Transactions: `TransactWriteItems` and `TransactGetItems`.

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::{
    TransactGet, TransactGetOutput, TransactWrite, TransactWriteItem, TransactWriteOutput,
};
use dynamodb_mapper::{Error, Result};

use crate::convert::{capacities, item_to_sdk, names, opt_item_from_sdk, rcc};
use crate::errors::{map_err, reasons};
use crate::items::write_fields;
use crate::sdk::Sdk;

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::invalid(e.to_string())
}

/// One action of a write transaction, as the SDK's.
fn action(action: &TransactWriteItem) -> Result<sdk::TransactWriteItem> {
    let b = sdk::TransactWriteItem::builder();
    Ok(match action {
        TransactWriteItem::Put(p) => b
            .put(
                write_fields!(sdk::Put::builder(), p)
                    .set_item(Some(item_to_sdk(&p.item)?))
                    .build()
                    .map_err(build_error)?,
            )
            .build(),
        TransactWriteItem::Update(u) => b
            .update(
                write_fields!(sdk::Update::builder(), u)
                    .set_key(Some(item_to_sdk(&u.key)?))
                    .update_expression(u.update_expression.clone().unwrap_or_default())
                    .build()
                    .map_err(build_error)?,
            )
            .build(),
        TransactWriteItem::Delete(d) => b
            .delete(
                write_fields!(sdk::Delete::builder(), d)
                    .set_key(Some(item_to_sdk(&d.key)?))
                    .build()
                    .map_err(build_error)?,
            )
            .build(),
        TransactWriteItem::ConditionCheck(c) => b
            .condition_check(
                write_fields!(
                    sdk::ConditionCheck::builder(),
                    c,
                    Some(c.condition_expression.clone())
                )
                .set_key(Some(item_to_sdk(&c.key)?))
                .build()
                .map_err(build_error)?,
            )
            .build(),
    })
}

impl Sdk {
    pub(crate) async fn transact_write_items_call(
        &self,
        input: &TransactWrite,
    ) -> Result<TransactWriteOutput> {
        let first = input
            .items
            .first()
            .map(|i| i.table().to_owned())
            .unwrap_or_default();
        let items = input.items.iter().map(action).collect::<Result<Vec<_>>>()?;
        let out = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(input.client_request_token.clone())
            .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(ex)) => {
                    Error::TransactionCanceled {
                        reasons: reasons(ex.cancellation_reasons()),
                    }
                }
                _ => map_err(e, &first),
            })?;
        Ok(TransactWriteOutput {
            consumed_capacity: capacities(out.consumed_capacity, input.return_consumed_capacity),
        })
    }

    pub(crate) async fn transact_get_items_call(
        &self,
        input: TransactGet,
    ) -> Result<TransactGetOutput> {
        let first = input
            .items
            .first()
            .map(|g| g.table.clone())
            .unwrap_or_default();
        let mut items = Vec::with_capacity(input.items.len());
        for g in &input.items {
            items.push(
                sdk::TransactGetItem::builder()
                    .get(
                        sdk::Get::builder()
                            .table_name(&g.table)
                            .set_key(Some(item_to_sdk(&g.key)?))
                            .set_projection_expression(g.projection_expression.clone())
                            .set_expression_attribute_names(names(&g.expression_attributes.names))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            );
        }
        let out = self
            .client
            .transact_get_items()
            .set_transact_items(Some(items))
            .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(TransactGetItemsError::TransactionCanceledException(ex))
                    if !ex.cancellation_reasons().is_empty() =>
                {
                    Error::TransactionCanceled {
                        reasons: reasons(ex.cancellation_reasons()),
                    }
                }
                Some(TransactGetItemsError::TransactionCanceledException(ex)) => {
                    // DynamoDB Local cancels with no reason for an invalid key.
                    Error::invalid(
                        ex.message()
                            .unwrap_or("invalid TransactGetItems request")
                            .to_owned(),
                    )
                }
                _ => map_err(e, &first),
            })?;
        Ok(TransactGetOutput {
            // An item whose projection selects nothing is `Some({})`, as
            // DynamoDB sends it (and as `GetItem` reports it); a missing
            // item is `None`.
            items: out
                .responses
                .unwrap_or_default()
                .into_iter()
                .map(|r| opt_item_from_sdk(r.item))
                .collect::<Result<_>>()?,
            consumed_capacity: capacities(out.consumed_capacity, input.return_consumed_capacity),
        })
    }
}
