//! Single-item writes, and the commit of item changes shared by every write.

use std::sync::Arc;

use super::codec::{canonicalize, encoded_item_size};
use super::table::TableMeta;
use super::{Emulator, State, Storage, Usage, write_units};
use crate::backend::{DeleteItem, PutItem, ReturnValues, UpdateItem, WriteOutput};
use crate::codec::encode_item_shared;
use crate::error::Error;
use crate::expr::{
    Condition, ExpressionAttributes, ExpressionKind, Parser, Path, Update, apply_update,
    check_attribute_maps, project,
};
use crate::value::Item;

/// One item changing: from `old` to `new` (`None` for absent).
pub(super) struct Change {
    pub meta: Arc<TableMeta>,
    /// The item's storage key, shared: the store keeps it, and its index
    /// entries hold it, without a copy.
    pub key: Arc<[u8]>,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// The new item's size, when its check computed it already.
    pub new_size: Option<usize>,
    /// The size of the item replaced when only its size was read (see
    /// [`Emulator::load_replaced`]): `old` is then `None`, though an item
    /// was there.
    pub old_size: Option<usize>,
}

/// The parsed expressions of a write.
pub(super) struct WriteExpressions {
    pub condition: Option<Condition>,
    pub update: Option<Update>,
}

/// Checks the placeholder maps and parses a write's expressions, failing on
/// unused placeholders, as DynamoDB does.
pub(super) fn parse_write(
    condition: Option<&str>,
    update: Option<&str>,
    attrs: &ExpressionAttributes,
    is_update: bool,
) -> Result<WriteExpressions, Error> {
    // Most writes: nothing to parse, no placeholder to check.
    if condition.is_none() && update.is_none() && attrs.names.is_empty() && attrs.values.is_empty()
    {
        return Ok(WriteExpressions {
            condition: None,
            update: None,
        });
    }
    check_attribute_maps(&attrs.names, &attrs.values)?;
    if condition.is_none() && update.is_none() {
        if !attrs.values.is_empty() {
            return Err(Error::invalid(if is_update {
                "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null"
            } else {
                "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"
            }));
        }
        if !attrs.names.is_empty() {
            return Err(Error::invalid(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
    }
    let mut parser = Parser::new(&attrs.names, &attrs.values);
    let update = update.map(|u| parser.update(u)).transpose()?;
    let condition = condition
        .map(|c| parser.condition(c, ExpressionKind::Condition))
        .transpose()?;
    parser.finish()?;
    Ok(WriteExpressions { condition, update })
}

/// Refuses a condition with a path into a key attribute (`pk.x`).
fn check_condition_paths(meta: &TableMeta, exprs: &WriteExpressions) -> Result<(), Error> {
    match &exprs.condition {
        Some(c) => meta.check_key_paths(c.paths().into_iter()),
        None => Ok(()),
    }
}

/// Refuses an update that writes a key attribute.
pub(super) fn check_update_keys(meta: &TableMeta, update: &Update) -> Result<(), Error> {
    for path in update.target_paths() {
        if meta.key().contains(path.head()) {
            return Err(Error::invalid(format!(
                "One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
                path.head()
            )));
        }
    }
    Ok(())
}

/// The top-level attributes of `item` named by paths that exist in it:
/// DynamoDB's `UPDATED_OLD` / `UPDATED_NEW`.
pub(super) fn updated_attributes(item: &Item, paths: &[&Path]) -> Option<Item> {
    // The updated paths themselves, nested as in the item (`SET a.b`
    // returns `{a: {b: ...}}`, not all of `a`), as DynamoDB returns them;
    // DynamoDB Local returns whole top-level attributes.
    let present: Vec<Path> = paths
        .iter()
        .filter(|p| crate::expr::resolve(item, p).is_some())
        .map(|p| (*p).clone())
        .collect();
    let out = project(item, &present);
    (!out.is_empty()).then_some(out)
}

pub(super) fn conflict(meta: &TableMeta, key: &Item, stored: Option<Item>) -> Error {
    Error::conflict(meta.name(), Some(meta.def.key.describe(key)), stored)
}

/// Stores an item with its numbers in DynamoDB's canonical text.
pub(super) fn canonical_item(mut item: Item) -> Item {
    for v in item.values_mut() {
        canonicalize(v);
    }
    item
}

/// True when a write needs only the size of the item it replaces: it does
/// not read it (`whole`: a condition, returned attributes) and the table
/// has no index to keep in step (under the write lock, so the indexes seen
/// are those [`Emulator::commit`] keeps).
fn sized_only(state: &State, meta: &TableMeta, whole: bool) -> bool {
    !whole
        && state
            .tables
            .get(meta.name())
            .is_some_and(|t| t.meta.def.indexes.is_empty())
}

/// The size of a stored item, read from its encoding without decoding it.
fn stored_size(meta: &TableMeta, key: &[u8], value: &[u8]) -> Result<usize, Error> {
    encoded_item_size(value).map_err(|e| meta.corrupt_item(key, &e))
}

impl<S: Storage> Emulator<S> {
    /// The item a put or delete replaces: the whole item when the write
    /// reads it (`whole`: a condition, returned attributes) or the table
    /// has an index to keep in step; otherwise only its size (all the
    /// capacity and the table's counters need), read from its encoding
    /// without decoding it. Called under the write lock, so the indexes
    /// seen are those [`commit`](Self::commit) keeps.
    pub(super) fn load_replaced(
        &self,
        state: &State,
        meta: &TableMeta,
        key: &[u8],
        whole: bool,
    ) -> Result<(Option<Item>, Option<usize>), Error> {
        if !sized_only(state, meta, whole) {
            return Ok((self.load(meta, key)?, None));
        }
        match self.storage.get(key)? {
            Some(v) => stored_size(meta, key, v.as_ref()).map(|size| (None, Some(size))),
            None => Ok((None, None)),
        }
    }

    /// Fails if the table was deleted (or recreated) since `meta` was read.
    pub(super) fn same_table(&self, state: &State, meta: &TableMeta) -> Result<(), Error> {
        match state.tables.get(meta.name()) {
            Some(t) if t.meta.id == meta.id => Ok(()),
            _ => Err(Error::TableNotFound {
                table: meta.name().to_owned(),
            }),
        }
    }

    /// Writes the changes atomically with their index entries, updates the
    /// tables' counters, and adds the capacity they consume to `usage`.
    pub(super) fn commit<I>(
        &self,
        state: &mut State,
        changes: I,
        usage: &mut dyn FnMut(&str, Usage),
    ) -> Result<(), Error>
    where
        I: IntoIterator<Item = Change>,
        I::IntoIter: ExactSizeIterator,
    {
        let changes = changes.into_iter();
        let mut writes = Vec::with_capacity(changes.len());
        // The tables' counters change once the writes are applied: the
        // first change's delta is kept aside, so that a single-item write
        // allocates no list for it.
        let mut first: Option<(Arc<TableMeta>, i64, i64)> = None;
        let mut deltas: Vec<(Arc<TableMeta>, i64, i64)> = Vec::new();
        for c in changes {
            let replaces = c.old.is_some() || c.old_size.is_some();
            let old_size = c
                .old_size
                .unwrap_or_else(|| c.old.as_ref().map_or(0, Item::size));
            let new_size = match (&c.new, c.new_size) {
                (Some(_), Some(size)) => size,
                (new, _) => new.as_ref().map_or(0, Item::size),
            };
            let mut u = Usage {
                table: write_units(old_size.max(new_size)),
                ..Usage::default()
            };
            // The item's own write, pushed last (with the key moved, not copied).
            let item_write = match &c.new {
                Some(item) => Some(Some(encode_item_shared(item, new_size))),
                None if replaces => Some(None),
                None => None,
            };
            // The indexes the table has now: one may have been added since
            // the change was checked (it is kept from the moment it exists).
            let meta: &TableMeta = state
                .tables
                .get(c.meta.name())
                .filter(|t| t.meta.id == c.meta.id)
                .map_or(&c.meta, |t| &t.meta);
            for n in 0..meta.def.indexes.len() {
                let old_key = c.old.as_ref().and_then(|o| meta.index_key(n, o));
                let new_key = c.new.as_ref().and_then(|o| meta.index_key(n, o));
                // An index write costs the size of the index's entry (its
                // projected attributes), as DynamoDB charges it.
                let index = &meta.def.indexes[n];
                let entry_size = |item: &Option<Item>| {
                    item.as_ref().map_or(0, |i| meta.projected_size(index, i))
                };
                if old_key == new_key {
                    // Same entry: a write to the index only if what it holds changed.
                    if let (Some(_), Some(before), Some(after)) = (&new_key, &c.old, &c.new)
                        && meta.projection_changed(index, before, after)
                    {
                        u.index(meta, n, write_units(entry_size(&c.new)));
                    }
                    continue;
                }
                if let Some(k) = old_key {
                    writes.push((k.into(), None));
                    u.index(meta, n, write_units(entry_size(&c.old)));
                }
                if let Some(k) = new_key {
                    writes.push((k.into(), Some(c.key.clone())));
                    u.index(meta, n, write_units(entry_size(&c.new)));
                }
            }
            usage(c.meta.name(), u);
            let delta = (
                i64::from(c.new.is_some()) - i64::from(replaces),
                new_size as i64 - old_size as i64,
            );
            if let Some(value) = item_write {
                writes.push((c.key, value));
            }
            let delta = (c.meta, delta.0, delta.1);
            if first.is_none() {
                first = Some(delta);
            } else {
                deltas.push(delta);
            }
        }
        if !writes.is_empty() {
            self.storage.apply(writes)?;
        }
        for (table, count, size) in first.into_iter().chain(deltas) {
            if let Some(t) = state.tables.get_mut(table.name()) {
                t.item_count = t.item_count.saturating_add_signed(count);
                t.size_bytes = t.size_bytes.saturating_add_signed(size);
            }
        }
        Ok(())
    }

    /// The commit of a put that only sizes the item it replaces (see
    /// [`sized_only`]): the store finds the key once, to size the old item
    /// and to write the new one ([`Storage::replace`]). What it does is
    /// what [`commit`](Self::commit) does for such a put.
    fn put_sized(
        &self,
        state: &mut State,
        meta: &TableMeta,
        key: Arc<[u8]>,
        item: &Item,
        new_size: usize,
    ) -> Result<Usage, Error> {
        let value = encode_item_shared(item, new_size);
        let mut old_size = None;
        let stored = key.clone();
        self.storage.replace(key, value, &mut |old| {
            if let Some(v) = old {
                old_size = Some(stored_size(meta, &stored, v)?);
            }
            Ok(())
        })?;
        let usage = Usage {
            table: write_units(old_size.unwrap_or(0).max(new_size)),
            ..Usage::default()
        };
        if let Some(t) = state.tables.get_mut(meta.name()) {
            t.item_count = t
                .item_count
                .saturating_add_signed(1 - i64::from(old_size.is_some()));
            t.size_bytes = t
                .size_bytes
                .saturating_add_signed(new_size as i64 - old_size.unwrap_or(0) as i64);
        }
        Ok(usage)
    }

    /// `PutItem`.
    pub fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        if !matches!(
            input.return_values,
            ReturnValues::None | ReturnValues::AllOld
        ) {
            return Err(Error::invalid("Return values set to invalid value"));
        }
        let new_size = meta.check_item(&input.item, false)?;
        let exprs = parse_write(
            input.condition_expression.as_deref(),
            None,
            &input.expression_attributes,
            false,
        )?;
        check_condition_paths(&meta, &exprs)?;
        let item = canonical_item(input.item);
        let key = meta.item_key_shared(&item);

        let mut state = self.write_state();
        self.same_table(&state, &meta)?;
        let whole = exprs.condition.is_some() || input.return_values == ReturnValues::AllOld;
        if sized_only(&state, &meta, whole) {
            let usage = self.put_sized(&mut state, &meta, key, &item, new_size)?;
            drop(state);
            // The item is freed once the lock is released.
            drop(item);
            self.sync_write()?;
            return Ok(WriteOutput {
                attributes: None,
                consumed_capacity: usage.report(input.table, input.return_consumed_capacity),
            });
        }
        let (old, old_size) = self.load_replaced(&state, &meta, &key, whole)?;
        if let Some(c) = &exprs.condition
            && !c.evaluate(old.as_ref().unwrap_or(&Item::new()))
        {
            return Err(conflict(
                &meta,
                &item,
                if input.return_values_on_condition_check_failure {
                    old
                } else {
                    None
                },
            ));
        }
        let mut usage = Usage::default();
        // The old item is copied only to be returned.
        let attributes = if input.return_values == ReturnValues::AllOld {
            old.clone()
        } else {
            None
        };
        let change = Change {
            meta,
            key,
            old,
            new: Some(item),
            new_size: Some(new_size),
            old_size,
        };
        self.commit(&mut state, [change], &mut |_, u| usage.add(u))?;
        drop(state);
        self.sync_write()?;
        Ok(WriteOutput {
            attributes,
            // The table's name as the caller gave it (the one `meta` was
            // found by), moved rather than copied.
            consumed_capacity: usage.report(input.table, input.return_consumed_capacity),
        })
    }

    /// `UpdateItem`.
    pub fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        meta.check_key(&input.key)?;
        let exprs = parse_write(
            input.condition_expression.as_deref(),
            input.update_expression.as_deref(),
            &input.expression_attributes,
            true,
        )?;
        check_condition_paths(&meta, &exprs)?;
        let key = meta.item_key_shared(&input.key);

        let mut state = self.write_state();
        self.same_table(&state, &meta)?;
        let old = self.load(&meta, &key)?;
        if let Some(c) = &exprs.condition
            && !c.evaluate(old.as_ref().unwrap_or(&Item::new()))
        {
            return Err(conflict(
                &meta,
                &input.key,
                if input.return_values_on_condition_check_failure {
                    old
                } else {
                    None
                },
            ));
        }
        // What the update writes is checked once its condition holds, as
        // DynamoDB does: a false condition is a conflict, whatever the update.
        if let Some(u) = &exprs.update {
            check_update_keys(&meta, u)?;
            meta.check_key_paths(u.paths().into_iter())?;
        }
        // An update that only takes attributes away leaves an absent item
        // absent (DynamoDB; Local creates the item from its key).
        let creates_nothing =
            old.is_none() && exprs.update.as_ref().is_some_and(|u| u.only_takes_away());
        let mut new = old
            .clone()
            .unwrap_or_else(|| canonical_item(input.key.clone()));
        let mut new_size = None;
        if let Some(u) = &exprs.update {
            // Applied even when it creates nothing: its faults are the same.
            apply_update(&mut new, u)?;
            new_size = Some(meta.check_item(&new, true)?);
            new = canonical_item(new);
        }
        let new = (!creates_nothing).then_some(new);
        let paths: Vec<&Path> = exprs
            .update
            .as_ref()
            .map(|u| u.target_paths().collect())
            .unwrap_or_default();
        let attributes = match input.return_values {
            ReturnValues::None => None,
            ReturnValues::AllOld => old.clone(),
            ReturnValues::AllNew => new.clone(),
            ReturnValues::UpdatedOld => old.as_ref().and_then(|o| updated_attributes(o, &paths)),
            ReturnValues::UpdatedNew => new.as_ref().and_then(|n| updated_attributes(n, &paths)),
        };
        let mut usage = Usage::default();
        let change = Change {
            meta: meta.clone(),
            key,
            old,
            new,
            new_size,
            old_size: None,
        };
        self.commit(&mut state, [change], &mut |_, u| usage.add(u))?;
        drop(state);
        self.sync_write()?;
        Ok(WriteOutput {
            attributes,
            consumed_capacity: usage.report(meta.name(), input.return_consumed_capacity),
        })
    }

    /// `DeleteItem`.
    pub fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error> {
        let meta = self.meta(&self.read_state(), &input.table)?;
        if !matches!(
            input.return_values,
            ReturnValues::None | ReturnValues::AllOld
        ) {
            return Err(Error::invalid("Return values set to invalid value"));
        }
        meta.check_key(&input.key)?;
        let exprs = parse_write(
            input.condition_expression.as_deref(),
            None,
            &input.expression_attributes,
            false,
        )?;
        check_condition_paths(&meta, &exprs)?;
        let key = meta.item_key_shared(&input.key);

        let mut state = self.write_state();
        self.same_table(&state, &meta)?;
        let whole = exprs.condition.is_some() || input.return_values == ReturnValues::AllOld;
        let (old, old_size) = self.load_replaced(&state, &meta, &key, whole)?;
        if let Some(c) = &exprs.condition
            && !c.evaluate(old.as_ref().unwrap_or(&Item::new()))
        {
            return Err(conflict(
                &meta,
                &input.key,
                if input.return_values_on_condition_check_failure {
                    old
                } else {
                    None
                },
            ));
        }
        let mut usage = Usage::default();
        // The old item is copied only to be returned.
        let attributes = if input.return_values == ReturnValues::AllOld {
            old.clone()
        } else {
            None
        };
        let change = Change {
            meta: meta.clone(),
            key,
            old,
            new: None,
            new_size: None,
            old_size,
        };
        self.commit(&mut state, [change], &mut |_, u| usage.add(u))?;
        drop(state);
        self.sync_write()?;
        Ok(WriteOutput {
            attributes,
            consumed_capacity: usage.report(meta.name(), input.return_consumed_capacity),
        })
    }
}
