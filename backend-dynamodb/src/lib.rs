//! The Amazon DynamoDB backend of `dynamodb-mapper`, on `aws-sdk-dynamodb`:
//! real DynamoDB, or any DynamoDB-compatible endpoint such as DynamoDB Local.
//!
//! - Built from an SDK [`Client`], or from the environment through
//!   `aws-config`'s standard chain (credentials, region, and the endpoint
//!   override a local server needs: `AWS_ENDPOINT_URL`, or
//!   [`DynamoDbBackendBuilder::endpoint`]).
//! - Values convert exactly (numbers travel as their text, never through
//!   `f64`); every expression goes with its placeholders.
//! - SDK errors map onto the library's [`Error`](dynamodb_mapper::Error)
//!   kinds: a failed condition carries the stored item (asked for with
//!   `ReturnValuesOnConditionCheckFailure`), a cancelled transaction its
//!   reasons in order, throttling, missing tables, validation errors
//!   (limits classified as `LimitExceeded`), timeouts and lost responses
//!   (`Timeout`: the outcome is unknown); the rest keep their source.
//! - Table definitions are cached after the first request; retries and
//!   timeouts are settings; every call is traced by the library's
//!   [`dynamodb_mapper::layers::Traced`] layer, with the consumed
//!   capacity asked of DynamoDB when a subscriber records it.
//!
//! ```no_run
//! use dynamodb_mapper::backend::{Backend, GetItem};
//! use dynamodb_mapper::Item;
//! use dynamodb_mapper_dynamodb::DynamoDbBackend;
//!
//! # async fn demo() -> Result<(), dynamodb_mapper::Error> {
//! // Real DynamoDB, configured by the environment:
//! let aws = DynamoDbBackend::from_env().await?;
//! // Or a local server:
//! let local = DynamoDbBackend::builder().endpoint("http://127.0.0.1:8000").build().await?;
//! let out = local.get_item(GetItem::new("users", Item::new().with("id", "alice"))).await?;
//! # let _ = (aws, out);
//! # Ok(())
//! # }
//! ```

mod batch;
mod builder;
mod convert;
mod errors;
mod items;
mod reads;
mod sdk;
mod tables;
mod transactions;
mod update_table;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use dynamodb_mapper::backend::Layered;
use dynamodb_mapper::delegate_backend;
use dynamodb_mapper::layers::Traced;

pub use builder::DynamoDbBackendBuilder;
use sdk::Sdk;

/// A [`Backend`](dynamodb_mapper::backend::Backend) on Amazon DynamoDB (or
/// a compatible endpoint). Cheap to clone: clones share the client and the
/// table description cache.
#[derive(Clone, Debug)]
pub struct DynamoDbBackend {
    stack: Arc<Layered<Traced, Sdk>>,
}

impl DynamoDbBackend {
    /// Settings, then [`DynamoDbBackendBuilder::build`].
    pub fn builder() -> DynamoDbBackendBuilder {
        DynamoDbBackendBuilder::default()
    }

    /// Configured by the environment (`aws-config`'s standard chain).
    pub async fn from_env() -> Result<Self, dynamodb_mapper::Error> {
        Self::builder().build().await
    }

    /// On an SDK client you configured.
    pub fn from_client(client: Client) -> Self {
        Self::with_sdk(Sdk::new(client, false))
    }

    fn with_sdk(sdk: Sdk) -> Self {
        DynamoDbBackend {
            stack: Arc::new(Layered::new(Traced, sdk)),
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        self.stack.inner().client()
    }
}

delegate_backend!(impl[] for DynamoDbBackend => |s| s.stack);
