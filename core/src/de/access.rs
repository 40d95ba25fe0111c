//! The elements of lists (and sets) and the entries of maps (and structs),
//! each read one level deeper, with its index or key added to errors.

use std::collections::BTreeMap;

use serde::de::{self, DeserializeSeed};

use super::key::KeyDe;
use super::value::ValueDeserializer;
use crate::error::{MappingError, PathSegment};
use crate::ser::Depth;
use crate::value::AttributeValue;

/// Reads list elements (or set members), adding the index to errors.
pub(super) struct SeqDe<I> {
    iter: I,
    index: usize,
    /// The depth of the elements.
    depth: Depth,
}

impl<I> SeqDe<I> {
    pub(super) fn new(iter: I, depth: Depth) -> Self {
        SeqDe {
            iter,
            index: 0,
            depth,
        }
    }
}

impl<'de, I: ExactSizeIterator<Item = AttributeValue>> de::SeqAccess<'de> for SeqDe<I> {
    type Error = MappingError;

    #[inline]
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
pub(super) struct MapDe {
    iter: std::collections::btree_map::IntoIter<String, AttributeValue>,
    pending: Option<(String, AttributeValue)>,
    /// The depth of the keys and values.
    depth: Depth,
}

impl MapDe {
    pub(super) fn new(m: BTreeMap<String, AttributeValue>, depth: Depth) -> Self {
        MapDe {
            iter: m.into_iter(),
            pending: None,
            depth,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapDe {
    type Error = MappingError;

    #[inline]
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

    #[inline]
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
