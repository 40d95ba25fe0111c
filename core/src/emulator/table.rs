//! Tables of the emulator: their metadata, storage keys, and DynamoDB's
//! checks of keys and items against a table's schema.

use std::sync::Arc;

use super::codec::{partition_digest, put_key_part};
pub(crate) use super::evolve::{DroppedIndex, IndexSlot};
use crate::backend::TableStatus;
use crate::error::Error;
use crate::expr::Path;
use crate::model::{
    IndexDefinition, IndexKind, IndexProjection, KeyAttribute, KeySchema, ScalarType,
    TableDefinition,
};
use crate::rules::MAX_ITEM_SIZE;
use crate::time::Timestamp;
use crate::value::{AttributeValue, Item};

/// Storage key prefixes.
pub(crate) const META_PREFIX: u8 = 0x00;
pub(crate) const TABLE_PREFIX: u8 = 0x01;
pub(crate) const ITEM_PREFIX: u8 = 0x02;
pub(crate) const INDEX_PREFIX: u8 = 0x03;

/// DynamoDB's limits on key values.
const MAX_HASH_KEY_BYTES: usize = 2048;
const MAX_RANGE_KEY_BYTES: usize = 1024;

/// A storage key for a message: the key values' bytes after the table's
/// prefix and the partition digest, escaped, at most 200 characters.
pub(crate) fn shown_storage_key(key: &[u8]) -> String {
    // Item keys: prefix, table id (4 bytes), digest (20 bytes), key parts.
    let parts = key.get(25..).unwrap_or(key);
    let mut text: String = parts.escape_ascii().to_string();
    if text.len() > 200 {
        let mut cut = 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    format!("key \"{text}\"")
}

/// An emulated table.
#[derive(Clone, Debug)]
pub(crate) struct TableMeta {
    /// Internal id, part of every storage key of the table.
    pub id: u32,
    /// The definition (the TTL attribute is the enabled one).
    pub def: TableDefinition,
    /// Creation time.
    pub created: Timestamp,
    /// When the table last became on-demand (its creation if created so;
    /// kept after a switch back to provisioned capacity), as DynamoDB
    /// reports it.
    pub on_demand_since: Option<Timestamp>,
    /// Where each index of `def.indexes` keeps its entries, in the same order.
    pub slots: Vec<IndexSlot>,
    /// Global indexes being deleted: gone from `def`, entries still stored.
    pub dropping: Vec<DroppedIndex>,
}

/// Which key schema a read goes through.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    Table,
    Index(usize, &'a IndexDefinition),
}

/// Which checks of a key or an item to run. The checks run in DynamoDB
/// Local's order, attribute by attribute, and the first that fails
/// decides. Shape errors (a key attribute missing, not a string, number or
/// binary, or empty) refuse a whole transaction; faults (a wrong type or
/// size) cancel its action. The shape checks of a transaction stop, passed,
/// at the first fault; the action's checks run after them in full, so the
/// first error they find is that fault.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks {
    /// Faults are errors (else the checks stop at the first, passed).
    faults: bool,
}

/// Whether the checks of a key or an item go on to the next attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Next,
    /// A fault was found and faults were not asked for: nothing after it
    /// decides.
    Stop,
}

impl Checks {
    const ALL: Checks = Checks { faults: true };
    const SHAPE: Checks = Checks { faults: false };

    /// A fault found: the error when faults are asked for, else the stop.
    fn fault(self, e: Error) -> Result<Flow, Error> {
        if self.faults { Err(e) } else { Ok(Flow::Stop) }
    }
}

fn key_error() -> Error {
    Error::invalid("One or more parameter values were invalid: Type mismatch for key")
}

/// A key attribute (of the table or an index) that holds neither a string,
/// a number nor a binary: DynamoDB Local refuses the whole request, before
/// it looks at the value's type against the schema.
fn value_type_error() -> Error {
    Error::invalid("Invalid attribute value type")
}

/// The key attributes named but not all given: DynamoDB Local's message.
fn missing_key_error() -> Error {
    Error::invalid("One of the required keys was not given a value")
}

/// Whether `v` can be a key value at all (a string, a number or a binary).
fn is_scalar(v: &AttributeValue) -> bool {
    matches!(
        v,
        AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_)
    )
}

/// Refuses a range key value of a query's key condition longer than a
/// range key can be, with DynamoDB's message (the hash key's length is not
/// checked there, as in DynamoDB Local).
pub(crate) fn check_range_condition_value(v: &AttributeValue) -> Result<(), Error> {
    if key_len(v) > MAX_RANGE_KEY_BYTES {
        return Err(Error::invalid(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

fn key_len(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => 0,
    }
}

impl TableMeta {
    pub(crate) fn name(&self) -> &str {
        &self.def.name
    }

    pub(crate) fn key(&self) -> &KeySchema {
        &self.def.key
    }

    /// The key schema of a source.
    pub(crate) fn schema<'a>(&'a self, source: Source<'a>) -> &'a KeySchema {
        match source {
            Source::Table => &self.def.key,
            Source::Index(_, i) => &i.key,
        }
    }

    /// Whether the index at `n` of the definition is still being built.
    pub(crate) fn building(&self, n: usize) -> bool {
        self.slots.get(n).is_some_and(|s| s.creating)
    }

    /// Resolves an index name.
    pub(crate) fn source(&self, index: Option<&str>) -> Result<Source<'_>, Error> {
        match index {
            None => Ok(Source::Table),
            Some(name) => {
                let found = self
                    .def
                    .indexes
                    .iter()
                    .enumerate()
                    .find(|(_, i)| i.name == name);
                match found {
                    Some((n, _)) if self.building(n) => Err(Error::invalid(
                        "Cannot read from backfilling global secondary index",
                    )),
                    Some((n, i)) => Ok(Source::Index(n, i)),
                    None => Err(Error::invalid(format!(
                        "The table does not have the specified index: {name}"
                    ))),
                }
            }
        }
    }

    fn check_key_value(
        &self,
        attr: &KeyAttribute,
        v: &AttributeValue,
        is_hash: bool,
        part: Checks,
    ) -> Result<Flow, Error> {
        // A shape error found is always refused: with faults only, the
        // shape checks passed before, so none comes before a fault.
        if !is_scalar(v) {
            return Err(value_type_error());
        }
        if v.value_type() != attr.scalar_type.value_type() {
            return part.fault(key_error());
        }
        match v {
            AttributeValue::S(s) if s.is_empty() => {
                return Err(Error::invalid(format!(
                    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {}",
                    attr.name
                )));
            }
            AttributeValue::B(b) if b.is_empty() => {
                return Err(Error::invalid(format!(
                    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: {}",
                    attr.name
                )));
            }
            _ => {}
        }
        let limit = if is_hash {
            MAX_HASH_KEY_BYTES
        } else {
            MAX_RANGE_KEY_BYTES
        };
        if key_len(v) > limit {
            return part.fault(Error::limit(
                "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes",
            ));
        }
        Ok(Flow::Next)
    }

    /// Checks a key given to get, update, delete, batch get: exactly the
    /// table's key attributes, of the right types.
    pub(crate) fn check_key(&self, key: &Item) -> Result<(), Error> {
        self.check_key_part(key, Checks::ALL)
    }

    /// The checks of a key that refuse a whole transaction: the key
    /// attributes present, strings, numbers or binaries, none of them
    /// empty (up to the first fault, see [`Checks`]).
    pub(crate) fn check_key_shape(&self, key: &Item) -> Result<(), Error> {
        self.check_key_part(key, Checks::SHAPE)
    }

    fn check_key_part(&self, key: &Item, part: Checks) -> Result<(), Error> {
        self.key_values(key, part).map(drop)
    }

    /// [`TableMeta::check_key`], giving the key's hash and range values
    /// (for [`TableMeta::storage_key`]): the key is searched once.
    pub(crate) fn checked_key<'k>(
        &self,
        key: &'k Item,
    ) -> Result<(&'k AttributeValue, Option<&'k AttributeValue>), Error> {
        self.key_values(key, Checks::ALL)
    }

    /// The checks of `part`, and the key's values, in DynamoDB Local's
    /// order: as many attributes as the schema names, then the hash key
    /// attribute (present, a string, number or binary, of its type, not
    /// empty, not too long), then the range key attribute. The attributes
    /// are matched to the schema's names in one pass.
    fn key_values<'k>(
        &self,
        key: &'k Item,
        part: Checks,
    ) -> Result<(&'k AttributeValue, Option<&'k AttributeValue>), Error> {
        let schema = self.key();
        let expected = 1 + usize::from(schema.range.is_some());
        if key.len() != expected {
            return Err(Error::invalid(
                "The number of conditions on the keys is invalid",
            ));
        }
        // With as many attributes as the schema names, another name means
        // one of the schema's is missing: found below.
        let (mut hash, mut range) = (None, None);
        for (name, v) in key.iter() {
            if *name == schema.hash.name {
                hash = Some(v);
            } else if let Some(r) = &schema.range
                && *name == r.name
            {
                range = Some(v);
            }
        }
        let hash = hash.ok_or_else(missing_key_error)?;
        if self.check_key_value(&schema.hash, hash, true, part)? == Flow::Next
            && let Some(r) = &schema.range
        {
            self.check_key_value(r, range.ok_or_else(missing_key_error)?, false, part)?;
        }
        Ok((hash, range))
    }

    /// Checks an item to write: DynamoDB's value rules, the key attributes,
    /// the index key attributes, and the size. `from_update` selects
    /// DynamoDB's messages for an item made by an update expression.
    /// Returns the item's size ([`Item::size`]), which the check computes.
    pub(crate) fn check_item(&self, item: &Item, from_update: bool) -> Result<usize, Error> {
        let size = match crate::rules::check_item_sized(item) {
            Ok(size) => size,
            Err(e) if from_update && matches!(e, Error::LimitExceeded { .. }) => {
                return Err(Error::limit(
                    "Nesting Levels have exceeded supported limits",
                ));
            }
            Err(e) => return Err(e),
        };
        self.check_item_part(item, from_update, Checks::ALL, Some(size))?;
        Ok(size)
    }

    /// The checks of an item that refuse a whole transaction (its values
    /// are checked on their own before): every key attribute present, and
    /// the table's and indexes' key attributes strings, numbers or
    /// binaries, none empty (up to the first fault, see [`Checks`]).
    pub(crate) fn check_item_shape(&self, item: &Item) -> Result<(), Error> {
        self.check_item_part(item, false, Checks::SHAPE, None)
    }

    /// The checks of an item that cancel its action in a transaction: key
    /// and index key types and sizes, and the item's size (run after
    /// [`TableMeta::check_item_shape`], as for keys).
    pub(crate) fn check_item_faults(&self, item: &Item, from_update: bool) -> Result<(), Error> {
        self.check_item_part(item, from_update, Checks::ALL, None)
    }

    /// The checks of `part`, in DynamoDB Local's order (the table's key
    /// attributes, then each index's); with the faults, the item's size
    /// against the limit (`size`, when the caller has it; else the item
    /// is sized).
    fn check_item_part(
        &self,
        item: &Item,
        from_update: bool,
        part: Checks,
        size: Option<usize>,
    ) -> Result<(), Error> {
        let schema = self.key();
        for (attr, is_hash) in
            std::iter::once((&schema.hash, true)).chain(schema.range.iter().map(|r| (r, false)))
        {
            let v = item.get(&attr.name).ok_or_else(missing_key_error)?;
            if self.check_key_value(attr, v, is_hash, part)? == Flow::Stop {
                return Ok(());
            }
        }
        for index in self.indexes_in_check_order() {
            for (attr, is_hash) in std::iter::once((&index.key.hash, true))
                .chain(index.key.range.iter().map(|r| (r, false)))
            {
                if schema.contains(&attr.name) {
                    continue;
                }
                let Some(v) = item.get(&attr.name) else {
                    continue;
                };
                if !is_scalar(v) {
                    return Err(value_type_error());
                }
                if v.value_type() != attr.scalar_type.value_type() {
                    return part
                        .fault(Error::invalid(
                            "One or more parameter values were invalid: Type mismatch for Index Key",
                        ))
                        .map(drop);
                }
                if key_len(v) == 0 && !matches!(v, AttributeValue::N(_)) {
                    let what = if matches!(v, AttributeValue::B(_)) {
                        "binary"
                    } else {
                        "string"
                    };
                    return Err(Error::invalid(if from_update {
                        format!(
                            "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {what} value."
                        )
                    } else {
                        format!(
                            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {what} value. IndexName: {}, IndexKey: {}",
                            index.name, attr.name
                        )
                    }));
                }
                let limit = if is_hash {
                    MAX_HASH_KEY_BYTES
                } else {
                    MAX_RANGE_KEY_BYTES
                };
                // Refuses a whole transaction, as in DynamoDB Local (a table
                // key too long only cancels its action).
                if key_len(v) > limit {
                    return Err(Error::limit(
                        "One or more parameter values were invalid: Size limit exceeded",
                    ));
                }
            }
        }
        if !part.faults {
            return Ok(());
        }
        self.check_size(item, size.unwrap_or_else(|| item.size()), from_update)
    }

    /// The table's indexes in the order DynamoDB Local checks an item's
    /// index keys: the local ones, then the global ones, each in the
    /// iteration order of a Java `HashMap` of their names filled in
    /// definition order. That order is deterministic: by the bucket of
    /// each name's hash (Java's `String.hashCode`, spread as `HashMap`
    /// does) in a table of 16 buckets, doubled while the map would be over
    /// three quarters full; names in one bucket stay in definition order.
    /// A definition already in that order (every table of one index) is
    /// walked as it is, without a copy.
    fn indexes_in_check_order(&self) -> impl Iterator<Item = &IndexDefinition> {
        let indexes = &self.def.indexes;
        let locals = indexes
            .iter()
            .filter(|i| i.kind == IndexKind::Local)
            .count();
        let buckets_for = |n: usize| {
            let mut buckets: u32 = 16;
            while n > (buckets as usize) / 4 * 3 {
                buckets *= 2;
            }
            buckets
        };
        let (local_buckets, global_buckets) =
            (buckets_for(locals), buckets_for(indexes.len() - locals));
        let rank = move |i: &IndexDefinition| {
            let h = i
                .name
                .encode_utf16()
                .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)))
                .cast_unsigned();
            let (kind, buckets) = match i.kind {
                IndexKind::Local => (0, local_buckets),
                IndexKind::Global => (1, global_buckets),
            };
            (kind, (h ^ (h >> 16)) & (buckets - 1))
        };
        let in_order = indexes.len() < 2 || indexes.windows(2).all(|w| rank(&w[0]) <= rank(&w[1]));
        let sorted = (!in_order).then(|| {
            let mut sorted: Vec<&IndexDefinition> = indexes.iter().collect();
            // Stable: one bucket's names stay in definition order.
            sorted.sort_by_key(|i| rank(i));
            sorted
        });
        let defined = in_order.then(|| indexes.iter());
        sorted
            .into_iter()
            .flatten()
            .chain(defined.into_iter().flatten())
    }

    /// Refuses an item to put whose size, with what it adds to the local
    /// indexes, is over the limit (a transaction refuses it whole).
    pub(crate) fn check_put_size(&self, item: &Item) -> Result<(), Error> {
        self.check_size(item, item.size(), false)
    }

    /// The item's size (`size`, and for a put what it adds to the local
    /// indexes) against the 400 KB limit.
    fn check_size(&self, item: &Item, size: usize, from_update: bool) -> Result<(), Error> {
        let size = if from_update {
            size
        } else {
            size + self.local_entries_size(item)
        };
        if size > MAX_ITEM_SIZE {
            return Err(crate::rules::item_too_large(from_update));
        }
        Ok(())
    }

    /// What a put's item adds to its size in the table's local indexes,
    /// which DynamoDB Local counts toward the 400 KB limit with the item
    /// (its updates count only the item): for each local index the item
    /// is in, the index's key attributes and the attributes it projects
    /// (all of them for `ALL`, the table's key among them; only the named
    /// ones for `INCLUDE`).
    fn local_entries_size(&self, item: &Item) -> usize {
        let attribute = |name: &str| item.get(name).map_or(0, |v| name.len() + v.size());
        let mut total = 0;
        for index in self.def.local_indexes() {
            let Some(range) = &index.key.range else {
                continue;
            };
            if item.get(&range.name).is_none() {
                continue;
            }
            total += match &index.projection {
                IndexProjection::All => item.size(),
                projection => {
                    let keys = attribute(&index.key.hash.name) + attribute(&range.name);
                    let named = match projection {
                        IndexProjection::Include(names) => names
                            .iter()
                            .filter(|n| !index.key.contains(n))
                            .map(|n| attribute(n))
                            .sum(),
                        _ => 0,
                    };
                    keys + named
                }
            };
        }
        total
    }

    // --- storage keys -------------------------------------------------------

    fn put_id(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_be_bytes());
    }

    /// Prefix of every item of the table.
    pub(crate) fn items_prefix(&self) -> Vec<u8> {
        let mut k = vec![ITEM_PREFIX];
        self.put_id(&mut k);
        k
    }

    /// Prefix of every entry of an index (by its place in `def.indexes`).
    pub(crate) fn index_prefix(&self, index: usize) -> Vec<u8> {
        let id = self.slots.get(index).map_or(index as u8, |s| s.id);
        self.slot_prefix(id)
    }

    /// Prefix of every entry of the index with this storage id.
    pub(crate) fn slot_prefix(&self, id: u8) -> Vec<u8> {
        let mut k = vec![INDEX_PREFIX];
        self.put_id(&mut k);
        k.push(id);
        k
    }

    /// The slots of a table created with `indexes` indexes.
    pub(crate) fn initial_slots(indexes: usize) -> Vec<IndexSlot> {
        (0..indexes)
            .map(|n| IndexSlot {
                id: n as u8,
                creating: false,
            })
            .collect()
    }

    /// Prefix of a source's entries.
    pub(crate) fn source_prefix(&self, source: Source<'_>) -> Vec<u8> {
        match source {
            Source::Table => self.items_prefix(),
            Source::Index(n, _) => self.index_prefix(n),
        }
    }

    /// Prefix of one partition (hash key value) of a source.
    pub(crate) fn partition_prefix(&self, source: Source<'_>, hash: &AttributeValue) -> Vec<u8> {
        // Room for the prefix, the digest, this key part and a small range
        // key part: one allocation for most keys.
        let mut k = Vec::with_capacity(6 + 20 + key_len(hash) + 16);
        self.put_partition_prefix(&mut k, source, hash);
        k
    }

    /// Appends the [`partition_prefix`](Self::partition_prefix) of a source.
    fn put_partition_prefix(&self, k: &mut Vec<u8>, source: Source<'_>, hash: &AttributeValue) {
        match source {
            Source::Table => {
                k.push(ITEM_PREFIX);
                self.put_id(k);
            }
            Source::Index(n, _) => {
                k.push(INDEX_PREFIX);
                self.put_id(k);
                k.push(self.slots.get(n).map_or(n as u8, |s| s.id));
            }
        }
        k.extend_from_slice(&partition_digest(hash));
        put_key_part(k, hash);
    }

    /// The storage key of an item (given its key attributes, validated).
    pub(crate) fn item_key(&self, item: &Item) -> Vec<u8> {
        let schema = self.key();
        self.storage_key(
            &item[&schema.hash.name],
            schema.range.as_ref().map(|r| &item[&r.name]),
        )
    }

    /// The storage key of the item with these key values (as
    /// [`TableMeta::checked_key`] gives them).
    pub(crate) fn storage_key(
        &self,
        hash: &AttributeValue,
        range: Option<&AttributeValue>,
    ) -> Vec<u8> {
        let mut k = self.partition_prefix(Source::Table, hash);
        if let Some(r) = range {
            put_key_part(&mut k, r);
        }
        k
    }

    /// [`item_key`](Self::item_key), shared, in one allocation of its
    /// exact size (as a write hands it to the store).
    pub(crate) fn item_key_shared(&self, item: &Item) -> Arc<[u8]> {
        let schema = self.key();
        let hash = &item[&schema.hash.name];
        crate::codec::shared_bytes(6 + 20 + key_len(hash) + 16, |k| {
            self.put_partition_prefix(k, Source::Table, hash);
            if let Some(r) = &schema.range {
                put_key_part(k, &item[&r.name]);
            }
        })
    }

    /// The storage key of an item's entry in an index, if the item has the
    /// index's key attributes with the right types, and not empty (indexes
    /// are sparse; writes refuse an empty index key, and a backfill skips
    /// the items that have one, as DynamoDB does).
    pub(crate) fn index_key(&self, n: usize, item: &Item) -> Option<Vec<u8>> {
        let index = &self.def.indexes[n];
        let usable = |v: &AttributeValue, t: ScalarType| {
            v.value_type() == t.value_type()
                && !matches!(v, AttributeValue::S(s) if s.is_empty())
                && !matches!(v, AttributeValue::B(b) if b.is_empty())
        };
        let hash = item.get(&index.key.hash.name)?;
        if !usable(hash, index.key.hash.scalar_type) {
            return None;
        }
        let mut k = self.partition_prefix(Source::Index(n, index), hash);
        if let Some(r) = &index.key.range {
            let v = item.get(&r.name)?;
            if !usable(v, r.scalar_type) {
                return None;
            }
            put_key_part(&mut k, v);
        }
        let schema = self.key();
        put_key_part(&mut k, &item[&schema.hash.name]);
        if let Some(r) = &schema.range {
            put_key_part(&mut k, &item[&r.name]);
        }
        Some(k)
    }

    /// The storage key of a position in a source, from a start key that has
    /// the source's key attributes (and the table's, for an index).
    pub(crate) fn position_key(&self, source: Source<'_>, key: &Item) -> Vec<u8> {
        match source {
            Source::Table => self.item_key(key),
            Source::Index(n, _) => self
                .index_key(n, key)
                .unwrap_or_else(|| self.index_prefix(n)),
        }
    }

    /// The last-evaluated key of an item read through a source: the
    /// source's key attributes and, for an index, the table's.
    pub(crate) fn last_key(&self, source: Source<'_>, item: &Item) -> Item {
        let mut key = self.key().key_of(item);
        if let Source::Index(_, index) = source {
            for (k, v) in index.key.key_of(item).into_map() {
                key.insert(k, v);
            }
        }
        key
    }

    /// Refuses a document path into a key attribute of the table (`Key`)
    /// or of an index (`IndexKey`): key attributes are scalars, so
    /// `pk.x` and `ln[0]` are errors, as DynamoDB says. The table's keys
    /// are looked for first.
    pub(crate) fn check_key_paths<'p>(
        &self,
        paths: impl Iterator<Item = &'p Path>,
    ) -> Result<(), Error> {
        const MESSAGE: &str = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed";
        let nested: Vec<&Path> = paths.filter(|p| !p.is_top_level()).collect();
        if nested.is_empty() {
            return Ok(());
        }
        let named = |name: &str| nested.iter().any(|p| p.head() == name);
        // The table's hash key, then its range key; then local indexes'
        // keys, then global ones', as DynamoDB Local looks for them.
        for a in self.key().attributes() {
            if named(&a.name) {
                return Err(Error::invalid(format!("{MESSAGE}: Key: {}", a.name)));
            }
        }
        for kind in [IndexKind::Local, IndexKind::Global] {
            for index in self.def.indexes.iter().filter(|i| i.kind == kind) {
                for a in index.key.attributes() {
                    if named(&a.name) {
                        return Err(Error::invalid(format!("{MESSAGE}: IndexKey: {}", a.name)));
                    }
                }
            }
        }
        Ok(())
    }

    /// True when an index holds the top-level attribute `name`.
    pub(crate) fn index_projects(&self, index: &IndexDefinition, name: &str) -> bool {
        match &index.projection {
            IndexProjection::All => true,
            IndexProjection::KeysOnly => self.key().contains(name) || index.key.contains(name),
            IndexProjection::Include(names) => {
                self.key().contains(name)
                    || index.key.contains(name)
                    || names.iter().any(|n| n == name)
            }
        }
    }

    /// What an index holds of an item: everything, or the table's and the
    /// index's keys plus the included attributes.
    pub(crate) fn project_into_index(&self, index: &IndexDefinition, item: &Item) -> Item {
        match &index.projection {
            IndexProjection::All => item.clone(),
            IndexProjection::KeysOnly | IndexProjection::Include(_) => {
                let mut out = Item::new();
                let include: &[String] = match &index.projection {
                    IndexProjection::Include(names) => names,
                    _ => &[],
                };
                for (k, v) in item.iter() {
                    if self.key().contains(k) || index.key.contains(k) || include.contains(k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
                out
            }
        }
    }

    /// True when an index holds the attribute `name` of its items.
    fn projects(&self, index: &IndexDefinition, name: &str) -> bool {
        match &index.projection {
            IndexProjection::All => true,
            IndexProjection::KeysOnly => self.key().contains(name) || index.key.contains(name),
            IndexProjection::Include(names) => {
                self.key().contains(name)
                    || index.key.contains(name)
                    || names.iter().any(|n| n == name)
            }
        }
    }

    /// The size of an item's entry in an index (what an index write costs),
    /// without building the entry.
    pub(crate) fn projected_size(&self, index: &IndexDefinition, item: &Item) -> usize {
        match &index.projection {
            IndexProjection::All => item.size(),
            _ => item
                .iter()
                .filter(|(k, _)| self.projects(index, k))
                .map(|(k, v)| k.len() + v.size())
                .sum(),
        }
    }

    /// True when what the index holds of an item differs between two
    /// versions of it.
    pub(crate) fn projection_changed(
        &self,
        index: &IndexDefinition,
        before: &Item,
        after: &Item,
    ) -> bool {
        if index.projection == IndexProjection::All {
            return before != after;
        }
        let differs = |a: &Item, b: &Item| {
            a.iter()
                .any(|(k, v)| self.projects(index, k) && b.get(k) != Some(v))
        };
        differs(before, after) || differs(after, before)
    }

    /// The storage key of the table's metadata record.
    pub(crate) fn record_key(name: &str) -> Vec<u8> {
        let mut k = vec![TABLE_PREFIX];
        k.extend_from_slice(name.as_bytes());
        k
    }

    /// [`Error::Corrupt`] for damage found in this table's data.
    pub(crate) fn corrupt(&self, what: impl std::fmt::Display) -> Error {
        Error::Corrupt {
            message: format!("table `{}`: {what}", self.name()),
        }
    }

    /// [`Error::Corrupt`] for a stored item of this table that cannot be
    /// decoded, naming its key as stored.
    pub(crate) fn corrupt_item(&self, storage_key: &[u8], cause: &Error) -> Error {
        let detail = match cause {
            Error::Corrupt { message } => message.clone(),
            other => other.to_string(),
        };
        self.corrupt(format!(
            "the item stored under {}: {detail}",
            shown_storage_key(storage_key)
        ))
    }

    /// The table's status (emulated tables are active at once).
    pub(crate) fn status(&self) -> TableStatus {
        TableStatus::Active
    }
}
