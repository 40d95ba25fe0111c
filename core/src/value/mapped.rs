//! The library's mapped types as values: each converts as the mapper
//! stores it, so that a value of one is written where an `AttributeValue`
//! is taken without `to_value(...)?`: `Item::new().with("at", Timestamp::now())`.

use super::AttributeValue;
use crate::number::Number;

impl From<char> for AttributeValue {
    fn from(v: char) -> Self {
        AttributeValue::S(v.to_string())
    }
}

impl From<crate::Timestamp> for AttributeValue {
    /// `S`: the timestamp's RFC 3339 text, as it is stored.
    fn from(v: crate::Timestamp) -> Self {
        AttributeValue::S(v.to_string())
    }
}

impl From<crate::EpochSeconds> for AttributeValue {
    /// `N`: the seconds, as they are stored.
    fn from(v: crate::EpochSeconds) -> Self {
        AttributeValue::N(Number::from(v.0))
    }
}

impl From<crate::Binary> for AttributeValue {
    /// `B`.
    fn from(v: crate::Binary) -> Self {
        AttributeValue::B(v.0)
    }
}

impl From<crate::Set<String>> for AttributeValue {
    /// `SS`, members in order. (DynamoDB refuses an empty set; the mapper
    /// stores one as an absent attribute.)
    fn from(v: crate::Set<String>) -> Self {
        AttributeValue::Ss(v.into_inner().into_iter().collect())
    }
}

impl From<crate::Set<crate::Binary>> for AttributeValue {
    /// `BS`, members in order.
    fn from(v: crate::Set<crate::Binary>) -> Self {
        AttributeValue::Bs(v.into_inner().into_iter().map(|b| b.0).collect())
    }
}

macro_rules! av_from_number_set {
    ($($t:ty),*) => {$(
        impl From<crate::Set<$t>> for AttributeValue {
            /// `NS`, members in order.
            fn from(v: crate::Set<$t>) -> Self {
                AttributeValue::Ns(v.into_inner().into_iter().map(Number::from).collect())
            }
        }
    )*};
}
av_from_number_set!(Number, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
