//! The one definition of a guarded write: the condition a save or delete
//! is sent on, the version bump, and the request a save becomes (a whole
//! item for a new value, the changes for a loaded one). A plain save and a
//! transaction's save are planned here, so they mean the same thing.

use std::sync::atomic::{AtomicU64, Ordering};

use super::SaveMode;
use crate::backend::{DeleteItem, PutItem, UpdateItem};
use crate::error::{Error, Result};
use crate::expr::{Condition, Update, attr};
use crate::model::Model;
use crate::ser::to_item;
use crate::value::{AttributeValue, Item};

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

/// The condition that the stored item is still `stored` (or, for
/// `None`, that no item has the key).
pub(crate) fn guard<T: Model>(stored: Option<&Item>) -> Condition {
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

/// Sets the version the value will carry once written, when the model
/// is versioned; returns the old one (to restore if the write fails).
///
/// A value written for the first time (version 0) starts at a version
/// no copy of an earlier incarnation of its item can hold: see
/// [`first_version`]. Every other write counts up by one, a value
/// re-saved after its delete included (its version continues).
pub(crate) fn bump_version<T: Model>(value: &mut T) -> Result<Option<u64>> {
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

/// A planned write of one item, and what is stored once it succeeds.
#[derive(Debug)]
pub(crate) enum Write {
    Put(PutItem),
    Update(UpdateItem),
    Delete(DeleteItem),
}

/// A write and the stored form it leaves (none after a delete).
#[derive(Debug)]
pub(crate) struct Planned {
    pub(crate) write: Write,
    pub(crate) stored_after: Option<Item>,
}

/// Plans the save of `value` to `table`: for a loaded value saved with
/// conflict detection, an `UpdateItem` of what changed (the model's
/// attributes whose value changed set, those now absent removed; other
/// attributes kept), on condition that the stored item is still `stored`;
/// for a new value, or in [`SaveMode::Overwrite`], a `PutItem` of the whole
/// item (on condition the key is free, for a new value with conflict
/// detection). The version, if any, must already be bumped.
pub(crate) fn plan_save<T: Model>(
    table: &str,
    value: &T,
    stored: Option<&Item>,
    upgraded: Option<&Item>,
    mode: SaveMode,
) -> Result<Planned> {
    let mut new_item = to_item(value)?;
    let schema = T::schema();
    let migrations = T::migrations();
    if let Some(m) = migrations {
        new_item.insert(m.version_attribute().to_owned(), m.stamp());
    }
    match (stored, mode) {
        (Some(stored), SaveMode::FailOnConflict) => {
            // What the stored item means now: its upgraded form, if any.
            let base = upgraded.unwrap_or(stored);
            let key = schema.table.key.key_of(stored);
            let is_key = |name: &str| schema.table.key.contains(name);
            let is_model = |name: &str| schema.attributes.iter().any(|a| a == name);
            let mut update = Update::new();
            let mut after = stored.clone();
            let set = |update: Update, name: &str, value: &AttributeValue, after: &mut Item| {
                after.insert(name.to_owned(), value.clone());
                update.set(attr(name.to_owned()), value.clone())
            };
            for (name, value) in new_item.iter() {
                if !is_key(name) && stored.get(name) != Some(value) {
                    update = set(update, name, value, &mut after);
                }
            }
            // Attributes a migration added that the model does not know.
            for (name, value) in base.iter() {
                if !is_key(name)
                    && !is_model(name)
                    && !new_item.contains_key(name)
                    && stored.get(name) != Some(value)
                {
                    update = set(update, name, value, &mut after);
                }
            }
            let mut removed: Vec<&str> = Vec::new();
            for name in stored.keys() {
                let dropped_by_migration = !base.contains_key(name);
                let now_absent = is_model(name) && !new_item.contains_key(name);
                if !is_key(name)
                    && !new_item.contains_key(name)
                    && (dropped_by_migration || now_absent)
                {
                    removed.push(name);
                }
            }
            for name in removed {
                update = update.remove(attr(name.to_owned()));
                after.remove(name);
            }
            let mut request = UpdateItem::new(table, key)
                .condition(&guard::<T>(Some(stored)))
                .return_old_on_condition_failure(true);
            if !update.is_empty() {
                request = request.update(&update);
            }
            check_expression_sizes(table, &request)?;
            Ok(Planned {
                write: Write::Update(request),
                stored_after: Some(after),
            })
        }
        (stored, mode) => {
            let mut put = PutItem::new(table, new_item);
            if mode == SaveMode::FailOnConflict && stored.is_none() {
                put = put
                    .condition(&guard::<T>(None))
                    .return_old_on_condition_failure(true);
            }
            let after = put.item.clone();
            Ok(Planned {
                write: Write::Put(put),
                stored_after: Some(after),
            })
        }
    }
}

/// Plans the guarded delete of the item loaded as `stored`.
pub(crate) fn plan_delete<T: Model>(table: &str, stored: &Item) -> Planned {
    let key = T::schema().table.key.key_of(stored);
    let request = DeleteItem::new(table, key)
        .condition(&guard::<T>(Some(stored)))
        .return_old_on_condition_failure(true);
    Planned {
        write: Write::Delete(request),
        stored_after: None,
    }
}

/// Refuses, before sending, a save whose expressions DynamoDB would refuse
/// for their length, saying why and what to do.
fn check_expression_sizes(table: &str, request: &UpdateItem) -> Result<()> {
    let condition = request.condition_expression.as_deref().unwrap_or("");
    let update = request.update_expression.as_deref().unwrap_or("");
    for (what, text) in [("conflict condition", condition), ("update", update)] {
        if text.len() > MAX_EXPRESSION_BYTES {
            return Err(Error::LimitExceeded {
                message: format!(
                    "the {what} of a save to table `{table}` would be {} bytes, over DynamoDB's limit of {MAX_EXPRESSION_BYTES} for an expression: the item has too many attributes to be guarded one by one; declare a #[model(version)] attribute",
                    text.len()
                ),
            });
        }
    }
    Ok(())
}
