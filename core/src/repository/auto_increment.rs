//! Auto-increment hash keys: an atomic counter item in the table.

use super::table::counter_number;
use super::{COUNTER_ATTRIBUTE, Table, Tracked};
use crate::backend::{ReturnValues, UpdateItem};
use crate::error::{Error, Result};
use crate::expr::{Update, attr};
use crate::model::Model;
use crate::number::Number;
use crate::trace::MODEL;
use crate::value::{AttributeValue, Item};

impl<T: Model> Table<T> {
    /// Reads the counter: `ADD 1` on the counter item, returning the new value.
    async fn next_counter(&self) -> Result<u64> {
        let key = Item::new().with(Self::key_schema().hash.name.clone(), counter_number());
        let update = Update::new().add(attr(COUNTER_ATTRIBUTE), AttributeValue::N(Number::from(1)));
        let out = self
            .backend
            .update_item(
                UpdateItem::new(&*self.name, key)
                    .update(&update)
                    .return_values(ReturnValues::UpdatedNew),
            )
            .await?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get(COUNTER_ATTRIBUTE))
            .and_then(AttributeValue::as_n)
            .and_then(|n| n.as_str().parse::<u64>().ok())
            .ok_or_else(|| Error::Backend {
                message: format!(
                    "the auto-increment counter of table `{}` does not hold a positive integer",
                    self.name
                ),
                source: None,
            })
    }

    /// Assigns the next counter value and creates the item under it; a
    /// value taken by a direct write is skipped, up to a bound.
    pub(super) async fn create_auto(&self, item: &mut Tracked<T>) -> Result<()> {
        let guard = Self::guard(None);
        let mut last = 0;
        for _ in 0..self.retry.max_key_attempts.max(1) {
            let n = self.next_counter().await?;
            last = n;
            if !item.value.set_auto_increment_key(n) {
                item.value.set_auto_increment_key(0);
                return Err(Error::InvalidRequest {
                    message: format!(
                        "the auto-increment counter of table `{}` reached {n}, which the key's type cannot hold",
                        self.name
                    ),
                });
            }
            match self.write(item, Some(guard.clone())).await {
                Ok(()) => return Ok(()),
                Err(Error::Conflict { .. }) => {
                    tracing::info!(target: MODEL, table = %self.name, "auto-increment key taken by a direct write; taking the next");
                }
                Err(e) => {
                    item.value.set_auto_increment_key(0);
                    return Err(e);
                }
            }
        }
        item.value.set_auto_increment_key(0);
        Err(Error::AlreadyExists {
            table: self.name.to_string(),
            key: format!(
                "{last} (the last of {} counter values tried, all taken by direct writes)",
                self.retry.max_key_attempts.max(1)
            ),
        })
    }
}
