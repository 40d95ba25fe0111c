//! The deserializer of one attribute value.

use serde::de::{self, Deserializer, Unexpected, Visitor};

use super::access::{MapDe, SeqDe};
use super::variant::EnumDe;
use super::{PASSTHROUGH, VALUE_TOKEN};
use crate::error::MappingError;
use crate::number::Number;
use crate::ser::{Depth, NUMBER_TOKEN};
use crate::set::SET_TOKEN;
use crate::value::{AttributeValue, Unpacked};

/// The deserializer behind [`from_item`](crate::from_item) and [`from_value`](crate::from_value); it consumes
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

pub(super) fn unexpected(v: &AttributeValue) -> Unexpected<'_> {
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
