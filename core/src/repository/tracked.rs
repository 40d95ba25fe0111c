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
    /// The stored item brought to the model's schema version, when a
    /// migration changed it (what the value was mapped from).
    pub(crate) upgraded: Option<Item>,
}

impl<T> Tracked<T> {
    /// A value never saved: saving it with conflict detection creates it
    /// only if no item has its key.
    pub fn new(value: T) -> Self {
        Tracked {
            value,
            stored: None,
            upgraded: None,
        }
    }

    pub(crate) fn loaded(value: T, stored: Item, upgraded: Option<Item>) -> Self {
        Tracked {
            value,
            stored: Some(stored),
            upgraded,
        }
    }

    /// Remembers a new stored form (after a write: it is current).
    pub(crate) fn set_stored(&mut self, stored: Option<Item>) {
        self.stored = stored;
        self.upgraded = None;
    }

    /// The stored item as the model's current schema version reads it
    /// (after migration), when a migration changed it; `None` when the
    /// stored item was already current.
    pub fn upgraded(&self) -> Option<&Item> {
        self.upgraded.as_ref()
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
/// A guarded save of a loaded value ([`SaveMode::FailOnConflict`], the
/// default) writes only what changed: an `UpdateItem` that sets the
/// model's attributes whose value changed and removes those that became
/// absent (a field set to `None`), on condition that the stored item is
/// still the one loaded. Attributes the model does not know (written by a
/// newer version of the service, or by another one) are kept, and the
/// value remembers the stored item with them, so the next guarded save is
/// exact again.
///
/// The condition is the version attribute when the model declares one
/// (`#[model(version)]`), and otherwise one clause per attribute of the
/// loaded item (plus "absent" for each model attribute it lacked). Mind:
///
/// - DynamoDB limits a condition to 4 KB, roughly 200 attributes: a save
///   whose condition would be longer is refused before it is sent, with
///   [`Error::LimitExceeded`](crate::Error::LimitExceeded) saying so; a
///   model with that many top-level attributes should declare a version.
/// - Attributes outside the model that appear after the load are not
///   detected (they are not in the loaded item), and are kept.
/// - A value read from an index that does not project every attribute
///   remembers the projected item: saving it is a conflict. Reload it from
///   the table first.
///
/// A new value (`create`, or `save` of a value never saved) and
/// [`SaveMode::Overwrite`] (and `put`, `put_many`) write the whole item
/// (`PutItem`): attributes the model does not know are not kept.
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
