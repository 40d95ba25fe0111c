//! `UpdateTable`: billing, provisioned throughput, and global secondary
//! indexes created and deleted.

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{Backend, GlobalIndexUpdate, UpdateTable};
use dynamodb_mapper::{
    BillingMode, IndexDefinition, IndexKind, KeyAttribute, KeySchema, ScalarType,
};
use serde_json::json;

use super::tables::{attribute_definition, description_json, key_schema, projection, throughput};
use super::{Check, Obj, element, to_body};
use crate::Context;
use crate::error::ApiError;

/// The key of an index being created, typed by the request's attribute
/// definitions (DynamoDB's message for a key attribute without one).
fn typed_key(
    elements: &[(String, bool)],
    types: &BTreeMap<String, ScalarType>,
) -> Result<KeySchema, ApiError> {
    let attribute = |name: &str| -> Result<KeyAttribute, ApiError> {
        types
            .get(name)
            .map(|t| KeyAttribute::new(name, *t))
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "Attribute {name} is not defined in AttributeDefinitions"
                ))
            })
    };
    let Some((hash, true)) = elements.first() else {
        return Err(ApiError::validation(
            "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
        ));
    };
    if elements.len() > 2 {
        return Err(ApiError::validation(
            "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table",
        ));
    }
    Ok(KeySchema {
        hash: attribute(hash)?,
        range: elements.get(1).map(|(n, _)| attribute(n)).transpose()?,
    })
}

/// DynamoDB's message for table capacity given to an on-demand table.
const PAY_PER_REQUEST_CAPACITY: &str = "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST";

/// The update of an `UpdateTable` request.
fn update_table_input(req: &Obj<'_>) -> Result<UpdateTable, ApiError> {
    let mut ck = Check::default();
    let table = req.req_table(&mut ck)?.to_owned();
    let mut update = UpdateTable::new(table);
    let mut types = BTreeMap::new();
    let defined = req.list("AttributeDefinitions")?;
    if let Some(list) = defined {
        let path = req.at("AttributeDefinitions");
        for (i, v) in list.iter().enumerate() {
            let (n, t) = attribute_definition(&mut ck, &path, i, v)?;
            types.insert(n.clone(), t);
            update.attribute_definitions.push(KeyAttribute::new(n, t));
        }
    }
    let billing = req.enumeration(
        &mut ck,
        "BillingMode",
        &[("PROVISIONED", false), ("PAY_PER_REQUEST", true)],
    )?;
    let table_throughput = throughput(&mut ck, req)?;
    // Each create's key, typed once the whole request has been read.
    let mut keys: Vec<(usize, Vec<(String, bool)>)> = Vec::new();
    if let Some(list) = req.list("GlobalSecondaryIndexUpdates")? {
        let path = req.at("GlobalSecondaryIndexUpdates");
        for (i, v) in list.iter().enumerate() {
            let e = element(&path, i, v)?;
            // Each action an entry holds counts (DynamoDB Local refuses two
            // in one entry as two online index changes); an entry with none
            // is refused.
            let (create, delete, update_one) =
                (e.obj("Create")?, e.obj("Delete")?, e.obj("Update")?);
            if create.is_none() && delete.is_none() && update_one.is_none() {
                return Err(ApiError::validation(
                    "Update global secondary index action is null",
                ));
            }
            if let Some(c) = create {
                let name = c.req_str(&mut ck, "IndexName")?.to_owned();
                keys.push((update.index_updates.len(), key_schema(&mut ck, &c)?));
                let index = IndexDefinition {
                    name,
                    kind: IndexKind::Global,
                    key: KeySchema::hash(String::new(), ScalarType::S),
                    projection: projection(&mut ck, &c)?,
                    throughput: throughput(&mut ck, &c)?,
                };
                update.index_updates.push(GlobalIndexUpdate::Create(index));
            }
            if let Some(d) = delete {
                let name = d.req_str(&mut ck, "IndexName")?.to_owned();
                update.index_updates.push(GlobalIndexUpdate::Delete(name));
            }
            if let Some(u) = update_one {
                let name = u.req_str(&mut ck, "IndexName")?.to_owned();
                match throughput(&mut ck, &u)? {
                    Some(t) => update.index_updates.push(GlobalIndexUpdate::Update {
                        name,
                        throughput: t,
                    }),
                    None => ck.missing(&u.at("ProvisionedThroughput")),
                }
            }
        }
    }
    ck.finish()?;
    // Without definitions, the keys stay untyped: the backend refuses the
    // creation ("No Attribute Schema Defined") after the checks DynamoDB
    // Local makes first (such as one online index change at a time).
    for (at, elements) in keys.into_iter().filter(|_| defined.is_some()) {
        let key = typed_key(&elements, &types)?;
        if let Some(GlobalIndexUpdate::Create(index)) = update.index_updates.get_mut(at) {
            index.key = key;
        }
    }
    update.billing = match (billing, table_throughput) {
        (Some(true), Some(_)) => return Err(ApiError::validation(PAY_PER_REQUEST_CAPACITY)),
        (Some(true), None) => Some(BillingMode::PayPerRequest),
        (Some(false), None) => {
            return Err(ApiError::validation(
                "No provisioned throughput specified for the table",
            ));
        }
        (_, Some(t)) => Some(BillingMode::Provisioned(t)),
        (None, None) => None,
    };
    Ok(update)
}

/// `UpdateTable`.
pub(crate) async fn update_table(
    b: &dyn Backend,
    req: &Obj<'_>,
    cx: &Context,
) -> Result<Vec<u8>, ApiError> {
    let input = update_table_input(req)?;
    // Capacity without a billing mode keeps the table's mode: on an
    // on-demand table it is refused, as DynamoDB does (Local ignores it),
    // rather than switching the table to provisioned capacity unasked.
    if !req.has("BillingMode")
        && matches!(input.billing, Some(BillingMode::Provisioned(_)))
        && b.describe_table(&input.table).await?.definition.billing == BillingMode::PayPerRequest
    {
        return Err(ApiError::validation(PAY_PER_REQUEST_CAPACITY));
    }
    let d = b.update_table(input).await?;
    to_body(&json!({"TableDescription": description_json(&d, cx)}))
}
