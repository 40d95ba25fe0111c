//! Keys as arguments: the owned key type of a model, or a borrowed form
//! of it (`&str` for a `String` key, a tuple of parts for a composite key).

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{KeyType, Model};
use crate::ser::to_value;
use crate::value::{AttributeValue, Item};

/// A value that stands for a key of type `K`: `K` itself (or a reference
/// to it, for the library's key types), `&str` (and `Box<str>`,
/// `Arc<str>`) for `String`, `i32`, `i64`, `u32`, `u64` and `usize` for
/// any integer key, and for a composite key `(H, R)` a tuple of values
/// that stand for `H` and `R`.
///
/// A key type of your own (an enum stored as a string, say) implements
/// [`KeyType`] and `Serialize`, and then stands for itself.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not stand for a key of type `{K}`",
    label = "a key of type `{K}` is expected here",
    note = "give the key's own type, a borrowed form of it (`&str` for `String`), or for a composite key a `(hash, range)` tuple of them"
)]
pub trait AsKey<K: ?Sized> {
    /// The hash key's value and, for a composite key, the range key's.
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)>;
}

impl<T: KeyType + Serialize + ?Sized> AsKey<T> for T {
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)> {
        Ok((to_value(self)?, None))
    }
}

macro_rules! as_key_by_reference {
    ($($t:ty),*) => {$(
        impl<'a> AsKey<$t> for &'a $t {
            fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)> {
                <$t as AsKey<$t>>::key_values(*self)
            }
        }
    )*};
}
as_key_by_reference!(
    String,
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
    char,
    crate::Number,
    crate::Timestamp,
    crate::EpochSeconds,
    crate::Binary
);

macro_rules! as_string_key {
    ($($t:ty),*) => {$(
        impl AsKey<String> for $t {
            fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)> {
                let s: &str = self.as_ref();
                Ok((AttributeValue::S(s.to_owned()), None))
            }
        }
    )*};
}
as_string_key!(str, &str, Box<str>, Arc<str>);

macro_rules! as_integer_key {
    ($($from:ty => [$($to:ty),*];)*) => {$($(
        impl AsKey<$to> for $from {
            fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)> {
                Ok((AttributeValue::N((*self).into()), None))
            }
        }
    )*)*};
}
as_integer_key! {
    i32 => [i8, i16, i64, i128, isize, u8, u16, u32, u64, u128, usize];
    i64 => [i8, i16, i32, i128, isize, u8, u16, u32, u64, u128, usize];
    u32 => [i8, i16, i32, i64, i128, isize, u8, u16, u64, u128, usize];
    u64 => [i8, i16, i32, i64, i128, isize, u8, u16, u32, u128, usize];
    usize => [i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128];
}

impl<H, R, A: AsKey<H>, B: AsKey<R>> AsKey<(H, R)> for (A, B) {
    fn key_values(&self) -> Result<(AttributeValue, Option<AttributeValue>)> {
        let (h, _) = self.0.key_values()?;
        let (r, _) = self.1.key_values()?;
        Ok((h, Some(r)))
    }
}

/// The key of an item of `T`, as the key attributes of its table.
pub struct KeyOf<T> {
    item: Item,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for KeyOf<T> {
    fn clone(&self) -> Self {
        KeyOf {
            item: self.item.clone(),
            _model: PhantomData,
        }
    }
}

impl<T: Model> std::fmt::Debug for KeyOf<T> {
    /// The key as its Rust value would print: `"alice"`, `("alice", 3)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let values: Vec<String> = self
            .values()
            .map(|v| match v {
                AttributeValue::S(s) => format!("{s:?}"),
                other => crate::model::describe_scalar(other),
            })
            .collect();
        match values.as_slice() {
            [one] => f.write_str(one),
            many => write!(f, "({})", many.join(", ")),
        }
    }
}

impl<T: Model> KeyOf<T> {
    /// The key of `T` that `key` stands for.
    pub fn new(key: impl AsKey<T::Key>) -> Result<Self> {
        let (hash, range) = key.key_values()?;
        let schema = &T::schema().table.key;
        let mut item = Item::new();
        item.insert(schema.hash.name.clone(), hash);
        match (&schema.range, range) {
            (Some(r), Some(v)) => {
                item.insert(r.name.clone(), v);
            }
            (None, None) => {}
            (Some(r), None) => {
                return Err(Error::invalid(format!(
                    "the key of table `{}` has a range key `{}`: give (hash, range)",
                    T::schema().table.name,
                    r.name
                )));
            }
            (None, Some(_)) => {
                return Err(Error::invalid(format!(
                    "the key of table `{}` has no range key",
                    T::schema().table.name
                )));
            }
        }
        Ok(KeyOf {
            item,
            _model: PhantomData,
        })
    }

    /// The key of `T` from its owned key type.
    pub fn of(key: &T::Key) -> Result<Self> {
        Ok(KeyOf {
            item: T::key_item(key)?,
            _model: PhantomData,
        })
    }

    /// The key's values, hash first.
    fn values(&self) -> impl Iterator<Item = &AttributeValue> {
        T::schema()
            .table
            .key
            .names()
            .filter_map(|n| self.item.get(n))
    }

    /// The key attributes.
    pub fn item(&self) -> &Item {
        &self.item
    }

    /// The key attributes, owned.
    pub fn into_item(self) -> Item {
        self.item
    }
}

impl<T: Model> std::fmt::Display for KeyOf<T> {
    /// The key as its values' text: `alice`, `(alice, 3)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&T::schema().table.key.describe(&self.item))
    }
}
