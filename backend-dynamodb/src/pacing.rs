//! The SDK's retries with the pacer on: throttling is left to the pacer.

use aws_sdk_dynamodb::config::interceptors::InterceptorContext;
use aws_sdk_dynamodb::config::retry::{ClassifyRetry, RetryAction};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation;
use dynamodb_mapper::layers::Pacer;

/// DynamoDB's throttling error codes.
pub(crate) const THROTTLING_CODES: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// Forbids the SDK's retry of a throttled request while the pacer is on:
/// the pacer sends it again, taking capacity from the same bucket at its
/// lowered rate, so the SDK's backoff and the pacer do not both wait (and
/// the pacer learns of every throttle). Other errors keep the SDK's
/// retries. A forbidden retry ends the SDK's classification whatever the
/// order of classifiers; the pacer's switch is read on every answer, so
/// turning pacing on or off later applies.
#[derive(Clone, Debug)]
pub(crate) struct PacedRetries {
    pub(crate) pacer: Pacer,
}

/// The error code of an operation's error, for the operations the
/// backend sends.
fn code(ctx: &InterceptorContext) -> Option<&str> {
    let Some(Err(error)) = ctx.output_or_error() else {
        return None;
    };
    let error = error.as_operation_error()?;
    macro_rules! codes {
        ($($module:ident :: $error:ident),* $(,)?) => {
            $(
                if let Some(e) = error.downcast_ref::<operation::$module::$error>() {
                    return e.code();
                }
            )*
        };
    }
    codes![
        get_item::GetItemError,
        put_item::PutItemError,
        update_item::UpdateItemError,
        delete_item::DeleteItemError,
        query::QueryError,
        scan::ScanError,
        batch_get_item::BatchGetItemError,
        batch_write_item::BatchWriteItemError,
        transact_get_items::TransactGetItemsError,
        transact_write_items::TransactWriteItemsError,
    ];
    None
}

impl ClassifyRetry for PacedRetries {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        if !self.pacer.is_enabled() {
            return RetryAction::NoActionIndicated;
        }
        match code(ctx) {
            Some(c) if THROTTLING_CODES.contains(&c) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "dynamodb-mapper: throttling left to the pacer"
    }
}
