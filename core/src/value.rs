//! The neutral DynamoDB data model: [`AttributeValue`] and [`Item`].
//!
//! These types mirror DynamoDB's wire model without depending on any AWS
//! crate. Sets are kept as vectors, as on the wire; [`AttributeValue`]'s
//! equality treats them as sets (order does not matter), and
//! [`AttributeValue::check`] enforces DynamoDB's rules (no empty set, no
//! duplicate member).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::number::Number;

mod deep;
mod mapped;

pub use deep::Unpacked;

/// One DynamoDB attribute value, of any of DynamoDB's ten types.
///
/// A value may nest lists and maps to any depth, and every walk over it
/// (`Clone`, `Drop`, `==`, `Hash`, `Debug`, [`size`](Self::size)) works
/// without recursion, so even a value far deeper than DynamoDB's 32 levels
/// (which [`check`](Self::check) refuses) is safe to hold and drop.
///
/// `AttributeValue` implements `Drop`, so a `match` cannot move content out
/// of it: match on a reference, or on [`unpack`](Self::unpack)'s result.
pub enum AttributeValue {
    /// String (`S`).
    S(String),
    /// Number (`N`), an exact decimal.
    N(Number),
    /// Binary (`B`).
    B(Vec<u8>),
    /// String set (`SS`).
    Ss(Vec<String>),
    /// Number set (`NS`).
    Ns(Vec<Number>),
    /// Binary set (`BS`).
    Bs(Vec<Vec<u8>>),
    /// Map (`M`): nested attributes by name.
    M(BTreeMap<String, AttributeValue>),
    /// List (`L`).
    L(Vec<AttributeValue>),
    /// Boolean (`BOOL`).
    Bool(bool),
    /// Null (`NULL`).
    Null,
}

/// The DynamoDB type of an attribute value, as DynamoDB names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// `S`
    S,
    /// `N`
    N,
    /// `B`
    B,
    /// `SS`
    Ss,
    /// `NS`
    Ns,
    /// `BS`
    Bs,
    /// `M`
    M,
    /// `L`
    L,
    /// `BOOL`
    Bool,
    /// `NULL`
    Null,
}

impl ValueType {
    /// DynamoDB's name for the type (`"S"`, `"SS"`, `"BOOL"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::S => "S",
            ValueType::N => "N",
            ValueType::B => "B",
            ValueType::Ss => "SS",
            ValueType::Ns => "NS",
            ValueType::Bs => "BS",
            ValueType::M => "M",
            ValueType::L => "L",
            ValueType::Bool => "BOOL",
            ValueType::Null => "NULL",
        }
    }

    /// Parses DynamoDB's name for a type.
    pub fn from_name(name: &str) -> Option<ValueType> {
        Some(match name {
            "S" => ValueType::S,
            "N" => ValueType::N,
            "B" => ValueType::B,
            "SS" => ValueType::Ss,
            "NS" => ValueType::Ns,
            "BS" => ValueType::Bs,
            "M" => ValueType::M,
            "L" => ValueType::L,
            "BOOL" => ValueType::Bool,
            "NULL" => ValueType::Null,
            _ => return None,
        })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule of DynamoDB's data model that a value breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A set with no member.
    #[error("an empty set is not allowed")]
    EmptySet,
    /// A set with the same member twice.
    #[error("the set contains duplicates")]
    DuplicateSetMember,
    /// More levels of nesting than DynamoDB allows.
    #[error("nesting exceeds DynamoDB's limit of 32 levels")]
    TooDeep,
}

/// How many levels of lists and maps one attribute may hold (DynamoDB's
/// "32 levels", counting the attribute's own level as the item's).
pub const MAX_NESTING_DEPTH: usize = 31;

// `ValueError::TooDeep`'s message names the limit as DynamoDB does.
const _: () = assert!(MAX_NESTING_DEPTH + 1 == 32);

fn has_duplicates<T: Ord>(members: &[T]) -> bool {
    match members.len() {
        0 | 1 => false,
        2 => members[0] == members[1],
        _ => {
            // Members in strictly increasing order (as a `Set` gives them)
            // have no duplicate: no need to sort a copy.
            if members.windows(2).all(|w| w[0] < w[1]) {
                return false;
            }
            let mut sorted: Vec<&T> = members.iter().collect();
            sorted.sort_unstable();
            sorted.windows(2).any(|w| w[0] == w[1])
        }
    }
}

fn same_set<T: Ord>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut x: Vec<&T> = a.iter().collect();
    let mut y: Vec<&T> = b.iter().collect();
    x.sort_unstable();
    y.sort_unstable();
    x == y
}

impl AttributeValue {
    /// The value's DynamoDB type.
    pub fn value_type(&self) -> ValueType {
        match self {
            AttributeValue::S(_) => ValueType::S,
            AttributeValue::N(_) => ValueType::N,
            AttributeValue::B(_) => ValueType::B,
            AttributeValue::Ss(_) => ValueType::Ss,
            AttributeValue::Ns(_) => ValueType::Ns,
            AttributeValue::Bs(_) => ValueType::Bs,
            AttributeValue::M(_) => ValueType::M,
            AttributeValue::L(_) => ValueType::L,
            AttributeValue::Bool(_) => ValueType::Bool,
            AttributeValue::Null => ValueType::Null,
        }
    }

    /// Checks DynamoDB's rules on this value and everything nested in it:
    /// no empty set, no duplicate set member, at most 32 levels of nesting.
    pub fn check(&self) -> Result<(), ValueError> {
        self.check_at(0)
    }

    fn check_at(&self, depth: usize) -> Result<(), ValueError> {
        match self {
            AttributeValue::Ss(v) => check_set(v),
            AttributeValue::Ns(v) => check_set(v),
            AttributeValue::Bs(v) => check_set(v),
            AttributeValue::M(m) => {
                if depth >= MAX_NESTING_DEPTH {
                    return Err(ValueError::TooDeep);
                }
                m.values().try_for_each(|v| v.check_at(depth + 1))
            }
            AttributeValue::L(l) => {
                if depth >= MAX_NESTING_DEPTH {
                    return Err(ValueError::TooDeep);
                }
                l.iter().try_for_each(|v| v.check_at(depth + 1))
            }
            _ => Ok(()),
        }
    }

    /// The string, if this is an `S`.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            AttributeValue::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is an `N`.
    pub fn as_n(&self) -> Option<&Number> {
        match self {
            AttributeValue::N(n) => Some(n),
            _ => None,
        }
    }

    /// The bytes, if this is a `B`.
    pub fn as_b(&self) -> Option<&[u8]> {
        match self {
            AttributeValue::B(b) => Some(b),
            _ => None,
        }
    }

    /// The boolean, if this is a `BOOL`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttributeValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The map, if this is an `M`.
    pub fn as_m(&self) -> Option<&BTreeMap<String, AttributeValue>> {
        match self {
            AttributeValue::M(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is an `L`.
    pub fn as_l(&self) -> Option<&[AttributeValue]> {
        match self {
            AttributeValue::L(l) => Some(l),
            _ => None,
        }
    }

    /// True for `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, AttributeValue::Null)
    }

    /// The number of bytes DynamoDB counts for this value (without its
    /// attribute name), following DynamoDB's item size rules: strings and
    /// binaries by length, numbers by one byte per two significant digits
    /// plus one, booleans and nulls one byte, lists and maps three bytes
    /// plus one per element (and each map key's length).
    pub fn size(&self) -> usize {
        deep::size(self)
    }

    /// The bytes of [`size`](Self::size) that are this value's own: all of
    /// them for a scalar or set, the three of the container for a list or
    /// map (each element then adds one, a map's its key's length, and its
    /// own size).
    pub(crate) fn own_size(&self) -> usize {
        deep::leaf_size(self)
    }

    /// [`size`](Self::size) or more, without decomposing numbers (a
    /// number counts its text's length plus two): cheap, for checking a
    /// limit that is rarely near.
    pub(crate) fn size_at_most(&self) -> usize {
        deep::size_bound(self)
    }
}

fn check_set<T: Ord>(members: &[T]) -> Result<(), ValueError> {
    if members.is_empty() {
        return Err(ValueError::EmptySet);
    }
    if has_duplicates(members) {
        return Err(ValueError::DuplicateSetMember);
    }
    Ok(())
}

/// The bytes DynamoDB counts for a number: one, plus one per pair of
/// digits (pairs aligned on the decimal point, leading and trailing zero
/// pairs dropped), plus one if negative. `0` is one byte; `110` and `0.123`
/// are three.
pub(crate) fn number_size(n: &Number) -> usize {
    n.decomposed().size()
}

impl From<String> for AttributeValue {
    fn from(v: String) -> Self {
        AttributeValue::S(v)
    }
}

impl From<&str> for AttributeValue {
    fn from(v: &str) -> Self {
        AttributeValue::S(v.to_owned())
    }
}

impl From<Number> for AttributeValue {
    fn from(v: Number) -> Self {
        AttributeValue::N(v)
    }
}

impl From<bool> for AttributeValue {
    fn from(v: bool) -> Self {
        AttributeValue::Bool(v)
    }
}

impl From<Vec<u8>> for AttributeValue {
    fn from(v: Vec<u8>) -> Self {
        AttributeValue::B(v)
    }
}

impl From<Vec<AttributeValue>> for AttributeValue {
    fn from(v: Vec<AttributeValue>) -> Self {
        AttributeValue::L(v)
    }
}

impl From<BTreeMap<String, AttributeValue>> for AttributeValue {
    fn from(v: BTreeMap<String, AttributeValue>) -> Self {
        AttributeValue::M(v)
    }
}

impl From<Item> for AttributeValue {
    fn from(v: Item) -> Self {
        AttributeValue::M(v.0)
    }
}

macro_rules! av_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                AttributeValue::N(Number::from(v))
            }
        }
    )*};
}
av_from_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// An item: a map from attribute name to value, ordered by name.
///
/// `Item` dereferences to its `BTreeMap`, so the map's methods (`get`,
/// `insert`, `iter`, ...) work on it directly.
///
/// ```
/// use dynamodb_mapper::{AttributeValue, Item};
///
/// let item = Item::new().with("id", "alice").with("energy", 10);
/// assert_eq!(item.get("id"), Some(&AttributeValue::S("alice".into())));
/// assert_eq!(item.size(), 2 + 5 + 6 + 2);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Item(pub(crate) BTreeMap<String, AttributeValue>);

impl Item {
    /// An empty item.
    pub fn new() -> Self {
        Item(BTreeMap::new())
    }

    /// Adds an attribute, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// The underlying map.
    pub fn into_map(self) -> BTreeMap<String, AttributeValue> {
        self.0
    }

    /// The item's size as DynamoDB counts it toward the 400 KB limit: the
    /// sum of each attribute name's length and its value's size.
    pub fn size(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + v.size()).sum()
    }

    /// [`size`](Self::size) or more (see [`AttributeValue::size_at_most`]).
    pub(crate) fn size_at_most(&self) -> usize {
        self.0.iter().map(|(k, v)| k.len() + v.size_at_most()).sum()
    }

    /// Checks DynamoDB's rules on every attribute (see
    /// [`AttributeValue::check`]), naming the first attribute that breaks one.
    pub fn check(&self) -> Result<(), (String, ValueError)> {
        for (name, value) in &self.0 {
            value.check().map_err(|e| (name.clone(), e))?;
        }
        Ok(())
    }

    /// Keeps only the named attributes (a key, or a projection).
    pub fn project(&self, names: &[&str]) -> Item {
        Item(
            names
                .iter()
                .filter_map(|n| self.0.get(*n).map(|v| ((*n).to_owned(), v.clone())))
                .collect(),
        )
    }
}

impl Deref for Item {
    type Target = BTreeMap<String, AttributeValue>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Item {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Item")?;
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl From<BTreeMap<String, AttributeValue>> for Item {
    fn from(map: BTreeMap<String, AttributeValue>) -> Self {
        Item(map)
    }
}

impl From<Item> for BTreeMap<String, AttributeValue> {
    fn from(item: Item) -> Self {
        item.0
    }
}

impl<K: Into<String>, V: Into<AttributeValue>> FromIterator<(K, V)> for Item {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Item(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Item {
    type Item = (String, AttributeValue);
    type IntoIter = std::collections::btree_map::IntoIter<String, AttributeValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Item {
    type Item = (&'a String, &'a AttributeValue);
    type IntoIter = std::collections::btree_map::Iter<'a, String, AttributeValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn sets_compare_as_sets() {
        assert_eq!(
            AttributeValue::Ss(vec!["a".into(), "b".into()]),
            AttributeValue::Ss(vec!["b".into(), "a".into()])
        );
        assert_eq!(
            AttributeValue::Ns(vec![n("1"), n("2")]),
            AttributeValue::Ns(vec![n("2.0"), n("1")])
        );
        assert_ne!(
            AttributeValue::Ss(vec!["a".into()]),
            AttributeValue::Ss(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn check_rules() {
        assert_eq!(
            AttributeValue::Ss(vec![]).check(),
            Err(ValueError::EmptySet)
        );
        assert_eq!(
            AttributeValue::Ss(vec!["a".into(), "a".into()]).check(),
            Err(ValueError::DuplicateSetMember)
        );
        assert_eq!(
            AttributeValue::Ns(vec![n("1"), n("1.0")]).check(),
            Err(ValueError::DuplicateSetMember)
        );
        let mut deep = AttributeValue::Null;
        for _ in 0..MAX_NESTING_DEPTH {
            // 31 containers around a scalar are accepted.
            deep = AttributeValue::L(vec![deep]);
        }
        assert_eq!(deep.check(), Ok(()));
        assert_eq!(
            AttributeValue::L(vec![deep]).check(),
            Err(ValueError::TooDeep)
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(AttributeValue::S("abc".into()).size(), 3);
        // DynamoDB Local's figures (probe 2.10n of the behaviour catalogue).
        for (text, size) in [
            ("0", 1),
            ("1", 2),
            ("9", 2),
            ("10", 2),
            ("99", 2),
            ("100", 2),
            ("101", 3),
            ("110", 3),
            ("123", 3),
            ("1000", 2),
            ("1234", 3),
            ("12345", 4),
            ("123456", 4),
            ("1234567", 5),
            ("0.1", 2),
            ("0.01", 2),
            ("0.001", 2),
            ("0.12", 2),
            ("0.123", 3),
            ("0.0123", 3),
            ("1.5", 3),
            ("12.5", 3),
            ("1.05", 3),
            ("10.5", 3),
            ("1E125", 2),
            ("1E-130", 2),
            ("-1", 3),
            ("-10", 3),
            ("-1.5", 4),
            ("-0.1", 3),
            ("-123", 4),
            ("-12345", 5),
            ("99999999999999999999999999999999999999", 20),
            ("-99999999999999999999999999999999999999", 21),
        ] {
            assert_eq!(AttributeValue::N(n(text)).size(), size, "{text}");
        }
        assert_eq!(
            AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(true)]).size(),
            3 + 2 + 2
        );
        let item = Item::new().with("ab", "xyz");
        assert_eq!(item.size(), 5);
    }
}
