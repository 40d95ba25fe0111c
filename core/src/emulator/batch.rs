//! `BatchGetItem` and `BatchWriteItem`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::table::TableMeta;
use super::write::{Change, canonical_item};
use super::{Emulator, Storage, Usage, read_units, report_all};
use crate::backend::{
    BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, KeysAndAttributes, WriteRequest,
};
use crate::error::Error;
use crate::expr::{Parser, Path, check_attribute_maps, project};
use crate::value::Item;

/// A batch write's request, checked: its table, storage key, new item
/// (none for a delete) and that item's size.
type Planned = (Arc<TableMeta>, Arc<[u8]>, Option<Item>, Option<usize>);

/// A batch get stops adding items once its response would exceed 16 MB.
const MAX_BATCH_GET_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn parse_projection(
    projection: Option<&str>,
    names: &BTreeMap<String, String>,
) -> Result<Option<Vec<Path>>, Error> {
    let values = BTreeMap::new();
    check_attribute_maps(names, &values)?;
    match projection {
        Some(p) => {
            let mut parser = Parser::new(names, &values);
            let proj = parser.projection(p)?;
            parser.finish()?;
            Ok(Some(proj.0))
        }
        None if !names.is_empty() => Err(Error::invalid(
            "ExpressionAttributeNames can only be specified when using expressions",
        )),
        None => Ok(None),
    }
}

pub(super) fn apply_projection(item: Item, projection: &Option<Vec<Path>>) -> Item {
    match projection {
        Some(p) => project(&item, p),
        None => item,
    }
}

impl<S: Storage> Emulator<S> {
    /// `BatchGetItem`.
    pub fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
        if input.tables.is_empty() {
            return Err(Error::invalid("BatchGetItem must have some requests set"));
        }
        let total: usize = input.tables.values().map(|k| k.keys.len()).sum();
        if total > 100 {
            return Err(Error::limit(
                "Too many items requested for the BatchGetItem call",
            ));
        }
        let mut plans = Vec::new();
        for (table, ka) in &input.tables {
            if ka.keys.is_empty() {
                return Err(Error::invalid(format!(
                    "The list of keys in RequestItems for BatchGetItem is required: {table} has empty list"
                )));
            }
            let meta = self.meta(&self.read_state(), table)?;
            let mut keys = Vec::with_capacity(ka.keys.len());
            for key in &ka.keys {
                meta.check_key(key)?;
                let k = meta.item_key(key);
                if keys.iter().any(|(existing, _)| *existing == k) {
                    return Err(Error::invalid(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                keys.push((k, key.clone()));
            }
            // Read (and answer) in storage order: the partition hash's order.
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            let projection = parse_projection(
                ka.projection_expression.as_deref(),
                &ka.expression_attribute_names,
            )?;
            if let Some(p) = &projection {
                meta.check_key_paths(p.iter())?;
            }
            plans.push((meta, ka, keys, projection));
        }
        let mut output = BatchGetOutput::default();
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        let mut bytes = 0usize;
        let _snapshot = self.read_state();
        for (meta, ka, keys, projection) in plans {
            let responses = output.responses.entry(meta.name().to_owned()).or_default();
            for (k, key) in keys {
                let item = self.load(&meta, &k)?;
                let size = item.as_ref().map_or(0, Item::size);
                if bytes + size > MAX_BATCH_GET_BYTES {
                    let unprocessed = output
                        .unprocessed_keys
                        .entry(meta.name().to_owned())
                        .or_insert_with(|| KeysAndAttributes {
                            keys: Vec::new(),
                            consistent_read: ka.consistent_read,
                            projection_expression: ka.projection_expression.clone(),
                            expression_attribute_names: ka.expression_attribute_names.clone(),
                        });
                    unprocessed.keys.push(key);
                    continue;
                }
                bytes += size;
                usage.entry(meta.name().to_owned()).or_default().table +=
                    read_units(size, ka.consistent_read);
                if let Some(item) = item {
                    responses.push(apply_projection(item, &projection));
                }
            }
        }
        output.consumed_capacity = report_all(usage, input.return_consumed_capacity);
        Ok(output)
    }

    /// `BatchWriteItem`: every request is validated before anything is written.
    pub fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error> {
        if input.tables.is_empty() {
            return Err(Error::invalid(
                "BatchWriteItem cannot have a null or no requests set",
            ));
        }
        let total: usize = input.tables.values().map(Vec::len).sum();
        if total > 25 {
            return Err(Error::limit(
                "Too many items requested for the BatchWriteItem call",
            ));
        }
        let mut planned: Vec<Planned> = Vec::new();
        for (table, requests) in &input.tables {
            if requests.is_empty() {
                return Err(Error::invalid(format!(
                    "The batch write request list for a table cannot be null or empty: {table}"
                )));
            }
            let meta = self.meta(&self.read_state(), table)?;
            for r in requests {
                let (key, new, new_size) = match r {
                    WriteRequest::Put(item) => {
                        let size = meta.check_item(item, false)?;
                        let item = canonical_item(item.clone());
                        (meta.item_key_shared(&item), Some(item), Some(size))
                    }
                    WriteRequest::Delete(key) => {
                        meta.check_key(key)?;
                        (meta.item_key_shared(key), None, None)
                    }
                };
                if planned
                    .iter()
                    .any(|(m, k, ..)| m.id == meta.id && *k == key)
                {
                    return Err(Error::invalid(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                planned.push((meta.clone(), key, new, new_size));
            }
        }
        let mut state = self.write_state();
        let mut changes = Vec::with_capacity(planned.len());
        for (meta, key, new, new_size) in planned {
            self.same_table(&state, &meta)?;
            // A batch write has no condition nor returned attributes.
            let (old, old_size) = self.load_replaced(&state, &meta, &key, false)?;
            changes.push(Change {
                meta,
                key,
                old,
                new,
                new_size,
                old_size,
            });
        }
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        self.commit(&mut state, changes, &mut |t, u| {
            usage.entry(t.to_owned()).or_default().add(u)
        })?;
        drop(state);
        self.sync_write()?;
        Ok(BatchWriteOutput {
            unprocessed_items: BTreeMap::new(),
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }
}
