//! Map keys (attribute names), read as strings, integers or unit variants.

use serde::de::{self, Deserializer, Unexpected, Visitor};

use super::variant::EnumDe;
use crate::error::MappingError;
use crate::ser::Depth;

/// integer, or as a unit enum variant.
pub(super) struct KeyDe<'a> {
    key: &'a str,
    depth: Depth,
}

impl<'a> KeyDe<'a> {
    pub(super) fn new(key: &'a str, depth: Depth) -> Self {
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
