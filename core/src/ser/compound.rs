//! Lists, maps, structs and enum variants, built element by element.

use std::cell::RefCell;
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
/// The fields are gathered in a vector sized by the struct's field count,
/// under the `&'static str` names serde gives, and the map is built once
/// at the end (see [`build_struct_map`]).
pub(crate) struct StructSerializer {
    fields: Vec<(&'static str, AttributeValue)>,
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

/// The shape of one struct's map: the names its fields came in, and the
/// map of those names (every value `NULL`) that a new map is cloned from.
///
/// A struct's fields arrive as the same `&'static str`s in the same order
/// every time its `Serialize` runs (as long as the same fields are
/// present), so sorting the names and building the map's nodes is done
/// once per shape; each map after that is a clone of the template (one
/// allocation per name and node, no comparison) whose values are then
/// replaced in key order.
struct Layout {
    /// The names in the order the fields arrived, all distinct.
    names: Box<[&'static str]>,
    /// For each entry of `template`, in key order, the index in `names`
    /// (and so in the fields) of its value.
    order: Box<[usize]>,
    /// The map of the names, every value `NULL`.
    template: BTreeMap<String, AttributeValue>,
}

/// How many struct shapes a thread remembers; the shapes met after that
/// are built without a template, as before there was one.
const MAX_LAYOUTS: usize = 64;

/// Structs with fewer fields than this are built directly: a template
/// saves little on them.
const MIN_LAYOUT_FIELDS: usize = 3;

thread_local! {
    /// The struct shapes this thread has built, first met first.
    static LAYOUTS: RefCell<Vec<Layout>> = const { RefCell::new(Vec::new()) };
}

impl Layout {
    /// The layout of `fields`' names, or `None` when two are the same (a
    /// hand-written `Serialize`): those are built without a template.
    fn new(fields: &[(&'static str, AttributeValue)]) -> Option<Layout> {
        let mut order: Vec<usize> = (0..fields.len()).collect();
        order.sort_by(|&a, &b| name_order(fields[a].0, fields[b].0));
        if order.windows(2).any(|w| fields[w[0]].0 == fields[w[1]].0) {
            return None;
        }
        let template = order
            .iter()
            .map(|&i| (fields[i].0.to_owned(), AttributeValue::Null))
            .collect();
        Some(Layout {
            names: fields.iter().map(|f| f.0).collect(),
            order: order.into_boxed_slice(),
            template,
        })
    }

    /// True when `fields` came with exactly these names, in this order (the
    /// same `&'static str`s: the same address and length, so the same text).
    fn fits(&self, fields: &[(&'static str, AttributeValue)]) -> bool {
        self.names.len() == fields.len()
            && self
                .names
                .iter()
                .zip(fields)
                .all(|(a, (b, _))| std::ptr::eq(*a, *b))
    }

    /// The map of `fields` (which [`fits`](Self::fits)).
    fn build(
        &self,
        fields: &mut [(&'static str, AttributeValue)],
    ) -> BTreeMap<String, AttributeValue> {
        let mut map = self.template.clone();
        // Each field's value swapped with the template's `NULL`, which the
        // caller discards with the fields.
        for (slot, &i) in map.values_mut().zip(self.order.iter()) {
            if let Some(field) = fields.get_mut(i) {
                std::mem::swap(slot, &mut field.1);
            }
        }
        map
    }
}

/// Drops `v`, skipping the (out of line) drop of a `NULL`, which owns
/// nothing: what is left of a value moved out, or a template's value.
#[inline]
fn discard(v: AttributeValue) {
    if matches!(v, AttributeValue::Null) {
        std::mem::forget(v);
    } else {
        drop(v);
    }
}

/// The map of a struct's `fields` (names in the order serde gave them): from
/// the template of its shape when the thread has one or can keep a new
/// one, otherwise by sorting. Either way it is the map successive inserts
/// would build (of equal names, the later kept).
fn build_struct_map(
    mut fields: Vec<(&'static str, AttributeValue)>,
) -> BTreeMap<String, AttributeValue> {
    if fields.len() >= MIN_LAYOUT_FIELDS {
        // `try_with`: a struct serialized while the thread's locals are torn
        // down is built without a template rather than panicking.
        let built = LAYOUTS.try_with(|layouts| {
            // Never borrowed elsewhere while a map is built; if it were,
            // the map is built without it.
            let mut layouts = layouts.try_borrow_mut().ok()?;
            if let Some(layout) = layouts.iter().find(|l| l.fits(&fields)) {
                return Some(layout.build(&mut fields));
            }
            if layouts.len() >= MAX_LAYOUTS {
                return None;
            }
            let layout = Layout::new(&fields)?;
            let map = layout.build(&mut fields);
            layouts.push(layout);
            Some(map)
        });
        if let Ok(Some(map)) = built {
            // Every value was moved into the map.
            fields.into_iter().for_each(|(_, v)| discard(v));
            return map;
        }
    }
    build_map(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
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
                self.fields.push((key, v));
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.within(PathSegment::Key(key.to_owned()))),
        }
    }
    fn end(self) -> Built {
        Ok(Some(AttributeValue::M(build_struct_map(self.fields))))
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
