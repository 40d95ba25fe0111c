//! Tables named by their ARN: DynamoDB (and Local) accept
//! `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME` wherever a request names
//! an existing table, and answer as for `NAME`.

use std::collections::BTreeMap;

use std::sync::Arc;

use crate::backend::Request;
use crate::error::Error;

/// DynamoDB Local's message for a text that starts as an ARN and is not a
/// table's (its wording, typo included).
const BAD_ARN: &str = "Valid ARN format is 'arn:<awsPartition>:<vendor>:<region>:<subscriber>:resourceType/resourceName', where Resource name must have length less than or equal to 255, Resource name must have length greater than or equal to 3, Resource name must satisfyregular expression pattern: [a-zA-Z0-9_.-]+";

/// The table name `name` stands for: `None` when it is a plain name (it
/// stays as it is, and is checked as a name later), the name in the ARN
/// when it is a table's ARN (checked as a name later too), and Local's
/// error for any other text starting `arn:`. Region and account are not
/// checked (the stores have one of each), as in Local.
pub(crate) fn resolve(name: &str) -> Result<Option<String>, Error> {
    if !name.starts_with("arn:") {
        return Ok(None);
    }
    let parts: Vec<&str> = name.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", "aws", "dynamodb", _region, _account, resource] => resource
            .strip_prefix("table/")
            .map(|table| Some(table.to_owned()))
            .ok_or_else(|| Error::invalid(BAD_ARN)),
        _ => Err(Error::invalid(BAD_ARN)),
    }
}

/// Replaces every table ARN of `request` by the table's name. Creating a
/// table and listing tables take names only, as in DynamoDB and Local
/// (an ARN there is a bad name).
pub(crate) fn resolve_request(request: &mut Request) -> Result<(), Error> {
    match request {
        Request::CreateTable(_) | Request::ListTables(_) => Ok(()),
        Request::DescribeTable(t)
        | Request::TableDefinition(t)
        | Request::DeleteTable(t)
        | Request::UpdateTimeToLive(t, _)
        | Request::DescribeTimeToLive(t) => resolve_in_place(t),
        Request::UpdateTable(r) => resolve_in_place(&mut r.table),
        Request::GetItem(r) => resolve_in_place(&mut r.table),
        Request::PutItem(r) => resolve_in_place(&mut r.table),
        Request::UpdateItem(r) => resolve_in_place(&mut r.table),
        Request::DeleteItem(r) => resolve_in_place(&mut r.table),
        Request::Query(r) => resolve_in_place(&mut r.table),
        Request::Scan(r) => resolve_in_place(&mut r.table),
        Request::BatchGetItem(r) => resolve_keys(&mut r.tables),
        Request::BatchWriteItem(r) => resolve_keys(&mut r.tables),
        Request::TransactWriteItems(r) => {
            if r.items.iter().any(|i| i.table().starts_with("arn:")) {
                Arc::make_mut(r)
                    .items
                    .iter_mut()
                    .try_for_each(|i| resolve_in_place(i.table_mut()))?;
            }
            Ok(())
        }
        Request::TransactGetItems(r) => r
            .items
            .iter_mut()
            .try_for_each(|g| resolve_in_place(&mut g.table)),
    }
}

/// Replaces `table` by the name its ARN holds, if it is an ARN.
pub(crate) fn resolve_in_place(table: &mut String) -> Result<(), Error> {
    if let Some(name) = resolve(table)? {
        *table = name;
    }
    Ok(())
}

/// The tables of a batch, keyed by name. A table named twice (by its name
/// and its ARN, or by two ARNs) is refused: one entry would replace the
/// other, and a batch write would drop writes (Local keeps one silently).
fn resolve_keys<V>(tables: &mut BTreeMap<String, V>) -> Result<(), Error> {
    if !tables.keys().any(|k| k.starts_with("arn:")) {
        return Ok(());
    }
    let mut resolved = BTreeMap::new();
    for (key, value) in std::mem::take(tables) {
        let name = resolve(&key)?.unwrap_or(key);
        if resolved.contains_key(&name) {
            return Err(Error::invalid(format!(
                "RequestItems names table {name} more than once (by its name or its ARN)"
            )));
        }
        resolved.insert(name, value);
    }
    *tables = resolved;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_arns_name_their_table() {
        let ok = |s: &str| resolve(s).unwrap();
        assert_eq!(ok("orders"), None);
        assert_eq!(ok("ARN:aws:dynamodb:r:a:table/t"), None);
        assert_eq!(
            ok("arn:aws:dynamodb:us-east-1:123456789012:table/orders").as_deref(),
            Some("orders")
        );
        assert_eq!(
            ok("arn:aws:dynamodb:::table/orders").as_deref(),
            Some("orders")
        );
        // The rest is the name, checked as a name later.
        assert_eq!(
            ok("arn:aws:dynamodb:r:a:table/t/index/i").as_deref(),
            Some("t/index/i")
        );
        for bad in [
            "arn:",
            "arn:aws",
            "arn:aws:s3:r:a:table/orders",
            "arn:aws-cn:dynamodb:r:a:table/orders",
            "arn:aws:dynamodb:r:a:orders",
            "arn:aws:dynamodb:r:a:index/orders",
            "arn:aws:dynamodb:r:a:table/orders:x",
        ] {
            assert!(resolve(bad).is_err(), "{bad}");
        }
    }
}
