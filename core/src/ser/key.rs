//! Strings from serde: map keys (attribute names) and a number's text.

use serde::ser::{self, Serialize};

use super::Depth;
use crate::error::MappingError;

fn unsupported_key(what: &str) -> MappingError {
    MappingError::new(format!(
        "map keys must be strings, chars, integers or unit enum variants; found {what}"
    ))
}

/// Serializes a map key to the string DynamoDB uses as the attribute name.
pub(super) struct KeySerializer {
    pub(super) depth: Depth,
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

/// Extracts the text of a [`Number`](crate::Number) passed through `NUMBER_TOKEN`.
pub(super) struct TextSerializer {
    pub(super) depth: Depth,
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
