//! Reading DynamoDB's JSON requests and writing its JSON answers.
//!
//! A request body is parsed once into a [`serde_json::Value`] (serde_json
//! refuses more than 128 levels of nesting, so no input can exhaust the
//! stack), then read through [`Obj`], which knows where it is in the
//! request: a member of the wrong JSON type is a `SerializationException`,
//! a missing required member or a value outside an enumeration is a
//! `ValidationException` in DynamoDB's words ("1 validation error detected:
//! Value null at 'tableName' failed to satisfy constraint: Member must not
//! be null"), collected over the whole request as DynamoDB does.

pub(crate) mod items;
pub(crate) mod legacy;
pub(crate) mod reads;
pub(crate) mod tables;
pub(crate) mod transact;
pub(crate) mod update_table;
pub(crate) mod value;

use std::collections::BTreeMap;
use std::fmt;

use dynamodb_mapper::Item;
use dynamodb_mapper::backend::{ConsumedCapacity, ReturnConsumedCapacity};
use dynamodb_mapper::expr::ExpressionAttributes;
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Where a member is in the request, for messages: `transactItems.1.member.put.key`.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
pub(crate) enum Segment<'a> {
    Root,
    Member(&'a str),
    Index(usize),
    Key(&'a str),
}

impl<'a> Path<'a> {
    /// The request itself.
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };

    pub(crate) fn child(&'a self, segment: Segment<'a>) -> Path<'a> {
        Path {
            parent: Some(self),
            segment,
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            write!(f, "{p}")?;
            if !matches!(p.segment, Segment::Root) {
                f.write_str(".")?;
            }
        }
        match self.segment {
            Segment::Root => Ok(()),
            // DynamoDB names members in lower camel case in its messages.
            Segment::Member(m) => {
                let mut chars = m.chars();
                if let Some(c) = chars.next() {
                    write!(f, "{}{}", c.to_ascii_lowercase(), chars.as_str())?;
                }
                Ok(())
            }
            Segment::Index(i) => write!(f, "{}.member", i + 1),
            Segment::Key(k) => write!(f, "{k}.member"),
        }
    }
}

/// The constraint violations of one request, reported together.
#[derive(Default)]
pub(crate) struct Check {
    violations: Vec<String>,
    /// Violations found, listed or not.
    count: usize,
}

/// The most violations a message lists (all are counted): a request of
/// 16 MB of empty entries would otherwise be answered hundreds of MB.
const MAX_LISTED_VIOLATIONS: usize = 100;

impl Check {
    /// Records a violation.
    pub(crate) fn violation(&mut self, text: String) {
        self.count += 1;
        if self.violations.len() < MAX_LISTED_VIOLATIONS {
            self.violations.push(text);
        }
    }

    /// A required member is missing.
    pub(crate) fn missing(&mut self, path: &Path<'_>) {
        self.violation(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    /// Ok when nothing was violated; DynamoDB's combined message otherwise.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        let unlisted = match self.count - self.violations.len() {
            0 => String::new(),
            n => format!("; and {n} more"),
        };
        match self.count {
            0 => Ok(()),
            1 => Err(ApiError::validation(format!(
                "1 validation error detected: {}",
                self.violations[0]
            ))),
            n => Err(ApiError::validation(format!(
                "{n} validation errors detected: {}{unlisted}",
                self.violations.join("; ")
            ))),
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// The `SerializationException` of a member of the wrong JSON type.
pub(crate) fn wrong_type(v: &Value, expected: &str, path: &Path<'_>) -> ApiError {
    let found = match v {
        Value::Object(_) => "Start of structure or map found where not expected".to_owned(),
        Value::Array(_) => "Start of list found where not expected".to_owned(),
        other => format!("{} can not be converted to {expected}", json_kind(other)),
    };
    if matches!(path.segment, Segment::Root) {
        ApiError::serialization(format!("{found}: the request body must be a JSON object"))
    } else {
        ApiError::serialization(format!("{found} (at '{path}')"))
    }
}

/// True for a `TableName` no table could have (an ARN is left to the
/// engine, which resolves it).
pub(crate) fn is_bad_table_name(name: &str) -> bool {
    !name.starts_with("arn:") && !dynamodb_mapper::rules::is_valid_table_name(name)
}

/// One JSON object of the request, and where it is.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: Path<'a>,
}

impl<'a> Obj<'a> {
    /// The request's top-level object.
    pub(crate) fn root(value: &'a Value) -> Result<Obj<'a>, ApiError> {
        match value {
            Value::Object(map) => Ok(Obj {
                map,
                path: Path::ROOT,
            }),
            other => Err(wrong_type(other, "a structure", &Path::ROOT)),
        }
    }

    /// The object's own path.
    pub(crate) fn path(&self) -> &Path<'a> {
        &self.path
    }

    /// A member's path.
    pub(crate) fn at<'b>(&'b self, name: &'b str) -> Path<'b> {
        self.path.child(Segment::Member(name))
    }

    /// A member, `None` when absent or JSON `null` (DynamoDB reads both as absent).
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// True when the member is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An optional string member.
    pub(crate) fn str(&self, name: &'a str) -> Result<Option<&'a str>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(other, "String", &self.at(name))),
        }
    }

    /// A required string member ("" and a violation when missing).
    pub(crate) fn req_str(&self, ck: &mut Check, name: &'a str) -> Result<&'a str, ApiError> {
        let s = self.str(name)?;
        if s.is_none() {
            ck.missing(&self.at(name));
        }
        Ok(s.unwrap_or(""))
    }

    /// The request's `TableName`. A name no table could have is refused at
    /// once, before any other fault of the request, as DynamoDB Local
    /// does (an ARN is left to the engine, which resolves it).
    pub(crate) fn req_table(&self, ck: &mut Check) -> Result<&'a str, ApiError> {
        let name = self.req_str(ck, "TableName")?;
        if self.has("TableName") && is_bad_table_name(name) {
            return Err(ApiError::validation(
                dynamodb_mapper::rules::INVALID_TABLE_NAME,
            ));
        }
        Ok(name)
    }

    /// An optional string member, owned.
    pub(crate) fn string(&self, name: &'a str) -> Result<Option<String>, ApiError> {
        Ok(self.str(name)?.map(str::to_owned))
    }

    /// An optional boolean member.
    pub(crate) fn bool(&self, name: &'a str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(other, "Boolean", &self.at(name))),
        }
    }

    /// An optional integer member (DynamoDB's integers are 32-bit).
    pub(crate) fn int(&self, name: &'a str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => match n.as_i64() {
                Some(i) if i32::try_from(i).is_ok() => Ok(Some(i)),
                _ => Err(wrong_type(v, "an Integer", &self.at(name))),
            },
            Some(other) => Err(wrong_type(other, "an Integer", &self.at(name))),
        }
    }

    /// An optional non-negative integer member, as `u32`. A negative value
    /// is a violation of the member's lower bound `min`; values from zero
    /// up go to the backend, which checks the bound with its own message.
    pub(crate) fn uint(
        &self,
        ck: &mut Check,
        name: &'a str,
        min: i64,
    ) -> Result<Option<u32>, ApiError> {
        let Some(i) = self.int(name)? else {
            return Ok(None);
        };
        if i < 0 {
            ck.violation(format!(
                "Value '{i}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to {min}",
                self.at(name)
            ));
            return Ok(None);
        }
        Ok(u32::try_from(i).ok())
    }

    /// An optional object member.
    pub(crate) fn obj<'b>(&'b self, name: &'b str) -> Result<Option<Obj<'b>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj {
                map,
                path: self.at(name),
            })),
            Some(other) => Err(wrong_type(other, "a structure", &self.at(name))),
        }
    }

    /// An optional list member.
    pub(crate) fn list(&self, name: &'a str) -> Result<Option<&'a [Value]>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(v)) => Ok(Some(v)),
            Some(other) => Err(wrong_type(other, "a list", &self.at(name))),
        }
    }

    /// An optional map member, as its JSON object.
    pub(crate) fn map(&self, name: &'a str) -> Result<Option<&'a Map<String, Value>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(wrong_type(other, "a map", &self.at(name))),
        }
    }

    /// An optional item (map of attribute values).
    pub(crate) fn item(&self, name: &'a str) -> Result<Option<Item>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => value::item_from_json(v, &self.at(name)).map(Some),
        }
    }

    /// A required item (empty and a violation when missing).
    pub(crate) fn req_item(&self, ck: &mut Check, name: &'a str) -> Result<Item, ApiError> {
        let item = self.item(name)?;
        if item.is_none() {
            ck.missing(&self.at(name));
        }
        Ok(item.unwrap_or_default())
    }

    /// A string member that must be one of DynamoDB's enumeration values.
    pub(crate) fn enumeration<T: Copy>(
        &self,
        ck: &mut Check,
        name: &'a str,
        values: &[(&str, T)],
    ) -> Result<Option<T>, ApiError> {
        let Some(s) = self.str(name)? else {
            return Ok(None);
        };
        if let Some((_, v)) = values.iter().find(|(n, _)| *n == s) {
            return Ok(Some(*v));
        }
        let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
        ck.violation(format!(
            "Value '{s}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            self.at(name),
            names.join(", ")
        ));
        Ok(None)
    }

    /// `ReturnConsumedCapacity`.
    pub(crate) fn rcc(&self, ck: &mut Check) -> Result<ReturnConsumedCapacity, ApiError> {
        Ok(self
            .enumeration(
                ck,
                "ReturnConsumedCapacity",
                &[
                    ("INDEXES", ReturnConsumedCapacity::Indexes),
                    ("TOTAL", ReturnConsumedCapacity::Total),
                    ("NONE", ReturnConsumedCapacity::None),
                ],
            )?
            .unwrap_or_default())
    }

    /// `ReturnItemCollectionMetrics`: `NONE` only (item collection metrics
    /// are not tracked, so `SIZE` is refused rather than ignored).
    pub(crate) fn item_collection_metrics(&self, ck: &mut Check) -> Result<(), ApiError> {
        let size = self.enumeration(
            ck,
            "ReturnItemCollectionMetrics",
            &[("SIZE", true), ("NONE", false)],
        )?;
        if size == Some(true) {
            return Err(ApiError::validation(format!(
                "Unsupported parameter value ReturnItemCollectionMetrics=SIZE at '{}': this server does not track item collection metrics; use NONE",
                self.at("ReturnItemCollectionMetrics")
            )));
        }
        Ok(())
    }

    /// `ExpressionAttributeNames` and (when `with_values`) `ExpressionAttributeValues`.
    pub(crate) fn expression_attributes(
        &self,
        with_values: bool,
    ) -> Result<ExpressionAttributes, ApiError> {
        let mut out = ExpressionAttributes {
            names: self.names()?,
            ..ExpressionAttributes::default()
        };
        if with_values && let Some(values) = self.map("ExpressionAttributeValues")? {
            if values.is_empty() {
                return Err(ApiError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            let path = self.at("ExpressionAttributeValues");
            for (k, v) in values {
                let at = path.child(Segment::Key(k));
                let value = if v.is_null() {
                    Err(ApiError::validation(value::NULL_VALUE))
                } else {
                    value::from_json(v, &at)
                };
                // DynamoDB names the placeholder of an invalid value.
                let value = value.map_err(|e| {
                    if e.name() == "ValidationException" {
                        ApiError::validation(format!(
                            "ExpressionAttributeValues contains invalid value: {} for key {k}",
                            e.message()
                        ))
                    } else {
                        e
                    }
                })?;
                out.values.insert(k.clone(), value);
            }
        }
        Ok(out)
    }

    /// `ExpressionAttributeNames`.
    pub(crate) fn names(&self) -> Result<BTreeMap<String, String>, ApiError> {
        let mut out = BTreeMap::new();
        if let Some(names) = self.map("ExpressionAttributeNames")? {
            if names.is_empty() {
                return Err(ApiError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            let path = self.at("ExpressionAttributeNames");
            for (k, v) in names {
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    other => {
                        return Err(wrong_type(other, "String", &path.child(Segment::Key(k))));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Element `index` of a list whose path is `list`, as an object.
pub(crate) fn element<'a>(
    list: &'a Path<'a>,
    index: usize,
    value: &'a Value,
) -> Result<Obj<'a>, ApiError> {
    let path = list.child(Segment::Index(index));
    match value {
        Value::Object(map) => Ok(Obj { map, path }),
        other => Err(wrong_type(other, "a structure", &path)),
    }
}

/// The entry `key` of a map whose path is `map`, as an object.
pub(crate) fn entry<'a>(
    map: &'a Path<'a>,
    key: &'a str,
    value: &'a Value,
) -> Result<Obj<'a>, ApiError> {
    let path = map.child(Segment::Key(key));
    match value {
        Value::Object(m) => Ok(Obj { map: m, path }),
        other => Err(wrong_type(other, "a structure", &path)),
    }
}

/// Serializes a body.
pub(crate) fn to_body<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("encoding the answer: {e}")))
}

/// `ConsumedCapacity` as DynamoDB writes it.
pub(crate) struct Capacity<'a>(pub(crate) &'a ConsumedCapacity);

struct Units(f64);

impl Serialize for Units {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("CapacityUnits", &self.0)?;
        m.end()
    }
}

struct IndexUnits<'a>(&'a BTreeMap<String, f64>);

impl Serialize for IndexUnits<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, Units(*v))))
    }
}

impl Serialize for Capacity<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("TableName", &c.table)?;
        m.serialize_entry("CapacityUnits", &c.capacity_units)?;
        if let Some(t) = c.table_units {
            m.serialize_entry("Table", &Units(t))?;
        }
        if !c.local_indexes.is_empty() {
            m.serialize_entry("LocalSecondaryIndexes", &IndexUnits(&c.local_indexes))?;
        }
        if !c.global_indexes.is_empty() {
            m.serialize_entry("GlobalSecondaryIndexes", &IndexUnits(&c.global_indexes))?;
        }
        m.end()
    }
}

/// A list of `ConsumedCapacity`.
pub(crate) struct Capacities<'a>(pub(crate) &'a [ConsumedCapacity]);

impl Serialize for Capacities<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Capacity))
    }
}
