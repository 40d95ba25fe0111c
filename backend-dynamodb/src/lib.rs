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
//! - Client-side pacing in capacity units is one call away
//!   ([`DynamoDbBackendBuilder::pacing`]): the library's
//!   [`Pacer`] is in every backend, and
//!   with it on, throttled requests are its to send again, not the SDK's.
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
mod pacing;
mod reads;
mod sdk;
mod tables;
mod transactions;
mod update_table;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use dynamodb_mapper::backend::Layered;
use dynamodb_mapper::delegate_backend;
use dynamodb_mapper::layers::{Pacer, Traced};

pub use builder::DynamoDbBackendBuilder;
use sdk::Sdk;

/// A [`Backend`](dynamodb_mapper::backend::Backend) on Amazon DynamoDB (or
/// a compatible endpoint). Cheap to clone: clones share the client, the
/// table description cache and the pacer.
///
/// Client-side pacing ([`Pacer`]) is in it, off until
/// [`DynamoDbBackendBuilder::pacing`] or [`set_pacing`](Self::set_pacing):
/// then requests are paced to the target share of each table's (and
/// global index's) provisioned capacity, adaptively, and a throttled
/// request is sent again by the pacer from the same bucket instead of by
/// the SDK's retries (which stay for other errors).
#[derive(Clone, Debug)]
pub struct DynamoDbBackend {
    stack: Arc<Layered<Traced, Layered<Pacer, Sdk>>>,
    pacer: Pacer,
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

    /// On an SDK client you configured (with the retry classifier that
    /// leaves throttled requests to the pacer while pacing is on added to
    /// its configuration).
    pub fn from_client(client: Client) -> Self {
        let pacer = Pacer::new();
        let config = client
            .config()
            .to_builder()
            .retry_classifier(pacing::PacedRetries {
                pacer: pacer.clone(),
            })
            .build();
        Self::with_sdk(Sdk::new(Client::from_conf(config), false), pacer)
    }

    fn with_sdk(sdk: Sdk, pacer: Pacer) -> Self {
        DynamoDbBackend {
            stack: Arc::new(Layered::new(Traced, Layered::new(pacer.clone(), sdk))),
            pacer,
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        self.stack.inner().inner().client()
    }

    /// Turns client-side pacing on or off (see [`Pacer`]); while it is on,
    /// throttled requests are the pacer's to send again, not the SDK's.
    pub fn set_pacing(&self, enabled: bool) {
        self.pacer.set_enabled(enabled);
    }

    /// The pacer (shared by every clone): its settings, and its live
    /// figures per table and index ([`Pacer::figures`]: provisioned
    /// capacity, rate, units consumed, requests, throttles, waits).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }
}

delegate_backend!(impl[] for DynamoDbBackend => |s| s.stack);
