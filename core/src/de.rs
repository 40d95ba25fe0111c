//! Deserializing Rust values from DynamoDB's data model.
//!
//! The inverse of [`crate::ser`]: an absent attribute reads as `None` (or
//! the field's serde default, or an empty [`Set`](crate::Set)), `NULL` as
//! `None` or unit, and numbers read into any numeric type they fit exactly.
//! Errors name the path of the attribute (`address.zip`, `tags[2]`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Unexpected, Visitor};

use crate::error::{Error, MappingError, PathSegment};
use crate::number::Number;
use crate::ser::{Depth, NUMBER_TOKEN};
use crate::set::SET_TOKEN;
use crate::value::{AttributeValue, Item, Unpacked};

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

/// The deserializer behind [`from_item`] and [`from_value`]; it consumes
/// the value, which sits at `depth`.
pub(crate) struct ValueDeserializer {
    value: AttributeValue,
    depth: Depth,
}

impl ValueDeserializer {
    pub(crate) fn new(value: AttributeValue, depth: Depth) -> Self {
        ValueDeserializer { value, depth }
    }

    /// The same value, one serde call further in (an option's content, a
    /// newtype's field).
    fn call(self) -> Result<Self, MappingError> {
        Ok(ValueDeserializer {
            depth: self.depth.call()?,
            value: self.value,
        })
    }
}

fn unexpected(v: &AttributeValue) -> Unexpected<'_> {
    match v {
        AttributeValue::S(s) => Unexpected::Str(s),
        AttributeValue::N(_) => Unexpected::Other("a number (N)"),
        AttributeValue::B(b) => Unexpected::Bytes(b),
        AttributeValue::Ss(_) => Unexpected::Other("a string set (SS)"),
        AttributeValue::Ns(_) => Unexpected::Other("a number set (NS)"),
        AttributeValue::Bs(_) => Unexpected::Other("a binary set (BS)"),
        AttributeValue::M(_) => Unexpected::Map,
        AttributeValue::L(_) => Unexpected::Seq,
        AttributeValue::Bool(b) => Unexpected::Bool(*b),
        AttributeValue::Null => Unexpected::Unit,
    }
}

fn invalid<'de, V: Visitor<'de>>(value: &AttributeValue, visitor: &V) -> MappingError {
    de::Error::invalid_type(unexpected(value), visitor)
}

fn number_error(e: crate::NumberError) -> MappingError {
    MappingError::new(e.to_string())
}

/// Visits an integer of up to 64 bits; serde's visitors check the range of
/// narrower types and name them in their error.
fn visit_int<'de, V: Visitor<'de>>(
    n: &Number,
    visitor: V,
    target: &'static str,
) -> Result<V::Value, MappingError> {
    if let Ok(v) = n.to_i64() {
        visitor.visit_i64(v)
    } else if let Ok(v) = n.to_u64() {
        visitor.visit_u64(v)
    } else {
        Err(MappingError::new(format!(
            "{n} is not an integer that fits in {target}"
        )))
    }
}

/// Visits a number whose target type is not known (`deserialize_any`).
fn visit_number_any<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value, MappingError> {
    if let Ok(v) = n.as_str().parse::<u64>() {
        return visitor.visit_u64(v);
    }
    if let Ok(v) = n.as_str().parse::<i64>() {
        return visitor.visit_i64(v);
    }
    if let Ok(v) = n.to_i128() {
        if let Ok(v) = u64::try_from(v) {
            return visitor.visit_u64(v);
        }
        if let Ok(v) = i64::try_from(v) {
            return visitor.visit_i64(v);
        }
        return visitor.visit_i128(v);
    }
    if let Ok(v) = n.to_u128() {
        return visitor.visit_u128(v);
    }
    visitor.visit_f64(n.to_f64())
}

fn check_set(value: &AttributeValue) -> Result<(), MappingError> {
    value.check().map_err(|e| MappingError::new(e.to_string()))
}

macro_rules! deserialize_int {
    ($($method:ident => $target:expr),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
            match &self.value {
                AttributeValue::N(n) => visit_int(n, visitor, $target),
                other => Err(invalid(other, &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = MappingError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if matches!(
            self.value,
            AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
        ) {
            check_set(&self.value)?;
        }
        let depth = self.depth;
        match self.value.unpack() {
            Unpacked::S(s) => visitor.visit_string(s),
            Unpacked::N(n) => visit_number_any(n, visitor),
            Unpacked::B(b) => visitor.visit_byte_buf(b),
            // A set's members are one call in, but not a level of nesting.
            Unpacked::Ss(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::S),
                depth.call()?,
            )),
            Unpacked::Ns(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::N),
                depth.call()?,
            )),
            Unpacked::Bs(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::B),
                depth.call()?,
            )),
            Unpacked::M(m) => visitor.visit_map(MapDe::new(m, depth.container()?)),
            Unpacked::L(l) => visitor.visit_seq(SeqDe::new(l.into_iter(), depth.container()?)),
            Unpacked::Bool(b) => visitor.visit_bool(b),
            Unpacked::Null => visitor.visit_unit(),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            other => Err(invalid(&other, &visitor)),
        }
    }

    deserialize_int!(deserialize_i8 => "i8", deserialize_i16 => "i16", deserialize_i32 => "i32",
        deserialize_i64 => "i64", deserialize_u8 => "u8", deserialize_u16 => "u16", deserialize_u32 => "u32",
        deserialize_u64 => "u64");

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => visitor.visit_i128(n.to_i128().map_err(number_error)?),
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => visitor.visit_u128(n.to_u128().map_err(number_error)?),
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => visitor.visit_f64(n.to_f64()),
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value.unpack() {
            Unpacked::S(s) => visitor.visit_string(s),
            other => Err(invalid(&other.into(), &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if !matches!(self.value, AttributeValue::B(_)) {
            return self.deserialize_any(visitor);
        }
        match self.value.unpack() {
            Unpacked::B(b) => visitor.visit_byte_buf(b),
            _ => unreachable!("matched a binary"),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self.call()?),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Null => visitor.visit_unit(),
            other => Err(invalid(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        match name {
            NUMBER_TOKEN => match &self.value {
                AttributeValue::N(n) => visitor.visit_str(n.as_str()),
                other => Err(invalid(other, &visitor)),
            },
            SET_TOKEN => match &self.value {
                AttributeValue::Ss(_)
                | AttributeValue::Ns(_)
                | AttributeValue::Bs(_)
                | AttributeValue::L(_) => self.deserialize_any(visitor),
                AttributeValue::Null => visitor.visit_unit(),
                other => Err(de::Error::invalid_type(
                    unexpected(other),
                    &"a set (SS, NS or BS)",
                )),
            },
            VALUE_TOKEN => {
                PASSTHROUGH.with(|slot| slot.set(Some(self.value)));
                let result = visitor.visit_unit();
                PASSTHROUGH.with(|slot| slot.set(None));
                result
            }
            _ => visitor.visit_newtype_struct(self.call()?),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if !matches!(self.value, AttributeValue::M(_)) {
            return Err(invalid(&self.value, &visitor));
        }
        let depth = self.depth.container()?;
        match self.value.unpack() {
            Unpacked::M(m) => visitor.visit_map(MapDe::new(m, depth)),
            _ => unreachable!("matched a map"),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::S(_) => {}
            AttributeValue::M(m) if m.len() == 1 => {}
            other => {
                return Err(de::Error::invalid_type(
                    unexpected(other),
                    &"an enum: a variant name (S) or a map with one entry (M)",
                ));
            }
        }
        let depth = self.depth;
        match self.value.unpack() {
            Unpacked::S(variant) => visitor.visit_enum(EnumDe {
                variant,
                value: None,
                depth: depth.call()?,
            }),
            Unpacked::M(m) => {
                let (variant, value) = m.into_iter().next().expect("one entry");
                visitor.visit_enum(EnumDe {
                    variant,
                    value: Some(value),
                    // `{variant: value}` is a map.
                    depth: depth.container()?,
                })
            }
            _ => unreachable!("matched a string or a map"),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_unit()
    }
}

/// Reads list elements (or set members), adding the index to errors.
struct SeqDe<I> {
    iter: I,
    index: usize,
    /// The depth of the elements.
    depth: Depth,
}

impl<I> SeqDe<I> {
    fn new(iter: I, depth: Depth) -> Self {
        SeqDe {
            iter,
            index: 0,
            depth,
        }
    }
}

impl<'de, I: ExactSizeIterator<Item = AttributeValue>> de::SeqAccess<'de> for SeqDe<I> {
    type Error = MappingError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, MappingError> {
        match self.iter.next() {
            Some(v) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(ValueDeserializer::new(v, self.depth))
                    .map(Some)
                    .map_err(|e| e.within(PathSegment::Index(index)))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Reads map entries (or struct fields), adding the key to errors.
struct MapDe {
    iter: std::collections::btree_map::IntoIter<String, AttributeValue>,
    pending: Option<(String, AttributeValue)>,
    /// The depth of the keys and values.
    depth: Depth,
}

impl MapDe {
    fn new(m: BTreeMap<String, AttributeValue>, depth: Depth) -> Self {
        MapDe {
            iter: m.into_iter(),
            pending: None,
            depth,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapDe {
    type Error = MappingError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, MappingError> {
        match self.iter.next() {
            Some((k, v)) => {
                let key = seed
                    .deserialize(KeyDe::new(&k, self.depth))
                    .map_err(|e| e.within(PathSegment::Key(k.clone())))?;
                self.pending = Some((k, v));
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, MappingError> {
        let (k, v) = self
            .pending
            .take()
            .ok_or_else(|| MappingError::new("a map value was asked for before its key"))?;
        seed.deserialize(ValueDeserializer::new(v, self.depth))
            .map_err(|e| e.within(PathSegment::Key(k)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Deserializes a map key (an attribute name): as a string, or parsed as an
/// integer, or as a unit enum variant.
struct KeyDe<'a> {
    key: &'a str,
    depth: Depth,
}

impl<'a> KeyDe<'a> {
    fn new(key: &'a str, depth: Depth) -> Self {
        KeyDe { key, depth }
    }
}

macro_rules! key_parse {
    ($($method:ident: $t:ty => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
            match self.key.parse::<$t>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(de::Error::invalid_value(Unexpected::Str(self.key), &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for KeyDe<'_> {
    type Error = MappingError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        visitor.visit_str(self.key)
    }

    key_parse!(deserialize_i8: i8 => visit_i8, deserialize_i16: i16 => visit_i16, deserialize_i32: i32 => visit_i32,
        deserialize_i64: i64 => visit_i64, deserialize_i128: i128 => visit_i128, deserialize_u8: u8 => visit_u8,
        deserialize_u16: u16 => visit_u16, deserialize_u32: u32 => visit_u32, deserialize_u64: u64 => visit_u64,
        deserialize_u128: u128 => visit_u128);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_newtype_struct(KeyDe::new(self.key, self.depth.call()?))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_enum(EnumDe {
            variant: self.key.to_owned(),
            value: None,
            depth: self.depth.call()?,
        })
    }

    serde::forward_to_deserialize_any! {
        bool f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// An enum read from a variant name (`S`) or a one-entry map (`M`).
struct EnumDe {
    variant: String,
    value: Option<AttributeValue>,
    /// The depth of the variant's name and content.
    depth: Depth,
}

impl<'de> de::EnumAccess<'de> for EnumDe {
    type Error = MappingError;
    type Variant = VariantDe;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDe), MappingError> {
        let variant = seed.deserialize(KeyDe::new(&self.variant, self.depth))?;
        Ok((
            variant,
            VariantDe {
                name: self.variant,
                value: self.value,
                depth: self.depth,
            },
        ))
    }
}

struct VariantDe {
    name: String,
    value: Option<AttributeValue>,
    depth: Depth,
}

impl VariantDe {
    /// The variant's name and its content, ready to read at its depth.
    fn content(self) -> Result<(String, ValueDeserializer), MappingError> {
        match self.value {
            Some(v) => Ok((self.name, ValueDeserializer::new(v, self.depth))),
            None => Err(MappingError::new(format!(
                "enum variant `{}` has data, so it must be stored as a map with one entry",
                self.name
            ))),
        }
    }
}

impl<'de> de::VariantAccess<'de> for VariantDe {
    type Error = MappingError;

    fn unit_variant(self) -> Result<(), MappingError> {
        match self.value {
            None | Some(AttributeValue::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a unit variant",
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, MappingError> {
        let (name, value) = self.content()?;
        seed.deserialize(value)
            .map_err(|e| e.within(PathSegment::Key(name)))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        let (name, value) = self.content()?;
        value
            .deserialize_seq(visitor)
            .map_err(|e| e.within(PathSegment::Key(name)))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        let (name, value) = self.content()?;
        value
            .deserialize_map(visitor)
            .map_err(|e| e.within(PathSegment::Key(name)))
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        Number::parse(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Number, E> {
        Number::from_i128(v).map_err(E::custom)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Number, E> {
        Number::from_u128(v).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Number::from_f64(v).map_err(E::custom)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(NUMBER_TOKEN, NumberVisitor)
    }
}

/// Builds an [`AttributeValue`] from any self-describing format (JSON, ...),
/// or takes it whole from the mapper's own deserializer. Nesting deeper
/// than DynamoDB allows is an error, not a recursion without bound.
struct AnyValueVisitor {
    depth: Depth,
}

impl<'de> Visitor<'de> for AnyValueVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any DynamoDB value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<AttributeValue, E> {
        Ok(PASSTHROUGH.with(Cell::take).unwrap_or(AttributeValue::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AttributeValue, D::Error> {
        let depth = self.depth.call().map_err(de::Error::custom)?;
        d.deserialize_any(AnyValueVisitor { depth })
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<AttributeValue, D::Error> {
        let depth = self.depth.call().map_err(de::Error::custom)?;
        d.deserialize_any(AnyValueVisitor { depth })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttributeValue, E> {
        Ok(AttributeValue::N(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttributeValue, E> {
        Ok(AttributeValue::N(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<AttributeValue, E> {
        Number::from_i128(v)
            .map(AttributeValue::N)
            .map_err(E::custom)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<AttributeValue, E> {
        Number::from_u128(v)
            .map(AttributeValue::N)
            .map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttributeValue, E> {
        Number::from_f64(v)
            .map(AttributeValue::N)
            .map_err(E::custom)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<AttributeValue, E> {
        Ok(AttributeValue::S(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<AttributeValue, E> {
        Ok(AttributeValue::S(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<AttributeValue, E> {
        Ok(AttributeValue::B(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<AttributeValue, E> {
        Ok(AttributeValue::B(v))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<AttributeValue, A::Error> {
        let depth = self.depth.container().map_err(de::Error::custom)?;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(AnyValueSeed { depth })? {
            out.push(v);
        }
        Ok(AttributeValue::L(out))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        let depth = self.depth.container().map_err(de::Error::custom)?;
        let mut out = BTreeMap::new();
        while let Some((k, v)) =
            map.next_entry_seed(std::marker::PhantomData::<String>, AnyValueSeed { depth })?
        {
            out.insert(k, v);
        }
        Ok(AttributeValue::M(out))
    }
}

/// Deserializes a value nested in a list or map at `depth`.
struct AnyValueSeed {
    depth: Depth,
}

impl<'de> DeserializeSeed<'de> for AnyValueSeed {
    type Value = AttributeValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AttributeValue, D::Error> {
        let visitor = AnyValueVisitor { depth: self.depth };
        d.deserialize_newtype_struct(VALUE_TOKEN, visitor)
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        AnyValueSeed {
            depth: Depth::ATTRIBUTE,
        }
        .deserialize(d)
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = AnyValueSeed { depth: Depth::ITEM }.deserialize(d)?;
        match value.unpack() {
            Unpacked::M(m) => Ok(Item(m)),
            other => Err(de::Error::invalid_type(
                unexpected(&other.into()),
                &"an item (a map)",
            )),
        }
    }
}
