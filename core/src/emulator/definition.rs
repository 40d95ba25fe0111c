//! `CreateTable`'s checks of a table definition, with DynamoDB's messages.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::model::{
    BillingMode, IndexKind, IndexProjection, ScalarType, TableDefinition, Throughput,
};

/// The most non-key attributes all of a table's indexes project together.
const MAX_PROJECTED_ATTRIBUTES: usize = 100;

pub(super) fn valid_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.')
}

fn valid_attribute_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
}

/// DynamoDB's message for a table or index name it does not accept.
pub(super) fn bad_name() -> Error {
    Error::invalid(
        "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'",
    )
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
    if valid_name(name) {
        Error::TableNotFound {
            table: name.to_owned(),
        }
    } else {
        bad_name()
    }
}

/// Checks a table definition the way `CreateTable` does.
pub(crate) fn check_definition(def: &TableDefinition) -> Result<(), Error> {
    if !valid_name(&def.name) {
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
    let check_throughput = |t: &Throughput, of: Units| {
        if t.read_capacity_units == 0 || t.write_capacity_units == 0 {
            Err(Error::invalid(
                "One or more parameter values were invalid: Provisioned throughput must be at least 1 read and 1 write capacity unit",
            ))
        } else {
            check_max_throughput(t, of)
        }
    };
    if let BillingMode::Provisioned(t) = &def.billing {
        check_throughput(t, Units::Table)?;
    }
    let mut seen = BTreeSet::new();
    let (mut globals, mut locals) = (0, 0);
    for index in &def.indexes {
        if !valid_name(&index.name) {
            return Err(bad_name());
        }
        if !seen.insert(index.name.as_str()) {
            return Err(Error::invalid(format!(
                "One or more parameter values were invalid: Duplicate index name: {}",
                index.name
            )));
        }
        for a in index.key.attributes() {
            if !valid_attribute_name(&a.name) {
                return Err(attr_name());
            }
        }
        if let IndexProjection::Include(names) = &index.projection {
            if names.is_empty() {
                return Err(Error::invalid(
                    "One or more parameter values were invalid: NonKeyAttributes must not be empty",
                ));
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
        match index.kind {
            IndexKind::Global => globals += 1,
            IndexKind::Local => {
                locals += 1;
                if def.key.range.is_none() {
                    return Err(Error::invalid(
                        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                    ));
                }
                if index.key.hash != def.key.hash || index.key.range.is_none() {
                    return Err(Error::invalid(format!(
                        "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                        index.name, index.key.hash.name, def.key.hash.name
                    )));
                }
            }
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
    if globals > 20 {
        return Err(Error::limit(
            "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20",
        ));
    }
    if locals > 5 {
        return Err(Error::limit(
            "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5",
        ));
    }
    Ok(())
}
