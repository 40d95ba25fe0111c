//! SDK errors as the library's error kinds.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types as sdk;
use dynamodb_mapper::backend::single_key_text;
use dynamodb_mapper::{CancellationCode, CancellationReason, Error, Item};

use crate::convert::item_from_sdk;

/// Maps an SDK error onto the library's error kinds. The SDK gives
/// DynamoDB's error code; only a `ValidationException`'s kind (a size or
/// count limit, or another invalid request) must be read from its message,
/// as DynamoDB gives no other sign of it.
pub(crate) fn map_err<E, R>(err: SdkError<E, R>, table: &str) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or_default().to_owned();
            let message = e.message().unwrap_or_default().to_owned();
            return match code.as_str() {
                "ValidationException" => Error::from_validation_message(message),
                "ConditionalCheckFailedException" => Error::conflict(table, None, None),
                "ResourceNotFoundException" => Error::TableNotFound {
                    table: table.to_owned(),
                },
                "ResourceInUseException" => Error::TableInUse {
                    table: table.to_owned(),
                    message,
                },
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded" => Error::Throttled { message },
                "TransactionConflictException" | "TransactionInProgressException" => {
                    Error::TransactionConflict { message }
                }
                "IdempotentParameterMismatchException" => Error::IdempotencyMismatch { message },
                "ItemCollectionSizeLimitExceededException" | "LimitExceededException" => {
                    Error::LimitExceeded { message }
                }
                _ => Error::Backend {
                    message: format!("DynamoDB answered {code}: {message}"),
                    source: Some(Box::new(err)),
                },
            };
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            return timeout(err);
        }
        SdkError::DispatchFailure(d) if d.is_timeout() || d.is_io() => return timeout(err),
        _ => {}
    }
    Error::Backend {
        message: format!(
            "the request to DynamoDB failed: {}",
            DisplayErrorContext(&err)
        ),
        source: Some(Box::new(err)),
    }
}

/// A request whose outcome is unknown: sent, perhaps applied, no answer read.
fn timeout<E, R>(err: SdkError<E, R>) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Error::Timeout {
        message: format!("no answer from DynamoDB: {}", DisplayErrorContext(&err)),
        source: Some(Box::new(err)),
    }
}

/// A failed condition of the write of the item with `key` (when the
/// request names its key), with the stored item when DynamoDB returned it.
/// DynamoDB's answer names no key, and this backend knows no key schema:
/// a key of one attribute is named ([`single_key_text`]); the repository
/// names the key of its own writes.
pub(crate) fn conflict(
    table: &str,
    key: Option<&Item>,
    item: Option<&HashMap<String, sdk::AttributeValue>>,
) -> Error {
    Error::conflict(
        table,
        key.and_then(single_key_text),
        item.and_then(|i| item_from_sdk(i.clone()).ok()),
    )
}

/// A cancelled transaction's reasons, in request order, from their codes.
pub(crate) fn reasons(reasons: &[sdk::CancellationReason]) -> Vec<CancellationReason> {
    reasons
        .iter()
        .map(|r| CancellationReason {
            code: CancellationCode::from_name(r.code().unwrap_or("None")),
            message: r.message().map(str::to_owned),
            item: r.item().and_then(|i| item_from_sdk(i.clone()).ok()),
        })
        .collect()
}
