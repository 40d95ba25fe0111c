//! Typed updates and projections.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

use super::values::{Addable, Numeric, ValueFor};
use super::{Field, stored};
use crate::error::{Error, MappingError};
use crate::expr::{Path, Projection, SetOperand, SetValue, Update};
use crate::set::Set;
use crate::value::AttributeValue;

/// An update of items of model `M`, built from typed paths: one or more
/// `SET`, `REMOVE`, `ADD` and `DELETE` actions.
///
/// Join actions with [`and`](Self::and) (an untyped [`Update`] joins in
/// too); [`build`](Self::build) gives the [`Update`] the repository and the
/// backends take, or the first value that could not be mapped.
pub struct UpdateOf<M> {
    inner: Result<Update, MappingError>,
    model: PhantomData<fn() -> M>,
}

impl<M> UpdateOf<M> {
    fn from_result(inner: Result<Update, MappingError>) -> Self {
        UpdateOf {
            inner,
            model: PhantomData,
        }
    }

    /// An update with no action.
    pub fn new() -> Self {
        UpdateOf::from_result(Ok(Update::new()))
    }

    /// This update's actions, then `other`'s.
    pub fn and(self, other: impl Into<UpdateOf<M>>) -> Self {
        UpdateOf::from_result(match (self.inner, other.into().inner) {
            (Ok(mut a), Ok(b)) => {
                a.set.extend(b.set);
                a.remove.extend(b.remove);
                a.add.extend(b.add);
                a.delete.extend(b.delete);
                Ok(a)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        })
    }

    /// The untyped update, or the first value that could not be mapped
    /// (an [`Error::Mapping`] naming its path).
    pub fn build(self) -> Result<Update, Error> {
        self.inner.map_err(Error::Mapping)
    }
}

impl<M> Default for UpdateOf<M> {
    fn default() -> Self {
        UpdateOf::new()
    }
}

impl<M> Clone for UpdateOf<M> {
    fn clone(&self) -> Self {
        UpdateOf::from_result(self.inner.clone())
    }
}

impl<M> fmt::Debug for UpdateOf<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Ok(u) => f.debug_tuple("UpdateOf").field(u).finish(),
            Err(e) => f.debug_tuple("UpdateOf").field(e).finish(),
        }
    }
}

impl<M> PartialEq for UpdateOf<M> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<M> From<Update> for UpdateOf<M> {
    fn from(update: Update) -> Self {
        UpdateOf::from_result(Ok(update))
    }
}

impl<M> TryFrom<UpdateOf<M>> for Update {
    type Error = Error;
    fn try_from(update: UpdateOf<M>) -> Result<Update, Error> {
        update.build()
    }
}

impl<M> FromIterator<UpdateOf<M>> for UpdateOf<M> {
    fn from_iter<I: IntoIterator<Item = UpdateOf<M>>>(iter: I) -> Self {
        iter.into_iter().fold(UpdateOf::new(), UpdateOf::and)
    }
}

/// An update for model `M`: an untyped [`Update`] or a typed
/// [`UpdateOf<M>`]. A function that takes `impl IntoUpdate<M>` accepts
/// both, and refuses at compile time a typed update of another model's
/// fields.
pub trait IntoUpdate<M> {
    /// The untyped update, or the first value that could not be mapped.
    fn into_update(self) -> Result<Update, Error>;
}

impl<M> IntoUpdate<M> for Update {
    fn into_update(self) -> Result<Update, Error> {
        Ok(self)
    }
}

impl<M> IntoUpdate<M> for UpdateOf<M> {
    fn into_update(self) -> Result<Update, Error> {
        self.build()
    }
}

impl<M, T> Field<M, T> {
    fn update(&self, build: impl FnOnce(&Path) -> Result<Update, MappingError>) -> UpdateOf<M> {
        UpdateOf::from_result(build(&self.path))
    }

    /// `REMOVE path`: the attribute (or list element, or map entry) is
    /// removed.
    pub fn remove(&self) -> UpdateOf<M> {
        self.update(|p| Ok(Update::new().remove(p.clone())))
    }
}

impl<M, T: Serialize> Field<M, T> {
    /// `SET path = value`. A value the mapping stores as an absent
    /// attribute (an empty set) removes the attribute instead, as saving
    /// the whole item would.
    pub fn set(&self, value: impl ValueFor<T>) -> UpdateOf<M> {
        let value = value.into_field_value();
        self.update(|p| {
            Ok(match stored(p, &value)? {
                Some(v) => Update::new().set(p.clone(), v),
                None => Update::new().remove(p.clone()),
            })
        })
    }

    /// [`set`](Self::set) for `Some`, [`remove`](Self::remove) for `None`.
    pub fn set_or_remove<V: ValueFor<T>>(&self, value: Option<V>) -> UpdateOf<M> {
        match value {
            Some(v) => self.set(v),
            None => self.remove(),
        }
    }

    /// `SET path = if_not_exists(path, value)`: sets the attribute only
    /// when it is absent. A value stored as absent changes nothing.
    pub fn set_if_not_exists(&self, value: impl ValueFor<T>) -> UpdateOf<M> {
        let value = value.into_field_value();
        self.update(|p| {
            Ok(match stored(p, &value)? {
                Some(v) => Update::new().set(p.clone(), p.clone().if_not_exists(v)),
                None => Update::new(),
            })
        })
    }
}

impl<M, T: Addable> Field<M, T> {
    /// `ADD path value`: adds to a number, or adds members to a set
    /// (`f.tags.add(["a", "b"])`); creates the attribute when absent.
    /// Adding no member changes nothing.
    pub fn add(&self, value: impl ValueFor<T>) -> UpdateOf<M> {
        let value = value.into_field_value();
        self.update(|p| {
            Ok(match stored(p, &value)? {
                Some(v) => Update::new().add(p.clone(), v),
                None => Update::new(),
            })
        })
    }
}

impl<M, T: Numeric> Field<M, T> {
    fn arithmetic(
        &self,
        value: impl ValueFor<T>,
        op: fn(SetOperand, SetOperand) -> SetValue,
    ) -> UpdateOf<M> {
        let value = value.into_field_value();
        self.update(|p| {
            let v = stored(p, &value)?.unwrap_or(AttributeValue::Null);
            let value = op(SetOperand::Path(p.clone()), SetOperand::Value(v));
            Ok(Update::new().set(p.clone(), value))
        })
    }

    /// `SET path = path + value`: the attribute must exist (`add` creates
    /// it).
    pub fn increment(&self, by: impl ValueFor<T>) -> UpdateOf<M> {
        self.arithmetic(by, SetValue::Plus)
    }

    /// `SET path = path - value`: the attribute must exist.
    pub fn decrement(&self, by: impl ValueFor<T>) -> UpdateOf<M> {
        self.arithmetic(by, SetValue::Minus)
    }
}

impl<M, X: Ord + Serialize> Field<M, Set<X>> {
    /// `DELETE path members`: removes these members from the set
    /// (`f.tags.delete(["old"])`). Deleting no member changes nothing.
    pub fn delete(&self, members: impl ValueFor<Set<X>>) -> UpdateOf<M> {
        let members = members.into_field_value();
        self.update(|p| {
            Ok(match stored(p, &members)? {
                Some(v) => Update::new().delete(p.clone(), v),
                None => Update::new(),
            })
        })
    }
}

impl<M, X: Serialize> Field<M, Vec<X>> {
    fn list_append(&self, items: impl ValueFor<Vec<X>>, at_end: bool) -> UpdateOf<M> {
        let items = items.into_field_value();
        self.update(|p| {
            let items = stored(p, &items)?.unwrap_or(AttributeValue::L(Vec::new()));
            let current = p.clone().if_not_exists(AttributeValue::L(Vec::new()));
            let value = if at_end {
                SetOperand::list_append(current, items)
            } else {
                SetOperand::list_append(items, current)
            };
            Ok(Update::new().set(p.clone(), value))
        })
    }

    /// `SET path = list_append(path, items)`: appends to the list,
    /// creating it when the attribute is absent.
    pub fn append(&self, items: impl ValueFor<Vec<X>>) -> UpdateOf<M> {
        self.list_append(items, true)
    }

    /// `SET path = list_append(items, path)`: prepends to the list,
    /// creating it when the attribute is absent.
    pub fn prepend(&self, items: impl ValueFor<Vec<X>>) -> UpdateOf<M> {
        self.list_append(items, false)
    }
}

/// A projection of attributes of model `M`: the paths a read returns.
///
/// ```
/// # use dynamodb_mapper::{Model, expr::Projection, fields::ProjectionOf};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Model, Serialize, Deserialize)]
/// # #[model(table = "orders")]
/// # struct Order { #[model(hash_key)] id: String, status: String, lines: Vec<String> }
/// let f = Order::fields();
/// let projection: Projection = ProjectionOf::new().with(&f.status).with(&f.lines.at(0)).build();
/// assert_eq!(projection.0.len(), 2);
/// ```
pub struct ProjectionOf<M> {
    paths: Vec<Path>,
    model: PhantomData<fn() -> M>,
}

impl<M> ProjectionOf<M> {
    /// A projection of no path yet.
    pub fn new() -> Self {
        ProjectionOf {
            paths: Vec::new(),
            model: PhantomData,
        }
    }

    /// Adds a path.
    pub fn with<T>(mut self, field: &Field<M, T>) -> Self {
        self.paths.push(field.path());
        self
    }

    /// The untyped projection.
    pub fn build(self) -> Projection {
        Projection::new(self.paths)
    }
}

impl<M> Default for ProjectionOf<M> {
    fn default() -> Self {
        ProjectionOf::new()
    }
}

impl<M> Clone for ProjectionOf<M> {
    fn clone(&self) -> Self {
        ProjectionOf {
            paths: self.paths.clone(),
            model: PhantomData,
        }
    }
}

impl<M> fmt::Debug for ProjectionOf<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProjectionOf").field(&self.paths).finish()
    }
}

impl<M> From<ProjectionOf<M>> for Projection {
    fn from(projection: ProjectionOf<M>) -> Projection {
        projection.build()
    }
}
