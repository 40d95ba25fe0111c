//! Tables, batches, transactions, and the [`Backend`] implementation.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::codec::{decode_item, encode_item, prefix_end};
use super::table::{TableMeta, check_definition};
use super::write::{Change, canonical_item, check_update_keys, parse_write};
use super::{Emulator, NEXT_ID_KEY, Storage, TableState, Usage, read_units, report_all, scan_all};
use crate::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, KeysAndAttributes, ListTables, ListTablesOutput, Page, PutItem, Query,
    ReturnConsumedCapacity, ReturnValues, Scan, TableDescription, TimeToLive,
    TimeToLiveDescription, TransactGet, TransactGetOutput, TransactWrite, TransactWriteItem,
    TransactWriteOutput, UpdateItem, WriteOutput, WriteRequest,
};
use crate::error::{CancellationCode, CancellationReason, Error};
use crate::expr::{Parser, Path, apply_update, check_attribute_maps, project};
use crate::model::TableDefinition;
use crate::time::Timestamp;
use crate::value::Item;

/// A batch get stops adding items once its response would exceed 16 MB.
const MAX_BATCH_GET_BYTES: usize = 16 * 1024 * 1024;

fn parse_projection(
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

fn apply_projection(item: Item, projection: &Option<Vec<Path>>) -> Item {
    match projection {
        Some(p) => project(&item, p),
        None => item,
    }
}

impl<S: Storage> Emulator<S> {
    fn describe(&self, t: &TableState) -> TableDescription {
        TableDescription {
            definition: t.meta.def.clone(),
            status: t.meta.status(),
            item_count: t.item_count,
            size_bytes: t.size_bytes,
            created: Some(t.meta.created),
        }
    }

    /// `CreateTable` (with the definition's TTL setting).
    pub fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error> {
        let _span = tracing::info_span!(target: "dynamodb_mapper::database_access", "create_table", table = %definition.name).entered();
        check_definition(&definition)?;
        let mut state = self.write_state();
        if state.tables.contains_key(&definition.name) {
            return Err(Error::TableInUse {
                table: definition.name.clone(),
                message: "Cannot create preexisting table".to_owned(),
            });
        }
        let meta = TableMeta {
            id: state.next_id,
            def: definition,
            created: Timestamp::now(),
        };
        let next = state.next_id + 1;
        self.storage.apply(vec![
            (
                TableMeta::record_key(meta.name()),
                Some(encode_item(&meta.to_record())),
            ),
            (NEXT_ID_KEY.to_vec(), Some(next.to_be_bytes().to_vec())),
        ])?;
        state.next_id = next;
        let ts = TableState {
            meta: Arc::new(meta),
            item_count: 0,
            size_bytes: 0,
        };
        let description = self.describe(&ts);
        state.tables.insert(ts.meta.def.name.clone(), ts);
        drop(state);
        self.storage.sync()?;
        Ok(description)
    }

    /// `DescribeTable`.
    pub fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        let state = self.read_state();
        let t = state
            .tables
            .get(table)
            .ok_or_else(|| Error::TableNotFound {
                table: table.to_owned(),
            })?;
        Ok(self.describe(t))
    }

    /// `DeleteTable`: the table is gone at once; its items are removed after.
    pub fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        let _span = tracing::info_span!(target: "dynamodb_mapper::database_access", "delete_table", table = %table).entered();
        let mut state = self.write_state();
        let t = state
            .tables
            .get(table)
            .cloned()
            .ok_or_else(|| Error::TableNotFound {
                table: table.to_owned(),
            })?;
        self.storage
            .apply(vec![(TableMeta::record_key(table), None)])?;
        state.tables.remove(table);
        let mut description = self.describe(&t);
        description.status = crate::backend::TableStatus::Deleting;
        // The table id is never reused, so leftovers are unreachable even if
        // the removal below is interrupted.
        let mut prefixes = vec![t.meta.items_prefix()];
        prefixes.extend((0..t.meta.def.indexes.len()).map(|n| t.meta.index_prefix(n)));
        for prefix in prefixes {
            let keys: Vec<(Vec<u8>, Option<Vec<u8>>)> =
                scan_all(&self.storage, &prefix, &prefix_end(&prefix))?
                    .into_iter()
                    .map(|(k, _)| (k, None))
                    .collect();
            for chunk in keys.chunks(10_000) {
                self.storage.apply(chunk.to_vec())?;
            }
        }
        drop(state);
        self.storage.sync()?;
        Ok(description)
    }

    /// `ListTables`.
    pub fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
        let limit = match input.limit {
            Some(0) => return Err(Error::invalid("Limit must be greater than or equal to 1")),
            Some(l) if l > 100 => return Err(Error::invalid("Limit in ListTables must be <= 100")),
            Some(l) => l as usize,
            None => 100,
        };
        let state = self.read_state();
        let mut names: Vec<String> = state
            .tables
            .keys()
            .filter(|n| {
                input
                    .exclusive_start_table_name
                    .as_ref()
                    .is_none_or(|s| *n > s)
            })
            .cloned()
            .collect();
        let more = names.len() > limit;
        names.truncate(limit);
        Ok(ListTablesOutput {
            last_evaluated_table_name: if more { names.last().cloned() } else { None },
            table_names: names,
        })
    }

    /// `UpdateTimeToLive`.
    pub fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error> {
        let _span = tracing::info_span!(target: "dynamodb_mapper::database_access", "update_time_to_live", table = %table).entered();
        if ttl.attribute.is_empty() || ttl.attribute.len() > 255 {
            return Err(Error::invalid(
                "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive",
            ));
        }
        let mut state = self.write_state();
        let t = state
            .tables
            .get(table)
            .cloned()
            .ok_or_else(|| Error::TableNotFound {
                table: table.to_owned(),
            })?;
        let current = t.meta.def.ttl_attribute.clone();
        let new = match (&current, ttl.enabled) {
            (Some(a), true) if *a == ttl.attribute => {
                return Err(Error::invalid("TimeToLive is already enabled"));
            }
            (Some(a), _) if *a != ttl.attribute => {
                return Err(Error::invalid(
                    "TimeToLive is active on a different AttributeName",
                ));
            }
            (None, false) => return Err(Error::invalid("TimeToLive is already disabled")),
            (_, true) => Some(ttl.attribute.clone()),
            (_, false) => None,
        };
        let mut meta = (*t.meta).clone();
        meta.def.ttl_attribute = new;
        self.storage.apply(vec![(
            TableMeta::record_key(table),
            Some(encode_item(&meta.to_record())),
        )])?;
        if let Some(ts) = state.tables.get_mut(table) {
            ts.meta = Arc::new(meta);
        }
        drop(state);
        self.storage.sync()?;
        Ok(ttl)
    }

    /// `DescribeTimeToLive`.
    pub fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error> {
        let meta = self.meta(&self.read_state(), table)?;
        Ok(TimeToLiveDescription {
            enabled: meta.def.ttl_attribute.is_some(),
            attribute: meta.def.ttl_attribute.clone(),
        })
    }

    /// `BatchGetItem`.
    pub fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
        let _span =
            tracing::info_span!(target: "dynamodb_mapper::database_access", "batch_get_item")
                .entered();
        if input.tables.is_empty() {
            return Err(Error::invalid("BatchGetItem must have some requests set"));
        }
        let total: usize = input.tables.values().map(|k| k.keys.len()).sum();
        if total > 100 {
            return Err(Error::invalid(
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
            plans.push((meta, ka, keys, projection));
        }
        let mut output = BatchGetOutput::default();
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        let mut bytes = 0usize;
        let _snapshot = self.read_state();
        for (meta, ka, keys, projection) in plans {
            let responses = output.responses.entry(meta.name().to_owned()).or_default();
            for (k, key) in keys {
                let item = self.load(&k)?;
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
        let _span =
            tracing::info_span!(target: "dynamodb_mapper::database_access", "batch_write_item")
                .entered();
        if input.tables.is_empty() {
            return Err(Error::invalid(
                "BatchWriteItem cannot have a null or no requests set",
            ));
        }
        let total: usize = input.tables.values().map(Vec::len).sum();
        if total > 25 {
            return Err(Error::invalid(
                "Too many items requested for the BatchWriteItem call",
            ));
        }
        let mut planned: Vec<(Arc<TableMeta>, Vec<u8>, Option<Item>)> = Vec::new();
        for (table, requests) in &input.tables {
            if requests.is_empty() {
                return Err(Error::invalid(format!(
                    "The batch write request list for a table cannot be null or empty: {table}"
                )));
            }
            let meta = self.meta(&self.read_state(), table)?;
            for r in requests {
                let (key, new) = match r {
                    WriteRequest::Put(item) => {
                        meta.check_item(item, false)?;
                        let item = canonical_item(item.clone());
                        (meta.item_key(&item), Some(item))
                    }
                    WriteRequest::Delete(key) => {
                        meta.check_key(key)?;
                        (meta.item_key(key), None)
                    }
                };
                if planned.iter().any(|(m, k, _)| m.id == meta.id && *k == key) {
                    return Err(Error::invalid(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                planned.push((meta.clone(), key, new));
            }
        }
        let mut state = self.write_state();
        let mut changes = Vec::with_capacity(planned.len());
        for (meta, key, new) in planned {
            self.same_table(&state, &meta)?;
            let old = self.load(&key)?;
            changes.push(Change {
                meta,
                key,
                old,
                new,
            });
        }
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        self.commit(&mut state, changes, &mut |t, u| {
            usage.entry(t.to_owned()).or_default().add(u)
        })?;
        drop(state);
        self.storage.sync()?;
        Ok(BatchWriteOutput {
            unprocessed_items: BTreeMap::new(),
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }

    /// `TransactWriteItems`: all actions or none, isolated from other
    /// reads and writes; a failed condition cancels the whole transaction
    /// with one reason per action.
    pub fn transact_write_items(&self, input: TransactWrite) -> Result<TransactWriteOutput, Error> {
        let _span =
            tracing::info_span!(target: "dynamodb_mapper::transactions", "transact_write_items")
                .entered();
        let n = input.items.len();
        if n == 0 {
            return Err(Error::invalid(
                "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        if n > 100 {
            return Err(Error::invalid(format!(
                "Value of {n} items at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
            )));
        }
        if let Some(token) = &input.client_request_token {
            if token.len() > 36 {
                return Err(Error::invalid(format!(
                    "Value {token} at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"
                )));
            }
        }

        // Check every action before touching anything, in DynamoDB Local's
        // order: each action's own expressions and values first, then that
        // no two actions touch one item, then each action against its table.
        for action in &input.items {
            let (condition, update, attributes, is_update) = match action {
                TransactWriteItem::Put(p) => {
                    crate::rules::check_item(&p.item).map_err(Error::invalid)?;
                    (
                        p.condition_expression.as_deref(),
                        None,
                        &p.expression_attributes,
                        false,
                    )
                }
                TransactWriteItem::Update(u) => (
                    u.condition_expression.as_deref(),
                    u.update_expression.as_deref(),
                    &u.expression_attributes,
                    true,
                ),
                TransactWriteItem::Delete(d) => (
                    d.condition_expression.as_deref(),
                    None,
                    &d.expression_attributes,
                    false,
                ),
                TransactWriteItem::ConditionCheck(c) => (
                    Some(c.condition_expression.as_str()),
                    None,
                    &c.expression_attributes,
                    false,
                ),
            };
            parse_write(condition, update, attributes, is_update)?;
        }
        let mut touched: Vec<(&str, Vec<u8>)> = Vec::with_capacity(n);
        for action in &input.items {
            let (table, key) = match action {
                TransactWriteItem::Put(p) => (&p.table, None),
                TransactWriteItem::Update(u) => (&u.table, Some(&u.key)),
                TransactWriteItem::Delete(d) => (&d.table, Some(&d.key)),
                TransactWriteItem::ConditionCheck(c) => (&c.table, Some(&c.key)),
            };
            // Actions on missing tables or with malformed keys fail later.
            let Ok(meta) = self.meta(&self.read_state(), table) else {
                continue;
            };
            let key = match (action, key) {
                (TransactWriteItem::Put(p), _) => meta.key().key_of(&p.item),
                (_, Some(key)) => key.clone(),
                (_, None) => continue,
            };
            if meta.check_key(&key).is_err() {
                continue;
            }
            let position = meta.item_key(&key);
            if touched
                .iter()
                .any(|(t, k)| *t == table.as_str() && *k == position)
            {
                return Err(Error::invalid(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            touched.push((table, position));
        }
        struct Planned {
            meta: Arc<TableMeta>,
            key: Vec<u8>,
            action: usize,
            condition: Option<crate::expr::Condition>,
            update: Option<crate::expr::Update>,
            put: Option<Item>,
            delete: bool,
            key_item: Item,
            return_old: bool,
            is_check: bool,
        }
        let mut planned: Vec<Planned> = Vec::with_capacity(n);
        for (i, action) in input.items.iter().enumerate() {
            let p = match action {
                TransactWriteItem::Put(p) => {
                    if p.return_values != ReturnValues::None
                        || p.return_consumed_capacity != ReturnConsumedCapacity::None
                    {
                        return Err(Error::invalid(
                            "ReturnValues and ReturnConsumedCapacity cannot be set on an action inside a transaction",
                        ));
                    }
                    let meta = self.meta(&self.read_state(), &p.table)?;
                    meta.check_item(&p.item, false)?;
                    let exprs = parse_write(
                        p.condition_expression.as_deref(),
                        None,
                        &p.expression_attributes,
                        false,
                    )?;
                    let item = canonical_item(p.item.clone());
                    Planned {
                        key: meta.item_key(&item),
                        key_item: meta.key().key_of(&item),
                        meta,
                        action: i,
                        condition: exprs.condition,
                        update: None,
                        put: Some(item),
                        delete: false,
                        return_old: p.return_values_on_condition_check_failure,
                        is_check: false,
                    }
                }
                TransactWriteItem::Update(u) => {
                    if u.return_values != ReturnValues::None
                        || u.return_consumed_capacity != ReturnConsumedCapacity::None
                    {
                        return Err(Error::invalid(
                            "ReturnValues and ReturnConsumedCapacity cannot be set on an action inside a transaction",
                        ));
                    }
                    let meta = self.meta(&self.read_state(), &u.table)?;
                    meta.check_key(&u.key)?;
                    let exprs = parse_write(
                        u.condition_expression.as_deref(),
                        u.update_expression.as_deref(),
                        &u.expression_attributes,
                        true,
                    )?;
                    Planned {
                        key: meta.item_key(&u.key),
                        key_item: u.key.clone(),
                        meta,
                        action: i,
                        condition: exprs.condition,
                        update: exprs.update,
                        put: None,
                        delete: false,
                        return_old: u.return_values_on_condition_check_failure,
                        is_check: false,
                    }
                }
                TransactWriteItem::Delete(d) => {
                    if d.return_values != ReturnValues::None
                        || d.return_consumed_capacity != ReturnConsumedCapacity::None
                    {
                        return Err(Error::invalid(
                            "ReturnValues and ReturnConsumedCapacity cannot be set on an action inside a transaction",
                        ));
                    }
                    let meta = self.meta(&self.read_state(), &d.table)?;
                    meta.check_key(&d.key)?;
                    let exprs = parse_write(
                        d.condition_expression.as_deref(),
                        None,
                        &d.expression_attributes,
                        false,
                    )?;
                    Planned {
                        key: meta.item_key(&d.key),
                        key_item: d.key.clone(),
                        meta,
                        action: i,
                        condition: exprs.condition,
                        update: None,
                        put: None,
                        delete: true,
                        return_old: d.return_values_on_condition_check_failure,
                        is_check: false,
                    }
                }
                TransactWriteItem::ConditionCheck(c) => {
                    let meta = self.meta(&self.read_state(), &c.table)?;
                    meta.check_key(&c.key)?;
                    let exprs = parse_write(
                        Some(&c.condition_expression),
                        None,
                        &c.expression_attributes,
                        false,
                    )?;
                    Planned {
                        key: meta.item_key(&c.key),
                        key_item: c.key.clone(),
                        meta,
                        action: i,
                        condition: exprs.condition,
                        update: None,
                        put: None,
                        delete: false,
                        return_old: c.return_values_on_condition_check_failure,
                        is_check: true,
                    }
                }
            };
            planned.push(p);
        }

        let fingerprint = input.client_request_token.as_ref().map(|_| {
            let mut h = sha1_smol::Sha1::new();
            h.update(format!("{:?}", input.items).as_bytes());
            h.digest().bytes()
        });
        if let (Some(token), Some(fp)) = (&input.client_request_token, fingerprint) {
            if self.check_token(token, fp)? {
                // Already done: answer as the first time, without doing it again.
                // DynamoDB charges a replay one unit per table (doubled, as
                // every transactional unit is).
                let usage: BTreeMap<String, Usage> = planned
                    .iter()
                    .map(|p| {
                        let u = Usage {
                            table: 2.0,
                            ..Usage::default()
                        };
                        (p.meta.name().to_owned(), u)
                    })
                    .collect();
                return Ok(TransactWriteOutput {
                    consumed_capacity: report_all(usage, input.return_consumed_capacity),
                });
            }
        }

        let mut state = self.write_state();
        let mut reasons = vec![CancellationReason::none(); n];
        let mut cancelled = false;
        let mut changes = Vec::new();
        for p in &planned {
            self.same_table(&state, &p.meta)?;
            let old = self.load(&p.key)?;
            if let Some(c) = &p.condition {
                if !c.evaluate(old.as_ref().unwrap_or(&Item::new())) {
                    reasons[p.action] = CancellationReason {
                        code: CancellationCode::ConditionalCheckFailed,
                        message: Some(
                            if p.is_check {
                                "The conditional request failed."
                            } else {
                                "The conditional request failed"
                            }
                            .to_owned(),
                        ),
                        item: if p.return_old { old.clone() } else { None },
                    };
                    cancelled = true;
                    // The action is not evaluated further.
                    continue;
                }
            }
            if let Some(u) = &p.update {
                if let Err(Error::InvalidRequest { message }) = check_update_keys(&p.meta, u) {
                    reasons[p.action] = CancellationReason {
                        code: CancellationCode::ValidationError,
                        message: Some(message),
                        item: None,
                    };
                    cancelled = true;
                    continue;
                }
            }
            let new = if p.is_check {
                continue;
            } else if p.delete {
                None
            } else if let Some(item) = &p.put {
                Some(item.clone())
            } else {
                let mut new = old
                    .clone()
                    .unwrap_or_else(|| canonical_item(p.key_item.clone()));
                if let Some(u) = &p.update {
                    apply_update(&mut new, u)?;
                    p.meta.check_item(&new, true)?;
                    new = canonical_item(new);
                }
                Some(new)
            };
            changes.push(Change {
                meta: p.meta.clone(),
                key: p.key.clone(),
                old,
                new,
            });
        }
        if cancelled {
            return Err(Error::TransactionCanceled { reasons });
        }
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        for p in planned.iter().filter(|p| p.is_check) {
            // A condition check is a strongly consistent read of its item.
            let size = self.load(&p.key)?.as_ref().map_or(0, Item::size);
            usage.entry(p.meta.name().to_owned()).or_default().table += read_units(size, true);
        }
        self.commit(&mut state, changes, &mut |t, u| {
            usage.entry(t.to_owned()).or_default().add(u)
        })?;
        drop(state);
        self.storage.sync()?;
        if let (Some(token), Some(fp)) = (&input.client_request_token, fingerprint) {
            self.remember_token(token, fp);
        }
        let usage = usage.into_iter().map(|(t, u)| (t, u.scaled(2.0))).collect();
        Ok(TransactWriteOutput {
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }

    /// `TransactGetItems`: every item from one snapshot.
    pub fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error> {
        let _span =
            tracing::info_span!(target: "dynamodb_mapper::transactions", "transact_get_items")
                .entered();
        let n = input.items.len();
        if n == 0 {
            return Err(Error::invalid(
                "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        if n > 100 {
            return Err(Error::invalid(format!(
                "Value of {n} items at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
            )));
        }
        /// A read of the transaction: table, storage key, projection.
        type PlannedGet = (Arc<TableMeta>, Vec<u8>, Option<Vec<Path>>);
        let mut planned: Vec<PlannedGet> = Vec::with_capacity(n);
        for g in &input.items {
            let meta = self.meta(&self.read_state(), &g.table)?;
            meta.check_key(&g.key)?;
            let projection = parse_projection(
                g.projection_expression.as_deref(),
                &g.expression_attributes.names,
            )?;
            let key = meta.item_key(&g.key);
            if planned.iter().any(|(m, k, _)| m.id == meta.id && *k == key) {
                return Err(Error::invalid(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            planned.push((meta, key, projection));
        }
        let state = self.read_state();
        let mut items = Vec::with_capacity(n);
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        for (meta, key, projection) in &planned {
            self.same_table(&state, meta)?;
            let item = self.load(key)?;
            usage.entry(meta.name().to_owned()).or_default().table +=
                2.0 * read_units(item.as_ref().map_or(0, Item::size), true);
            items.push(item.map(|i| apply_projection(i, projection)));
        }
        drop(state);
        Ok(TransactGetOutput {
            items,
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }

    /// Decodes every item of a table (for tests and tools).
    pub fn all_items(&self, table: &str) -> Result<Vec<Item>, Error> {
        let meta = self.meta(&self.read_state(), table)?;
        let prefix = meta.items_prefix();
        scan_all(&self.storage, &prefix, &prefix_end(&prefix))?
            .into_iter()
            .map(|(_, v)| decode_item(v.as_ref()))
            .collect()
    }

    /// Checks that every index entry points at an item that has it, and
    /// every item has its index entries (for crash tests and tools).
    pub fn verify_indexes(&self) -> Result<(), Error> {
        let state = self.read_state();
        let tables: Vec<Arc<TableMeta>> = state.tables.values().map(|t| t.meta.clone()).collect();
        for meta in tables {
            let prefix = meta.items_prefix();
            let mut expected = std::collections::BTreeSet::new();
            for (k, v) in scan_all(&self.storage, &prefix, &prefix_end(&prefix))? {
                let item = decode_item(v.as_ref())?;
                if meta.item_key(&item) != k {
                    return Err(Error::Backend {
                        message: format!(
                            "table {}: an item is stored under another key",
                            meta.name()
                        ),
                        source: None,
                    });
                }
                for n in 0..meta.def.indexes.len() {
                    if let Some(ik) = meta.index_key(n, &item) {
                        expected.insert((ik, k.clone()));
                    }
                }
            }
            let mut found = std::collections::BTreeSet::new();
            for n in 0..meta.def.indexes.len() {
                let prefix = meta.index_prefix(n);
                for (k, v) in scan_all(&self.storage, &prefix, &prefix_end(&prefix))? {
                    found.insert((k, v.as_ref().to_vec()));
                }
            }
            if expected != found {
                return Err(Error::Backend {
                    message: format!(
                        "table {}: {} index entries expected, {} found, and they differ",
                        meta.name(),
                        expected.len(),
                        found.len()
                    ),
                    source: None,
                });
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<S: Storage> Backend for Emulator<S> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            name: "emulator",
            transactions: true,
            ttl_expiry: false,
            transaction_conflicts: false,
            throughput_enforced: false,
            persistent: false,
        }
    }
    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error> {
        Emulator::create_table(self, definition)
    }
    async fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        Emulator::describe_table(self, table)
    }
    async fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        Emulator::delete_table(self, table)
    }
    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
        Emulator::list_tables(self, input)
    }
    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error> {
        Emulator::update_time_to_live(self, table, ttl)
    }
    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error> {
        Emulator::describe_time_to_live(self, table)
    }
    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error> {
        Emulator::get_item(self, input)
    }
    async fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error> {
        Emulator::put_item(self, input)
    }
    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error> {
        Emulator::update_item(self, input)
    }
    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error> {
        Emulator::delete_item(self, input)
    }
    async fn query(&self, input: Query) -> Result<Page, Error> {
        Emulator::query(self, input)
    }
    async fn scan(&self, input: Scan) -> Result<Page, Error> {
        Emulator::scan(self, input)
    }
    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
        Emulator::batch_get_item(self, input)
    }
    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error> {
        Emulator::batch_write_item(self, input)
    }
    async fn transact_write_items(
        &self,
        input: TransactWrite,
    ) -> Result<TransactWriteOutput, Error> {
        Emulator::transact_write_items(self, input)
    }
    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error> {
        Emulator::transact_get_items(self, input)
    }
}
