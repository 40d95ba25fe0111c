//! Single-item writes with conflict detection, planned by [`super::plan`].

use super::plan::{self, Write};
use super::{SaveMode, Table, Tracked};
use crate::backend::{DeleteItem, GetItem, PutItem, ReturnValues};
use crate::error::{Error, Result};
use crate::expr::Condition;
use crate::model::Model;
use crate::trace::MODEL;
use crate::value::Item;

impl<T: Model> Table<T> {
    /// The condition that the stored item is still `stored` (or, for
    /// `None`, that no item has the key).
    pub(crate) fn guard(stored: Option<&Item>) -> Condition {
        plan::guard::<T>(stored)
    }

    pub(super) fn already_exists(&self, key: &T::Key) -> Error {
        Error::AlreadyExists {
            table: self.name.to_string(),
            key: super::KeyOf::<T>::of(key).map_or_else(|_| format!("{key:?}"), |k| k.to_string()),
        }
    }

    /// Writes the tracked value whole, guarded or not; on success it
    /// remembers the item written.
    pub(super) async fn write(
        &self,
        item: &mut Tracked<T>,
        guard: Option<Condition>,
    ) -> Result<()> {
        let new_item = Self::stored_item(&item.value)?;
        self.refuse_counter(&Self::key_schema().key_of(&new_item))?;
        let mut put = PutItem::new(&*self.name, new_item);
        if let Some(guard) = &guard {
            put = put.condition(guard).return_old_on_condition_failure(true);
        }
        let written = put.item.clone();
        self.backend
            .put_item(put)
            .await
            .map_err(|e| self.name_conflict(e, &written))?;
        item.set_stored(Some(written));
        Ok(())
    }

    /// Sends a planned write; the stored form it leaves is remembered (for
    /// an update, the item DynamoDB returns, unknown attributes included).
    async fn send(&self, item: &mut Tracked<T>, planned: plan::Planned) -> Result<()> {
        match planned.write {
            Write::Put(put) => {
                let key = Self::key_schema().key_of(&put.item);
                self.refuse_counter(&key)?;
                self.backend
                    .put_item(put)
                    .await
                    .map_err(|e| self.name_conflict(e, &key))?;
                item.set_stored(planned.stored_after);
            }
            Write::Update(update) => {
                self.refuse_counter(&update.key)?;
                let key = update.key.clone();
                let out = self
                    .backend
                    .update_item(update.return_values(ReturnValues::AllNew))
                    .await
                    .map_err(|e| self.name_conflict(e, &key))?;
                item.set_stored(Some(out.attributes.ok_or_else(|| Error::Backend {
                    message: "UpdateItem with ALL_NEW returned no item".to_owned(),
                    source: None,
                })?));
            }
            Write::Delete(delete) => {
                let key = delete.key.clone();
                self.backend
                    .delete_item(delete)
                    .await
                    .map_err(|e| self.name_conflict(e, &key))?;
                // The version is kept: saved again, the value continues after it.
                item.set_stored(None);
            }
        }
        Ok(())
    }

    pub(super) async fn save_inner(&self, item: &mut Tracked<T>, mode: SaveMode) -> Result<()> {
        item.value.validate()?;
        let old_version = plan::bump_version(&mut item.value)?;
        let result = if item.stored.is_none() && Self::unassigned(&item.value)? {
            self.create_auto(item).await
        } else {
            let key = item.value.key();
            let new = item.stored.is_none();
            match plan::plan_save(
                &self.name,
                &item.value,
                item.stored.as_ref(),
                item.upgraded.as_ref(),
                mode,
            ) {
                Err(e) => Err(e),
                Ok(planned) => match self.send(item, planned).await {
                    Err(Error::Conflict { .. }) if new && mode == SaveMode::FailOnConflict => {
                        Err(self.already_exists(&key))
                    }
                    other => other,
                },
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
        let item = Self::stored_item(value)?;
        self.refuse_counter(&Self::key_schema().key_of(&item))?;
        self.backend
            .put_item(PutItem::new(&*self.name, item))
            .await?;
        Ok(())
    }

    pub(super) async fn delete_inner(&self, item: &mut Tracked<T>) -> Result<()> {
        let Some(stored) = &item.stored else {
            return Err(Error::InvalidRequest {
                message: format!(
                    "this value of table `{}` was never saved (or was deleted since), so there is no stored item it can guard a delete on; delete_key deletes by key whatever is stored",
                    self.name
                ),
            });
        };
        let planned = plan::plan_delete::<T>(&self.name, stored);
        self.send(item, planned).await
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
