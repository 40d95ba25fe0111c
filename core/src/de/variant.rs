//! Enums, from a variant name (`S`) or a one-entry map (`M`).

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use super::key::KeyDe;
use super::value::{ValueDeserializer, unexpected};
use crate::error::{MappingError, PathSegment};
use crate::ser::Depth;
use crate::value::AttributeValue;

/// An enum read from a variant name (`S`) or a one-entry map (`M`).
pub(super) struct EnumDe {
    /// The variant's name.
    pub(super) variant: String,
    /// Its content, for a variant stored as a map.
    pub(super) value: Option<AttributeValue>,
    /// The depth of the variant's name and content.
    pub(super) depth: Depth,
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

pub(super) struct VariantDe {
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
