//! `Serialize` for the data model's own types: [`Number`],
//! [`AttributeValue`] and [`Item`], in any serde format.

use serde::ser::{self, Serialize};

use super::{NUMBER_TOKEN, TooDeep};
use crate::number::Number;
use crate::set::SET_TOKEN;
use crate::value::{AttributeValue, Item, MAX_NESTING_DEPTH};

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
/// [`MAX_NESTING_DEPTH`]) is refused with an
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
