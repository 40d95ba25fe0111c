//! Deserializing Rust values from DynamoDB's data model.
//!
//! The inverse of [`crate::ser`]: an absent attribute reads as `None` (or
//! the field's serde default, or an empty [`Set`](crate::Set)), `NULL` as
//! `None` or unit, and numbers read into any numeric type they fit exactly.
//! Errors name the path of the attribute (`address.zip`, `tags[2]`).

//!
//! [`value`] reads one attribute value into whatever the caller's type
//! asks for; [`access`] hands out the elements of lists and maps, [`key`]
//! reads map keys, [`variant`] enums; [`impls`] deserializes the data
//! model's own types. Every nested read carries a
//! `Depth` (in `ser`), so no value or type recurses without bound.

use std::cell::Cell;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::ser::Depth;
use crate::value::{AttributeValue, Item};

mod access;
mod borrowed;
mod impls;
mod key;
mod value;
mod variant;

pub(crate) use borrowed::Watch;
use value::ValueDeserializer;

/// The newtype name by which [`AttributeValue`]'s own `Deserialize` asks
/// the mapper for the value whole.
const VALUE_TOKEN: &str = "\u{0}dynamodb_mapper::AttributeValue";

thread_local! {
    /// Hands an [`AttributeValue`] to its own `Deserialize` impl unchanged
    /// (numbers keep their text, sets stay sets), which serde's visitor
    /// interface has no way to carry.
    static PASSTHROUGH: Cell<Option<AttributeValue>> = const { Cell::new(None) };
}

/// Deserializes a value from an [`Item`].
///
/// ```
/// use dynamodb_mapper::{from_item, Item};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct User { id: String, age: u8, #[serde(default)] admin: bool, nickname: Option<String> }
///
/// let item = Item::new().with("id", "u1").with("age", 42);
/// let user: User = from_item(item)?;
/// assert_eq!(user, User { id: "u1".into(), age: 42, admin: false, nickname: None });
///
/// let bad = Item::new().with("id", "u2").with("age", 300);
/// let err = from_item::<User>(bad).unwrap_err();
/// assert!(err.to_string().contains("at `age`"));
/// # Ok::<(), dynamodb_mapper::Error>(())
/// ```
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, Error> {
    let value = AttributeValue::M(item.0);
    Ok(T::deserialize(ValueDeserializer::new(value, Depth::ITEM))?)
}

/// [`from_item`] of a borrowed item, without copying it first: attribute
/// names and the attributes the type ignores are not copied (the read
/// path, which keeps the stored item).
pub(crate) fn from_item_ref<T: DeserializeOwned>(item: &Item) -> Result<T, Error> {
    Ok(T::deserialize(borrowed::ItemRefDe::new(item, None))?)
}

/// [`from_item_ref`], noting the value of the attribute `watch` names as
/// the read passes it.
pub(crate) fn from_item_ref_watching<'a, T: DeserializeOwned>(
    item: &'a Item,
    watch: &'a Watch<'a>,
) -> Result<T, Error> {
    Ok(T::deserialize(borrowed::ItemRefDe::new(item, Some(watch)))?)
}

/// Deserializes a value from one [`AttributeValue`].
///
/// Like [`from_item`], it refuses (with an error naming the path) to go
/// deeper than DynamoDB's 32 levels of lists and maps, whatever the value
/// and the type read from it.
pub fn from_value<T: DeserializeOwned>(value: AttributeValue) -> Result<T, Error> {
    Ok(T::deserialize(ValueDeserializer::new(
        value,
        Depth::ATTRIBUTE,
    ))?)
}
