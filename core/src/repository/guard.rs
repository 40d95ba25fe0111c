//! Conflict detection: the guard a write is conditional on, the version
//! bump, and the single-item writes that use them. Transactions reuse the
//! same guard, so a guarded save means one thing everywhere.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{SaveMode, Table, Tracked};
use crate::backend::{DeleteItem, GetItem, PutItem, ReturnValues, UpdateItem};
use crate::error::{Error, Result};
use crate::expr::{Condition, Update, attr};
use crate::model::Model;
use crate::ser::to_item;
use crate::trace::MODEL;
use crate::value::Item;

/// DynamoDB's limit on the length of one expression.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// The first version of a value written for the first time: the time in
/// microseconds since 1970 (and in seconds, for version types too narrow
/// for it), never the same twice in this process.
///
/// This is what keeps a copy loaded before a delete from overwriting the
/// item re-created after it (the ABA problem of counters): the copy's
/// guard asks for the version it saw, which the new incarnation, starting
/// later in time, does not hold unless the old one was saved more times
/// than microseconds passed between the two creations.
pub(super) fn first_version() -> (u64, u64) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return (next, next / 1_000_000),
            Err(seen) => last = seen,
        }
    }
}

impl<T: Model> Table<T> {
    /// The condition that the stored item is still `stored` (or, for
    /// `None`, that no item has the key).
    pub(crate) fn guard(stored: Option<&Item>) -> Condition {
        let schema = T::schema();
        let key = &schema.table.key;
        let hash = attr(key.hash.name.clone());
        let Some(stored) = stored else {
            return hash.not_exists();
        };
        let mut guard = hash.exists();
        if let Some(version) = &schema.version_attribute {
            let check = match stored.get(version) {
                Some(v) => attr(version.clone()).eq(v.clone()),
                None => attr(version.clone()).not_exists(),
            };
            return guard.and(check);
        }
        for (name, value) in stored.iter() {
            if !key.contains(name) {
                guard = guard.and(attr(name.clone()).eq(value.clone()));
            }
        }
        for name in &schema.attributes {
            if !key.contains(name) && !stored.contains_key(name) {
                guard = guard.and(attr(name.clone()).not_exists());
            }
        }
        guard
    }

    pub(super) fn already_exists(&self, key: &T::Key) -> Error {
        Error::AlreadyExists {
            table: self.name.to_string(),
            key: format!("{key:?}"),
        }
    }

    /// Sets the version the value will carry once written, when the model
    /// is versioned; returns the old one (to restore if the write fails).
    ///
    /// A value written for the first time (version 0) starts at a version
    /// no copy of an earlier incarnation of its item can hold: see
    /// [`first_version`]. Every other write counts up by one, a value
    /// re-saved after its delete included (its version continues).
    pub(crate) fn bump_version(value: &mut T) -> Result<Option<u64>> {
        let Some(old) = value.version() else {
            return Ok(None);
        };
        if old == 0 {
            let (micros, seconds) = first_version();
            for start in [micros, seconds] {
                value.set_version(start);
                if value.version() == Some(start) {
                    return Ok(Some(old));
                }
            }
            value.set_version(old);
            return Err(Error::InvalidRequest {
                message: format!(
                    "the version attribute's type cannot hold a first version ({seconds}, seconds since 1970): use u64 or i64"
                ),
            });
        }
        let new = old.checked_add(1).ok_or_else(|| Error::InvalidRequest {
            message: "the version attribute cannot be incremented past u64::MAX".to_owned(),
        })?;
        value.set_version(new);
        if value.version() != Some(new) {
            value.set_version(old);
            return Err(Error::InvalidRequest {
                message: format!("the version attribute's type cannot hold version {new}"),
            });
        }
        Ok(Some(old))
    }

    /// Writes the tracked value whole, guarded or not; on success it
    /// remembers the item written.
    pub(super) async fn write(
        &self,
        item: &mut Tracked<T>,
        guard: Option<Condition>,
    ) -> Result<()> {
        let new_item = to_item(&item.value)?;
        self.refuse_counter(&Self::key_schema().key_of(&new_item))?;
        let mut put = PutItem::new(&*self.name, new_item);
        if let Some(guard) = &guard {
            put = put.condition(guard).return_old_on_condition_failure(true);
        }
        let written = put.item.clone();
        self.backend.put_item(put).await?;
        item.stored = Some(written);
        Ok(())
    }

    /// Writes what changed in a loaded value (`SET` of the model's
    /// attributes whose value changed, `REMOVE` of those that became
    /// absent), guarded on the item still being what was loaded. Attributes
    /// the model does not know are kept; the new stored form, which has
    /// them, is remembered.
    async fn write_changes(&self, item: &mut Tracked<T>, stored: &Item) -> Result<()> {
        let new_item = to_item(&item.value)?;
        let schema = T::schema();
        let key = Self::key_schema().key_of(stored);
        self.refuse_counter(&key)?;
        let mut update = Update::new();
        for (name, value) in new_item.iter() {
            if schema.table.key.contains(name) || stored.get(name) == Some(value) {
                continue;
            }
            update = update.set(attr(name.clone()), value.clone());
        }
        for name in &schema.attributes {
            if !schema.table.key.contains(name)
                && stored.contains_key(name)
                && !new_item.contains_key(name)
            {
                update = update.remove(attr(name.clone()));
            }
        }
        let guard = Self::guard(Some(stored));
        let mut request = UpdateItem::new(&*self.name, key)
            .condition(&guard)
            .return_old_on_condition_failure(true)
            .return_values(ReturnValues::AllNew);
        if !update.is_empty() {
            request = request.update(&update);
        }
        self.check_expression_sizes(&request)?;
        let out = self.backend.update_item(request).await?;
        let written = out.attributes.ok_or_else(|| Error::Backend {
            message: "UpdateItem with ALL_NEW returned no item".to_owned(),
            source: None,
        })?;
        item.stored = Some(written);
        Ok(())
    }

    /// Refuses, before sending, a save whose expressions DynamoDB would
    /// refuse for their length, saying why and what to do.
    fn check_expression_sizes(&self, request: &UpdateItem) -> Result<()> {
        let condition = request.condition_expression.as_deref().unwrap_or("");
        let update = request.update_expression.as_deref().unwrap_or("");
        for (what, text) in [("conflict condition", condition), ("update", update)] {
            if text.len() > MAX_EXPRESSION_BYTES {
                return Err(Error::LimitExceeded {
                    message: format!(
                        "the {what} of a save to table `{}` would be {} bytes, over DynamoDB's limit of {MAX_EXPRESSION_BYTES} for an expression: the item has too many attributes to be guarded one by one; declare a #[model(version)] attribute",
                        self.name,
                        text.len()
                    ),
                });
            }
        }
        Ok(())
    }

    pub(super) async fn save_inner(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<()> {
        item.value.validate()?;
        let old_version = Self::bump_version(&mut item.value)?;
        let result = if item.stored.is_none() && Self::unassigned(&item.value)? {
            self.create_auto(item).await
        } else if let (Some(stored), SaveMode::FailOnConflict) = (item.stored.clone(), mode) {
            self.write_changes(item, &stored).await
        } else {
            let key = item.value.key();
            let new = item.stored.is_none();
            let guard = (mode == SaveMode::FailOnConflict).then(|| Self::guard(None));
            match self.write(item, guard).await {
                Err(Error::Conflict { .. }) if new => Err(self.already_exists(&key)),
                other => other,
            }
        };
        if result.is_err()
            && let Some(old) = old_version
        {
            item.value.set_version(old);
        }
        if let Err(e) = &result {
            tracing::debug!(target: MODEL, table = %self.name, error = %e, "save failed");
        }
        result
    }

    pub(super) async fn put_inner(&self, value: &T) -> Result<()> {
        value.validate()?;
        if Self::unassigned(value)? {
            return Err(Error::InvalidRequest {
                message: format!(
                    "the auto-increment key of this `{}` item is not assigned: use create() or save()",
                    self.name
                ),
            });
        }
        let item = to_item(value)?;
        self.refuse_counter(&Self::key_schema().key_of(&item))?;
        self.backend
            .put_item(PutItem::new(&*self.name, item))
            .await?;
        Ok(())
    }

    pub(super) async fn delete_inner(&self, item: &mut Tracked<T>) -> Result<()> {
        let Some(stored) = &item.stored else {
            return Err(Error::Conflict {
                table: self.name.to_string(),
                stored: None,
            });
        };
        let key = Self::key_schema().key_of(stored);
        let request = DeleteItem::new(&*self.name, key)
            .condition(&Self::guard(Some(stored)))
            .return_old_on_condition_failure(true);
        self.backend.delete_item(request).await?;
        // The version is kept: saved again, the value continues after it.
        item.stored = None;
        Ok(())
    }

    pub(super) async fn delete_key_inner(&self, key: Item) -> Result<bool> {
        self.refuse_counter(&key)?;
        let out = self
            .backend
            .delete_item(DeleteItem::new(&*self.name, key).return_values(ReturnValues::AllOld))
            .await?;
        Ok(out.attributes.is_some())
    }

    pub(super) async fn get_inner(
        &self,
        key: Item,
        consistent: bool,
    ) -> Result<Option<Tracked<T>>> {
        if Self::is_counter(&key) {
            return Ok(None);
        }
        let out = self
            .backend
            .get_item(GetItem::new(&*self.name, key).consistent(consistent))
            .await?;
        out.item.map(|i| self.load(i)).transpose()
    }
}
