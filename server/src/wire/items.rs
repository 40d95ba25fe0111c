//! Item operations: `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`,
//! and the request parts transactions share with them.

use dynamodb_mapper::backend::{
    Backend, DeleteItem, GetItem, PutItem, ReturnValues, UpdateItem, WriteOutput,
};
use serde::Serialize;
use serde::ser::SerializeMap;

use super::value::ItemJson;
use super::{Capacity, Check, Obj, to_body};
use crate::error::ApiError;

pub(crate) fn return_values(ck: &mut Check, req: &Obj<'_>) -> Result<ReturnValues, ApiError> {
    Ok(req
        .enumeration(
            ck,
            "ReturnValues",
            &[
                ("NONE", ReturnValues::None),
                ("ALL_OLD", ReturnValues::AllOld),
                ("UPDATED_OLD", ReturnValues::UpdatedOld),
                ("ALL_NEW", ReturnValues::AllNew),
                ("UPDATED_NEW", ReturnValues::UpdatedNew),
            ],
        )?
        .unwrap_or_default())
}

/// `ReturnValuesOnConditionCheckFailure`: true for `ALL_OLD`.
pub(crate) fn on_failure(ck: &mut Check, req: &Obj<'_>) -> Result<bool, ApiError> {
    Ok(req
        .enumeration(
            ck,
            "ReturnValuesOnConditionCheckFailure",
            &[("ALL_OLD", true), ("NONE", false)],
        )?
        .unwrap_or(false))
}

pub(crate) fn get_input(ck: &mut Check, req: &Obj<'_>) -> Result<GetItem, ApiError> {
    let mut g = GetItem::new(req.req_table(ck)?, req.req_item(ck, "Key")?);
    g.consistent_read = req.bool("ConsistentRead")?.unwrap_or(false);
    g.projection_expression = req.string("ProjectionExpression")?;
    g.expression_attributes = req.expression_attributes(false)?;
    Ok(g)
}

pub(crate) fn put_input(ck: &mut Check, req: &Obj<'_>) -> Result<PutItem, ApiError> {
    let mut p = PutItem::new(req.req_table(ck)?, req.req_item(ck, "Item")?);
    p.condition_expression = req.string("ConditionExpression")?;
    p.expression_attributes = req.expression_attributes(true)?;
    p.return_values_on_condition_check_failure = on_failure(ck, req)?;
    Ok(p)
}

pub(crate) fn update_input(ck: &mut Check, req: &Obj<'_>) -> Result<UpdateItem, ApiError> {
    let mut u = UpdateItem::new(req.req_table(ck)?, req.req_item(ck, "Key")?);
    u.update_expression = req.string("UpdateExpression")?;
    u.condition_expression = req.string("ConditionExpression")?;
    u.expression_attributes = req.expression_attributes(true)?;
    u.return_values_on_condition_check_failure = on_failure(ck, req)?;
    Ok(u)
}

pub(crate) fn delete_input(ck: &mut Check, req: &Obj<'_>) -> Result<DeleteItem, ApiError> {
    let mut d = DeleteItem::new(req.req_table(ck)?, req.req_item(ck, "Key")?);
    d.condition_expression = req.string("ConditionExpression")?;
    d.expression_attributes = req.expression_attributes(true)?;
    d.return_values_on_condition_check_failure = on_failure(ck, req)?;
    Ok(d)
}

/// The answer of a put, update or delete.
struct WriteJson<'a>(&'a WriteOutput);

impl Serialize for WriteJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(a) = self.0.attributes.as_ref().filter(|a| !a.is_empty()) {
            m.serialize_entry("Attributes", &ItemJson(a))?;
        }
        if let Some(c) = &self.0.consumed_capacity {
            m.serialize_entry("ConsumedCapacity", &Capacity(c))?;
        }
        m.end()
    }
}

/// `GetItem`.
pub(crate) async fn get_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = get_input(&mut ck, req)?;
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    ck.finish()?;
    let out = b.get_item(input).await?;
    struct Out<'a>(&'a dynamodb_mapper::backend::GetItemOutput);
    impl Serialize for Out<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            if let Some(i) = &self.0.item {
                m.serialize_entry("Item", &ItemJson(i))?;
            }
            if let Some(c) = &self.0.consumed_capacity {
                m.serialize_entry("ConsumedCapacity", &Capacity(c))?;
            }
            m.end()
        }
    }
    to_body(&Out(&out))
}

/// `PutItem`.
pub(crate) async fn put_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = put_input(&mut ck, req)?;
    input.return_values = return_values(&mut ck, req)?;
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    req.item_collection_metrics(&mut ck)?;
    ck.finish()?;
    to_body(&WriteJson(&b.put_item(input).await?))
}

/// `UpdateItem`.
pub(crate) async fn update_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = update_input(&mut ck, req)?;
    input.return_values = return_values(&mut ck, req)?;
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    req.item_collection_metrics(&mut ck)?;
    ck.finish()?;
    to_body(&WriteJson(&b.update_item(input).await?))
}

/// `DeleteItem`.
pub(crate) async fn delete_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = delete_input(&mut ck, req)?;
    input.return_values = return_values(&mut ck, req)?;
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    req.item_collection_metrics(&mut ck)?;
    ck.finish()?;
    to_body(&WriteJson(&b.delete_item(input).await?))
}
