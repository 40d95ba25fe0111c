//! Table operations: `CreateTable`, `DescribeTable`, `DeleteTable`,
//! `ListTables`, `UpdateTimeToLive`, `DescribeTimeToLive`.

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{
    Backend, IndexStatus, ListTables, TableDescription, TableStatus, TimeToLive,
    TimeToLiveDescription,
};
use dynamodb_mapper::{
    BillingMode, IndexDefinition, IndexKind, IndexProjection, KeyAttribute, KeySchema, ScalarType,
    TableDefinition, Throughput,
};
use serde_json::{Map, Value, json};

use super::{Check, Obj, Path, element, to_body};
use crate::Context;
use crate::error::ApiError;

const KEY_TYPES: &[(&str, bool)] = &[("HASH", true), ("RANGE", false)];

/// Reads a `KeySchema` list: (name, is hash) pairs, checked as DynamoDB does.
pub(super) fn key_schema(
    ck: &mut Check,
    parent: &Obj<'_>,
) -> Result<Vec<(String, bool)>, ApiError> {
    let Some(list) = parent.list("KeySchema")? else {
        ck.missing(&parent.at("KeySchema"));
        return Ok(Vec::new());
    };
    let path = parent.at("KeySchema");
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let e = element(&path, i, v)?;
        let name = e.req_str(ck, "AttributeName")?.to_owned();
        let hash = e.enumeration(ck, "KeyType", KEY_TYPES)?;
        if !e.has("KeyType") {
            ck.missing(&e.at("KeyType"));
        }
        out.push((name, hash.unwrap_or(true)));
    }
    Ok(out)
}

/// Whose key a `KeySchema` is, for DynamoDB Local's messages.
#[derive(Clone, Copy)]
enum Role<'a> {
    Table,
    /// A local index of a table whose hash key is this attribute.
    LocalIndex {
        table_hash: &'a str,
    },
    GlobalIndex,
}

/// Turns (name, is hash) pairs into a key schema, with DynamoDB's messages.
fn to_key_schema(
    elements: &[(String, bool)],
    types: &BTreeMap<String, ScalarType>,
    role: Role<'_>,
) -> Result<KeySchema, ApiError> {
    let invalid = |m: &str| Err(ApiError::validation(m));
    if elements.is_empty() {
        return invalid(
            "No defined key schema.  A key schema containing at least a hash key must be defined for all tables",
        );
    }
    if elements.len() > 2 {
        return invalid(
            "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table",
        );
    }
    let hashes = elements.iter().filter(|(_, h)| *h).count();
    if hashes == 0 {
        return invalid(
            "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key",
        );
    }
    if hashes > 1 {
        return invalid(
            "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key",
        );
    }
    if !elements[0].1 {
        return invalid(
            "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second",
        );
    }
    if elements.len() == 2 && elements[0].0 == elements[1].0 {
        return invalid("Two keys can not have the same name");
    }
    if let Role::LocalIndex { table_hash } = role
        && elements[0].0 != table_hash
    {
        return invalid("Local Secondary indices must have the same hash key as the main table");
    }
    let attribute = |name: &str, hash: bool| -> Result<KeyAttribute, ApiError> {
        match types.get(name) {
            Some(t) => Ok(KeyAttribute::new(name, *t)),
            // DynamoDB Local's messages, by the key's role.
            None => Err(ApiError::validation(match (role, hash) {
                (Role::Table, true) => {
                    "Hash Key not specified in Attribute Definitions.  Type unknown.".to_owned()
                }
                (Role::Table, false) => {
                    "Range Key not specified in Attribute Definitions.  Type unknown.".to_owned()
                }
                (Role::LocalIndex { .. }, _) => {
                    "Local Secondary Index range key not specified in Attribute Definitions.Type unknown."
                        .to_owned()
                }
                (Role::GlobalIndex, _) => {
                    format!("Attribute {name} is not defined in AttributeDefinitions")
                }
            })),
        }
    };
    Ok(KeySchema {
        hash: attribute(&elements[0].0, true)?,
        range: elements
            .get(1)
            .map(|(n, _)| attribute(n, false))
            .transpose()?,
    })
}

fn long(ck: &mut Check, o: &Obj<'_>, name: &str) -> Result<u64, ApiError> {
    match o.get(name) {
        None => {
            ck.missing(&o.at(name));
            Ok(0)
        }
        Some(v @ Value::Number(n)) => match n.as_i64() {
            Some(i) if i >= 0 => Ok(u64::try_from(i).unwrap_or(0)),
            Some(i) => {
                ck.violation(format!(
                    "Value '{i}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to 1",
                    o.at(name)
                ));
                Ok(0)
            }
            None => Err(super::wrong_type(v, "a Long", &o.at(name))),
        },
        Some(other) => Err(super::wrong_type(other, "a Long", &o.at(name))),
    }
}

pub(super) fn throughput(ck: &mut Check, parent: &Obj<'_>) -> Result<Option<Throughput>, ApiError> {
    let Some(t) = parent.obj("ProvisionedThroughput")? else {
        return Ok(None);
    };
    Ok(Some(Throughput {
        read_capacity_units: long(ck, &t, "ReadCapacityUnits")?,
        write_capacity_units: long(ck, &t, "WriteCapacityUnits")?,
    }))
}

pub(super) fn projection(ck: &mut Check, parent: &Obj<'_>) -> Result<IndexProjection, ApiError> {
    let Some(p) = parent.obj("Projection")? else {
        ck.missing(&parent.at("Projection"));
        return Ok(IndexProjection::All);
    };
    let kind = p.enumeration(
        ck,
        "ProjectionType",
        &[("ALL", 0), ("KEYS_ONLY", 1), ("INCLUDE", 2)],
    )?;
    let non_key: Option<Vec<String>> = match p.list("NonKeyAttributes")? {
        None => None,
        Some(list) => Some(
            list.iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(super::wrong_type(
                        other,
                        "String",
                        &p.at("NonKeyAttributes"),
                    )),
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    match (kind, non_key) {
        (None, _) if !p.has("ProjectionType") => Err(ApiError::validation(
            "Indexes must have a projection specified",
        )),
        (Some(2), None) => Err(ApiError::validation(
            "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well",
        )),
        (Some(2), Some(names)) => Ok(IndexProjection::Include(names)),
        (Some(_), Some(_)) => Err(ApiError::validation(
            "No attributes should be specified to be projected unless projection type is INCLUDE",
        )),
        (Some(1), None) => Ok(IndexProjection::KeysOnly),
        _ => Ok(IndexProjection::All),
    }
}

/// Members of `CreateTable` whose settings the library's table definition
/// cannot hold: refused unless they ask for DynamoDB's default.
fn refuse_features(req: &Obj<'_>) -> Result<(), ApiError> {
    let unsupported = |what: &str| {
        Err(ApiError::validation(format!(
            "Unsupported parameter {what}: this server does not implement it"
        )))
    };
    if let Some(s) = req.obj("StreamSpecification")?
        && s.bool("StreamEnabled")? == Some(true)
    {
        return unsupported("StreamSpecification.StreamEnabled=true (DynamoDB Streams)");
    }
    if let Some(s) = req.obj("SSESpecification")?
        && s.bool("Enabled")? == Some(true)
    {
        return unsupported("SSESpecification.Enabled=true (KMS encryption)");
    }
    if req.list("Tags")?.is_some_and(|t| !t.is_empty()) {
        return unsupported("Tags");
    }
    if req.str("TableClass")?.is_some_and(|c| c != "STANDARD") {
        return unsupported("TableClass (only STANDARD)");
    }
    if req.bool("DeletionProtectionEnabled")? == Some(true) {
        return unsupported("DeletionProtectionEnabled=true");
    }
    for m in [
        "WarmThroughput",
        "ResourcePolicy",
        "OnDemandThroughput",
        "GlobalTableSourceArn",
        "GlobalTableSettingsReplicationMode",
    ] {
        if req.has(m) {
            return unsupported(m);
        }
    }
    Ok(())
}

/// The table definition of a `CreateTable` request.
/// One entry of `AttributeDefinitions`: its name and type (a missing or
/// wrong type is recorded in `ck`; `S` stands in for it meanwhile).
pub(super) fn attribute_definition(
    ck: &mut Check,
    path: &Path<'_>,
    index: usize,
    value: &Value,
) -> Result<(String, ScalarType), ApiError> {
    let e = element(path, index, value)?;
    let n = e.req_str(ck, "AttributeName")?.to_owned();
    let t = e.enumeration(
        ck,
        "AttributeType",
        &[
            ("B", ScalarType::B),
            ("N", ScalarType::N),
            ("S", ScalarType::S),
        ],
    )?;
    if !e.has("AttributeType") {
        ck.missing(&e.at("AttributeType"));
    }
    Ok((n, t.unwrap_or(ScalarType::S)))
}

pub(crate) fn create_table_input(req: &Obj<'_>) -> Result<TableDefinition, ApiError> {
    let mut ck = Check::default();
    let name = req.req_table(&mut ck)?.to_owned();
    let mut types = BTreeMap::new();
    let mut duplicate = false;
    match req.list("AttributeDefinitions")? {
        None => ck.missing(&req.at("AttributeDefinitions")),
        Some(list) => {
            let path = req.at("AttributeDefinitions");
            for (i, v) in list.iter().enumerate() {
                let (n, t) = attribute_definition(&mut ck, &path, i, v)?;
                duplicate |= types.insert(n, t).is_some();
            }
        }
    }
    let table_key = key_schema(&mut ck, req)?;
    let billing = req.enumeration(
        &mut ck,
        "BillingMode",
        &[("PROVISIONED", false), ("PAY_PER_REQUEST", true)],
    )?;
    let table_throughput = throughput(&mut ck, req)?;
    let mut indexes = Vec::new();
    let mut no_globals = false;
    for (member, kind) in [
        ("LocalSecondaryIndexes", IndexKind::Local),
        ("GlobalSecondaryIndexes", IndexKind::Global),
    ] {
        let Some(list) = req.list(member)? else {
            continue;
        };
        // An empty list of global indexes is refused; of local ones, not.
        no_globals |= kind == IndexKind::Global && list.is_empty();
        let path = req.at(member);
        for (i, v) in list.iter().enumerate() {
            let e = element(&path, i, v)?;
            let index_name = e.req_str(&mut ck, "IndexName")?.to_owned();
            let key = key_schema(&mut ck, &e)?;
            let proj = projection(&mut ck, &e)?;
            let tp = if kind == IndexKind::Global {
                throughput(&mut ck, &e)?
            } else {
                None
            };
            if e.has("OnDemandThroughput") || e.has("WarmThroughput") {
                return Err(ApiError::validation(format!(
                    "Unsupported parameter OnDemandThroughput or WarmThroughput of index {index_name}: this server does not implement it"
                )));
            }
            indexes.push((index_name, kind, key, proj, tp));
        }
    }
    ck.finish()?;
    refuse_features(req)?;
    if no_globals {
        return Err(ApiError::validation("GSI list is empty/invalid"));
    }
    if let Some(s) = req.obj("StreamSpecification")?
        && s.bool("StreamEnabled")? == Some(false)
        && s.has("StreamViewType")
    {
        return Err(ApiError::validation(
            "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.",
        ));
    }
    if duplicate {
        return Err(ApiError::validation(
            "Cannot have two attributes with the same name",
        ));
    }
    if types.is_empty() {
        return Err(ApiError::validation("No Attribute Schema Defined"));
    }
    let key = to_key_schema(&table_key, &types, Role::Table)?;
    let mut used: std::collections::BTreeSet<String> = key.names().map(str::to_owned).collect();
    let mut definitions = Vec::new();
    for (index_name, kind, k, projection, tp) in indexes {
        let role = match kind {
            IndexKind::Local => Role::LocalIndex {
                table_hash: &key.hash.name,
            },
            IndexKind::Global => Role::GlobalIndex,
        };
        let k = to_key_schema(&k, &types, role)?;
        for n in k.names() {
            if !used.contains(n) {
                used.insert(n.to_owned());
            }
        }
        definitions.push(IndexDefinition {
            name: index_name,
            kind,
            key: k,
            projection,
            throughput: tp,
        });
    }
    if used.len() != types.len() {
        return Err(ApiError::validation(
            "The number of attributes in key schema must match the number of attributes defined in attribute definitions.",
        ));
    }
    let pay_per_request = billing == Some(true);
    let billing = match (pay_per_request, table_throughput) {
        (true, Some(_)) => {
            return Err(ApiError::validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        (true, None) => BillingMode::PayPerRequest,
        (false, Some(t)) => BillingMode::Provisioned(t),
        (false, None) => {
            return Err(ApiError::validation(
                "No provisioned throughput specified for the table",
            ));
        }
    };
    for index in &definitions {
        match (pay_per_request, index.kind, index.throughput) {
            (true, IndexKind::Global, Some(_)) => {
                return Err(ApiError::validation(format!(
                    "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {} when BillingMode is PAY_PER_REQUEST",
                    index.name
                )));
            }
            (false, IndexKind::Global, None) => {
                return Err(ApiError::validation(
                    "No provisioned throughput specified for the global secondary index",
                ));
            }
            _ => {}
        }
    }
    Ok(TableDefinition {
        name,
        key,
        indexes: definitions,
        billing,
        ttl_attribute: None,
    })
}

fn key_schema_json(k: &KeySchema) -> Value {
    let mut out = vec![json!({"AttributeName": k.hash.name, "KeyType": "HASH"})];
    if let Some(r) = &k.range {
        out.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
    }
    Value::Array(out)
}

fn projection_json(p: &IndexProjection) -> Value {
    match p {
        IndexProjection::All => json!({"ProjectionType": "ALL"}),
        IndexProjection::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        IndexProjection::Include(names) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
        }
    }
}

fn throughput_json(t: Option<&Throughput>) -> Value {
    let (r, w) = t.map_or((0, 0), |t| (t.read_capacity_units, t.write_capacity_units));
    json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": r, "WriteCapacityUnits": w})
}

fn index_status(s: IndexStatus) -> &'static str {
    match s {
        IndexStatus::Creating => "CREATING",
        IndexStatus::Updating => "UPDATING",
        IndexStatus::Deleting => "DELETING",
        IndexStatus::Active => "ACTIVE",
    }
}

/// A table description as DynamoDB writes it.
pub(crate) fn description_json(d: &TableDescription, cx: &Context) -> Value {
    let def = &d.definition;
    let arn = format!(
        "arn:aws:dynamodb:{}:000000000000:table/{}",
        cx.region, def.name
    );
    let created = d.created.map(|t| t.unix_millis() as f64 / 1000.0);
    let provisioned = match &def.billing {
        BillingMode::Provisioned(t) => Some(t),
        BillingMode::PayPerRequest => None,
    };
    let mut m = Map::new();
    m.insert(
        "AttributeDefinitions".into(),
        def.attribute_definitions()
            .iter()
            .map(|a| json!({"AttributeName": a.name, "AttributeType": a.scalar_type.as_str()}))
            .collect(),
    );
    m.insert("TableName".into(), json!(def.name));
    m.insert("KeySchema".into(), key_schema_json(&def.key));
    m.insert(
        "TableStatus".into(),
        json!(match d.status {
            TableStatus::Creating => "CREATING",
            TableStatus::Active => "ACTIVE",
            TableStatus::Updating => "UPDATING",
            TableStatus::Deleting => "DELETING",
        }),
    );
    if let Some(c) = created {
        m.insert("CreationDateTime".into(), json!(c));
    }
    m.insert("ProvisionedThroughput".into(), throughput_json(provisioned));
    m.insert("TableSizeBytes".into(), json!(d.size_bytes));
    m.insert("ItemCount".into(), json!(d.item_count));
    m.insert("TableArn".into(), json!(arn));
    // DynamoDB keeps the summary of a table that was ever on-demand, also
    // after a switch back to provisioned capacity.
    let on_demand_since = d.on_demand_since.map(|t| t.unix_millis() as f64 / 1000.0);
    if provisioned.is_none() || on_demand_since.is_some() {
        let mut b = Map::new();
        let mode = if provisioned.is_some() {
            "PROVISIONED"
        } else {
            "PAY_PER_REQUEST"
        };
        b.insert("BillingMode".into(), json!(mode));
        if let Some(t) = on_demand_since.or(created) {
            b.insert("LastUpdateToPayPerRequestDateTime".into(), json!(t));
        }
        m.insert("BillingModeSummary".into(), Value::Object(b));
    }
    let index = |i: &IndexDefinition| {
        let mut o = Map::new();
        o.insert("IndexName".into(), json!(i.name));
        o.insert("KeySchema".into(), key_schema_json(&i.key));
        o.insert("Projection".into(), projection_json(&i.projection));
        if i.kind == IndexKind::Global {
            let status = d.index_status(&i.name).unwrap_or(IndexStatus::Active);
            o.insert("IndexStatus".into(), json!(index_status(status)));
            if status == IndexStatus::Creating {
                o.insert("Backfilling".into(), json!(false));
            }
            let tp = provisioned.map(|t| i.throughput.as_ref().unwrap_or(t));
            o.insert("ProvisionedThroughput".into(), throughput_json(tp));
        }
        // Index sizes are not reported by the backends; DynamoDB refreshes
        // them only every six hours, so zero is an answer it gives too.
        o.insert("IndexSizeBytes".into(), json!(0));
        o.insert("ItemCount".into(), json!(0));
        o.insert("IndexArn".into(), json!(format!("{arn}/index/{}", i.name)));
        Value::Object(o)
    };
    let locals: Vec<Value> = def.local_indexes().map(index).collect();
    if !locals.is_empty() {
        m.insert("LocalSecondaryIndexes".into(), Value::Array(locals));
    }
    let mut globals: Vec<Value> = def.global_indexes().map(index).collect();
    globals.extend(
        d.global_indexes
            .iter()
            .filter(|i| i.status == IndexStatus::Deleting)
            .map(|i| {
                json!({
                    "IndexName": i.name,
                    "IndexStatus": "DELETING",
                    "IndexArn": format!("{arn}/index/{}", i.name),
                })
            }),
    );
    if !globals.is_empty() {
        m.insert("GlobalSecondaryIndexes".into(), Value::Array(globals));
    }
    m.insert("DeletionProtectionEnabled".into(), json!(false));
    Value::Object(m)
}

pub(super) fn table_name<'a>(req: &'a Obj<'a>) -> Result<&'a str, ApiError> {
    let mut ck = Check::default();
    let name = req.req_table(&mut ck)?;
    ck.finish()?;
    Ok(name)
}

/// `CreateTable`.
pub(crate) async fn create_table(
    b: &dyn Backend,
    req: &Obj<'_>,
    cx: &Context,
) -> Result<Vec<u8>, ApiError> {
    let def = create_table_input(req)?;
    let d = b.create_table(def).await?;
    to_body(&json!({"TableDescription": description_json(&d, cx)}))
}

/// `DescribeTable`.
pub(crate) async fn describe_table(
    b: &dyn Backend,
    req: &Obj<'_>,
    cx: &Context,
) -> Result<Vec<u8>, ApiError> {
    let d = b.describe_table(table_name(req)?).await?;
    to_body(&json!({"Table": description_json(&d, cx)}))
}

/// `DeleteTable`.
pub(crate) async fn delete_table(
    b: &dyn Backend,
    req: &Obj<'_>,
    cx: &Context,
) -> Result<Vec<u8>, ApiError> {
    let d = b.delete_table(table_name(req)?).await?;
    to_body(&json!({"TableDescription": description_json(&d, cx)}))
}

/// `ListTables`.
pub(crate) async fn list_tables(b: &dyn Backend, req: &Obj<'_>) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let input = ListTables {
        exclusive_start_table_name: req.string("ExclusiveStartTableName")?,
        limit: req.uint(&mut ck, "Limit", 1)?,
    };
    ck.finish()?;
    let out = b.list_tables(input).await?;
    let mut m = Map::new();
    m.insert("TableNames".into(), json!(out.table_names));
    if let Some(last) = out.last_evaluated_table_name {
        m.insert("LastEvaluatedTableName".into(), json!(last));
    }
    to_body(&m)
}

/// `UpdateTimeToLive`.
pub(crate) async fn update_time_to_live(
    b: &dyn Backend,
    req: &Obj<'_>,
) -> Result<Vec<u8>, ApiError> {
    let mut ck = Check::default();
    let table = req.req_table(&mut ck)?;
    let (attribute, enabled) = match req.obj("TimeToLiveSpecification")? {
        None => {
            ck.missing(&req.at("TimeToLiveSpecification"));
            (String::new(), false)
        }
        Some(spec) => {
            let enabled = spec.bool("Enabled")?;
            if enabled.is_none() {
                ck.missing(&spec.at("Enabled"));
            }
            let attribute = spec.req_str(&mut ck, "AttributeName")?.to_owned();
            (attribute, enabled.unwrap_or(false))
        }
    };
    ck.finish()?;
    let out = b
        .update_time_to_live(table, TimeToLive { attribute, enabled })
        .await?;
    to_body(&json!({"TimeToLiveSpecification": {
        "AttributeName": out.attribute,
        "Enabled": out.enabled,
    }}))
}

/// `DescribeTimeToLive`.
pub(crate) async fn describe_time_to_live(
    b: &dyn Backend,
    req: &Obj<'_>,
) -> Result<Vec<u8>, ApiError> {
    let TimeToLiveDescription { enabled, attribute } =
        b.describe_time_to_live(table_name(req)?).await?;
    let mut d = Map::new();
    d.insert(
        "TimeToLiveStatus".into(),
        json!(if enabled { "ENABLED" } else { "DISABLED" }),
    );
    if let Some(a) = attribute {
        d.insert("AttributeName".into(), json!(a));
    }
    to_body(&json!({"TimeToLiveDescription": d}))
}
