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

use std::collections::BTreeMap;

use serde::ser::{self, Serialize};

use crate::error::{Error, MappingError, PathSegment};
use crate::number::Number;
use crate::set::SET_TOKEN;
use crate::value::{AttributeValue, Item, MAX_NESTING_DEPTH, Unpacked};

mod depth;

pub(crate) use depth::{Depth, TooDeep};

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
    Ok(to_value_opt(value)?.unwrap_or(AttributeValue::Null))
}

/// Serializes a value; `None` means the value is absent (`None`, empty set).
pub(crate) fn to_value_opt<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Option<AttributeValue>, MappingError> {
    value.serialize(ValueSerializer::at(Depth::ATTRIBUTE))
}

type Result2 = Result<Option<AttributeValue>, MappingError>;

/// The serializer behind [`to_item`] and [`to_value`], at a depth in the
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

fn number(n: Result<Number, crate::NumberError>) -> Result2 {
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

    fn serialize_bool(self, v: bool) -> Result2 {
        Ok(Some(AttributeValue::Bool(v)))
    }
    fn serialize_i8(self, v: i8) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i16(self, v: i16) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i32(self, v: i32) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i64(self, v: i64) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_i128(self, v: i128) -> Result2 {
        number(Number::from_i128(v))
    }
    fn serialize_u8(self, v: u8) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u16(self, v: u16) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u32(self, v: u32) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u64(self, v: u64) -> Result2 {
        Ok(Some(AttributeValue::N(v.into())))
    }
    fn serialize_u128(self, v: u128) -> Result2 {
        number(Number::from_u128(v))
    }
    fn serialize_f32(self, v: f32) -> Result2 {
        number(Number::from_f32(v))
    }
    fn serialize_f64(self, v: f64) -> Result2 {
        number(Number::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result2 {
        Ok(Some(AttributeValue::S(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result2 {
        Ok(Some(AttributeValue::S(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result2 {
        Ok(Some(AttributeValue::B(v.to_vec())))
    }
    fn serialize_none(self) -> Result2 {
        Ok(None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result2 {
        value.serialize(self.call()?)
    }
    fn serialize_unit(self) -> Result2 {
        Ok(Some(AttributeValue::Null))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result2 {
        Ok(Some(AttributeValue::Null))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result2 {
        Ok(Some(AttributeValue::S(variant.to_owned())))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result2 {
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
    ) -> Result2 {
        // `{variant: value}` is a map.
        let inner = value
            .serialize(ValueSerializer::at(self.depth.container()?))
            .map_err(|e| e.within(PathSegment::Key(variant.to_owned())))?
            .unwrap_or(AttributeValue::Null);
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
        Ok(VariantWrap { variant, inner })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSerializer, MappingError> {
        Ok(MapSerializer {
            map: BTreeMap::new(),
            key: None,
            depth: self.depth.container()?,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<StructSerializer, MappingError> {
        StructSerializer::new(self.depth)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<VariantWrap<StructSerializer>, MappingError> {
        // `{variant: {fields}}`: a map in a map.
        let inner = StructSerializer::new(self.depth.container()?)
            .map_err(|e| e.within(PathSegment::Key(variant.to_owned())))?;
        Ok(VariantWrap { variant, inner })
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result2 {
        Ok(Some(AttributeValue::S(value.to_string())))
    }
}

/// Builds an `L`; absent elements become `NULL`.
pub(crate) struct SeqSerializer {
    items: Vec<AttributeValue>,
    /// The depth of the elements.
    depth: Depth,
}

impl SeqSerializer {
    /// A list at `depth`.
    fn new(depth: Depth, len: usize) -> Result<Self, MappingError> {
        Ok(SeqSerializer {
            depth: depth.container()?,
            // A length hint is the caller's word: cap what it reserves.
            items: Vec::with_capacity(len.min(4096)),
        })
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        let index = self.items.len();
        let v = value
            .serialize(ValueSerializer::at(self.depth))
            .map_err(|e| e.within(PathSegment::Index(index)))?;
        self.items.push(v.unwrap_or(AttributeValue::Null));
        Ok(())
    }

    fn finish(self) -> Result2 {
        Ok(Some(AttributeValue::L(self.items)))
    }
}

impl ser::SerializeSeq for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Result2 {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Result2 {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Result2 {
        self.finish()
    }
}

/// Builds an `M` from a struct; absent fields are left out.
pub(crate) struct StructSerializer {
    fields: BTreeMap<String, AttributeValue>,
    /// The depth of the fields.
    depth: Depth,
}

impl StructSerializer {
    /// A struct at `depth`.
    fn new(depth: Depth) -> Result<Self, MappingError> {
        Ok(StructSerializer {
            fields: BTreeMap::new(),
            depth: depth.container()?,
        })
    }
}

impl ser::SerializeStruct for StructSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), MappingError> {
        match value.serialize(ValueSerializer::at(self.depth)) {
            Ok(Some(v)) => {
                self.fields.insert(key.to_owned(), v);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.within(PathSegment::Key(key.to_owned()))),
        }
    }
    fn end(self) -> Result2 {
        Ok(Some(AttributeValue::M(self.fields)))
    }
}

/// Builds an `M` from a map; keys must be strings, chars, integers or unit
/// variants; absent values are left out.
pub(crate) struct MapSerializer {
    map: BTreeMap<String, AttributeValue>,
    key: Option<String>,
    /// The depth of the keys and values.
    depth: Depth,
}

impl ser::SerializeMap for MapSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), MappingError> {
        self.key = Some(key.serialize(KeySerializer { depth: self.depth })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| MappingError::new("a map value was given before its key"))?;
        match value.serialize(ValueSerializer::at(self.depth)) {
            Ok(Some(v)) => {
                self.map.insert(key, v);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.within(PathSegment::Key(key))),
        }
    }
    fn end(self) -> Result2 {
        Ok(Some(AttributeValue::M(self.map)))
    }
}

/// Wraps a tuple or struct variant's content as `{variant: content}`.
pub(crate) struct VariantWrap<S> {
    variant: &'static str,
    inner: S,
}

impl<S> VariantWrap<S> {
    fn wrap(variant: &'static str, value: Option<AttributeValue>) -> Result2 {
        let mut m = BTreeMap::new();
        m.insert(variant.to_owned(), value.unwrap_or(AttributeValue::Null));
        Ok(Some(AttributeValue::M(m)))
    }
}

impl ser::SerializeTupleVariant for VariantWrap<SeqSerializer> {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.inner
            .push(value)
            .map_err(|e| e.within(PathSegment::Key(self.variant.to_owned())))
    }
    fn end(self) -> Result2 {
        let v = ser::SerializeSeq::end(self.inner)?;
        Self::wrap(self.variant, v)
    }
}

impl ser::SerializeStructVariant for VariantWrap<StructSerializer> {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), MappingError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
            .map_err(|e| e.within(PathSegment::Key(self.variant.to_owned())))
    }
    fn end(self) -> Result2 {
        let v = ser::SerializeStruct::end(self.inner)?;
        Self::wrap(self.variant, v)
    }
}

fn unsupported_key(what: &str) -> MappingError {
    MappingError::new(format!(
        "map keys must be strings, chars, integers or unit enum variants; found {what}"
    ))
}

/// Serializes a map key to the string DynamoDB uses as the attribute name.
struct KeySerializer {
    depth: Depth,
}

macro_rules! key_int {
    ($($m:ident: $t:ty),*) => {$(
        fn $m(self, v: $t) -> Result<String, MappingError> {
            Ok(v.to_string())
        }
    )*};
}

macro_rules! key_unsupported {
    ($($m:ident: $t:ty => $what:expr),*) => {$(
        fn $m(self, _v: $t) -> Result<String, MappingError> {
            Err(unsupported_key($what))
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = MappingError;
    type SerializeSeq = ser::Impossible<String, MappingError>;
    type SerializeTuple = ser::Impossible<String, MappingError>;
    type SerializeTupleStruct = ser::Impossible<String, MappingError>;
    type SerializeTupleVariant = ser::Impossible<String, MappingError>;
    type SerializeMap = ser::Impossible<String, MappingError>;
    type SerializeStruct = ser::Impossible<String, MappingError>;
    type SerializeStructVariant = ser::Impossible<String, MappingError>;

    key_int!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
    key_unsupported!(serialize_bool: bool => "a bool", serialize_f32: f32 => "a float", serialize_f64: f64 => "a float",
        serialize_bytes: &[u8] => "bytes");

    fn serialize_char(self, v: char) -> Result<String, MappingError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, MappingError> {
        Ok(v.to_owned())
    }
    fn serialize_none(self) -> Result<String, MappingError> {
        Err(unsupported_key("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, MappingError> {
        Err(unsupported_key("an Option"))
    }
    fn serialize_unit(self) -> Result<String, MappingError> {
        Err(unsupported_key("unit"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, MappingError> {
        Err(unsupported_key("a unit struct"))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, MappingError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, MappingError> {
        value.serialize(KeySerializer {
            depth: self.depth.call()?,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, MappingError> {
        Err(unsupported_key("an enum variant with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, MappingError> {
        Err(unsupported_key("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, MappingError> {
        Err(unsupported_key("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, MappingError> {
        Err(unsupported_key("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, MappingError> {
        Err(unsupported_key("an enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, MappingError> {
        Err(unsupported_key("a map"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, MappingError> {
        Err(unsupported_key("a struct"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, MappingError> {
        Err(unsupported_key("an enum variant with data"))
    }
}

/// Extracts the text of a [`Number`] passed through `NUMBER_TOKEN`.
struct TextSerializer {
    depth: Depth,
}

impl ser::Serializer for TextSerializer {
    type Ok = String;
    type Error = MappingError;
    type SerializeSeq = ser::Impossible<String, MappingError>;
    type SerializeTuple = ser::Impossible<String, MappingError>;
    type SerializeTupleStruct = ser::Impossible<String, MappingError>;
    type SerializeTupleVariant = ser::Impossible<String, MappingError>;
    type SerializeMap = ser::Impossible<String, MappingError>;
    type SerializeStruct = ser::Impossible<String, MappingError>;
    type SerializeStructVariant = ser::Impossible<String, MappingError>;

    fn serialize_str(self, v: &str) -> Result<String, MappingError> {
        Ok(v.to_owned())
    }
    key_unsupported!(serialize_bool: bool => "bool", serialize_i8: i8 => "i8", serialize_i16: i16 => "i16",
        serialize_i32: i32 => "i32", serialize_i64: i64 => "i64", serialize_u8: u8 => "u8", serialize_u16: u16 => "u16",
        serialize_u32: u32 => "u32", serialize_u64: u64 => "u64", serialize_f32: f32 => "f32", serialize_f64: f64 => "f64",
        serialize_char: char => "char", serialize_bytes: &[u8] => "bytes");
    fn serialize_none(self) -> Result<String, MappingError> {
        Err(unsupported_key("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<String, MappingError> {
        Err(unsupported_key("Some"))
    }
    fn serialize_unit(self) -> Result<String, MappingError> {
        Err(unsupported_key("unit"))
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Result<String, MappingError> {
        Err(unsupported_key("unit"))
    }
    fn serialize_unit_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
    ) -> Result<String, MappingError> {
        Err(unsupported_key("variant"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        v: &T,
    ) -> Result<String, MappingError> {
        v.serialize(TextSerializer {
            depth: self.depth.call()?,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<String, MappingError> {
        Err(unsupported_key("variant"))
    }
    fn serialize_seq(self, _l: Option<usize>) -> Result<Self::SerializeSeq, MappingError> {
        Err(unsupported_key("seq"))
    }
    fn serialize_tuple(self, _l: usize) -> Result<Self::SerializeTuple, MappingError> {
        Err(unsupported_key("tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleStruct, MappingError> {
        Err(unsupported_key("tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleVariant, MappingError> {
        Err(unsupported_key("variant"))
    }
    fn serialize_map(self, _l: Option<usize>) -> Result<Self::SerializeMap, MappingError> {
        Err(unsupported_key("map"))
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStruct, MappingError> {
        Err(unsupported_key("struct"))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStructVariant, MappingError> {
        Err(unsupported_key("variant"))
    }
}

/// Serializes a [`Set`](crate::Set)'s members into `SS`, `NS` or `BS`.
struct SetSerializer {
    depth: Depth,
}

enum Members {
    Empty,
    S(Vec<String>),
    N(Vec<Number>),
    B(Vec<Vec<u8>>),
}

pub(crate) struct SetSeq {
    members: Members,
    index: usize,
    /// The depth of the members (a set is not a level of nesting).
    depth: Depth,
}

impl ser::SerializeSeq for SetSeq {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        let at = PathSegment::Index(self.index);
        self.index += 1;
        let v = value
            .serialize(ValueSerializer::at(self.depth))
            .map_err(|e| e.within(at.clone()))?;
        let mismatch = |found: &str| {
            MappingError::new(format!(
                "set members must all be strings, all numbers or all binary; found {found}"
            ))
            .within(at.clone())
        };
        match (&mut self.members, v.map(AttributeValue::unpack)) {
            (Members::Empty, Some(Unpacked::S(s))) => self.members = Members::S(vec![s]),
            (Members::Empty, Some(Unpacked::N(n))) => self.members = Members::N(vec![n]),
            (Members::Empty, Some(Unpacked::B(b))) => self.members = Members::B(vec![b]),
            (Members::S(v), Some(Unpacked::S(s))) => v.push(s),
            (Members::N(v), Some(Unpacked::N(n))) => v.push(n),
            (Members::B(v), Some(Unpacked::B(b))) => v.push(b),
            (_, Some(other)) => {
                let found = AttributeValue::from(other).value_type();
                return Err(mismatch(found.as_str()));
            }
            (_, None) => return Err(mismatch("an absent value (None)")),
        }
        Ok(())
    }
    fn end(self) -> Result2 {
        let value = match self.members {
            Members::Empty => None,
            Members::S(v) => Some(AttributeValue::Ss(v)),
            Members::N(v) => Some(AttributeValue::Ns(v)),
            Members::B(v) => Some(AttributeValue::Bs(v)),
        };
        if let Some(v) = &value {
            v.check().map_err(|e| MappingError::new(e.to_string()))?;
        }
        Ok(value)
    }
}

impl ser::Serializer for SetSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    type SerializeSeq = SetSeq;
    type SerializeTuple = ser::Impossible<Option<AttributeValue>, MappingError>;
    type SerializeTupleStruct = ser::Impossible<Option<AttributeValue>, MappingError>;
    type SerializeTupleVariant = ser::Impossible<Option<AttributeValue>, MappingError>;
    type SerializeMap = ser::Impossible<Option<AttributeValue>, MappingError>;
    type SerializeStruct = ser::Impossible<Option<AttributeValue>, MappingError>;
    type SerializeStructVariant = ser::Impossible<Option<AttributeValue>, MappingError>;

    fn serialize_seq(self, len: Option<usize>) -> Result<SetSeq, MappingError> {
        let _ = len;
        Ok(SetSeq {
            members: Members::Empty,
            index: 0,
            depth: self.depth.call()?,
        })
    }

    fn serialize_bool(self, _v: bool) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_i8(self, _v: i8) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_i16(self, _v: i16) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_i32(self, _v: i32) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_i64(self, _v: i64) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_u8(self, _v: u8) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_u16(self, _v: u16) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_u32(self, _v: u32) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_u64(self, _v: u64) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_f32(self, _v: f32) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_f64(self, _v: f64) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_char(self, _v: char) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_str(self, _v: &str) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_none(self) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_unit(self) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, _v: &'static str) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Result2 {
        v.serialize(SetSerializer {
            depth: self.depth.call()?,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result2 {
        Err(not_a_set())
    }
    fn serialize_tuple(self, _l: usize) -> Result<Self::SerializeTuple, MappingError> {
        Err(not_a_set())
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleStruct, MappingError> {
        Err(not_a_set())
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeTupleVariant, MappingError> {
        Err(not_a_set())
    }
    fn serialize_map(self, _l: Option<usize>) -> Result<Self::SerializeMap, MappingError> {
        Err(not_a_set())
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStruct, MappingError> {
        Err(not_a_set())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Result<Self::SerializeStructVariant, MappingError> {
        Err(not_a_set())
    }
}

fn not_a_set() -> MappingError {
    MappingError::new("a set must serialize as a sequence of members")
}

impl Serialize for Number {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_TOKEN, self.as_str())
    }
}

struct BytesRef<'a>(&'a [u8]);

impl Serialize for BytesRef<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

struct SetOf<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for SetOf<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for m in self.0 {
            seq.serialize_element(m)?;
        }
        seq.end()
    }
}

/// An attribute value nested `depth` lists and maps inside the value being
/// serialized.
struct Nested<'a> {
    value: &'a AttributeValue,
    depth: usize,
}

impl Serialize for Nested<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        let child = |value| Nested {
            value,
            depth: self.depth + 1,
        };
        let too_deep = || <S::Error as ser::Error>::custom(TooDeep::Levels);
        match self.value {
            AttributeValue::S(s) => serializer.serialize_str(s),
            AttributeValue::N(n) => n.serialize(serializer),
            AttributeValue::B(b) => serializer.serialize_bytes(b),
            AttributeValue::Ss(v) => serializer.serialize_newtype_struct(SET_TOKEN, &SetOf(v)),
            AttributeValue::Ns(v) => serializer.serialize_newtype_struct(SET_TOKEN, &SetOf(v)),
            AttributeValue::Bs(v) => {
                let members: Vec<BytesRef<'_>> = v.iter().map(|b| BytesRef(b)).collect();
                serializer.serialize_newtype_struct(SET_TOKEN, &SetOf(&members))
            }
            AttributeValue::M(m) => {
                if self.depth >= MAX_NESTING_DEPTH {
                    return Err(too_deep());
                }
                let mut map = serializer.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &child(v))?;
                }
                map.end()
            }
            AttributeValue::L(l) => {
                if self.depth >= MAX_NESTING_DEPTH {
                    return Err(too_deep());
                }
                let mut seq = serializer.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(&child(v))?;
                }
                seq.end()
            }
            AttributeValue::Bool(b) => serializer.serialize_bool(*b),
            AttributeValue::Null => serializer.serialize_unit(),
        }
    }
}

/// An [`AttributeValue`] serializes as the value it holds, so that a field
/// of type `AttributeValue` (or [`Item`]) passes through the mapper
/// unchanged, and reads naturally in other formats such as JSON.
///
/// A value nested deeper than DynamoDB allows (see
/// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)) is refused with an
/// error, in every format, rather than recursing without bound.
impl Serialize for AttributeValue {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Nested {
            value: self,
            depth: 0,
        }
        .serialize(serializer)
    }
}

impl Serialize for Item {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
