//! `SS`, `NS` and `BS` from a [`Set`](crate::Set)'s members.

use serde::ser::{self, Serialize};

use super::value::ValueSerializer;
use super::{Built, Depth};
use crate::error::{MappingError, PathSegment};
use crate::number::Number;
use crate::value::{AttributeValue, Unpacked};

/// Serializes a [`Set`](crate::Set)'s members into `SS`, `NS` or `BS`.
pub(super) struct SetSerializer {
    pub(super) depth: Depth,
}

enum Members {
    /// No member yet; room for this many.
    Empty(usize),
    S(Vec<String>),
    N(Vec<Number>),
    B(Vec<Vec<u8>>),
}

/// A vector of room `len` (at least one) holding `member`.
fn first<T>(len: usize, member: T) -> Vec<T> {
    let mut v = Vec::with_capacity(len.max(1));
    v.push(member);
    v
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
            (Members::Empty(len), Some(Unpacked::S(s))) => {
                self.members = Members::S(first(*len, s))
            }
            (Members::Empty(len), Some(Unpacked::N(n))) => {
                self.members = Members::N(first(*len, n))
            }
            (Members::Empty(len), Some(Unpacked::B(b))) => {
                self.members = Members::B(first(*len, b))
            }
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
    fn end(self) -> Built {
        let value = match self.members {
            Members::Empty(_) => None,
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
        Ok(SetSeq {
            // A length hint is the caller's word: cap what it reserves.
            members: Members::Empty(len.unwrap_or(0).min(4096)),
            index: 0,
            depth: self.depth.call()?,
        })
    }

    fn serialize_bool(self, _v: bool) -> Built {
        Err(not_a_set())
    }
    fn serialize_i8(self, _v: i8) -> Built {
        Err(not_a_set())
    }
    fn serialize_i16(self, _v: i16) -> Built {
        Err(not_a_set())
    }
    fn serialize_i32(self, _v: i32) -> Built {
        Err(not_a_set())
    }
    fn serialize_i64(self, _v: i64) -> Built {
        Err(not_a_set())
    }
    fn serialize_u8(self, _v: u8) -> Built {
        Err(not_a_set())
    }
    fn serialize_u16(self, _v: u16) -> Built {
        Err(not_a_set())
    }
    fn serialize_u32(self, _v: u32) -> Built {
        Err(not_a_set())
    }
    fn serialize_u64(self, _v: u64) -> Built {
        Err(not_a_set())
    }
    fn serialize_f32(self, _v: f32) -> Built {
        Err(not_a_set())
    }
    fn serialize_f64(self, _v: f64) -> Built {
        Err(not_a_set())
    }
    fn serialize_char(self, _v: char) -> Built {
        Err(not_a_set())
    }
    fn serialize_str(self, _v: &str) -> Built {
        Err(not_a_set())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Built {
        Err(not_a_set())
    }
    fn serialize_none(self) -> Built {
        Err(not_a_set())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Built {
        Err(not_a_set())
    }
    fn serialize_unit(self) -> Built {
        Err(not_a_set())
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Built {
        Err(not_a_set())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, _v: &'static str) -> Built {
        Err(not_a_set())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Built {
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
    ) -> Built {
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
