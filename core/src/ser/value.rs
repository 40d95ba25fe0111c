//! The serializer of one value: scalars directly, compounds handed to
//! [`super::compound`], sets to [`super::set`].

use std::collections::BTreeMap;

use serde::ser::{self, Serialize};

use super::compound::{MapSerializer, SeqSerializer, StructSerializer, VariantWrap};
use super::key::TextSerializer;
use super::set::SetSerializer;
use super::{Built, Depth, NUMBER_TOKEN};
use crate::error::{MappingError, PathSegment};
use crate::number::Number;
use crate::set::SET_TOKEN;
use crate::value::AttributeValue;

/// The serializer behind [`to_item`](crate::to_item) and [`to_value`](crate::to_value), at a depth in the
/// value being built.
#[derive(Clone, Copy)]
pub(crate) struct ValueSerializer {
    depth: Depth,
}

impl ValueSerializer {
    pub(crate) fn at(depth: Depth) -> Self {
        ValueSerializer { depth }
    }

    /// The serializer of a value one serde call further in.
    fn call(self) -> Result<Self, MappingError> {
        Ok(ValueSerializer::at(self.depth.call()?))
    }
}

fn number(n: Result<Number, crate::NumberError>) -> Built {
    n.map(|n| Some(AttributeValue::N(n)))
        .map_err(|e| MappingError::new(e.to_string()))
}

impl ser::Serializer for ValueSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    type SerializeSeq = SeqSerializer;
    type SerializeTuple = SeqSerializer;
    type SerializeTupleStruct = SeqSerializer;
    type SerializeTupleVariant = VariantWrap<SeqSerializer>;
    type SerializeMap = MapSerializer;
    type SerializeStruct = StructSerializer;
    type SerializeStructVariant = VariantWrap<StructSerializer>;

    fn serialize_bool(self, v: bool) -> Built {
        Ok(Some(AttributeValue::Bool(v)))
    }
    fn serialize_i8(self, v: i8) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i16(self, v: i16) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i32(self, v: i32) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i64(self, v: i64) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i128(self, v: i128) -> Built {
        number(Number::from_i128(v))
    }
    fn serialize_u8(self, v: u8) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u16(self, v: u16) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u32(self, v: u32) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u64(self, v: u64) -> Built {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u128(self, v: u128) -> Built {
        number(Number::from_u128(v))
    }
    fn serialize_f32(self, v: f32) -> Built {
        number(Number::from_f32(v))
    }
    fn serialize_f64(self, v: f64) -> Built {
        number(Number::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Built {
        Ok(Some(AttributeValue::S(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Built {
        Ok(Some(AttributeValue::S(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Built {
        Ok(Some(AttributeValue::B(v.to_vec())))
    }
    fn serialize_none(self) -> Built {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Built {
        value.serialize(self.call()?)
    }
    fn serialize_unit(self) -> Built {
        Ok(Some(AttributeValue::Null))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Built {
        Ok(Some(AttributeValue::Null))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Built {
        Ok(Some(AttributeValue::S(variant.to_owned())))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Built {
        let depth = self.depth.call()?;
        match name {
            SET_TOKEN => value.serialize(SetSerializer { depth }),
            NUMBER_TOKEN => {
                let text = value.serialize(TextSerializer { depth })?;
                number(Number::parse(&text))
            }
            _ => value.serialize(ValueSerializer::at(depth)),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Built {
        // `{variant: value}` is a map.
        let inner = value
            .serialize(ValueSerializer::at(self.depth.container()?))
            .map_err(|e| e.within(PathSegment::Key(variant.to_owned())))?
            .unwrap_or_else(|| AttributeValue::Null);
        let mut m = BTreeMap::new();
        m.insert(variant.to_owned(), inner);
        Ok(Some(AttributeValue::M(m)))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSerializer, MappingError> {
        SeqSerializer::new(self.depth, len.unwrap_or(0))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSerializer, MappingError> {
        SeqSerializer::new(self.depth, len)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSerializer, MappingError> {
        SeqSerializer::new(self.depth, len)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantWrap<SeqSerializer>, MappingError> {
        // `{variant: [fields]}`: a list in a map.
        let inner = SeqSerializer::new(self.depth.container()?, len)
            .map_err(|e| e.within(PathSegment::Key(variant.to_owned())))?;
        Ok(VariantWrap::new(variant, inner))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSerializer, MappingError> {
        MapSerializer::new(self.depth)
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<StructSerializer, MappingError> {
        StructSerializer::new(self.depth, len)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantWrap<StructSerializer>, MappingError> {
        // `{variant: {fields}}`: a map in a map.
        let inner = StructSerializer::new(self.depth.container()?, len)
            .map_err(|e| e.within(PathSegment::Key(variant.to_owned())))?;
        Ok(VariantWrap::new(variant, inner))
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Built {
        Ok(Some(AttributeValue::S(value.to_string())))
    }
}
