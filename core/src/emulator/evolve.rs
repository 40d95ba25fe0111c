//! `UpdateTable`: billing and throughput changes, global indexes created
//! (and backfilled from the table's items) and deleted, with DynamoDB's
//! checks and messages (DynamoDB Local's, where DynamoDB documents none).
//!
//! An index's life in the store, crash-safe at every step:
//!
//! 1. `UpdateTable` clears any entry under the new index's storage id and
//!    records the index as `CREATING`. From then on every write keeps the
//!    index's entries, as it does an active index's.
//! 2. The next `DescribeTable` (which still reports `CREATING`) backfills
//!    the index from every item, in batches, and only then records it
//!    active. A crash in between leaves it `CREATING`, and the backfill,
//!    which only writes what each item's entry is, runs again.
//!
//! A deleted index leaves the definition at once (it is no longer read or
//! written) and is recorded as dropping with its storage id; the next
//! `DescribeTable` (reporting it `DELETING`) removes its entries and then
//! the record of it, so that its id is free again only once nothing of it
//! is left.

use std::sync::Arc;

use super::codec::{encode_item, prefix_end, successor};
use super::definition::{Units, bad_name, check_definition, check_max_throughput};
use super::table::TableMeta;
use super::{Emulator, Storage, Writes, scan_all};
use crate::backend::{
    GlobalIndexUpdate, IndexDescription, IndexStatus, TableDescription, UpdateTable,
    local_index_update_error,
};
use crate::error::Error;
use crate::model::{BillingMode, IndexKind, KeyAttribute, Throughput};
use crate::rules::is_valid_table_name;
use crate::time::Timestamp;

/// An index's storage: a stable id (part of its entries' keys, never that
/// of another index of the table while either has entries), and whether
/// it is still being backfilled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexSlot {
    /// The id in the storage keys of the index's entries.
    pub id: u8,
    /// True until the backfill from the table's items is complete.
    pub creating: bool,
}

/// A global index being deleted, whose entries are still stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DroppedIndex {
    /// Its name.
    pub name: String,
    /// Its storage id.
    pub id: u8,
}

/// Entries read or written per batch of a backfill or a removal.
const BATCH: usize = 1024;

/// The most global secondary indexes of a table.
const MAX_GLOBAL_INDEXES: usize = 20;

fn one_at_a_time() -> Error {
    Error::limit(
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
    )
}

fn in_use(table: &str, what: &str) -> Error {
    Error::TableInUse {
        table: table.to_owned(),
        message: format!("Attempt to change a resource which is still in use: {what}"),
    }
}

fn redefined() -> Error {
    Error::invalid(
        "invalid attribute, SchemaElement redefined should be of same type as previously defined",
    )
}

fn check_throughput(t: &Throughput, of: Units) -> Result<(), Error> {
    if t.read_capacity_units == 0 || t.write_capacity_units == 0 {
        return Err(Error::invalid(
            "Table read and write throughput must be at least 1, and cannot be null",
        ));
    }
    check_max_throughput(t, of)
}

fn unchanged() -> Error {
    Error::invalid("The requested throughput value equals the current value")
}

impl TableMeta {
    /// The places in `def.indexes` of the indexes that are fully built.
    pub(crate) fn built_indexes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.def.indexes.len()).filter(|n| !self.building(*n))
    }

    /// Each global index's state, those being deleted last.
    pub(crate) fn index_descriptions(&self) -> Vec<IndexDescription> {
        let mut out: Vec<IndexDescription> = self
            .def
            .indexes
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == IndexKind::Global)
            .map(|(n, i)| IndexDescription {
                name: i.name.clone(),
                status: if self.building(n) {
                    IndexStatus::Creating
                } else {
                    IndexStatus::Active
                },
                backfilling: false,
                item_count: None,
                size_bytes: None,
            })
            .collect();
        out.extend(self.dropping.iter().map(|d| IndexDescription {
            name: d.name.clone(),
            status: IndexStatus::Deleting,
            backfilling: false,
            item_count: None,
            size_bytes: None,
        }));
        out
    }

    /// A storage id no index of the table (or being deleted) has.
    fn free_id(&self) -> Result<u8, Error> {
        (0..=u8::MAX)
            .find(|id| {
                !self.slots.iter().any(|s| s.id == *id)
                    && !self.dropping.iter().any(|d| d.id == *id)
            })
            .ok_or_else(|| Error::limit("the table has no free index id"))
    }

    /// The table with one update applied (checked before by `check_update`).
    fn updated(&self, input: &UpdateTable) -> Result<TableMeta, Error> {
        let mut meta = self.clone();
        if let Some(billing) = input.billing {
            if billing == BillingMode::PayPerRequest && self.def.billing != billing {
                meta.on_demand_since = Some(Timestamp::now());
            }
            meta.def.billing = billing;
            if billing == BillingMode::PayPerRequest {
                for i in &mut meta.def.indexes {
                    i.throughput = None;
                }
            }
        }
        for u in &input.index_updates {
            match u {
                GlobalIndexUpdate::Create(index) => {
                    let id = meta.free_id()?;
                    let mut index = index.clone();
                    if meta.def.billing == BillingMode::PayPerRequest {
                        index.throughput = None;
                    }
                    meta.def.indexes.push(index);
                    meta.slots.push(IndexSlot { id, creating: true });
                }
                GlobalIndexUpdate::Delete(name) => {
                    if let Some(n) = meta.def.indexes.iter().position(|i| i.name == *name) {
                        meta.def.indexes.remove(n);
                        let slot = meta.slots.remove(n);
                        meta.dropping.push(DroppedIndex {
                            name: name.clone(),
                            id: slot.id,
                        });
                    }
                }
                GlobalIndexUpdate::Update { name, throughput } => {
                    if let Some(i) = meta.def.indexes.iter_mut().find(|i| i.name == *name) {
                        i.throughput = Some(*throughput);
                    }
                }
            }
        }
        Ok(meta)
    }

    /// `UpdateTable`'s checks, in DynamoDB Local's order, with its messages.
    fn check_update(&self, input: &UpdateTable) -> Result<(), Error> {
        let table = self.name();
        if input.billing.is_none() && input.index_updates.is_empty() {
            return Err(Error::invalid("Nothing to update"));
        }
        for u in &input.index_updates {
            if let GlobalIndexUpdate::Create(i) = u
                && i.kind == IndexKind::Local
            {
                return Err(local_index_update_error(&i.name));
            }
        }
        let mut named = std::collections::BTreeSet::new();
        if !input
            .index_updates
            .iter()
            .all(|u| named.insert(u.index_name()))
        {
            return Err(Error::invalid(
                "Only one global secondary index update per index is allowed simultaneously.",
            ));
        }
        let online = input
            .index_updates
            .iter()
            .filter(|u| !matches!(u, GlobalIndexUpdate::Update { .. }))
            .count();
        if online > 1 {
            return Err(one_at_a_time());
        }
        let creating = self
            .def
            .indexes
            .iter()
            .zip(&self.slots)
            .find(|(_, s)| s.creating)
            .map(|(i, _)| i.name.as_str());
        if online == 1 && (creating.is_some() || !self.dropping.is_empty()) {
            for u in &input.index_updates {
                if let GlobalIndexUpdate::Delete(name) = u {
                    if creating == Some(name.as_str()) {
                        return Err(in_use(table, "Index is being created."));
                    }
                    if self.dropping.iter().any(|d| d.name == *name) {
                        return Err(in_use(table, "Index is being deleted."));
                    }
                }
            }
            return Err(one_at_a_time());
        }
        if let (Some(index), Some(_)) = (creating, input.billing) {
            return Err(Error::TableInUse {
                table: table.to_owned(),
                message: format!(
                    "Can't update table while indexes are in CREATING, isBackfilling=false status. Table: {table} Index: {index}"
                ),
            });
        }
        let existing = self.def.attribute_definitions();
        for a in &input.attribute_definitions {
            if existing
                .iter()
                .any(|e| e.name == a.name && e.scalar_type != a.scalar_type)
            {
                return Err(redefined());
            }
        }
        for u in &input.index_updates {
            match u {
                GlobalIndexUpdate::Create(index) => self.check_create(input, index)?,
                GlobalIndexUpdate::Delete(name) => {
                    if self.def.local_indexes().any(|i| i.name == *name) {
                        return Err(Error::invalid(
                            "Cannot delete an index that is not a GlobalSecondaryIndex",
                        ));
                    }
                    if self.def.global_indexes().all(|i| i.name != *name) {
                        return Err(Error::IndexNotFound {
                            table: table.to_owned(),
                            index: name.clone(),
                        });
                    }
                }
                GlobalIndexUpdate::Update { name, throughput } => {
                    let Some(index) = self.def.global_indexes().find(|i| i.name == *name) else {
                        return Err(Error::invalid("Invalid global secondary index name"));
                    };
                    check_throughput(throughput, Units::GlobalIndex)?;
                    let billing = input.billing.unwrap_or(self.def.billing);
                    let BillingMode::Provisioned(table_throughput) = billing else {
                        return Err(Error::invalid(format!(
                            "One or more parameter values were invalid: ProvisionedThroughput cannot be specified for index {name} when BillingMode is PAY_PER_REQUEST"
                        )));
                    };
                    let current = index.throughput.unwrap_or(table_throughput);
                    if self.def.billing == billing && current == *throughput {
                        return Err(unchanged());
                    }
                }
            }
        }
        match (input.billing, self.def.billing) {
            (Some(BillingMode::Provisioned(new)), current) => {
                check_throughput(&new, Units::Table)?;
                if current == BillingMode::Provisioned(new) && input.index_updates.is_empty() {
                    return Err(unchanged());
                }
            }
            (Some(BillingMode::PayPerRequest) | None, _) => {}
        }
        Ok(())
    }

    fn check_create(
        &self,
        input: &UpdateTable,
        index: &crate::model::IndexDefinition,
    ) -> Result<(), Error> {
        if !is_valid_table_name(&index.name) {
            return Err(bad_name());
        }
        if input.attribute_definitions.is_empty() {
            return Err(Error::invalid("No Attribute Schema Defined"));
        }
        if self.def.index(&index.name).is_some()
            || self.dropping.iter().any(|d| d.name == index.name)
        {
            return Err(Error::invalid(
                "Attempting to create an index which already exists",
            ));
        }
        for a in index.key.attributes() {
            let defined: Option<&KeyAttribute> = input
                .attribute_definitions
                .iter()
                .find(|d| d.name == a.name);
            match defined {
                None => {
                    return Err(Error::invalid(format!(
                        "Attribute {} is not defined in AttributeDefinitions",
                        a.name
                    )));
                }
                Some(d) if d.scalar_type != a.scalar_type => return Err(redefined()),
                Some(_) => {}
            }
        }
        if self.def.global_indexes().count() >= MAX_GLOBAL_INDEXES {
            return Err(Error::limit(
                "Number of global secondary indexes exceeds per-table limit",
            ));
        }
        if let Some(t) = &index.throughput {
            check_throughput(t, Units::GlobalIndex)?;
        }
        let mut def = self.def.clone();
        def.indexes.push(index.clone());
        check_definition(&def)
    }
}

impl<S: Storage> Emulator<S> {
    /// `UpdateTable`: answers at once, a new index `CREATING` (it is
    /// backfilled when the table is next described) and a deleted one
    /// `DELETING`.
    pub fn update_table(&self, input: UpdateTable) -> Result<TableDescription, Error> {
        let mut state = self.write_state();
        let old = self.meta(&state, &input.table)?;
        old.check_update(&input)?;
        let meta = old.updated(&input)?;
        // Whatever an earlier index of this id left (a crash between the
        // removal of its entries and of its record) is not the new index's.
        if let Some(slot) = meta.slots.iter().find(|s| s.creating)
            && !old.slots.iter().any(|s| s.id == slot.id)
        {
            self.remove_prefix(&meta.slot_prefix(slot.id))?;
        }
        self.store_meta(&mut state, meta)?;
        let description = match state.tables.get(&input.table) {
            Some(t) => self.describe(t),
            None => {
                return Err(Error::TableNotFound {
                    table: input.table.clone(),
                });
            }
        };
        drop(state);
        self.storage.sync()?;
        Ok(description)
    }

    /// A global index's state as recorded, without running its backfill
    /// or removal (`None`: the table has no such index). For crash tests
    /// and tools; `DescribeTable` is the operation.
    pub fn index_status(&self, table: &str, index: &str) -> Result<Option<IndexStatus>, Error> {
        let meta = self.meta(&self.read_state(), table)?;
        Ok(meta
            .index_descriptions()
            .into_iter()
            .find(|i| i.name == index)
            .map(|i| i.status))
    }

    /// Backfills the table's indexes being created and removes those
    /// being deleted, each recorded done only once it is.
    pub(super) fn settle_indexes(&self, table: &str) -> Result<(), Error> {
        let mut state = self.write_state();
        let Ok(meta) = self.meta(&state, table) else {
            return Ok(());
        };
        for n in 0..meta.def.indexes.len() {
            if meta.building(n) {
                self.backfill(&meta, n)?;
            }
        }
        for d in &meta.dropping {
            self.remove_prefix(&meta.slot_prefix(d.id))?;
        }
        let mut settled = (*meta).clone();
        for s in &mut settled.slots {
            s.creating = false;
        }
        settled.dropping.clear();
        self.store_meta(&mut state, settled)?;
        drop(state);
        self.storage.sync()
    }

    /// Writes the entry of every item of the table in index `n`.
    fn backfill(&self, meta: &TableMeta, n: usize) -> Result<(), Error> {
        let prefix = meta.items_prefix();
        let end = prefix_end(&prefix);
        let mut from = prefix.clone();
        loop {
            let batch = self.storage.range(&from, &end, false, BATCH)?;
            let done = batch.len() < BATCH;
            let mut writes = Vec::with_capacity(batch.len());
            for (k, v) in &batch {
                let item = super::codec::decode_item(v.as_ref())?;
                if let Some(ik) = meta.index_key(n, &item) {
                    writes.push((ik.into(), Some(k.as_ref().into())));
                }
            }
            if !writes.is_empty() {
                self.storage.apply(writes)?;
            }
            match batch.last() {
                Some((k, _)) if !done => from = successor(k.as_ref()),
                _ => return Ok(()),
            }
        }
    }

    /// Removes every entry under a prefix, a batch at a time.
    fn remove_prefix(&self, prefix: &[u8]) -> Result<(), Error> {
        let keys: Writes = scan_all(&self.storage, prefix, &prefix_end(prefix))?
            .into_iter()
            .map(|(k, _)| (k.as_ref().into(), None))
            .collect();
        for chunk in keys.chunks(BATCH) {
            self.storage.apply(chunk.to_vec())?;
        }
        Ok(())
    }

    /// Records a table's new metadata, in the store and then in memory.
    fn store_meta(&self, state: &mut super::State, meta: TableMeta) -> Result<(), Error> {
        self.storage.apply(vec![(
            TableMeta::record_key(meta.name()).into(),
            Some(encode_item(&meta.to_record()).into()),
        )])?;
        if let Some(t) = state.tables.get_mut(meta.name()) {
            t.meta = Arc::new(meta);
        }
        Ok(())
    }
}
