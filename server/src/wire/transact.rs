//! Writes of many items: `BatchWriteItem`, `TransactWriteItems`, and
//! `TransactGetItems`.

use dynamodb_mapper::backend::{
    Backend, BatchWrite, BatchWriteOutput, ConditionCheck, TransactGet, TransactGetOutput,
    TransactWrite, TransactWriteItem, TransactWriteOutput, WriteRequest,
};
use serde::Serialize;
use serde::ser::SerializeMap;

use super::items::{delete_input, get_input, on_failure, put_input, update_input};
use super::reads::Tables;
use super::value::ItemJson;
use super::{Capacities, Check, Obj, element, to_body};
use crate::error::ApiError;

struct WriteRequestJson<'a>(&'a WriteRequest);

impl Serialize for WriteRequestJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Wrapped<'a>(&'static str, &'a dynamodb_mapper::Item);
        impl Serialize for Wrapped<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(self.0, &ItemJson(self.1))?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            WriteRequest::Put(item) => m.serialize_entry("PutRequest", &Wrapped("Item", item))?,
            WriteRequest::Delete(key) => {
                m.serialize_entry("DeleteRequest", &Wrapped("Key", key))?
            }
        }
        m.end()
    }
}

struct WriteRequestsJson<'a>(&'a [WriteRequest]);

impl Serialize for WriteRequestsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(WriteRequestJson))
    }
}

// `Tables` maps `&Vec<WriteRequest>` values: a slice would not fit its signature.
#[allow(clippy::ptr_arg)]
fn writes_json(w: &Vec<WriteRequest>) -> WriteRequestsJson<'_> {
    WriteRequestsJson(w)
}

struct BatchWriteJson<'a>(&'a BatchWriteOutput);

impl Serialize for BatchWriteJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "UnprocessedItems",
            &Tables(&o.unprocessed_items, writes_json),
        )?;
        if !o.consumed_capacity.is_empty() {
            m.serialize_entry("ConsumedCapacity", &Capacities(&o.consumed_capacity))?;
        }
        m.end()
    }
}

/// `BatchWriteItem`.
pub(crate) async fn batch_write_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = BatchWrite::new();
    match req.map("RequestItems")? {
        None => ck.missing(&req.at("RequestItems")),
        Some(tables) => {
            let path = req.at("RequestItems");
            for (table, v) in tables {
                let at = super::Path::child(&path, super::Segment::Key(table));
                let list = match v {
                    serde_json::Value::Array(list) => list,
                    other => return Err(super::wrong_type(other, "a list", &at)),
                };
                let mut writes = Vec::with_capacity(list.len());
                for (i, w) in list.iter().enumerate() {
                    let w = element(&at, i, w)?;
                    let put = w.obj("PutRequest")?;
                    let delete = w.obj("DeleteRequest")?;
                    writes.push(match (put, delete) {
                        (Some(p), None) => WriteRequest::Put(p.req_item(&mut ck, "Item")?),
                        (None, Some(d)) => WriteRequest::Delete(d.req_item(&mut ck, "Key")?),
                        _ => {
                            return Err(ApiError::validation(format!(
                                "Supplied WriteRequest at '{}' must contain exactly one of PutRequest and DeleteRequest",
                                w.path()
                            )));
                        }
                    });
                }
                input.tables.insert(table.clone(), writes);
            }
        }
    }
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    req.item_collection_metrics(&mut ck)?;
    ck.finish()?;
    let out = b.batch_write_item(input).await?;
    to_body(&BatchWriteJson(&out))
}

fn transact_items<'a>(
    ck: &mut Check,
    req: &'a Obj<'a>,
) -> Result<Option<&'a [serde_json::Value]>, ApiError> {
    let list = req.list("TransactItems")?;
    if list.is_none() {
        ck.missing(&req.at("TransactItems"));
    }
    Ok(list)
}

/// `TransactWriteItems`.
pub(crate) async fn transact_write_items(
    b: &dyn Backend,
    req: &Obj<'_>,
) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = TransactWrite::default();
    if let Some(list) = transact_items(&mut ck, req)? {
        let path = req.at("TransactItems");
        for (i, v) in list.iter().enumerate() {
            let action = element(&path, i, v)?;
            let mut found = Vec::new();
            for kind in ["Put", "Update", "Delete", "ConditionCheck"] {
                if let Some(o) = action.obj(kind)? {
                    found.push(match kind {
                        "Put" => TransactWriteItem::Put(put_input(&mut ck, &o)?),
                        "Update" => TransactWriteItem::Update(update_input(&mut ck, &o)?),
                        "Delete" => TransactWriteItem::Delete(delete_input(&mut ck, &o)?),
                        _ => {
                            let mut c = ConditionCheck {
                                table: o.req_table(&mut ck)?.to_owned(),
                                key: o.req_item(&mut ck, "Key")?,
                                condition_expression: o
                                    .req_str(&mut ck, "ConditionExpression")?
                                    .to_owned(),
                                expression_attributes: o.expression_attributes(true)?,
                                return_values_on_condition_check_failure: false,
                            };
                            c.return_values_on_condition_check_failure = on_failure(&mut ck, &o)?;
                            TransactWriteItem::ConditionCheck(c)
                        }
                    });
                }
            }
            // DynamoDB Local's messages, which name no member.
            match found.len() {
                0 => {
                    return Err(ApiError::validation(
                        "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request",
                    ));
                }
                1 => {}
                _ => {
                    return Err(ApiError::validation(
                        "TransactItems can only contain one of Check, Put, Update or Delete",
                    ));
                }
            }
            if let Some(TransactWriteItem::Update(u)) = found.first()
                && u.update_expression.is_none()
            {
                ck.missing(
                    &action
                        .at("Update")
                        .child(super::Segment::Member("UpdateExpression")),
                );
            }
            input.items.extend(found);
        }
    }
    input.client_request_token = req.string("ClientRequestToken")?;
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    req.item_collection_metrics(&mut ck)?;
    ck.finish()?;
    let TransactWriteOutput { consumed_capacity } = b.transact_write_items(input).await?;
    let mut m = serde_json::Map::new();
    if !consumed_capacity.is_empty() {
        m.insert(
            "ConsumedCapacity".into(),
            serde_json::to_value(Capacities(&consumed_capacity))
                .map_err(|e| ApiError::internal(e.to_string()))?,
        );
    }
    to_body(&m)
}

struct TransactGetJson<'a>(&'a TransactGetOutput);

impl Serialize for TransactGetJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Response<'a>(Option<&'a dynamodb_mapper::Item>);
        impl Serialize for Response<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                if let Some(i) = self.0 {
                    m.serialize_entry("Item", &ItemJson(i))?;
                }
                m.end()
            }
        }
        let o = self.0;
        let mut m = s.serialize_map(None)?;
        if !o.consumed_capacity.is_empty() {
            m.serialize_entry("ConsumedCapacity", &Capacities(&o.consumed_capacity))?;
        }
        m.serialize_entry(
            "Responses",
            &o.items
                .iter()
                .map(|i| Response(i.as_ref()))
                .collect::<Vec<_>>(),
        )?;
        m.end()
    }
}

/// `TransactGetItems`.
pub(crate) async fn transact_get_items(
    b: &dyn Backend,
    req: &Obj<'_>,
) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = TransactGet::default();
    if let Some(list) = transact_items(&mut ck, req)? {
        let path = req.at("TransactItems");
        for (i, v) in list.iter().enumerate() {
            let action = element(&path, i, v)?;
            match action.obj("Get")? {
                Some(g) => input.items.push(get_input(&mut ck, &g)?),
                // DynamoDB Local's message, alone and naming the list.
                None => {
                    return Err(ApiError::validation(
                        "Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
                    ));
                }
            }
        }
    }
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    ck.finish()?;
    let out = b.transact_get_items(input).await?;
    to_body(&TransactGetJson(&out))
}
