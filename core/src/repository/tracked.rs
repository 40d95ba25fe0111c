//! [`Tracked`]: a value with the item it was loaded from, and [`SaveMode`].

use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::value::Item;

/// A value together with the item it was loaded from, for conflict
/// detection. It dereferences to the value, so fields are read and changed
/// directly.
#[derive(Clone, PartialEq)]
pub struct Tracked<T> {
    pub(crate) value: T,
    pub(crate) stored: Option<Item>,
}

impl<T> Tracked<T> {
    /// A value never saved: saving it with conflict detection creates it
    /// only if no item has its key.
    pub fn new(value: T) -> Self {
        Tracked {
            value,
            stored: None,
        }
    }

    pub(crate) fn loaded(value: T, stored: Item) -> Self {
        Tracked {
            value,
            stored: Some(stored),
        }
    }

    /// The item as it was stored when loaded or last saved (before any
    /// migration); `None` for a value never saved.
    pub fn stored(&self) -> Option<&Item> {
        self.stored.as_ref()
    }

    /// True for a value never saved (or deleted since).
    pub fn is_new(&self) -> bool {
        self.stored.is_none()
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("value", &self.value)
            .field("new", &self.stored.is_none())
            .finish()
    }
}

/// How a save treats the item already stored.
///
/// Conflict detection without a version attribute sends a condition with
/// one clause per top-level attribute (the attribute as loaded, or absent
/// for a model field that was absent). Mind three consequences:
///
/// - DynamoDB limits a condition to 4 KB, roughly 200 attributes: a model
///   with more top-level attributes should declare a `#[model(version)]`.
/// - Attributes outside the model that appear after the load are not
///   detected (as in the Python mapper); a save writes the whole item
///   (`PutItem`), so it drops attributes the model does not know.
/// - A value read from an index that does not project every attribute
///   remembers the projected item: saving it is a conflict. Reload it from
///   the table first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveMode {
    /// Succeed only if the stored item is still what was loaded (or, for a
    /// new value, if no item has its key); otherwise [`Error::Conflict`](crate::Error::Conflict)
    /// (or [`Error::AlreadyExists`](crate::Error::AlreadyExists)).
    #[default]
    FailOnConflict,
    /// Write whatever is stored.
    Overwrite,
}
