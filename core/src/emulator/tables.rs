//! Table operations: create, describe, delete, list, time to live; and
//! the whole-store tools (`all_items`, `verify_indexes`).

use std::sync::Arc;

use super::codec::{encode_item, prefix_end};
use super::definition::{bad_name, check_definition, missing_table};
use super::table::TableMeta;
use super::{Emulator, NEXT_ID_KEY, Storage, TableState, Writes, decode_stored, scan_all};
use crate::backend::{
    ListTables, ListTablesOutput, TableDescription, TimeToLive, TimeToLiveDescription,
};
use crate::error::Error;
use crate::model::{BillingMode, TableDefinition};
use crate::rules::is_valid_table_name;
use crate::time::Timestamp;
use crate::value::Item;

impl<S: Storage> Emulator<S> {
    pub(super) fn describe(&self, t: &TableState) -> TableDescription {
        TableDescription {
            definition: t.meta.def.clone(),
            status: t.meta.status(),
            item_count: t.item_count,
            size_bytes: t.size_bytes,
            created: Some(t.meta.created),
            on_demand_since: t.meta.on_demand_since,
            global_indexes: t.meta.index_descriptions(),
        }
    }

    /// `CreateTable` (with the definition's TTL setting).
    pub fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error> {
        check_definition(&definition)?;
        let mut state = self.write_state();
        if state.tables.contains_key(&definition.name) {
            return Err(Error::TableInUse {
                table: definition.name.clone(),
                message: "Cannot create preexisting table".to_owned(),
            });
        }
        let created = Timestamp::now();
        let meta = TableMeta {
            id: state.next_id,
            on_demand_since: (definition.billing == BillingMode::PayPerRequest).then_some(created),
            slots: TableMeta::initial_slots(definition.indexes.len()),
            dropping: Vec::new(),
            def: definition,
            created,
        };
        let next = state.next_id.checked_add(1).ok_or_else(|| Error::Corrupt {
            message: format!(
                "the store's next table id is {}, the last one there is: its record is damaged",
                state.next_id
            ),
        })?;
        self.storage.apply(vec![
            (
                TableMeta::record_key(meta.name()).into(),
                Some(encode_item(&meta.to_record()).into()),
            ),
            (NEXT_ID_KEY.into(), Some(next.to_be_bytes()[..].into())),
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

    /// `DescribeTable`. An index being created or deleted is described
    /// so, and its backfill or removal then runs: the next description
    /// shows it `ACTIVE`, or gone (as DynamoDB Local does, a moment later).
    pub fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        let description = {
            let state = self.read_state();
            let t = state
                .tables
                .get(table)
                .ok_or_else(|| missing_table(table))?;
            self.describe(t)
        };
        if !description.is_settled() {
            self.settle_indexes(table)?;
        }
        Ok(description)
    }

    /// A table's definition, without running index backfills.
    pub fn table_definition(&self, table: &str) -> Result<TableDefinition, Error> {
        Ok(self.meta(&self.read_state(), table)?.def.clone())
    }

    /// `DeleteTable`: the table is gone at once; its items are removed after.
    pub fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        let mut state = self.write_state();
        let t = state
            .tables
            .get(table)
            .cloned()
            .ok_or_else(|| missing_table(table))?;
        self.storage
            .apply(vec![(TableMeta::record_key(table).into(), None)])?;
        state.tables.remove(table);
        let mut description = self.describe(&t);
        description.status = crate::backend::TableStatus::Deleting;
        // The table id is never reused, so leftovers are unreachable even if
        // the removal below is interrupted.
        let mut prefixes = vec![t.meta.items_prefix()];
        prefixes.extend((0..t.meta.def.indexes.len()).map(|n| t.meta.index_prefix(n)));
        prefixes.extend(t.meta.dropping.iter().map(|d| t.meta.slot_prefix(d.id)));
        for prefix in prefixes {
            let keys: Writes = scan_all(&self.storage, &prefix, &prefix_end(&prefix))?
                .into_iter()
                .map(|(k, _)| (k.as_ref().into(), None))
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
        if let Some(start) = &input.exclusive_start_table_name
            && !is_valid_table_name(start)
        {
            return Err(bad_name());
        }
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
            .ok_or_else(|| missing_table(table))?;
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
            TableMeta::record_key(table).into(),
            Some(encode_item(&meta.to_record()).into()),
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

    /// Decodes every item of a table (for tests and tools).
    pub fn all_items(&self, table: &str) -> Result<Vec<Item>, Error> {
        let meta = self.meta(&self.read_state(), table)?;
        let prefix = meta.items_prefix();
        scan_all(&self.storage, &prefix, &prefix_end(&prefix))?
            .into_iter()
            .map(|(k, v)| decode_stored(&meta, k.as_ref(), v.as_ref()))
            .collect()
    }

    /// Checks that every index entry points at an item that has it, and
    /// every item has its index entries (for crash tests and tools); an
    /// index still being backfilled may lack entries and is not checked.
    pub fn verify_indexes(&self) -> Result<(), Error> {
        let state = self.read_state();
        let tables: Vec<Arc<TableMeta>> = state.tables.values().map(|t| t.meta.clone()).collect();
        for meta in tables {
            let prefix = meta.items_prefix();
            let mut expected = std::collections::BTreeSet::new();
            for (k, v) in scan_all(&self.storage, &prefix, &prefix_end(&prefix))? {
                let k = k.as_ref().to_vec();
                let item = decode_stored(&meta, &k, v.as_ref())?;
                if meta.item_key(&item) != k {
                    return Err(meta.corrupt(format!(
                        "the item stored under {} holds another key",
                        super::table::shown_storage_key(&k)
                    )));
                }
                for n in meta.built_indexes() {
                    if let Some(ik) = meta.index_key(n, &item) {
                        expected.insert((ik, k.clone()));
                    }
                }
            }
            let mut found = std::collections::BTreeSet::new();
            for n in meta.built_indexes() {
                let prefix = meta.index_prefix(n);
                for (k, v) in scan_all(&self.storage, &prefix, &prefix_end(&prefix))? {
                    found.insert((k.as_ref().to_vec(), v.as_ref().to_vec()));
                }
            }
            if expected != found {
                return Err(meta.corrupt(format!(
                    "{} index entries expected, {} found, and they differ",
                    expected.len(),
                    found.len()
                )));
            }
        }
        Ok(())
    }
}
