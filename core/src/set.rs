//! DynamoDB sets (`SS`, `NS`, `BS`) and the binary type.
//!
//! [`Set<T>`] stores as a string set when `T` maps to a string (`String`,
//! [`Timestamp`](crate::Timestamp), ...), as a number set when `T` maps to a
//! number, and as a binary set when `T` is [`Binary`]. Members are kept in a
//! `BTreeSet`, so duplicates cannot be constructed. DynamoDB refuses empty
//! sets, so an empty `Set` is stored as an absent attribute and an absent
//! attribute reads back as an empty `Set`.

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// The newtype name by which the mapper's serializer recognises a set.
pub(crate) const SET_TOKEN: &str = "\u{0}dynamodb_mapper::Set";

/// A DynamoDB set: a string, number or binary set depending on `T`.
///
/// ```
/// use dynamodb_mapper::{from_item, to_item, AttributeValue, StringSet};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct Post { id: String, tags: StringSet }
///
/// let post = Post { id: "p1".into(), tags: ["rust", "db"].into_iter().map(String::from).collect() };
/// let item = to_item(&post)?;
/// assert!(matches!(item.get("tags"), Some(AttributeValue::Ss(t)) if t.len() == 2));
///
/// let empty = Post { id: "p2".into(), tags: StringSet::new() };
/// let item = to_item(&empty)?;
/// assert!(item.get("tags").is_none());            // empty sets are not stored
/// assert_eq!(from_item::<Post>(item)?, empty);      // and read back as empty
/// # Ok::<(), dynamodb_mapper::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Set<T: Ord>(BTreeSet<T>);

/// A string set (`SS`).
pub type StringSet = Set<String>;
/// A number set (`NS`) of any numeric type.
pub type NumberSet<T = crate::Number> = Set<T>;
/// A binary set (`BS`).
pub type BinarySet = Set<Binary>;

impl<T: Ord> Set<T> {
    /// An empty set.
    pub fn new() -> Self {
        Set(BTreeSet::new())
    }

    /// The members as a `BTreeSet`.
    pub fn into_inner(self) -> BTreeSet<T> {
        self.0
    }
}

impl<T: Ord> Default for Set<T> {
    fn default() -> Self {
        Set::new()
    }
}

impl<T: Ord> Deref for Set<T> {
    type Target = BTreeSet<T>;
    fn deref(&self) -> &BTreeSet<T> {
        &self.0
    }
}

impl<T: Ord> DerefMut for Set<T> {
    fn deref_mut(&mut self) -> &mut BTreeSet<T> {
        &mut self.0
    }
}

impl<T: Ord> From<BTreeSet<T>> for Set<T> {
    fn from(s: BTreeSet<T>) -> Self {
        Set(s)
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for Set<T> {
    fn from(a: [T; N]) -> Self {
        Set(BTreeSet::from(a))
    }
}

impl<T: Ord> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Set(iter.into_iter().collect())
    }
}

impl<T: Ord> IntoIterator for Set<T> {
    type Item = T;
    type IntoIter = std::collections::btree_set::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T: Ord> IntoIterator for &'a Set<T> {
    type Item = &'a T;
    type IntoIter = std::collections::btree_set::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Ord + fmt::Debug> fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}

struct Members<'a, T>(&'a BTreeSet<T>);

impl<T: Serialize> Serialize for Members<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for member in self.0 {
            seq.serialize_element(member)?;
        }
        seq.end()
    }
}

impl<T: Ord + Serialize> Serialize for Set<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(SET_TOKEN, &Members(&self.0))
    }
}

struct SetVisitor<T>(PhantomData<T>);

impl<'de, T: Ord + Deserialize<'de>> Visitor<'de> for SetVisitor<T> {
    type Value = Set<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a set")
    }

    fn visit_none<E: de::Error>(self) -> Result<Set<T>, E> {
        Ok(Set::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Set<T>, E> {
        Ok(Set::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Set<T>, D::Error> {
        d.deserialize_newtype_struct(SET_TOKEN, self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Set<T>, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Set<T>, A::Error> {
        let mut members = BTreeSet::new();
        while let Some(member) = seq.next_element()? {
            if !members.insert(member) {
                return Err(de::Error::custom("the set contains duplicates"));
            }
        }
        Ok(Set(members))
    }
}

impl<'de, T: Ord + Deserialize<'de>> Deserialize<'de> for Set<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through `deserialize_option` so that an absent attribute (serde's
        // missing field) or a NULL reads as the empty set.
        d.deserialize_option(SetVisitor(PhantomData))
    }
}

/// Binary data, stored as DynamoDB's `B` (a `Vec<u8>` without this wrapper
/// or `serde_bytes` maps to a list of numbers, as serde represents it).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Binary(pub Vec<u8>);

impl Binary {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Self {
        Binary(v)
    }
}

impl From<&[u8]> for Binary {
    fn from(v: &[u8]) -> Self {
        Binary(v.to_vec())
    }
}

impl Deref for Binary {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

struct BinaryVisitor;

impl<'de> Visitor<'de> for BinaryVisitor {
    type Value = Binary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("binary data")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
        Ok(Binary(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
        Ok(Binary(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binary, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(Binary(out))
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_byte_buf(BinaryVisitor)
    }
}
