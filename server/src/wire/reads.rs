//! Reads of many items: `Query`, `Scan`, `BatchGetItem`.

use std::collections::BTreeMap;

use dynamodb_mapper::Item;
use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchGetOutput, KeysAndAttributes, Page, Query, Scan, Segment, Select,
};
use serde::Serialize;
use serde::ser::SerializeMap;

use super::value::{ItemJson, ItemsJson, item_from_json};
use super::{Capacities, Capacity, Check, Obj, entry, to_body};
use crate::error::ApiError;

fn select(ck: &mut Check, req: &Obj<'_>) -> Result<Option<Select>, ApiError> {
    req.enumeration(
        ck,
        "Select",
        &[
            ("ALL_ATTRIBUTES", Select::AllAttributes),
            ("ALL_PROJECTED_ATTRIBUTES", Select::AllProjectedAttributes),
            ("SPECIFIC_ATTRIBUTES", Select::SpecificAttributes),
            ("COUNT", Select::Count),
        ],
    )
}

/// One page of a query or scan, as DynamoDB writes it.
struct PageJson<'a> {
    page: &'a Page,
    count_only: bool,
}

impl Serialize for PageJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.page;
        let mut m = s.serialize_map(None)?;
        if !self.count_only {
            m.serialize_entry("Items", &ItemsJson(&p.items))?;
        }
        m.serialize_entry("Count", &p.count)?;
        m.serialize_entry("ScannedCount", &p.scanned_count)?;
        if let Some(k) = &p.last_evaluated_key {
            m.serialize_entry("LastEvaluatedKey", &ItemJson(k))?;
        }
        if let Some(c) = &p.consumed_capacity {
            m.serialize_entry("ConsumedCapacity", &Capacity(c))?;
        }
        m.end()
    }
}

/// `Query`.
pub(crate) async fn query(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let table = req.req_table(&mut ck)?;
    let key_condition = req.str("KeyConditionExpression")?;
    let mut q = Query::with_expression(table, key_condition.unwrap_or(""));
    q.index = req.string("IndexName")?;
    q.filter_expression = req.string("FilterExpression")?;
    q.projection_expression = req.string("ProjectionExpression")?;
    q.expression_attributes = req.expression_attributes(true)?;
    q.select = select(&mut ck, req)?;
    q.limit = req.uint(&mut ck, "Limit", 1)?;
    q.exclusive_start_key = req.item("ExclusiveStartKey")?;
    q.scan_index_forward = req.bool("ScanIndexForward")?.unwrap_or(true);
    q.consistent_read = req.bool("ConsistentRead")?.unwrap_or(false);
    q.return_consumed_capacity = req.rcc(&mut ck)?;
    ck.finish()?;
    if key_condition.is_none() {
        return Err(ApiError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ));
    }
    let count_only = q.select == Some(Select::Count);
    let page = b.query(q).await?;
    to_body(&PageJson {
        page: &page,
        count_only,
    })
}

/// `Scan`.
pub(crate) async fn scan(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut s = Scan::new(req.req_table(&mut ck)?);
    s.index = req.string("IndexName")?;
    s.filter_expression = req.string("FilterExpression")?;
    s.projection_expression = req.string("ProjectionExpression")?;
    s.expression_attributes = req.expression_attributes(true)?;
    s.select = select(&mut ck, req)?;
    s.limit = req.uint(&mut ck, "Limit", 1)?;
    s.exclusive_start_key = req.item("ExclusiveStartKey")?;
    s.consistent_read = req.bool("ConsistentRead")?.unwrap_or(false);
    s.return_consumed_capacity = req.rcc(&mut ck)?;
    let segment = req.uint(&mut ck, "Segment", 0)?;
    let total = req.uint(&mut ck, "TotalSegments", 1)?;
    ck.finish()?;
    s.segment = match (segment, total) {
        (Some(segment), Some(total)) => Some(Segment { segment, total }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ));
        }
    };
    let count_only = s.select == Some(Select::Count);
    let page = b.scan(s).await?;
    to_body(&PageJson {
        page: &page,
        count_only,
    })
}

/// Keys and their read settings for one table, as DynamoDB writes them.
pub(crate) struct KeysJson<'a>(pub(crate) &'a KeysAndAttributes);

impl Serialize for KeysJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Keys", &ItemsJson(&k.keys))?;
        if k.consistent_read {
            m.serialize_entry("ConsistentRead", &true)?;
        }
        if let Some(p) = &k.projection_expression {
            m.serialize_entry("ProjectionExpression", p)?;
        }
        if !k.expression_attribute_names.is_empty() {
            m.serialize_entry("ExpressionAttributeNames", &k.expression_attribute_names)?;
        }
        m.end()
    }
}

// `Tables` maps `&Vec<Item>` values: a slice would not fit its signature.
#[allow(clippy::ptr_arg)]
fn items_json(items: &Vec<Item>) -> ItemsJson<'_> {
    ItemsJson(items)
}

struct BatchGetJson<'a>(&'a BatchGetOutput);

impl Serialize for BatchGetJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Responses", &Tables(&o.responses, items_json))?;
        m.serialize_entry("UnprocessedKeys", &Tables(&o.unprocessed_keys, KeysJson))?;
        if !o.consumed_capacity.is_empty() {
            m.serialize_entry("ConsumedCapacity", &Capacities(&o.consumed_capacity))?;
        }
        m.end()
    }
}

/// A map of table name to something written with `F`.
pub(crate) struct Tables<'a, T, F>(pub(crate) &'a BTreeMap<String, T>, pub(crate) F);

impl<'a, T, R: Serialize, F: Fn(&'a T) -> R> Serialize for Tables<'a, T, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, (self.1)(v))))
    }
}

/// `BatchGetItem`.
pub(crate) async fn batch_get_item(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let mut input = BatchGet::new();
    match req.map("RequestItems")? {
        None => ck.missing(&req.at("RequestItems")),
        Some(tables) => {
            let path = req.at("RequestItems");
            for (table, v) in tables {
                let t = entry(&path, table, v)?;
                let mut ka = KeysAndAttributes {
                    consistent_read: t.bool("ConsistentRead")?.unwrap_or(false),
                    projection_expression: t.string("ProjectionExpression")?,
                    expression_attribute_names: t.names()?,
                    keys: Vec::new(),
                };
                match t.list("Keys")? {
                    None => ck.missing(&t.at("Keys")),
                    Some(keys) => {
                        let at = t.at("Keys");
                        for k in keys {
                            ka.keys.push(item_from_json(k, &at)?);
                        }
                    }
                }
                input.tables.insert(table.clone(), ka);
            }
        }
    }
    input.return_consumed_capacity = req.rcc(&mut ck)?;
    ck.finish()?;
    let out = b.batch_get_item(input).await?;
    to_body(&BatchGetJson(&out))
}
