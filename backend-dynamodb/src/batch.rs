//! Batches: `BatchGetItem` and `BatchWriteItem`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::{
    BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, KeysAndAttributes, WriteRequest,
};
use dynamodb_mapper::{Error, Result};

use crate::convert::{capacities, item_from_sdk, item_to_sdk, names, rcc};
use crate::errors::map_err;
use crate::sdk::Sdk;

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::invalid(e.to_string())
}

impl Sdk {
    pub(crate) async fn batch_get_item_call(&self, input: BatchGet) -> Result<BatchGetOutput> {
        let first = input.tables.keys().next().cloned().unwrap_or_default();
        let mut request = HashMap::new();
        for (table, ka) in &input.tables {
            request.insert(
                table.clone(),
                sdk::KeysAndAttributes::builder()
                    .set_keys(Some(
                        ka.keys.iter().map(item_to_sdk).collect::<Result<_>>()?,
                    ))
                    .set_consistent_read(ka.consistent_read.then_some(true))
                    .set_projection_expression(ka.projection_expression.clone())
                    .set_expression_attribute_names(names(&ka.expression_attribute_names))
                    .build()
                    .map_err(build_error)?,
            );
        }
        let out = self
            .client
            .batch_get_item()
            .set_request_items(Some(request))
            .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| map_err(e, &first))?;
        let mut responses = BTreeMap::new();
        for (table, items) in out.responses.unwrap_or_default() {
            let items = items
                .into_iter()
                .map(item_from_sdk)
                .collect::<Result<Vec<_>>>()?;
            responses.insert(table, items);
        }
        let mut unprocessed_keys = BTreeMap::new();
        for (table, ka) in out.unprocessed_keys.unwrap_or_default() {
            if ka.keys.is_empty() {
                continue;
            }
            unprocessed_keys.insert(
                table,
                KeysAndAttributes {
                    consistent_read: ka.consistent_read.unwrap_or(false),
                    projection_expression: ka.projection_expression.clone(),
                    expression_attribute_names: ka
                        .expression_attribute_names
                        .clone()
                        .map(|m| m.into_iter().collect())
                        .unwrap_or_default(),
                    keys: ka
                        .keys
                        .into_iter()
                        .map(item_from_sdk)
                        .collect::<Result<_>>()?,
                },
            );
        }
        Ok(BatchGetOutput {
            responses,
            unprocessed_keys,
            consumed_capacity: capacities(out.consumed_capacity, input.return_consumed_capacity),
        })
    }

    pub(crate) async fn batch_write_item_call(
        &self,
        input: BatchWrite,
    ) -> Result<BatchWriteOutput> {
        let first = input.tables.keys().next().cloned().unwrap_or_default();
        let mut request = HashMap::new();
        for (table, writes) in &input.tables {
            let mut list = Vec::with_capacity(writes.len());
            for w in writes {
                let req = match w {
                    WriteRequest::Put(item) => sdk::WriteRequest::builder()
                        .put_request(
                            sdk::PutRequest::builder()
                                .set_item(Some(item_to_sdk(item)?))
                                .build()
                                .map_err(build_error)?,
                        )
                        .build(),
                    WriteRequest::Delete(key) => sdk::WriteRequest::builder()
                        .delete_request(
                            sdk::DeleteRequest::builder()
                                .set_key(Some(item_to_sdk(key)?))
                                .build()
                                .map_err(build_error)?,
                        )
                        .build(),
                };
                list.push(req);
            }
            request.insert(table.clone(), list);
        }
        let out = self
            .client
            .batch_write_item()
            .set_request_items(Some(request))
            .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
            .send()
            .await
            .map_err(|e| map_err(e, &first))?;
        let mut unprocessed_items = BTreeMap::new();
        for (table, writes) in out.unprocessed_items.unwrap_or_default() {
            let mut list = Vec::new();
            for w in writes {
                if let Some(p) = w.put_request {
                    list.push(WriteRequest::Put(item_from_sdk(p.item)?));
                } else if let Some(d) = w.delete_request {
                    list.push(WriteRequest::Delete(item_from_sdk(d.key)?));
                }
            }
            if !list.is_empty() {
                unprocessed_items.insert(table, list);
            }
        }
        Ok(BatchWriteOutput {
            unprocessed_items,
            consumed_capacity: capacities(out.consumed_capacity, input.return_consumed_capacity),
        })
    }
}
