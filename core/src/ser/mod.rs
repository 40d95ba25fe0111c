//! Serializing Rust values into DynamoDB's data model.
//!
//! The rules, in short: integers and finite floats become `N` (at most 38
//! significant digits), strings and chars `S`, bytes (`serde_bytes`,
//! [`Binary`](crate::Binary)) `B`, `bool` `BOOL`, unit `NULL`; sequences,
//! tuples and arrays `L`; structs and maps with string (or integer) keys
//! `M`; [`Set`](crate::Set) `SS`/`NS`/`BS`. `None` and empty sets are
//! absent attributes inside a struct or map, and `NULL` inside a list.
//! Enums follow serde's representations (externally tagged by default: a
//! unit variant is its name as `S`, others a one-entry `M`).

//!
//! The serializer is split by what it builds: [`value`] turns scalars and
//! the start of each compound into attribute values, [`compound`] builds
//! lists and maps (and enum variants) element by element, [`set`] builds
//! `SS`/`NS`/`BS` from a [`Set`](crate::Set), [`key`] turns map keys and
//! number text into strings, and [`impls`] serializes the data model's own
//! types. [`depth`] bounds how deep any of them goes.

use serde::ser::Serialize;

use crate::error::{Error, MappingError};
use crate::value::{AttributeValue, Item, Unpacked};

mod compound;
mod depth;
mod impls;
mod key;
mod set;
mod value;

pub(crate) use depth::{Depth, TooDeep};
use value::ValueSerializer;

pub(crate) const NUMBER_TOKEN: &str = "\u{0}dynamodb_mapper::Number";

/// Serializes a value into an [`Item`]; the value must map to a map (a
/// struct, a map, or an enum's struct variant).
///
/// ```
/// use dynamodb_mapper::{to_item, AttributeValue};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct User { id: String, age: u32, nickname: Option<String> }
///
/// let item = to_item(&User { id: "u1".into(), age: 42, nickname: None })?;
/// assert_eq!(item.get("age"), Some(&AttributeValue::N(42.into())));
/// assert!(item.get("nickname").is_none()); // None is an absent attribute
/// # Ok::<(), dynamodb_mapper::Error>(())
/// ```
pub fn to_item<T: Serialize + ?Sized>(value: &T) -> Result<Item, Error> {
    match value.serialize(ValueSerializer::at(Depth::ITEM))? {
        Some(v @ AttributeValue::M(_)) => match v.unpack() {
            Unpacked::M(map) => Ok(Item(map)),
            _ => unreachable!("matched a map"),
        },
        Some(other) => Err(MappingError::new(format!(
            "an item must be a struct or a map, but the value maps to {}",
            other.value_type()
        ))
        .into()),
        None => Err(MappingError::new(
            "an item must be a struct or a map, but the value is absent (None)",
        )
        .into()),
    }
}

/// Serializes a value into one [`AttributeValue`] (`None` and an empty set
/// become `NULL`).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<AttributeValue, Error> {
    Ok(to_value_opt(value)?.unwrap_or_else(|| AttributeValue::Null))
}

/// Serializes a value; `None` means the value is absent (`None`, empty set).
pub(crate) fn to_value_opt<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Option<AttributeValue>, MappingError> {
    value.serialize(ValueSerializer::at(Depth::ATTRIBUTE))
}

/// What every value serializer returns: the value, or `None` for an
/// absent one (`None`, an empty set).
type Built = Result<Option<AttributeValue>, MappingError>;
