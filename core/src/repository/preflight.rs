//! What DynamoDB would refuse, checked before anything is sent: a batch
//! either goes out whole or not at all when one of its values is bad.

use crate::model::{KeyAttribute, Model, ScalarType};
use crate::path::{FieldPath, PathSegment};
use crate::rules::MAX_ITEM_SIZE;
use crate::validate::Violation;
use crate::value::{AttributeValue, Item};

/// DynamoDB's limits on key values, in bytes.
pub const MAX_HASH_KEY_BYTES: usize = 2048;
/// The largest range key value, in bytes.
pub const MAX_RANGE_KEY_BYTES: usize = 1024;

/// The rule name of violations found by these checks.
pub(crate) const RULE: &str = "dynamodb";

fn violation(path: FieldPath, message: impl Into<String>) -> Violation {
    Violation {
        path,
        rule: RULE,
        message: message.into(),
    }
}

fn at(outer: &FieldPath, attribute: &str) -> FieldPath {
    let mut p = outer.clone();
    p.push(PathSegment::Key(attribute.to_owned()));
    p
}

fn scalar_len(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => 0,
    }
}

/// Checks one key attribute's value: its type, not empty, not too long.
fn check_key_value(
    attr: &KeyAttribute,
    value: &AttributeValue,
    is_hash: bool,
    what: &str,
    path: &FieldPath,
    out: &mut Vec<Violation>,
) {
    let path = at(path, &attr.name);
    if value.value_type() != attr.scalar_type.value_type() {
        out.push(violation(
            path,
            format!(
                "is {} of type {} but must be of type {}",
                what,
                value.value_type(),
                attr.scalar_type
            ),
        ));
        return;
    }
    if attr.scalar_type != ScalarType::N && scalar_len(value) == 0 {
        out.push(violation(path, format!("is {what} and cannot be empty")));
        return;
    }
    let limit = if is_hash {
        MAX_HASH_KEY_BYTES
    } else {
        MAX_RANGE_KEY_BYTES
    };
    if scalar_len(value) > limit {
        out.push(violation(
            path,
            format!(
                "is {what} of {} bytes, over DynamoDB's limit of {limit}",
                scalar_len(value)
            ),
        ));
    }
}

/// Checks a key of `T`: its attributes are present and valid key values.
pub(crate) fn check_key<T: Model>(key: &Item, path: &FieldPath, out: &mut Vec<Violation>) {
    let schema = &T::schema().table.key;
    for (attr, is_hash) in
        std::iter::once((&schema.hash, true)).chain(schema.range.iter().map(|r| (r, false)))
    {
        match key.get(&attr.name) {
            Some(v) => check_key_value(attr, v, is_hash, "a key", path, out),
            None => out.push(violation(at(path, &attr.name), "is a key and is missing")),
        }
    }
}

/// Checks an item of `T` as DynamoDB checks a put: the table's key, the
/// key attributes of its indexes (when present), every attribute name
/// and value (no empty set, no duplicate set member, no empty name, at
/// most 32 levels of nesting), and the item's size (400 KB as DynamoDB
/// counts it).
pub(crate) fn check_item<T: Model>(item: &Item, path: &FieldPath, out: &mut Vec<Violation>) {
    let before = out.len();
    check_key::<T>(item, path, out);
    let table = &T::schema().table;
    for index in &table.indexes {
        for (attr, is_hash) in std::iter::once((&index.key.hash, true))
            .chain(index.key.range.iter().map(|r| (r, false)))
        {
            if table.key.contains(&attr.name) {
                continue;
            }
            if let Some(v) = item.get(&attr.name) {
                let what = format!("the key of index `{}`", index.name);
                check_key_value(attr, v, is_hash, &what, path, out);
            }
        }
    }
    for (name, value) in item.iter() {
        if name.is_empty() {
            out.push(violation(
                path.clone(),
                "has an attribute with an empty name",
            ));
        } else if let Err(e) = crate::rules::check_value(value) {
            let message = match e {
                crate::Error::InvalidRequest { message }
                | crate::Error::LimitExceeded { message } => message,
                other => other.to_string(),
            };
            out.push(violation(at(path, name), message));
        }
    }
    if out.len() == before {
        let size = item.size();
        if size > MAX_ITEM_SIZE {
            out.push(violation(
                path.clone(),
                format!(
                    "is an item of {size} bytes, over DynamoDB's limit of {MAX_ITEM_SIZE} (400 KB)"
                ),
            ));
        }
    }
}
