//! Lists, maps, structs and enum variants, built element by element.

use std::collections::BTreeMap;

use serde::ser::{self, Serialize};

use super::key::KeySerializer;
use super::value::ValueSerializer;
use super::{Built, Depth};
use crate::error::{MappingError, PathSegment};
use crate::value::AttributeValue;

/// Builds an `L`; absent elements become `NULL`.
pub(crate) struct SeqSerializer {
    items: Vec<AttributeValue>,
    /// The depth of the elements.
    depth: Depth,
}

impl SeqSerializer {
    /// A list at `depth`.
    pub(super) fn new(depth: Depth, len: usize) -> Result<Self, MappingError> {
        Ok(SeqSerializer {
            depth: depth.container()?,
            // A length hint is the caller's word: cap what it reserves.
            items: Vec::with_capacity(len.min(4096)),
        })
    }

    #[inline]
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        let index = self.items.len();
        let v = value
            .serialize(ValueSerializer::at(self.depth))
            .map_err(|e| e.within(PathSegment::Index(index)))?;
        self.items.push(v.unwrap_or_else(|| AttributeValue::Null));
        Ok(())
    }

    fn finish(self) -> Built {
        Ok(Some(AttributeValue::L(self.items)))
    }
}

impl ser::SerializeSeq for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    #[inline]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MappingError> {
        self.push(value)
    }
    fn end(self) -> Built {
        self.finish()
    }
}

/// Builds an `M` from a struct; absent fields are left out.
///
/// The fields are gathered in a vector sized by the struct's field count
/// and the map is built once at the end from them in sorted order, which
/// costs less than searching and shifting the map's nodes on every insert.
pub(crate) struct StructSerializer {
    fields: Vec<(String, AttributeValue)>,
    /// The depth of the fields.
    depth: Depth,
}

impl StructSerializer {
    /// A struct of `len` fields at `depth`.
    pub(super) fn new(depth: Depth, len: usize) -> Result<Self, MappingError> {
        Ok(StructSerializer {
            // A struct's field count is its derive's word, not data's.
            fields: Vec::with_capacity(len.min(4096)),
            depth: depth.container()?,
        })
    }
}

/// Byte-wise (that is `str`'s) order of two names, comparing the first
/// bytes inline: most attribute names differ there.
fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// The map of `entries`; of two entries with the same name the later one
/// is kept, as successive inserts would.
fn build_map(mut entries: Vec<(String, AttributeValue)>) -> BTreeMap<String, AttributeValue> {
    // Stable, so that equal names stay in the order given (`from_iter`
    // keeps the last of equal keys, and finds the input already sorted).
    entries.sort_by(|a, b| name_order(&a.0, &b.0));
    entries.into_iter().collect()
}

impl ser::SerializeStruct for StructSerializer {
    type Ok = Option<AttributeValue>;
    type Error = MappingError;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), MappingError> {
        match value.serialize(ValueSerializer::at(self.depth)) {
            Ok(Some(v)) => {
                self.fields.push((key.to_owned(), v));
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.within(PathSegment::Key(key.to_owned()))),
        }
    }
    fn end(self) -> Built {
        Ok(Some(AttributeValue::M(build_map(self.fields))))
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

impl MapSerializer {
    /// A map at `depth`.
    pub(super) fn new(depth: Depth) -> Result<Self, MappingError> {
        Ok(MapSerializer {
            map: BTreeMap::new(),
            key: None,
            depth: depth.container()?,
        })
    }
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
    fn end(self) -> Built {
        Ok(Some(AttributeValue::M(self.map)))
    }
}

/// Wraps a tuple or struct variant's content as `{variant: content}`.
pub(crate) struct VariantWrap<S> {
    variant: &'static str,
    inner: S,
}

impl<S> VariantWrap<S> {
    /// The content `inner` of `variant`.
    pub(super) fn new(variant: &'static str, inner: S) -> Self {
        VariantWrap { variant, inner }
    }

    fn wrap(variant: &'static str, value: Option<AttributeValue>) -> Built {
        let mut m = BTreeMap::new();
        m.insert(
            variant.to_owned(),
            value.unwrap_or_else(|| AttributeValue::Null),
        );
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
    fn end(self) -> Built {
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
    fn end(self) -> Built {
        let v = ser::SerializeStruct::end(self.inner)?;
        Self::wrap(self.variant, v)
    }
}
