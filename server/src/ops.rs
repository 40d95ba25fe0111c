//! The operations served, by name. Adding an operation is one arm here and
//! its JSON conversion in [`crate::wire`].

use dynamodb_mapper::backend::Backend;

use crate::Context;
use crate::error::ApiError;
use crate::wire::{Obj, items, reads, tables, transact, update_table};

/// Every operation of DynamoDB's API (2012-08-10), to tell an operation this
/// server does not implement from a name DynamoDB does not know.
const DYNAMODB_OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExecuteStatement",
    "ExecuteTransaction",
    "ExportTableToPointInTime",
    "GetItem",
    "GetResourcePolicy",
    "ImportTable",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
];

/// The operations this server answers.
pub const OPERATIONS: &[&str] = &[
    "BatchGetItem",
    "BatchWriteItem",
    "CreateTable",
    "DeleteItem",
    "DeleteTable",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTimeToLive",
    "GetItem",
    "ListTables",
    "PutItem",
    "Query",
    "Scan",
    "TransactGetItems",
    "TransactWriteItems",
    "UpdateItem",
    "UpdateTable",
    "UpdateTimeToLive",
];

/// The answer to `DescribeLimits`: DynamoDB's default quotas of capacity
/// units per account and per table (what DynamoDB Local answers too); the
/// stores here enforce none of them.
const DESCRIBE_LIMITS: &[u8] = br#"{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}"#;

/// Runs one operation on the backend; the answer's JSON body.
pub(crate) async fn dispatch(
    b: &dyn Backend,
    cx: &Context,
    op: &str,
    req: &Obj<'_>,
) -> Result<Vec<u8>, ApiError> {
    match op {
        "CreateTable" => tables::create_table(b, req, cx).await,
        "DescribeTable" => tables::describe_table(b, req, cx).await,
        "DeleteTable" => tables::delete_table(b, req, cx).await,
        "UpdateTable" => update_table::update_table(b, req, cx).await,
        "ListTables" => tables::list_tables(b, req).await,
        "UpdateTimeToLive" => tables::update_time_to_live(b, req).await,
        "DescribeTimeToLive" => tables::describe_time_to_live(b, req).await,
        "GetItem" => items::get_item(b, req).await,
        "PutItem" => items::put_item(b, req).await,
        "UpdateItem" => items::update_item(b, req).await,
        "DeleteItem" => items::delete_item(b, req).await,
        "Query" => reads::query(b, req).await,
        "Scan" => reads::scan(b, req).await,
        "BatchGetItem" => reads::batch_get_item(b, req).await,
        "BatchWriteItem" => transact::batch_write_item(b, req).await,
        "TransactWriteItems" => transact::transact_write_items(b, req).await,
        "TransactGetItems" => transact::transact_get_items(b, req).await,
        "DescribeLimits" => Ok(DESCRIBE_LIMITS.to_vec()),
        other if DYNAMODB_OPERATIONS.contains(&other) => Err(ApiError::unknown_operation(format!(
            "The operation {other} is not implemented by this server"
        ))),
        other => Err(ApiError::unknown_operation(format!(
            "An unknown operation was requested: {other}"
        ))),
    }
}
