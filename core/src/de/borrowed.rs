//! Deserializing from a borrowed item: the read path keeps the stored item
//! (in [`Tracked`](crate::Tracked)), so the value is read from a reference
//! instead of a copy of the whole item. Attribute names are never copied,
//! and the values of attributes the type ignores (a schema version, an
//! attribute another service wrote) are never copied either; every other
//! value is copied and read by [`ValueDeserializer`], so the result, and
//! every error, is the one [`from_item`](super::from_item) gives.

use std::cell::Cell;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use super::key::KeyDe;
use super::value::ValueDeserializer;
use crate::error::{MappingError, PathSegment};
use crate::ser::Depth;
use crate::value::{AttributeValue, Item};

/// The deserializer of a borrowed item: structs and maps read its
/// attributes one by one ([`RefMapDe`]); anything else reads a copy.
pub(super) struct ItemRefDe<'a> {
    item: &'a Item,
    watch: Option<&'a Watch<'a>>,
}

/// One attribute of the item to note as the deserializer passes it (a
/// model's schema version, checked without a search of its own).
pub(crate) struct Watch<'a> {
    name: &'a str,
    seen: Cell<Option<&'a AttributeValue>>,
}

impl<'a> Watch<'a> {
    /// Watches the attribute `name`.
    pub(crate) fn new(name: &'a str) -> Self {
        Watch {
            name,
            seen: Cell::new(None),
        }
    }

    /// The attribute's value, if a struct or map read went past it (a read
    /// that reads a copy, or stops early on an error, may not).
    pub(crate) fn seen(&self) -> Option<&'a AttributeValue> {
        self.seen.get()
    }
}

impl<'a> ItemRefDe<'a> {
    pub(super) fn new(item: &'a Item, watch: Option<&'a Watch<'a>>) -> Self {
        ItemRefDe { item, watch }
    }

    fn owned(self) -> ValueDeserializer {
        ValueDeserializer::new(AttributeValue::M(self.item.0.clone()), Depth::ITEM)
    }
}

/// One borrowed value: ignored values are not copied; the rest are read
/// from a copy, by the same deserializer as owned values.
struct ValueRefDe<'a> {
    value: &'a AttributeValue,
    depth: Depth,
}

impl ValueRefDe<'_> {
    fn owned(self) -> ValueDeserializer {
        ValueDeserializer::new(self.value.clone(), self.depth)
    }
}

/// The methods a borrowed deserializer hands to the owned one unchanged.
macro_rules! to_owned {
    ($($method:ident($($arg:ident: $t:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $t,)* visitor: V) -> Result<V::Value, MappingError> {
            self.owned().$method($($arg,)* visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for ItemRefDe<'_> {
    type Error = MappingError;

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        // As `ValueDeserializer::deserialize_map` does for an owned item.
        let depth = Depth::ITEM.container()?;
        visitor.visit_map(RefMapDe {
            iter: self.item.0.iter(),
            pending: None,
            depth,
            watch: self.watch,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_map(visitor)
    }

    to_owned! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
        deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
        deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
        deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
        deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
        deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str), deserialize_seq(),
        deserialize_tuple(len: usize), deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(), deserialize_ignored_any(),
    }
}

impl<'de> Deserializer<'de> for ValueRefDe<'_> {
    type Error = MappingError;

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_unit()
    }

    to_owned! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(),
        deserialize_i32(), deserialize_i64(), deserialize_i128(), deserialize_u8(),
        deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_u128(),
        deserialize_f32(), deserialize_f64(), deserialize_char(), deserialize_str(),
        deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
        deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str), deserialize_seq(),
        deserialize_tuple(len: usize), deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(), deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
    }
}

/// The attributes of a borrowed item, as `MapDe` reads those of an owned
/// one (the key added to errors).
struct RefMapDe<'a> {
    iter: std::collections::btree_map::Iter<'a, String, AttributeValue>,
    pending: Option<(&'a String, &'a AttributeValue)>,
    depth: Depth,
    watch: Option<&'a Watch<'a>>,
}

impl<'de> de::MapAccess<'de> for RefMapDe<'_> {
    type Error = MappingError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, MappingError> {
        match self.iter.next() {
            Some((k, v)) => {
                if let Some(w) = self.watch
                    && k.as_str() == w.name
                {
                    w.seen.set(Some(v));
                }
                let key = seed
                    .deserialize(KeyDe::new(k, self.depth))
                    .map_err(|e| e.within(PathSegment::Key(k.clone())))?;
                self.pending = Some((k, v));
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, MappingError> {
        let (k, value) = self
            .pending
            .take()
            .ok_or_else(|| MappingError::new("a map value was asked for before its key"))?;
        seed.deserialize(ValueRefDe {
            value,
            depth: self.depth,
        })
        .map_err(|e| e.within(PathSegment::Key(k.clone())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use serde::Deserialize;
    use serde::de::DeserializeOwned;

    use crate::de::{from_item, from_item_ref};
    use crate::number::Number;
    use crate::value::{AttributeValue, Item};

    /// The borrowed read gives what the owned one gives, value or error.
    fn same<T: DeserializeOwned + PartialEq + Debug>(item: Item) -> Result<T, String> {
        let owned = from_item::<T>(item.clone()).map_err(|e| e.to_string());
        let borrowed = from_item_ref::<T>(&item).map_err(|e| e.to_string());
        assert_eq!(owned, borrowed, "{item:?}");
        borrowed
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct User {
        id: String,
        age: u8,
        #[serde(default)]
        tags: Vec<String>,
        nickname: Option<String>,
        address: Option<Address>,
        raw: Option<AttributeValue>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Address {
        zip: String,
    }

    fn user() -> Item {
        Item::new()
            .with("id", "u1")
            .with("age", 42)
            .with("tags", vec![AttributeValue::from("a"), "b".into()])
            .with(
                "address",
                AttributeValue::M(BTreeMap::from([("zip".into(), "75001".into())])),
            )
            .with(
                "raw",
                AttributeValue::Ns(vec![Number::from(1), Number::from(2)]),
            )
    }

    #[test]
    fn values_and_ignored_attributes_read_as_owned() {
        let u: User = same(user().with("schema_version", 2).with("other", "x")).unwrap();
        assert_eq!(u.id, "u1");
        assert_eq!(
            u.address,
            Some(Address {
                zip: "75001".into()
            })
        );
        assert!(u.raw.is_some());
    }

    #[test]
    fn errors_name_the_same_path() {
        let e = same::<User>(user().with("age", 300)).unwrap_err();
        assert!(e.contains("`age`"), "{e}");
        let zip = AttributeValue::M(BTreeMap::from([("zip".into(), 5.into())]));
        let e = same::<User>(user().with("address", zip)).unwrap_err();
        assert!(e.contains("address.zip"), "{e}");
        let e = same::<User>(Item::new().with("age", 1)).unwrap_err();
        assert!(e.contains("id"), "{e}");
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        id: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Flat {
        id: String,
        #[serde(flatten)]
        rest: BTreeMap<String, AttributeValue>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "kind")]
    enum Shape {
        Circle { r: u32 },
        Square { side: u32 },
    }

    #[test]
    fn strict_flattened_and_tagged_models_read_as_owned() {
        assert!(same::<Strict>(Item::new().with("id", "a").with("x", 1)).is_err());
        same::<Strict>(Item::new().with("id", "a")).unwrap();
        let flat: Flat = same(Item::new().with("id", "a").with("x", 1)).unwrap();
        assert_eq!(flat.rest.len(), 1);
        let shape: Shape = same(Item::new().with("kind", "Circle").with("r", 2)).unwrap();
        assert_eq!(shape, Shape::Circle { r: 2 });
        let _ = Shape::Square { side: 1 };
        same::<BTreeMap<String, AttributeValue>>(user()).unwrap();
        same::<(String,)>(user()).unwrap_err();
    }

    #[test]
    fn a_watched_attribute_is_noted_at_the_top_level_only() {
        use crate::de::{Watch, from_item_ref_watching};
        let item = user().with("schema_version", 3).with(
            "nested",
            AttributeValue::M(BTreeMap::from([("v".into(), 1.into())])),
        );
        let watch = Watch::new("schema_version");
        let u: User = from_item_ref_watching(&item, &watch).unwrap();
        assert_eq!(u.id, "u1");
        assert_eq!(watch.seen(), Some(&AttributeValue::from(3)));
        // Inside a nested map the name is not the item's attribute.
        let watch = Watch::new("v");
        let _: User = from_item_ref_watching(&item, &watch).unwrap();
        assert_eq!(watch.seen(), None);
        // A read of a copy (a tuple here) notes nothing.
        let watch = Watch::new("schema_version");
        assert!(from_item_ref_watching::<(String,)>(&item, &watch).is_err());
        assert_eq!(watch.seen(), None);
    }
}
