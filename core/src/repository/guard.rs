//! Conflict detection: the guard a write is conditional on, the version
//! bump, and the single-item writes that use them. Transactions reuse the
//! same guard, so a guarded save means one thing everywhere.

use super::{SaveMode, Table, Tracked};
use crate::backend::{DeleteItem, GetItem, PutItem, ReturnValues};
use crate::error::{Error, Result};
use crate::expr::{Condition, attr};
use crate::model::Model;
use crate::ser::to_item;
use crate::trace::MODEL;
use crate::value::Item;

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

    /// Increments the value's version, when versioned; returns the old one
    /// (to restore if the write fails).
    pub(crate) fn bump_version(value: &mut T) -> Result<Option<u64>> {
        let Some(old) = value.version() else {
            return Ok(None);
        };
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

    /// Writes the tracked value, guarded or not; on success it remembers
    /// the item written.
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

    pub(super) async fn save_inner(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<()> {
        item.value.validate()?;
        let old_version = Self::bump_version(&mut item.value)?;
        let result = if item.stored.is_none() && Self::unassigned(&item.value)? {
            self.create_auto(item).await
        } else {
            let key = item.value.key();
            let guard =
                (mode == SaveMode::FailOnConflict).then(|| Self::guard(item.stored.as_ref()));
            let new = item.stored.is_none();
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
        item.stored = None;
        if item.value.version().is_some() {
            item.value.set_version(0);
        }
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
