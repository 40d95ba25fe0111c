//! Capacity as DynamoDB counts it, and the buckets it is counted in:
//! shared by [`SimulatedThroughput`](super::SimulatedThroughput) (the
//! server's side) and [`Pacer`](super::Pacer) (the client's side).
//!
//! DynamoDB's rules (developer guide, "Read/write capacity mode" and
//! "Item sizes and formats"): a write unit is one write of up to 1 KB, a
//! read unit one strongly consistent read of up to 4 KB (an eventually
//! consistent read is half of one), sizes are rounded up per item, every
//! request costs at least one unit (half for an eventual read), and a
//! transactional request costs twice as much. A global secondary index has
//! capacity of its own: its reads are charged to it, and a table write
//! that changes an index entry is also charged to the index; a local
//! secondary index shares the table's capacity.

use std::collections::{BTreeMap, HashMap};

use crate::backend::{ConsumedCapacity, Request, TransactWriteItem, WriteRequest};
use crate::model::{BillingMode, IndexKind, IndexProjection, TableDefinition};
use crate::value::Item;

/// Write units of one write of an item of `bytes` bytes: 1 KB units,
/// rounded up, at least one.
pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Read units of one read of `bytes` bytes: 4 KB units, rounded up, at
/// least one; half as many for an eventually consistent read.
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// Read or write capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CapacityKind {
    /// Read capacity units.
    Read,
    /// Write capacity units.
    Write,
}

impl CapacityKind {
    /// `read` or `write`.
    pub fn name(self) -> &'static str {
        match self {
            CapacityKind::Read => "read",
            CapacityKind::Write => "write",
        }
    }
}

/// What a capacity bucket counts: the read or write capacity of a table,
/// or of one of its global secondary indexes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapacityKey {
    /// The table.
    pub table: String,
    /// The global secondary index (`None`: the table itself, and its local indexes).
    pub index: Option<String>,
    /// Read or write capacity.
    pub kind: CapacityKind,
}

impl CapacityKey {
    /// The table's own capacity.
    pub fn table(table: impl Into<String>, kind: CapacityKind) -> Self {
        CapacityKey {
            table: table.into(),
            index: None,
            kind,
        }
    }

    /// A global secondary index's capacity.
    pub fn index(table: impl Into<String>, index: impl Into<String>, kind: CapacityKind) -> Self {
        CapacityKey {
            table: table.into(),
            index: Some(index.into()),
            kind,
        }
    }

    /// The provisioned units per second of this key under a table's
    /// definition: the table's throughput, or the index's (a global index
    /// without its own has the table's); `None` on demand.
    pub fn provisioned(&self, definition: &TableDefinition) -> Option<f64> {
        let BillingMode::Provisioned(table) = definition.billing else {
            return None;
        };
        let t = match &self.index {
            None => table,
            Some(name) => definition
                .index(name)
                .filter(|i| i.kind == IndexKind::Global)
                .and_then(|i| i.throughput)
                .unwrap_or(table),
        };
        Some(match self.kind {
            CapacityKind::Read => t.read_capacity_units as f64,
            CapacityKind::Write => t.write_capacity_units as f64,
        })
    }
}

impl std::fmt::Display for CapacityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.index {
            None => write!(f, "{} ({})", self.table, self.kind.name()),
            Some(i) => write!(f, "{}/{} ({})", self.table, i, self.kind.name()),
        }
    }
}

/// Units per bucket.
pub type Charges = BTreeMap<CapacityKey, f64>;

/// Adds `units` to a key's charge.
pub(crate) fn charge(charges: &mut Charges, key: CapacityKey, units: f64) {
    *charges.entry(key).or_default() += units;
}

/// What a request consumed, per bucket, from the capacity it reported at
/// the `INDEXES` level: the table's units and its local indexes' to the
/// table, each global index's to the index. Without the breakdown the
/// total goes to the table.
pub fn consumed_charges(consumed: &[ConsumedCapacity], kind: CapacityKind) -> Charges {
    let mut out = Charges::new();
    for c in consumed {
        match c.table_units {
            Some(units) => {
                let local: f64 = c.local_indexes.values().sum();
                charge(&mut out, CapacityKey::table(&c.table, kind), units + local);
                for (index, units) in &c.global_indexes {
                    charge(&mut out, CapacityKey::index(&c.table, index, kind), *units);
                }
            }
            None => charge(
                &mut out,
                CapacityKey::table(&c.table, kind),
                c.capacity_units,
            ),
        }
    }
    out
}

/// The bucket a read of `table` (through `index`, for queries and scans)
/// is charged to: the index's for a global index, the table's otherwise.
pub(crate) fn read_key(
    definitions: &HashMap<String, TableDefinition>,
    table: &str,
    index: Option<&str>,
) -> CapacityKey {
    let global = index.filter(|i| {
        definitions
            .get(table)
            .and_then(|d| d.index(i))
            .is_some_and(|d| d.kind == IndexKind::Global)
    });
    match global {
        Some(i) => CapacityKey::index(table, i, CapacityKind::Read),
        None => CapacityKey::table(table, CapacityKind::Read),
    }
}

/// The buckets a write to `table` may be charged to: the table's and each
/// of its global indexes'.
pub(crate) fn write_keys(
    definitions: &HashMap<String, TableDefinition>,
    table: &str,
) -> Vec<CapacityKey> {
    let mut keys = vec![CapacityKey::table(table, CapacityKind::Write)];
    if let Some(d) = definitions.get(table) {
        keys.extend(
            d.global_indexes()
                .map(|i| CapacityKey::index(table, &i.name, CapacityKind::Write)),
        );
    }
    keys
}

/// What putting `item` into `table` costs, assuming it replaces nothing
/// larger: its write units on the table, and on each global index whose
/// key it has, the units of its index entry (the keys and the projected
/// attributes).
pub(crate) fn put_estimate(
    definition: Option<&TableDefinition>,
    table: &str,
    item: &Item,
) -> Charges {
    let mut out = Charges::new();
    charge(
        &mut out,
        CapacityKey::table(table, CapacityKind::Write),
        write_units(item.size()),
    );
    let Some(def) = definition else { return out };
    for index in def.global_indexes() {
        if !index.key.names().all(|n| item.contains_key(n)) {
            continue;
        }
        let size = match &index.projection {
            IndexProjection::All => item.size(),
            IndexProjection::KeysOnly | IndexProjection::Include(_) => {
                let mut names: Vec<&str> = def.key.names().chain(index.key.names()).collect();
                if let IndexProjection::Include(extra) = &index.projection {
                    names.extend(extra.iter().map(String::as_str));
                }
                names.sort_unstable();
                names.dedup();
                item.project(&names).size()
            }
        };
        charge(
            &mut out,
            CapacityKey::index(table, &index.name, CapacityKind::Write),
            write_units(size),
        );
    }
    out
}

/// What one write request of a batch is estimated to cost (a put by its
/// item, a delete one unit on the table).
pub(crate) fn batch_item_estimate(
    definition: Option<&TableDefinition>,
    table: &str,
    request: &WriteRequest,
) -> Charges {
    match request {
        WriteRequest::Put(item) => put_estimate(definition, table, item),
        WriteRequest::Delete(_) => {
            let mut out = Charges::new();
            charge(
                &mut out,
                CapacityKey::table(table, CapacityKind::Write),
                1.0,
            );
            out
        }
    }
}

/// Adds every charge of `other` to `into`, times `factor`.
pub(crate) fn add_charges(into: &mut Charges, other: &Charges, factor: f64) {
    for (k, v) in other {
        charge(into, k.clone(), v * factor);
    }
}

/// A first estimate of what a request costs, per bucket, knowing nothing
/// of the items it will read or replace: a put by its item, every other
/// write one unit, every read the least a read costs (half a unit for an
/// eventually consistent one), per item for batches and transactions,
/// twice that for transactions.
pub(crate) fn base_estimate(
    request: &Request,
    definitions: &HashMap<String, TableDefinition>,
) -> Charges {
    let mut out = Charges::new();
    let one_write = |out: &mut Charges, table: &str, factor: f64| {
        charge(out, CapacityKey::table(table, CapacityKind::Write), factor);
    };
    match request {
        Request::GetItem(r) => charge(
            &mut out,
            CapacityKey::table(&r.table, CapacityKind::Read),
            read_units(0, r.consistent_read),
        ),
        Request::PutItem(r) => {
            out = put_estimate(definitions.get(&r.table), &r.table, &r.item);
        }
        Request::UpdateItem(r) => one_write(&mut out, &r.table, 1.0),
        Request::DeleteItem(r) => one_write(&mut out, &r.table, 1.0),
        Request::Query(r) => charge(
            &mut out,
            read_key(definitions, &r.table, r.index.as_deref()),
            read_units(0, r.consistent_read),
        ),
        Request::Scan(r) => charge(
            &mut out,
            read_key(definitions, &r.table, r.index.as_deref()),
            read_units(0, r.consistent_read),
        ),
        Request::BatchGetItem(r) => {
            for (table, ka) in &r.tables {
                charge(
                    &mut out,
                    CapacityKey::table(table, CapacityKind::Read),
                    ka.keys.len() as f64 * read_units(0, ka.consistent_read),
                );
            }
        }
        Request::BatchWriteItem(r) => {
            for (table, requests) in &r.tables {
                for w in requests {
                    let c = batch_item_estimate(definitions.get(table), table, w);
                    add_charges(&mut out, &c, 1.0);
                }
            }
        }
        Request::TransactWriteItems(r) => {
            for action in &r.items {
                match action {
                    TransactWriteItem::Put(p) => {
                        let c = put_estimate(definitions.get(&p.table), &p.table, &p.item);
                        add_charges(&mut out, &c, 2.0);
                    }
                    other => one_write(&mut out, other.table(), 2.0),
                }
            }
        }
        Request::TransactGetItems(r) => {
            for g in &r.items {
                charge(
                    &mut out,
                    CapacityKey::table(&g.table, CapacityKind::Read),
                    2.0 * read_units(0, true),
                );
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeySchema, ScalarType};

    #[test]
    fn units_round_up_per_item() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4096, true), 1.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(4097, false), 1.0);
        assert_eq!(read_units(0, false), 0.5);
    }

    #[test]
    fn a_put_is_charged_to_the_indexes_it_enters() {
        let def = TableDefinition::new("t", KeySchema::hash("id", ScalarType::S))
            .with_global_index(
                "all",
                KeySchema::hash("g", ScalarType::S),
                IndexProjection::All,
            )
            .with_global_index(
                "keys",
                KeySchema::hash("g", ScalarType::S),
                IndexProjection::KeysOnly,
            )
            .with_global_index(
                "other",
                KeySchema::hash("h", ScalarType::S),
                IndexProjection::All,
            );
        let item = Item::new()
            .with("id", "a")
            .with("g", "b")
            .with("pad", "x".repeat(2000));
        let c = put_estimate(Some(&def), "t", &item);
        assert_eq!(c[&CapacityKey::table("t", CapacityKind::Write)], 2.0);
        assert_eq!(c[&CapacityKey::index("t", "all", CapacityKind::Write)], 2.0);
        assert_eq!(
            c[&CapacityKey::index("t", "keys", CapacityKind::Write)],
            1.0
        );
        assert!(!c.contains_key(&CapacityKey::index("t", "other", CapacityKind::Write)));
    }
}
