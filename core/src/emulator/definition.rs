//! `CreateTable`'s checks of a table definition, with DynamoDB's messages.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::model::{
    BillingMode, IndexDefinition, IndexKind, IndexProjection, ScalarType, TableDefinition,
    Throughput,
};
use crate::rules::is_valid_table_name;

/// The most non-key attributes all of a table's indexes project together.
const MAX_PROJECTED_ATTRIBUTES: usize = 100;

fn valid_attribute_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
}

/// DynamoDB's message for a table or index name it does not accept.
pub(super) fn bad_name() -> Error {
    Error::invalid(crate::rules::INVALID_TABLE_NAME)
}

/// The most read or write capacity units a table or a global index may
/// have provisioned (DynamoDB's default quota, which Local enforces).
const MAX_UNITS: u64 = 40_000;

/// What provisioned throughput belongs to, for its limit's message.
#[derive(Clone, Copy)]
pub(super) enum Units {
    Table,
    GlobalIndex,
}

/// Refuses throughput over [`MAX_UNITS`] with DynamoDB's message.
pub(super) fn check_max_throughput(t: &Throughput, of: Units) -> Result<(), Error> {
    if t.read_capacity_units.max(t.write_capacity_units) <= MAX_UNITS {
        return Ok(());
    }
    let of = match of {
        Units::Table => "table",
        Units::GlobalIndex => "global secondary index",
    };
    Err(Error::invalid(format!(
        "Cannot increase provisioned throughput to more than 40,000 units per {of}"
    )))
}

/// DynamoDB's error for a table that is not there: a name no table could
/// have is a validation error, as DynamoDB Local answers, before it is a
/// missing table.
pub(super) fn missing_table(name: &str) -> Error {
    if is_valid_table_name(name) {
        Error::TableNotFound {
            table: name.to_owned(),
        }
    } else {
        bad_name()
    }
}

/// DynamoDB Local's message for an `INCLUDE` projection without attributes.
pub(crate) const INCLUDE_WITHOUT_ATTRIBUTES: &str = "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well";

/// Refuses throughput of no units (DynamoDB Local's messages, the table's
/// and a global index's) or over [`MAX_UNITS`].
pub(super) fn check_throughput(t: &Throughput, of: Units) -> Result<(), Error> {
    if t.read_capacity_units == 0 || t.write_capacity_units == 0 {
        return Err(Error::invalid(match of {
            Units::Table => {
                "Table read and write throughput must be at least 1, and cannot be null"
            }
            Units::GlobalIndex => {
                "Global Secondary Index's read and write throughput must be at least 1, and cannot be null"
            }
        }));
    }
    check_max_throughput(t, of)
}

/// Checks a table definition the way `CreateTable` does.
pub(crate) fn check_definition(def: &TableDefinition) -> Result<(), Error> {
    if !is_valid_table_name(&def.name) {
        return Err(bad_name());
    }
    let attr_name = || {
        Error::invalid(
            "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive",
        )
    };
    for a in def.key.attributes() {
        if !valid_attribute_name(&a.name) {
            return Err(attr_name());
        }
    }
    if let Some(r) = &def.key.range
        && r.name == def.key.hash.name
    {
        return Err(Error::invalid(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    // Every attribute is defined once, with one type.
    let mut types: BTreeMap<&str, ScalarType> = BTreeMap::new();
    for a in def
        .key
        .attributes()
        .chain(def.indexes.iter().flat_map(|i| i.key.attributes()))
    {
        if let Some(t) = types.insert(&a.name, a.scalar_type)
            && t != a.scalar_type
        {
            return Err(Error::invalid(format!(
                "Cannot have two attributes with the same name and different types: {}",
                a.name
            )));
        }
    }
    if let BillingMode::Provisioned(t) = &def.billing {
        check_throughput(t, Units::Table)?;
    }
    // DynamoDB Local's order (probed): the index counts, then local
    // indexes on a table without a range key, then each local index and
    // each global one, locals first.
    let locals: Vec<&IndexDefinition> = def
        .indexes
        .iter()
        .filter(|i| i.kind == IndexKind::Local)
        .collect();
    let globals: Vec<&IndexDefinition> = def
        .indexes
        .iter()
        .filter(|i| i.kind == IndexKind::Global)
        .collect();
    if locals.len() > 5 {
        return Err(Error::limit(
            "Cannot have more than 5 local secondary indexes per table",
        ));
    }
    if globals.len() > 20 {
        return Err(Error::limit(
            "GlobalSecondaryIndex count exceeds the per-table limit",
        ));
    }
    if !locals.is_empty() && def.key.range.is_none() {
        return Err(Error::invalid(
            "Local Secondary indices are not allowed on hash tables, only hash and range tables",
        ));
    }
    let mut local_names = BTreeSet::new();
    let mut global_names = BTreeSet::new();
    for index in locals.iter().chain(&globals) {
        if !is_valid_table_name(&index.name) {
            return Err(bad_name());
        }
        let duplicate = match index.kind {
            IndexKind::Local => (!local_names.insert(index.name.as_str()))
                .then_some("Two local secondary indices have the same name"),
            IndexKind::Global if local_names.contains(index.name.as_str()) => Some(
                "Local Secondary Indices AND Global Secondary Indices must have different names",
            ),
            IndexKind::Global => (!global_names.insert(index.name.as_str()))
                .then_some("Two global secondary indices have the same name"),
        };
        if let Some(message) = duplicate {
            return Err(Error::invalid(message));
        }
        for a in index.key.attributes() {
            if !valid_attribute_name(&a.name) {
                return Err(attr_name());
            }
        }
        if index.kind == IndexKind::Local {
            if index.key.hash != def.key.hash {
                return Err(Error::invalid(
                    "Local Secondary indices must have the same hash key as the main table",
                ));
            }
            if index.key.range.is_none() {
                return Err(Error::invalid(
                    "Local secondary indices must have a range key",
                ));
            }
        }
        if let IndexProjection::Include(names) = &index.projection {
            if names.is_empty() {
                return Err(Error::invalid(INCLUDE_WITHOUT_ATTRIBUTES));
            }
            if names.iter().any(|n| !valid_attribute_name(n)) {
                return Err(attr_name());
            }
            let mut distinct = BTreeSet::new();
            if !names.iter().all(|a| distinct.insert(a.as_str())) {
                return Err(Error::invalid(
                    "Cannot have two attributes with the same name",
                ));
            }
        }
        if let Some(t) = &index.throughput {
            check_throughput(t, Units::GlobalIndex)?;
        }
    }
    let projected: usize = def
        .indexes
        .iter()
        .map(|i| match &i.projection {
            IndexProjection::Include(names) => names.len(),
            _ => 0,
        })
        .sum();
    if projected > MAX_PROJECTED_ATTRIBUTES {
        return Err(Error::limit(format!(
            "One or more parameter values were invalid: {projected} non-key attributes projected into the table's indexes exceeds the per-table limit of {MAX_PROJECTED_ATTRIBUTES}"
        )));
    }
    if let Some(ttl) = &def.ttl_attribute
        && !valid_attribute_name(ttl)
    {
        return Err(Error::invalid(
            "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive",
        ));
    }
    Ok(())
}
