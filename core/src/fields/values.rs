//! Which values a typed path takes, and what each kind of field offers.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::number::Number;
use crate::set::{Binary, Set};
use crate::time::{EpochSeconds, Timestamp};
use crate::value::AttributeValue;

/// A value that a path to a `T` takes: a `T` itself, or a value that
/// becomes one.
///
/// Implemented for `T` (so `OrderStatus::Paid` for an `OrderStatus`),
/// `&T` (cloned), `&str` for `String`, a `T` for an `Option<T>`, arrays
/// and vectors for a [`Set`] or a `Vec` (of values for its elements), and
/// the integers up to 64 bits for a [`Number`]. Implement it for your own
/// conversions.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a field of type `{T}`",
    label = "expected a value of type `{T}` here",
    note = "a typed path takes values of its field's type (or ones that convert to it: see `dynamodb_mapper::fields::ValueFor`); use `dynamodb_mapper::expr::attr` for an untyped path"
)]
pub trait ValueFor<T> {
    /// The `T` this value stands for.
    fn into_field_value(self) -> T;
}

impl<T> ValueFor<T> for T {
    fn into_field_value(self) -> T {
        self
    }
}

impl<T: Clone> ValueFor<T> for &T {
    fn into_field_value(self) -> T {
        self.clone()
    }
}

impl ValueFor<String> for &str {
    fn into_field_value(self) -> String {
        self.to_owned()
    }
}

impl<T> ValueFor<Option<T>> for T {
    fn into_field_value(self) -> Option<T> {
        Some(self)
    }
}

impl<X: Ord, V: ValueFor<X>, const N: usize> ValueFor<Set<X>> for [V; N] {
    fn into_field_value(self) -> Set<X> {
        self.into_iter().map(ValueFor::into_field_value).collect()
    }
}

impl<X: Ord, V: ValueFor<X>> ValueFor<Set<X>> for Vec<V> {
    fn into_field_value(self) -> Set<X> {
        self.into_iter().map(ValueFor::into_field_value).collect()
    }
}

impl<X, V: ValueFor<X>, const N: usize> ValueFor<Vec<X>> for [V; N] {
    fn into_field_value(self) -> Vec<X> {
        self.into_iter().map(ValueFor::into_field_value).collect()
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl ValueFor<Number> for $t {
            fn into_field_value(self) -> Number {
                Number::from(self)
            }
        }
    )*};
}
number_from!(i8, i16, i32, i64, u8, u16, u32, u64);

/// The type of a map's keys whose attribute name a typed path can write:
/// the name is the key's text, as the mapping writes it.
pub trait MapKey {
    /// The attribute name of this key.
    fn key_text(&self) -> String;
}

impl MapKey for String {
    fn key_text(&self) -> String {
        self.clone()
    }
}

impl MapKey for char {
    fn key_text(&self) -> String {
        self.to_string()
    }
}

macro_rules! int_keys {
    ($($t:ty),*) => {$(
        impl MapKey for $t {
            fn key_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
int_keys!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

/// A numeric field type: `increment` and `decrement` apply to it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number",
    label = "arithmetic in an update applies to numeric fields"
)]
pub trait Numeric: Serialize {}

/// A field type that DynamoDB's `ADD` applies to: numbers (added to) and
/// sets (members added).
#[diagnostic::on_unimplemented(
    message = "`ADD` does not apply to a field of type `{Self}`",
    label = "`add` applies to numbers and sets; use `set` to replace a value"
)]
pub trait Addable: Serialize {}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {}
        impl Addable for $t {}
    )*};
}
numeric!(
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    Number,
    EpochSeconds
);

impl<X: Ord + Serialize> Addable for Set<X> {}

/// A field type that `begins_with` applies to, and the type of its prefix.
#[diagnostic::on_unimplemented(
    message = "`begins_with` does not apply to a field of type `{Self}`",
    label = "`begins_with` applies to strings, timestamps and binary values"
)]
pub trait BeginsWith {
    /// The prefix's type: `str` for text, `[u8]` for binary.
    type Prefix: ?Sized;

    /// The prefix as an attribute value.
    fn prefix_value(prefix: &Self::Prefix) -> AttributeValue;
}

macro_rules! text_prefix {
    ($($t:ty),*) => {$(
        impl BeginsWith for $t {
            type Prefix = str;
            fn prefix_value(prefix: &str) -> AttributeValue {
                AttributeValue::S(prefix.to_owned())
            }
        }
    )*};
}
text_prefix!(String, Box<str>, Arc<str>, Timestamp);

impl BeginsWith for Binary {
    type Prefix = [u8];
    fn prefix_value(prefix: &[u8]) -> AttributeValue {
        AttributeValue::B(prefix.to_vec())
    }
}

/// A field type that `contains` applies to, and what it looks for: a
/// substring of a string, a member of a set, an element of a list.
#[diagnostic::on_unimplemented(
    message = "`contains` does not apply to a field of type `{Self}`",
    label = "`contains` applies to strings, sets and lists"
)]
pub trait Contains {
    /// What `contains` looks for.
    type Element: Serialize;
}

impl Contains for String {
    type Element = String;
}

impl<X: Ord + Serialize> Contains for Set<X> {
    type Element = X;
}

macro_rules! list_contains {
    ($($ty:ty),*) => {$(
        impl<X: Serialize> Contains for $ty {
            type Element = X;
        }
    )*};
}
list_contains!(Vec<X>, VecDeque<X>, BTreeSet<X>, HashSet<X>);

impl<X: Serialize, const N: usize> Contains for [X; N] {
    type Element = X;
}
