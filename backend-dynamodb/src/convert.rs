//! Exact conversions between the neutral data model and the SDK's types.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::{
    ConsumedCapacity, IndexDescription, IndexStatus, ReturnConsumedCapacity, ReturnValues, Select,
};
use dynamodb_mapper::{
    AttributeValue, BillingMode, Error, IndexDefinition, IndexKind, IndexProjection, Item,
    KeyAttribute, KeySchema, Number, ScalarType, TableDefinition, Throughput,
};

/// Values nested deeper than this are refused before the SDK sees them
/// (DynamoDB's own limit is 32 levels; the SDK's serializer recurses).
const MAX_DEPTH: usize = 64;

/// A neutral value as the SDK's: numbers go as their exact text. A value
/// nested deeper than DynamoDB could store is refused with DynamoDB's
/// message, before anything is sent.
pub(crate) fn to_sdk(v: &AttributeValue) -> Result<sdk::AttributeValue, Error> {
    to_sdk_at(v, 0)
}

fn to_sdk_at(v: &AttributeValue, depth: usize) -> Result<sdk::AttributeValue, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::limit(
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
        ));
    }
    Ok(match v {
        AttributeValue::S(s) => sdk::AttributeValue::S(s.clone()),
        AttributeValue::N(n) => sdk::AttributeValue::N(n.as_str().to_owned()),
        AttributeValue::B(b) => sdk::AttributeValue::B(Blob::new(b.clone())),
        AttributeValue::Ss(v) => sdk::AttributeValue::Ss(v.clone()),
        AttributeValue::Ns(v) => {
            sdk::AttributeValue::Ns(v.iter().map(|n| n.as_str().to_owned()).collect())
        }
        AttributeValue::Bs(v) => {
            sdk::AttributeValue::Bs(v.iter().map(|b| Blob::new(b.clone())).collect())
        }
        AttributeValue::M(m) => sdk::AttributeValue::M(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), to_sdk_at(v, depth + 1)?)))
                .collect::<Result<_, Error>>()?,
        ),
        AttributeValue::L(l) => sdk::AttributeValue::L(
            l.iter()
                .map(|v| to_sdk_at(v, depth + 1))
                .collect::<Result<_, Error>>()?,
        ),
        AttributeValue::Bool(b) => sdk::AttributeValue::Bool(*b),
        AttributeValue::Null => sdk::AttributeValue::Null(true),
    })
}

fn bad_number(text: &str, e: dynamodb_mapper::NumberError) -> Error {
    Error::Backend {
        message: format!("DynamoDB returned a number that is not one: {text}"),
        source: Some(Box::new(e)),
    }
}

/// The SDK's value as a neutral one; numbers are parsed exactly.
pub(crate) fn from_sdk(v: sdk::AttributeValue) -> Result<AttributeValue, Error> {
    Ok(match v {
        sdk::AttributeValue::S(s) => AttributeValue::S(s),
        sdk::AttributeValue::N(n) => {
            AttributeValue::N(Number::parse(&n).map_err(|e| bad_number(&n, e))?)
        }
        sdk::AttributeValue::B(b) => AttributeValue::B(b.into_inner()),
        sdk::AttributeValue::Ss(v) => AttributeValue::Ss(v),
        sdk::AttributeValue::Ns(v) => AttributeValue::Ns(
            v.into_iter()
                .map(|n| Number::parse(&n).map_err(|e| bad_number(&n, e)))
                .collect::<Result<_, _>>()?,
        ),
        sdk::AttributeValue::Bs(v) => {
            AttributeValue::Bs(v.into_iter().map(Blob::into_inner).collect())
        }
        sdk::AttributeValue::M(m) => AttributeValue::M(
            m.into_iter()
                .map(|(k, v)| Ok((k, from_sdk(v)?)))
                .collect::<Result<BTreeMap<_, _>, Error>>()?,
        ),
        sdk::AttributeValue::L(l) => {
            AttributeValue::L(l.into_iter().map(from_sdk).collect::<Result<_, _>>()?)
        }
        sdk::AttributeValue::Bool(b) => AttributeValue::Bool(b),
        sdk::AttributeValue::Null(_) => AttributeValue::Null,
        other => {
            return Err(Error::Backend {
                message: format!(
                    "DynamoDB returned a value type this library does not know: {other:?}"
                ),
                source: None,
            });
        }
    })
}

pub(crate) fn item_to_sdk(item: &Item) -> Result<HashMap<String, sdk::AttributeValue>, Error> {
    item.iter()
        .map(|(k, v)| Ok((k.clone(), to_sdk(v)?)))
        .collect()
}

pub(crate) fn item_from_sdk(item: HashMap<String, sdk::AttributeValue>) -> Result<Item, Error> {
    item.into_iter()
        .map(|(k, v)| Ok((k, from_sdk(v)?)))
        .collect::<Result<BTreeMap<_, _>, Error>>()
        .map(Item::from)
}

pub(crate) fn opt_item_from_sdk(
    item: Option<HashMap<String, sdk::AttributeValue>>,
) -> Result<Option<Item>, Error> {
    item.map(item_from_sdk).transpose()
}

/// `None` for an empty map: DynamoDB refuses empty placeholder maps.
pub(crate) fn names(names: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!names.is_empty()).then(|| names.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

pub(crate) fn values(
    values: &BTreeMap<String, AttributeValue>,
) -> Result<Option<HashMap<String, sdk::AttributeValue>>, Error> {
    if values.is_empty() {
        return Ok(None);
    }
    values
        .iter()
        .map(|(k, v)| Ok((k.clone(), to_sdk(v)?)))
        .collect::<Result<_, Error>>()
        .map(Some)
}

/// `None` for DynamoDB's default (`NONE`): requests carry only what differs
/// from the defaults, as a hand-written SDK call would.
pub(crate) fn return_values(rv: ReturnValues) -> Option<sdk::ReturnValue> {
    match rv {
        ReturnValues::None => None,
        ReturnValues::AllOld => Some(sdk::ReturnValue::AllOld),
        ReturnValues::UpdatedOld => Some(sdk::ReturnValue::UpdatedOld),
        ReturnValues::AllNew => Some(sdk::ReturnValue::AllNew),
        ReturnValues::UpdatedNew => Some(sdk::ReturnValue::UpdatedNew),
    }
}

pub(crate) fn on_condition_failure(yes: bool) -> Option<sdk::ReturnValuesOnConditionCheckFailure> {
    yes.then_some(sdk::ReturnValuesOnConditionCheckFailure::AllOld)
}

/// The consumed capacity to ask for: what the caller asked, or the total
/// when a tracing subscriber records it on the operation's span (asking
/// costs the server work, so it is not asked for when nobody listens).
pub(crate) fn rcc(asked: ReturnConsumedCapacity) -> Option<sdk::ReturnConsumedCapacity> {
    match asked {
        ReturnConsumedCapacity::Indexes => Some(sdk::ReturnConsumedCapacity::Indexes),
        ReturnConsumedCapacity::Total => Some(sdk::ReturnConsumedCapacity::Total),
        ReturnConsumedCapacity::None => {
            tracing::enabled!(target: "dynamodb_mapper::database_access", tracing::Level::INFO)
                .then_some(sdk::ReturnConsumedCapacity::Total)
        }
    }
}

pub(crate) fn select(s: Select) -> sdk::Select {
    match s {
        Select::AllAttributes => sdk::Select::AllAttributes,
        Select::AllProjectedAttributes => sdk::Select::AllProjectedAttributes,
        Select::SpecificAttributes => sdk::Select::SpecificAttributes,
        Select::Count => sdk::Select::Count,
    }
}

/// The consumed capacity of a multi-table answer, per table.
pub(crate) fn capacities(
    c: Option<Vec<sdk::ConsumedCapacity>>,
    asked: ReturnConsumedCapacity,
) -> Vec<ConsumedCapacity> {
    c.unwrap_or_default()
        .iter()
        .filter_map(|c| capacity(c, asked))
        .collect()
}

pub(crate) fn capacity(
    c: &sdk::ConsumedCapacity,
    asked: ReturnConsumedCapacity,
) -> Option<ConsumedCapacity> {
    if asked == ReturnConsumedCapacity::None {
        return None;
    }
    let units = |m: Option<&HashMap<String, sdk::Capacity>>| -> BTreeMap<String, f64> {
        m.map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.capacity_units().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default()
    };
    Some(ConsumedCapacity {
        table: c.table_name().unwrap_or_default().to_owned(),
        capacity_units: c.capacity_units().unwrap_or(0.0),
        table_units: c.table().and_then(|t| t.capacity_units()),
        global_indexes: units(c.global_secondary_indexes()),
        local_indexes: units(c.local_secondary_indexes()),
    })
}

pub(crate) fn scalar(t: ScalarType) -> sdk::ScalarAttributeType {
    match t {
        ScalarType::S => sdk::ScalarAttributeType::S,
        ScalarType::N => sdk::ScalarAttributeType::N,
        ScalarType::B => sdk::ScalarAttributeType::B,
    }
}

pub(crate) fn build_err(e: aws_sdk_dynamodb::error::BuildError) -> Error {
    Error::invalid(format!("could not build the request: {e}"))
}

pub(crate) fn key_schema(k: &KeySchema) -> Result<Vec<sdk::KeySchemaElement>, Error> {
    let mut out = vec![
        sdk::KeySchemaElement::builder()
            .attribute_name(&k.hash.name)
            .key_type(sdk::KeyType::Hash)
            .build()
            .map_err(build_err)?,
    ];
    if let Some(r) = &k.range {
        out.push(
            sdk::KeySchemaElement::builder()
                .attribute_name(&r.name)
                .key_type(sdk::KeyType::Range)
                .build()
                .map_err(build_err)?,
        );
    }
    Ok(out)
}

pub(crate) fn projection(p: &IndexProjection) -> sdk::Projection {
    match p {
        IndexProjection::All => sdk::Projection::builder()
            .projection_type(sdk::ProjectionType::All)
            .build(),
        IndexProjection::KeysOnly => sdk::Projection::builder()
            .projection_type(sdk::ProjectionType::KeysOnly)
            .build(),
        IndexProjection::Include(names) => sdk::Projection::builder()
            .projection_type(sdk::ProjectionType::Include)
            .set_non_key_attributes(Some(names.clone()))
            .build(),
    }
}

pub(crate) fn throughput(t: &Throughput) -> Result<sdk::ProvisionedThroughput, Error> {
    sdk::ProvisionedThroughput::builder()
        .read_capacity_units(i64::try_from(t.read_capacity_units).unwrap_or(i64::MAX))
        .write_capacity_units(i64::try_from(t.write_capacity_units).unwrap_or(i64::MAX))
        .build()
        .map_err(build_err)
}

/// The parts of a `CreateTable` request.
pub(crate) struct CreateParts {
    pub key_schema: Vec<sdk::KeySchemaElement>,
    pub attributes: Vec<sdk::AttributeDefinition>,
    pub globals: Vec<sdk::GlobalSecondaryIndex>,
    pub locals: Vec<sdk::LocalSecondaryIndex>,
    pub billing: sdk::BillingMode,
    pub throughput: Option<sdk::ProvisionedThroughput>,
}

pub(crate) fn create_parts(def: &TableDefinition) -> Result<CreateParts, Error> {
    let table_throughput = match &def.billing {
        BillingMode::Provisioned(t) => Some(*t),
        BillingMode::PayPerRequest => None,
    };
    let attributes = def
        .attribute_definitions()
        .into_iter()
        .map(|a| {
            sdk::AttributeDefinition::builder()
                .attribute_name(a.name)
                .attribute_type(scalar(a.scalar_type))
                .build()
                .map_err(build_err)
        })
        .collect::<Result<_, _>>()?;
    let mut globals = Vec::new();
    let mut locals = Vec::new();
    for i in &def.indexes {
        match i.kind {
            IndexKind::Global => {
                let tp = i
                    .throughput
                    .or(table_throughput)
                    .map(|t| throughput(&t))
                    .transpose()?;
                globals.push(
                    sdk::GlobalSecondaryIndex::builder()
                        .index_name(&i.name)
                        .set_key_schema(Some(key_schema(&i.key)?))
                        .projection(projection(&i.projection))
                        .set_provisioned_throughput(tp)
                        .build()
                        .map_err(build_err)?,
                );
            }
            IndexKind::Local => locals.push(
                sdk::LocalSecondaryIndex::builder()
                    .index_name(&i.name)
                    .set_key_schema(Some(key_schema(&i.key)?))
                    .projection(projection(&i.projection))
                    .build()
                    .map_err(build_err)?,
            ),
        }
    }
    Ok(CreateParts {
        key_schema: key_schema(&def.key)?,
        attributes,
        globals,
        locals,
        billing: if table_throughput.is_some() {
            sdk::BillingMode::Provisioned
        } else {
            sdk::BillingMode::PayPerRequest
        },
        throughput: table_throughput.map(|t| throughput(&t)).transpose()?,
    })
}

fn from_key_schema(
    elements: &[sdk::KeySchemaElement],
    types: &HashMap<&str, ScalarType>,
) -> Result<KeySchema, Error> {
    let attr = |kt: sdk::KeyType| -> Option<KeyAttribute> {
        elements.iter().find(|e| *e.key_type() == kt).map(|e| {
            let name = e.attribute_name();
            KeyAttribute::new(name, types.get(name).copied().unwrap_or(ScalarType::S))
        })
    };
    let hash = attr(sdk::KeyType::Hash).ok_or_else(|| Error::Backend {
        message: "DynamoDB described a table without a hash key".to_owned(),
        source: None,
    })?;
    Ok(KeySchema {
        hash,
        range: attr(sdk::KeyType::Range),
    })
}

fn from_projection(p: Option<&sdk::Projection>) -> IndexProjection {
    match p.and_then(|p| p.projection_type()) {
        Some(sdk::ProjectionType::KeysOnly) => IndexProjection::KeysOnly,
        Some(sdk::ProjectionType::Include) => IndexProjection::Include(
            p.map(|p| p.non_key_attributes().to_vec())
                .unwrap_or_default(),
        ),
        _ => IndexProjection::All,
    }
}

fn from_throughput(t: Option<&sdk::ProvisionedThroughputDescription>) -> Option<Throughput> {
    let t = t?;
    let (r, w) = (t.read_capacity_units()?, t.write_capacity_units()?);
    (r > 0 || w > 0).then(|| Throughput {
        read_capacity_units: u64::try_from(r).unwrap_or(0),
        write_capacity_units: u64::try_from(w).unwrap_or(0),
    })
}

/// A table definition from DynamoDB's description (without the TTL attribute).
pub(crate) fn definition(t: &sdk::TableDescription) -> Result<TableDefinition, Error> {
    let types: HashMap<&str, ScalarType> = t
        .attribute_definitions()
        .iter()
        .map(|a| {
            let st = match a.attribute_type() {
                sdk::ScalarAttributeType::N => ScalarType::N,
                sdk::ScalarAttributeType::B => ScalarType::B,
                _ => ScalarType::S,
            };
            (a.attribute_name(), st)
        })
        .collect();
    let pay_per_request = matches!(
        t.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(sdk::BillingMode::PayPerRequest)
    );
    let mut indexes = Vec::new();
    // An index being deleted is no longer the table's (its state is in
    // the description's `global_indexes`).
    for g in t
        .global_secondary_indexes()
        .iter()
        .filter(|g| g.index_status() != Some(&sdk::IndexStatus::Deleting))
    {
        indexes.push(IndexDefinition {
            name: g.index_name().unwrap_or_default().to_owned(),
            kind: IndexKind::Global,
            key: from_key_schema(g.key_schema(), &types)?,
            projection: from_projection(g.projection()),
            // DynamoDB Local keeps an index's former capacity on an
            // on-demand table; an on-demand index has none.
            throughput: if pay_per_request {
                None
            } else {
                from_throughput(g.provisioned_throughput())
            },
        });
    }
    for l in t.local_secondary_indexes() {
        indexes.push(IndexDefinition {
            name: l.index_name().unwrap_or_default().to_owned(),
            kind: IndexKind::Local,
            key: from_key_schema(l.key_schema(), &types)?,
            projection: from_projection(l.projection()),
            throughput: None,
        });
    }
    let billing = match (pay_per_request, from_throughput(t.provisioned_throughput())) {
        (false, Some(tp)) => BillingMode::Provisioned(tp),
        _ => BillingMode::PayPerRequest,
    };
    Ok(TableDefinition {
        name: t.table_name().unwrap_or_default().to_owned(),
        key: from_key_schema(t.key_schema(), &types)?,
        indexes,
        billing,
        ttl_attribute: None,
    })
}

/// The state of each global index of a described table.
pub(crate) fn index_descriptions(t: &sdk::TableDescription) -> Vec<IndexDescription> {
    t.global_secondary_indexes()
        .iter()
        .map(|g| IndexDescription {
            name: g.index_name().unwrap_or_default().to_owned(),
            status: match g.index_status() {
                Some(sdk::IndexStatus::Creating) => IndexStatus::Creating,
                Some(sdk::IndexStatus::Updating) => IndexStatus::Updating,
                Some(sdk::IndexStatus::Deleting) => IndexStatus::Deleting,
                _ => IndexStatus::Active,
            },
            backfilling: g.backfilling().unwrap_or(false),
            item_count: g.item_count().and_then(|n| u64::try_from(n).ok()),
            size_bytes: g.index_size_bytes().and_then(|n| u64::try_from(n).ok()),
        })
        .collect()
}
