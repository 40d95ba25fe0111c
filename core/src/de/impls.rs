//! `Deserialize` for the data model's own types: [`Number`],
//! [`AttributeValue`] and [`Item`], from the mapper or any serde format.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use super::value::unexpected;
use super::{PASSTHROUGH, VALUE_TOKEN};
use crate::number::Number;
use crate::ser::{Depth, NUMBER_TOKEN};
use crate::value::{AttributeValue, Item, Unpacked};

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
        Ok(PASSTHROUGH
            .with(Cell::take)
            .unwrap_or_else(|| AttributeValue::Null))
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
