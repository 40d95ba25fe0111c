//! The deserializer of one attribute value.

use serde::de::{self, Deserializer, Unexpected, Visitor};

use super::access::{MapDe, SeqDe};
use super::variant::EnumDe;
use super::{PASSTHROUGH, VALUE_TOKEN};
use crate::error::MappingError;
use crate::number::Number;
use crate::ser::{Depth, NUMBER_TOKEN};
use crate::set::SET_TOKEN;
use crate::value::{AttributeValue, Unpacked};

/// The deserializer behind [`from_item`](crate::from_item) and [`from_value`](crate::from_value); it consumes
/// the value, which sits at `depth`.
pub(crate) struct ValueDeserializer {
    value: AttributeValue,
    depth: Depth,
}

impl ValueDeserializer {
    pub(crate) fn new(value: AttributeValue, depth: Depth) -> Self {
        ValueDeserializer { value, depth }
    }

    /// The same value, one serde call further in (an option's content, a
    /// newtype's field).
    fn call(self) -> Result<Self, MappingError> {
        Ok(ValueDeserializer {
            depth: self.depth.call()?,
            value: self.value,
        })
    }
}

pub(super) fn unexpected(v: &AttributeValue) -> Unexpected<'_> {
    match v {
        AttributeValue::S(s) => Unexpected::Str(s),
        AttributeValue::N(_) => Unexpected::Other("a number (N)"),
        AttributeValue::B(b) => Unexpected::Bytes(b),
        AttributeValue::Ss(_) => Unexpected::Other("a string set (SS)"),
        AttributeValue::Ns(_) => Unexpected::Other("a number set (NS)"),
        AttributeValue::Bs(_) => Unexpected::Other("a binary set (BS)"),
        AttributeValue::M(_) => Unexpected::Map,
        AttributeValue::L(_) => Unexpected::Seq,
        AttributeValue::Bool(b) => Unexpected::Bool(*b),
        AttributeValue::Null => Unexpected::Unit,
    }
}

fn invalid<'de, V: Visitor<'de>>(value: &AttributeValue, visitor: &V) -> MappingError {
    de::Error::invalid_type(unexpected(value), visitor)
}

fn number_error(e: crate::NumberError) -> MappingError {
    MappingError::new(e.to_string())
}

/// Visits an integer of up to 64 bits; serde's visitors check the range of
/// narrower types and name them in their error.
fn visit_int<'de, V: Visitor<'de>>(
    n: &Number,
    visitor: V,
    target: &'static str,
) -> Result<V::Value, MappingError> {
    if let Ok(v) = n.to_i64() {
        visitor.visit_i64(v)
    } else if let Ok(v) = n.to_u64() {
        visitor.visit_u64(v)
    } else {
        Err(MappingError::new(format!(
            "{n} is not an integer that fits in {target}"
        )))
    }
}

/// Visits a number whose target type is not known (`deserialize_any`).
fn visit_number_any<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value, MappingError> {
    if let Ok(v) = n.as_str().parse::<u64>() {
        return visitor.visit_u64(v);
    }
    if let Ok(v) = n.as_str().parse::<i64>() {
        return visitor.visit_i64(v);
    }
    if let Ok(v) = n.to_i128() {
        if let Ok(v) = u64::try_from(v) {
            return visitor.visit_u64(v);
        }
        if let Ok(v) = i64::try_from(v) {
            return visitor.visit_i64(v);
        }
        return visitor.visit_i128(v);
    }
    if let Ok(v) = n.to_u128() {
        return visitor.visit_u128(v);
    }
    visitor.visit_f64(n.to_f64())
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The `f64` nearest a short decimal (`[-]digits[.digits]`, at most 15
/// digits, no exponent), which is what Rust's float parser gives for it:
/// the digits and the power of ten are both exact `f64`s, so their quotient,
/// rounded once, is the nearest `f64` to the decimal. `None` for any other
/// text, which goes to the parser.
#[inline]
fn short_decimal_f64(text: &str) -> Option<f64> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut point = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if point.is_none() && i > 0 && i + 1 < digits.len() => point = Some(i),
            _ => return None,
        }
    }
    if count > 15 {
        return None;
    }
    let scale = point.map_or(0, |p| digits.len() - p - 1);
    let magnitude = mantissa as f64 / EXACT_POWERS_OF_TEN[scale];
    Some(if negative { -magnitude } else { magnitude })
}

fn check_set(value: &AttributeValue) -> Result<(), MappingError> {
    value.check().map_err(|e| MappingError::new(e.to_string()))
}

macro_rules! deserialize_int {
    ($($method:ident => $target:expr),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
            match &self.value {
                AttributeValue::N(n) => visit_int(n, visitor, $target),
                other => Err(invalid(other, &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = MappingError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if matches!(
            self.value,
            AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
        ) {
            check_set(&self.value)?;
        }
        let depth = self.depth;
        match self.value.unpack() {
            Unpacked::S(s) => visitor.visit_string(s),
            Unpacked::N(n) => visit_number_any(n, visitor),
            Unpacked::B(b) => visitor.visit_byte_buf(b),
            // A set's members are one call in, but not a level of nesting.
            Unpacked::Ss(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::S),
                depth.call()?,
            )),
            Unpacked::Ns(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::N),
                depth.call()?,
            )),
            Unpacked::Bs(m) => visitor.visit_seq(SeqDe::new(
                m.into_iter().map(AttributeValue::B),
                depth.call()?,
            )),
            Unpacked::M(m) => visitor.visit_map(MapDe::new(m, depth.container()?)),
            Unpacked::L(l) => visitor.visit_seq(SeqDe::new(l.into_iter(), depth.container()?)),
            Unpacked::Bool(b) => visitor.visit_bool(b),
            Unpacked::Null => visitor.visit_unit(),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            other => Err(invalid(&other, &visitor)),
        }
    }

    deserialize_int!(deserialize_i8 => "i8", deserialize_i16 => "i16", deserialize_i32 => "i32",
        deserialize_i64 => "i64", deserialize_u8 => "u8", deserialize_u16 => "u16", deserialize_u32 => "u32",
        deserialize_u64 => "u64");

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => visitor.visit_i128(n.to_i128().map_err(number_error)?),
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => visitor.visit_u128(n.to_u128().map_err(number_error)?),
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::N(n) => {
                visitor.visit_f64(short_decimal_f64(n.as_str()).unwrap_or_else(|| n.to_f64()))
            }
            other => Err(invalid(other, &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value.unpack() {
            Unpacked::S(s) => visitor.visit_string(s),
            other => Err(invalid(&other.into(), &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if !matches!(self.value, AttributeValue::B(_)) {
            return self.deserialize_any(visitor);
        }
        match self.value.unpack() {
            Unpacked::B(b) => visitor.visit_byte_buf(b),
            _ => unreachable!("matched a binary"),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self.call()?),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        match self.value {
            AttributeValue::Null => visitor.visit_unit(),
            other => Err(invalid(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        match name {
            NUMBER_TOKEN => match &self.value {
                AttributeValue::N(n) => visitor.visit_str(n.as_str()),
                other => Err(invalid(other, &visitor)),
            },
            SET_TOKEN => match &self.value {
                AttributeValue::Ss(_)
                | AttributeValue::Ns(_)
                | AttributeValue::Bs(_)
                | AttributeValue::L(_) => self.deserialize_any(visitor),
                AttributeValue::Null => visitor.visit_unit(),
                other => Err(de::Error::invalid_type(
                    unexpected(other),
                    &"a set (SS, NS or BS)",
                )),
            },
            VALUE_TOKEN => {
                PASSTHROUGH.with(|slot| slot.set(Some(self.value)));
                let result = visitor.visit_unit();
                PASSTHROUGH.with(|slot| slot.set(None));
                result
            }
            _ => visitor.visit_newtype_struct(self.call()?),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        if !matches!(self.value, AttributeValue::M(_)) {
            return Err(invalid(&self.value, &visitor));
        }
        let depth = self.depth.container()?;
        match self.value.unpack() {
            Unpacked::M(m) => visitor.visit_map(MapDe::new(m, depth)),
            _ => unreachable!("matched a map"),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        match &self.value {
            AttributeValue::S(_) => {}
            AttributeValue::M(m) if m.len() == 1 => {}
            other => {
                return Err(de::Error::invalid_type(
                    unexpected(other),
                    &"an enum: a variant name (S) or a map with one entry (M)",
                ));
            }
        }
        let depth = self.depth;
        match self.value.unpack() {
            Unpacked::S(variant) => visitor.visit_enum(EnumDe {
                variant,
                value: None,
                depth: depth.call()?,
            }),
            Unpacked::M(m) => {
                let (variant, value) = m.into_iter().next().expect("one entry");
                visitor.visit_enum(EnumDe {
                    variant,
                    value: Some(value),
                    // `{variant: value}` is a map.
                    depth: depth.container()?,
                })
            }
            _ => unreachable!("matched a string or a map"),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MappingError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, MappingError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::short_decimal_f64;

    #[test]
    fn short_decimals_read_as_the_float_parser_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.75",
            "-1.75",
            "0.1",
            "0.2",
            "0.3",
            "2.675",
            "123456789012345",
            "999999999999999",
            "0.000000000000001",
            "-98765.4321",
            "1.000000000000001",
            "9007199254740993",
            "1.",
            ".5",
            "1..2",
            "-",
            "",
            "1e5",
            "1E5",
            "--1",
            "1.2.3",
            "12345678901234567",
            "0.1234567890123456",
        ]
        .map(String::from)
        .to_vec();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 1_000_000_000_000_000) as f64;
            let scale = (x >> 50) as usize % 16;
            let v = digits / 10f64.powi(scale as i32);
            texts.push(format!("{v:.scale$}"));
            texts.push(format!("-{v}"));
        }
        for text in &texts {
            // Text it does not read goes to the parser.
            if let Some(v) = short_decimal_f64(text) {
                let parsed: f64 = text.parse().unwrap();
                assert_eq!(v.to_bits(), parsed.to_bits(), "{text}");
            }
        }
        for text in ["1.75", "0.1", "-98765.4321", "123456789012345", "0", "-0"] {
            assert!(short_decimal_f64(text).is_some(), "{text}");
        }
        for text in ["1.", ".5", "1e5", "1234567890123456", "-", ""] {
            assert!(short_decimal_f64(text).is_none(), "{text}");
        }
    }
}
