//! Typed conditions (and filters), `size`, and range key conditions.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use super::values::{BeginsWith, Contains, ValueFor};
use super::{Field, stored};
use crate::error::{Error, MappingError};
use crate::expr::{Comparator, Condition, Operand, Path, RangeCondition};
use crate::model::KeyType;
use crate::path::PathSegment;
use crate::value::{AttributeValue, ValueType};

/// A condition or filter on items of model `M`, built from typed paths.
///
/// Combine with [`and`](Self::and), [`or`](Self::or), `&`, `|` and `!`;
/// an untyped [`Condition`] joins in too (for attributes outside the
/// model). [`build`](Self::build) gives the [`Condition`] the repository
/// and the backends take, or the first value that could not be mapped.
pub struct ConditionOf<M> {
    inner: Result<Condition, MappingError>,
    model: PhantomData<fn() -> M>,
}

impl<M> ConditionOf<M> {
    fn new(inner: Result<Condition, MappingError>) -> Self {
        ConditionOf {
            inner,
            model: PhantomData,
        }
    }

    fn join(self, other: ConditionOf<M>, f: fn(Condition, Condition) -> Condition) -> Self {
        ConditionOf::new(match (self.inner, other.inner) {
            (Ok(a), Ok(b)) => Ok(f(a, b)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        })
    }

    /// `self AND other`
    pub fn and(self, other: impl Into<ConditionOf<M>>) -> Self {
        self.join(other.into(), Condition::and)
    }

    /// `self OR other`
    pub fn or(self, other: impl Into<ConditionOf<M>>) -> Self {
        self.join(other.into(), Condition::or)
    }

    /// `NOT self`
    pub fn negate(self) -> Self {
        ConditionOf::new(self.inner.map(Condition::negate))
    }

    /// All of the conditions (`None` for none).
    pub fn all(conditions: impl IntoIterator<Item = ConditionOf<M>>) -> Option<Self> {
        conditions.into_iter().reduce(ConditionOf::and)
    }

    /// Any of the conditions (`None` for none).
    pub fn any(conditions: impl IntoIterator<Item = ConditionOf<M>>) -> Option<Self> {
        conditions.into_iter().reduce(ConditionOf::or)
    }

    /// The untyped condition, or the first value that could not be mapped
    /// (an [`Error::Mapping`] naming its path).
    pub fn build(self) -> Result<Condition, Error> {
        self.inner.map_err(Error::Mapping)
    }
}

impl<M> Clone for ConditionOf<M> {
    fn clone(&self) -> Self {
        ConditionOf::new(self.inner.clone())
    }
}

impl<M> fmt::Debug for ConditionOf<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Ok(c) => f.debug_tuple("ConditionOf").field(c).finish(),
            Err(e) => f.debug_tuple("ConditionOf").field(e).finish(),
        }
    }
}

impl<M> PartialEq for ConditionOf<M> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<M> From<Condition> for ConditionOf<M> {
    fn from(condition: Condition) -> Self {
        ConditionOf::new(Ok(condition))
    }
}

impl<M> TryFrom<ConditionOf<M>> for Condition {
    type Error = Error;
    fn try_from(condition: ConditionOf<M>) -> Result<Condition, Error> {
        condition.build()
    }
}

impl<M> std::ops::Not for ConditionOf<M> {
    type Output = ConditionOf<M>;
    fn not(self) -> Self {
        self.negate()
    }
}

impl<M, C: Into<ConditionOf<M>>> std::ops::BitAnd<C> for ConditionOf<M> {
    type Output = ConditionOf<M>;
    fn bitand(self, other: C) -> Self {
        self.and(other)
    }
}

impl<M, C: Into<ConditionOf<M>>> std::ops::BitOr<C> for ConditionOf<M> {
    type Output = ConditionOf<M>;
    fn bitor(self, other: C) -> Self {
        self.or(other)
    }
}

/// A condition for model `M`: an untyped [`Condition`] or a typed
/// [`ConditionOf<M>`]. A function that takes `impl IntoCondition<M>`
/// accepts both, and refuses at compile time a typed condition on another
/// model's fields.
pub trait IntoCondition<M> {
    /// The untyped condition, or the first value that could not be mapped.
    fn into_condition(self) -> Result<Condition, Error>;
}

impl<M> IntoCondition<M> for Condition {
    fn into_condition(self) -> Result<Condition, Error> {
        Ok(self)
    }
}

impl<M> IntoCondition<M> for ConditionOf<M> {
    fn into_condition(self) -> Result<Condition, Error> {
        self.build()
    }
}

/// The error for a value that maps to no attribute in a condition.
fn absent(path: &Path) -> MappingError {
    MappingError::new(format!(
        "the value compared with `{path}` maps to an absent attribute (None or an empty set): \
         test for it with `not_exists()`"
    ))
}

/// `path`'s value of `value`, which a condition must have.
fn operand<T: Serialize>(path: &Path, value: &T) -> Result<AttributeValue, MappingError> {
    stored(path, value)?.ok_or_else(|| absent(path))
}

/// `size(path)`: the length of a string or binary, the number of elements
/// of a set, list or map, to compare with numbers.
pub struct SizeOf<M> {
    path: Path,
    model: PhantomData<fn() -> M>,
}

impl<M> SizeOf<M> {
    fn operand(&self) -> Operand {
        Operand::Size(Box::new(Operand::Path(self.path.clone())))
    }

    fn compare(&self, op: Comparator, n: usize) -> ConditionOf<M> {
        ConditionOf::new(Ok(Condition::Compare {
            left: self.operand(),
            op,
            right: Operand::Value(AttributeValue::from(n)),
        }))
    }

    /// `size(path) = n`
    pub fn eq(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Eq, n)
    }
    /// `size(path) <> n`
    pub fn ne(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Ne, n)
    }
    /// `size(path) < n`
    pub fn lt(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Lt, n)
    }
    /// `size(path) <= n`
    pub fn le(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Le, n)
    }
    /// `size(path) > n`
    pub fn gt(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Gt, n)
    }
    /// `size(path) >= n`
    pub fn ge(&self, n: usize) -> ConditionOf<M> {
        self.compare(Comparator::Ge, n)
    }
    /// `size(path) BETWEEN low AND high`
    pub fn between(&self, low: usize, high: usize) -> ConditionOf<M> {
        ConditionOf::new(Ok(Condition::Between {
            value: self.operand(),
            low: Operand::Value(AttributeValue::from(low)),
            high: Operand::Value(AttributeValue::from(high)),
        }))
    }
}

impl<M, T> Field<M, T> {
    /// `attribute_exists(path)`
    pub fn exists(&self) -> ConditionOf<M> {
        ConditionOf::new(Ok(Condition::AttributeExists(self.path())))
    }

    /// `attribute_not_exists(path)`
    pub fn not_exists(&self) -> ConditionOf<M> {
        ConditionOf::new(Ok(Condition::AttributeNotExists(self.path())))
    }

    /// `attribute_type(path, type)`
    pub fn has_type(&self, value_type: ValueType) -> ConditionOf<M> {
        ConditionOf::new(Ok(Condition::AttributeType(
            self.path(),
            Operand::Value(AttributeValue::S(value_type.as_str().to_owned())),
        )))
    }

    /// `size(path)`, to compare: `f.lines.size().ge(3)`.
    pub fn size(&self) -> SizeOf<M> {
        SizeOf {
            path: self.path(),
            model: PhantomData,
        }
    }
}

impl<M, T: Serialize> Field<M, T> {
    fn compare(&self, op: Comparator, value: impl ValueFor<T>) -> ConditionOf<M> {
        let value = value.into_field_value();
        ConditionOf::new(operand(&self.path, &value).map(|v| Condition::Compare {
            left: Operand::Path(self.path()),
            op,
            right: Operand::Value(v),
        }))
    }

    /// `path = value`
    pub fn eq(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Eq, value)
    }
    /// `path <> value`
    pub fn ne(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Ne, value)
    }
    /// `path < value`
    pub fn lt(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Lt, value)
    }
    /// `path <= value`
    pub fn le(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Le, value)
    }
    /// `path > value`
    pub fn gt(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Gt, value)
    }
    /// `path >= value`
    pub fn ge(&self, value: impl ValueFor<T>) -> ConditionOf<M> {
        self.compare(Comparator::Ge, value)
    }

    /// `path BETWEEN low AND high` (both inclusive).
    pub fn between(&self, low: impl ValueFor<T>, high: impl ValueFor<T>) -> ConditionOf<M> {
        let (low, high) = (low.into_field_value(), high.into_field_value());
        let bounds = operand(&self.path, &low).and_then(|l| Ok((l, operand(&self.path, &high)?)));
        ConditionOf::new(bounds.map(|(low, high)| Condition::Between {
            value: Operand::Path(self.path()),
            low: Operand::Value(low),
            high: Operand::Value(high),
        }))
    }

    /// `path IN (a, b, ...)`
    pub fn is_in<V: ValueFor<T>>(&self, values: impl IntoIterator<Item = V>) -> ConditionOf<M> {
        let list: Result<Vec<Operand>, MappingError> = values
            .into_iter()
            .map(|v| operand(&self.path, &v.into_field_value()).map(Operand::Value))
            .collect();
        ConditionOf::new(list.map(|list| Condition::In {
            value: Operand::Path(self.path()),
            list,
        }))
    }
}

impl<M, T: Contains> Field<M, T> {
    /// `contains(path, value)`: a substring of a string, a member of a
    /// set, an element of a list.
    pub fn contains(&self, value: impl ValueFor<T::Element>) -> ConditionOf<M> {
        let value = value.into_field_value();
        ConditionOf::new(
            operand(&self.path, &value)
                .map(|v| Condition::Contains(self.path(), Operand::Value(v))),
        )
    }
}

impl<M, T: BeginsWith> Field<M, T> {
    /// `begins_with(path, prefix)`
    pub fn begins_with(&self, prefix: impl AsRef<T::Prefix>) -> ConditionOf<M> {
        let value = T::prefix_value(prefix.as_ref());
        ConditionOf::new(Ok(Condition::BeginsWith(
            self.path(),
            Operand::Value(value),
        )))
    }
}

/// Range key conditions, for [`QuerySpec::range`](crate::QuerySpec::range):
/// they apply to the range key of the table or index queried, so take
/// them from that key's field.
impl<M, T: KeyType + Serialize> Field<M, T> {
    fn key_value(&self, value: impl ValueFor<T>) -> Result<AttributeValue, Error> {
        operand(&self.path, &value.into_field_value()).map_err(Error::Mapping)
    }

    /// Range key `= value`
    pub fn key_eq(&self, value: impl ValueFor<T>) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Eq(self.key_value(value)?))
    }
    /// Range key `< value`
    pub fn key_lt(&self, value: impl ValueFor<T>) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Lt(self.key_value(value)?))
    }
    /// Range key `<= value`
    pub fn key_le(&self, value: impl ValueFor<T>) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Le(self.key_value(value)?))
    }
    /// Range key `> value`
    pub fn key_gt(&self, value: impl ValueFor<T>) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Gt(self.key_value(value)?))
    }
    /// Range key `>= value`
    pub fn key_ge(&self, value: impl ValueFor<T>) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Ge(self.key_value(value)?))
    }
    /// Range key `BETWEEN low AND high` (both inclusive).
    pub fn key_between(
        &self,
        low: impl ValueFor<T>,
        high: impl ValueFor<T>,
    ) -> Result<RangeCondition, Error> {
        Ok(RangeCondition::Between(
            self.key_value(low)?,
            self.key_value(high)?,
        ))
    }
}

impl<M, T: KeyType + BeginsWith> Field<M, T> {
    /// Range key `begins_with(key, prefix)`.
    pub fn key_begins_with(&self, prefix: impl AsRef<T::Prefix>) -> RangeCondition {
        RangeCondition::BeginsWith(T::prefix_value(prefix.as_ref()))
    }
}

/// `error` at `path`: the path's segments before the error's own.
pub(super) fn at_path(error: MappingError, path: &Path) -> MappingError {
    path.elements().iter().rev().fold(error, |e, element| {
        e.within(match element {
            crate::expr::PathElement::Attr(a) => PathSegment::Key(a.clone()),
            crate::expr::PathElement::Index(i) => PathSegment::Index(*i),
        })
    })
}
