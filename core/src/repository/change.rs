//! Changes of one stored item: `update` (an update expression on
//! condition) and `modify` (read, change, save, retried on conflict).

use super::{GetOptions, KeyOf, ModifyFn, Repository, RepositoryExt, Table, Tracked};
use crate::backend::{GetItem, ReturnValues, UpdateItem};
use crate::de::from_item;
use crate::error::{Error, Result};
use crate::expr::{
    Condition, ExpressionAttributes, ExpressionKind, Parser, Update, apply_update, attr,
};
use crate::migration::Migrations;
use crate::model::Model;
use crate::number::Number;
use crate::trace::MODEL;
use crate::value::{AttributeValue, Item};

/// Checks an update and its condition as DynamoDB parses them (functions,
/// operand types, `BETWEEN` bounds, overlapping paths, an empty update), so
/// that bad input is refused before anything is read or written.
fn check_expressions(update: &Update, condition: Option<&Condition>) -> Result<()> {
    let mut attributes = ExpressionAttributes::default();
    let update = update.render(&mut attributes);
    let condition = condition.map(|c| c.render(&mut attributes));
    let mut parser = Parser::new(&attributes.names, &attributes.values);
    parser.update(&update)?;
    if let Some(condition) = condition {
        parser.condition(&condition, ExpressionKind::Condition)?;
    }
    parser.finish()
}

impl<T: Model> Table<T> {
    /// A stored item brought to the current schema version (`None` if it is).
    fn upgrade(&self, m: &Migrations, stored: &Item) -> Result<Option<Item>> {
        m.upgraded(stored).map_err(|failure| Error::Migration {
            table: self.name.to_string(),
            key: crate::transaction::describe_key::<T>(&Self::key_schema().key_of(stored)),
            failure,
        })
    }

    pub(super) async fn update_inner(
        &self,
        key_of: KeyOf<T>,
        update: Update,
        condition: Option<Condition>,
        upsert: bool,
    ) -> Result<Tracked<T>> {
        let key_text = key_of.to_string();
        let key = key_of.into_item();
        self.refuse_counter(&key)?;
        self.check_names("the update", &update)?;
        self.check_names("the condition", &condition)?;
        check_expressions(&update, condition.as_ref())?;
        let version = T::schema().version_attribute.as_deref();
        let bump = version.filter(|v| !update.target_paths().any(|p| p.head() == *v));
        let mut attempt = 0;
        loop {
            let current = self
                .backend
                .get_item(GetItem::new(&*self.name, key.clone()).consistent(true))
                .await?
                .item;
            if current.is_none() && !upsert {
                return Err(Error::NotFound {
                    table: self.name.to_string(),
                    key: key_text,
                });
            }
            let mut full = update.clone();
            if let Some(v) = bump {
                let old = current
                    .as_ref()
                    .and_then(|c| c.get(v))
                    .and_then(AttributeValue::as_n)
                    .and_then(|n| n.as_str().parse::<u64>().ok());
                // A new item starts where a first save would.
                let next = match old {
                    Some(old) => old.saturating_add(1),
                    None => super::plan::first_version().0,
                };
                full = full.set(attr(v), AttributeValue::N(Number::from(next)));
            }
            // The caller's condition first, as DynamoDB evaluates it
            // before the update: false on the item read is a conflict.
            if let Some(c) = &condition
                && !c.evaluate(current.as_ref().unwrap_or(&Item::new()))
            {
                return Err(Error::conflict(&*self.name, Some(key_text), current));
            }
            // An item of an older schema version: the update applies to it
            // upgraded, and the whole upgraded item is written, guarded.
            if let (Some(stored), Some(m)) = (&current, T::migrations())
                && let Some(mut upgraded) = self.upgrade(m, stored)?
            {
                if let Some(c) = &condition
                    && !c.evaluate(&upgraded)
                {
                    return Err(Error::conflict(&*self.name, Some(key_text), current));
                }
                apply_update(&mut upgraded, &full)?;
                let value: T = from_item(upgraded.clone())?;
                value.validate()?;
                let mut tracked = Tracked::loaded(value, stored.clone(), Some(upgraded));
                match self.save(&mut tracked).await {
                    Ok(()) => return Ok(tracked),
                    Err(Error::Conflict { .. }) if attempt < self.retry.max_conflict_retries => {
                        attempt += 1;
                        self.retry.after_conflict(attempt).await;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            if current.is_none()
                && let Some(m) = T::migrations()
            {
                full = full.set(attr(m.version_attribute()), m.stamp());
            }
            // Apply locally: the result must map and validate.
            let mut next = current.clone().unwrap_or_else(|| key.clone());
            apply_update(&mut next, &full)?;
            let value: T = from_item(next)?;
            value.validate()?;
            let guard = Self::guard(current.as_ref());
            let condition = match &condition {
                Some(c) => c.clone().and(guard),
                None => guard,
            };
            let request = UpdateItem::new(&*self.name, key.clone())
                .update(&full)
                .condition(&condition)
                .return_old_on_condition_failure(true)
                .return_values(ReturnValues::AllNew);
            match self.backend.update_item(request).await {
                Ok(out) => {
                    let item = out.attributes.ok_or_else(|| Error::Backend {
                        message: "UpdateItem with ALL_NEW returned no item".to_owned(),
                        source: None,
                    })?;
                    return self.load(item);
                }
                Err(Error::Conflict { table, stored, .. }) => {
                    let conflict = Error::Conflict {
                        table,
                        key: Some(key_text.clone()),
                        stored,
                    };
                    // Unchanged item: the caller's condition is false.
                    if conflict.stored() == current.as_ref() {
                        return Err(conflict);
                    }
                    if attempt >= self.retry.max_conflict_retries {
                        return Err(Error::RetriesExhausted {
                            operation: "update".to_owned(),
                            table: self.name.to_string(),
                            attempts: attempt + 1,
                            last: Box::new(conflict),
                        });
                    }
                    attempt += 1;
                    tracing::debug!(target: MODEL, table = %self.name, attempt, "update met a concurrent change; retrying");
                    self.retry.after_conflict(attempt).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(super) async fn modify_inner(
        &self,
        key: KeyOf<T>,
        change: &mut ModifyFn<'_, T>,
    ) -> Result<Tracked<T>> {
        let mut attempt = 0;
        loop {
            let Some(mut item) = self.get_with(key.clone(), GetOptions::consistent()).await? else {
                return Err(Error::NotFound {
                    table: self.name.to_string(),
                    key: key.to_string(),
                });
            };
            change(&mut item.value)?;
            match self.save(&mut item).await {
                Ok(()) => return Ok(item),
                Err(Error::Conflict { .. }) if attempt < self.retry.max_conflict_retries => {
                    attempt += 1;
                    self.retry.after_conflict(attempt).await;
                }
                Err(e @ Error::Conflict { .. }) => {
                    return Err(Error::RetriesExhausted {
                        operation: "modify".to_owned(),
                        table: self.name.to_string(),
                        attempts: attempt + 1,
                        last: Box::new(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }
}
