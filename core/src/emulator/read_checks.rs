//! The checks of a read request: options, placeholder maps, paths into key
//! attributes, start keys, the select, and what an index projects.

use super::table::{Source, TableMeta};
use crate::backend::Select;
use crate::error::Error;
use crate::expr::{Condition, ExpressionAttributes, Path, check_attribute_maps};
use crate::model::{IndexKind, IndexProjection, KeyAttribute};
use crate::value::{AttributeValue, Item};

/// Refuses an empty string or binary as a key value, with DynamoDB's
/// wording for a table key or an index key.
pub(super) fn check_not_empty(
    meta: &TableMeta,
    source: Source<'_>,
    name: &str,
    v: &AttributeValue,
    prefix: &str,
) -> Result<(), Error> {
    let what = match v {
        AttributeValue::S(s) if s.is_empty() => "string",
        AttributeValue::B(b) if b.is_empty() => "binary",
        _ => return Ok(()),
    };
    let message = match source {
        Source::Index(_, index) if !meta.key().contains(name) => format!(
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {what} value. IndexName: {}, IndexKey: {name}",
            index.name
        ),
        _ => format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {name}"
        ),
    };
    Err(Error::invalid(format!("{prefix}{message}")))
}

/// Checks an exclusive start key: exactly the key attributes of the source
/// (and of the table, for an index), with the right types.
pub(super) fn check_start_key(
    meta: &TableMeta,
    source: Source<'_>,
    key: &Item,
) -> Result<(), Error> {
    let mut expected: Vec<&KeyAttribute> = meta.schema(source).attributes().collect();
    if let Source::Index(..) = source {
        for a in meta.key().attributes() {
            if !expected.iter().any(|e| e.name == a.name) {
                expected.push(a);
            }
        }
    }
    // A table's or a local index's start key of the wrong size gets its
    // own message from DynamoDB; a global index's does not.
    if !matches!(source, Source::Index(_, i) if i.kind == IndexKind::Global)
        && key.len() != expected.len()
    {
        return Err(Error::invalid(
            "Exclusive Start Key must have same size as table's key schema",
        ));
    }
    if key.len() != expected.len() || !expected.iter().all(|a| key.contains_key(&a.name)) {
        return Err(Error::invalid("The provided starting key is invalid"));
    }
    for a in &expected {
        if key[&a.name].value_type() != a.scalar_type.value_type() {
            return Err(Error::invalid("Type mismatch for attribute to update"));
        }
    }
    for a in expected {
        check_not_empty(
            meta,
            Source::Table,
            &a.name,
            &key[&a.name],
            "The query can return at most one row and cannot be restarted. The provided starting key is invalid: ",
        )?;
    }
    Ok(())
}

/// The select of a read, from the request and the source.
pub(super) fn resolve_select(
    source: Source<'_>,
    select: Option<Select>,
    has_projection: bool,
) -> Result<Select, Error> {
    let select = match select {
        Some(s) => s,
        None if has_projection => Select::SpecificAttributes,
        None => match source {
            Source::Table => Select::AllAttributes,
            Source::Index(..) => Select::AllProjectedAttributes,
        },
    };
    match select {
        Select::Count if has_projection => Err(Error::invalid(
            "Cannot specify the ProjectionExpression when choosing to get only the Count",
        )),
        Select::SpecificAttributes if !has_projection => Err(Error::invalid(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        )),
        Select::AllAttributes if has_projection => Err(Error::invalid(
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        )),
        Select::AllProjectedAttributes if has_projection => Err(Error::invalid(
            "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
        )),
        Select::AllProjectedAttributes if matches!(source, Source::Table) => Err(Error::invalid(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        )),
        Select::AllAttributes => match source {
            Source::Index(_, i)
                if i.kind == IndexKind::Global && i.projection != IndexProjection::All =>
            {
                Err(Error::invalid(format!(
                    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                    i.name
                )))
            }
            _ => Ok(select),
        },
        _ => Ok(select),
    }
}

pub(super) fn check_read_options(
    source: Source<'_>,
    consistent: bool,
    limit: Option<u32>,
) -> Result<(), Error> {
    if let (Source::Index(_, i), true) = (source, consistent)
        && i.kind == IndexKind::Global
    {
        return Err(Error::invalid(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    if limit == Some(0) {
        return Err(Error::invalid("Limit must be greater than or equal to 1"));
    }
    Ok(())
}

/// Checks the placeholder maps of a read: names only where an expression
/// may use them; values refused with DynamoDB's message naming the missing
/// expression (`None`: accepted and ignored, as DynamoDB does for `GetItem`).
pub(super) fn check_read_maps(
    attrs: &ExpressionAttributes,
    has_expression: bool,
    values_need: Option<&str>,
) -> Result<(), Error> {
    check_attribute_maps(&attrs.names, &attrs.values)?;
    if !has_expression && !attrs.names.is_empty() {
        return Err(Error::invalid(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    if let Some(missing) = values_need
        && !attrs.values.is_empty()
    {
        return Err(Error::invalid(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {missing} is null"
        )));
    }
    Ok(())
}

/// Refuses a filter or projection path into a key attribute (`pk.x`).
pub(super) fn check_read_paths(
    meta: &TableMeta,
    filter: Option<&Condition>,
    projection: Option<&crate::expr::Projection>,
) -> Result<(), Error> {
    if let Some(f) = filter {
        meta.check_key_paths(f.paths().into_iter())?;
    }
    if let Some(p) = projection {
        meta.check_key_paths(p.0.iter())?;
    }
    Ok(())
}

/// Refuses a read of an index that names what the index does not hold: a
/// query's filter on an attribute the index does not project (global or
/// local), a projection of one from a global index (a local index fetches
/// it from the table). DynamoDB lists the filter's attributes sorted and
/// the projection's in the order of a Java hash set.
pub(super) fn check_index_projection(
    meta: &TableMeta,
    source: Source<'_>,
    filter: Option<&Condition>,
    projection: Option<&crate::expr::Projection>,
) -> Result<(), Error> {
    let Source::Index(_, index) = source else {
        return Ok(());
    };
    if let Some(f) = filter {
        let missing: std::collections::BTreeSet<&str> = f
            .paths()
            .into_iter()
            .map(Path::head)
            .filter(|h| !meta.index_projects(index, h))
            .collect();
        if !missing.is_empty() {
            let missing: Vec<&str> = missing.into_iter().collect();
            return Err(Error::invalid(format!(
                "One or more parameter values were invalid: Secondary index {} does not project one or more filter attributes: [{}]",
                index.name,
                missing.join(", ")
            )));
        }
    }
    if let (Some(p), IndexKind::Global) = (projection, index.kind) {
        let mut missing: Vec<&str> = Vec::new();
        for h in p.0.iter().map(Path::head) {
            if !meta.index_projects(index, h) && !missing.contains(&h) {
                missing.push(h);
            }
        }
        if !missing.is_empty() {
            return Err(Error::invalid(format!(
                "One or more parameter values were invalid: Global secondary index {} does not project [{}]",
                index.name,
                crate::expr::java_hash_set_order(missing).join(", ")
            )));
        }
    }
    Ok(())
}
