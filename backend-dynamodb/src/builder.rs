//! [`DynamoDbBackendBuilder`]: endpoint, region, credentials, retries, pacing.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use dynamodb_mapper::Error;

use dynamodb_mapper::layers::Pacer;

use crate::DynamoDbBackend;
use crate::pacing::PacedRetries;
use crate::sdk::Sdk;

/// Settings for a [`DynamoDbBackend`].
#[derive(Clone, Debug, Default)]
pub struct DynamoDbBackendBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String)>,
    max_attempts: Option<u32>,
    operation_timeout: Option<Duration>,
    local: Option<bool>,
    pacing: bool,
}

impl DynamoDbBackendBuilder {
    /// Sends requests to this endpoint instead of AWS's (DynamoDB Local,
    /// for instance). With no region and no credentials in the
    /// environment, `us-east-1` and placeholder credentials are used,
    /// which local servers accept.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The AWS region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Static credentials (otherwise the standard chain).
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key_id.into(), secret_access_key.into()));
        self
    }

    /// How many times a request is tried in all (the SDK's standard
    /// retry with exponential backoff and jitter; default: 3 for AWS, as
    /// `aws-config` sets it, and 1, no retry, for a local endpoint).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// The time limit of one operation, retries included.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Turns client-side pacing on (default off; see
    /// [`DynamoDbBackend::set_pacing`]): requests paced to the target share
    /// of each table's provisioned capacity, throttled requests sent again
    /// by the pacer from the same bucket, and not retried by the SDK (whose
    /// retries stay for other errors).
    pub fn pacing(mut self, enabled: bool) -> Self {
        self.pacing = enabled;
        self
    }

    /// Declares the endpoint to be DynamoDB Local, which never reports
    /// transaction conflicts or throttles (default: true when an endpoint
    /// on a loopback address is set).
    pub fn dynamodb_local(mut self, local: bool) -> Self {
        self.local = Some(local);
        self
    }

    /// Builds the backend. For a local endpoint (loopback, or declared with
    /// [`dynamodb_local`](Self::dynamodb_local)) nothing is read from the
    /// environment and no other host is contacted: the region defaults to
    /// `us-east-1` and the credentials to placeholders. Otherwise
    /// `aws-config`'s standard chain supplies what was not set.
    pub async fn build(self) -> Result<DynamoDbBackend, Error> {
        let loopback = self.endpoint.as_deref().is_some_and(|e| {
            e.contains("://127.0.0.1") || e.contains("://localhost") || e.contains("://[::1]")
        });
        let local = self.local.unwrap_or(loopback);
        let pacer = Pacer::new();
        pacer.set_enabled(self.pacing);
        let classifier = PacedRetries {
            pacer: pacer.clone(),
        };
        let retry = self
            .max_attempts
            .map(|n| RetryConfig::standard().with_max_attempts(n));
        let timeout = self
            .operation_timeout
            .map(|t| TimeoutConfig::builder().operation_timeout(t).build());
        let config = if local && self.endpoint.is_some() {
            let (id, secret) = self
                .credentials
                .clone()
                .unwrap_or(("local".into(), "local".into()));
            let mut b = aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .region(Region::new(
                    self.region.clone().unwrap_or_else(|| "us-east-1".into()),
                ))
                .credentials_provider(Credentials::new(id, secret, None, None, "dynamodb-mapper"))
                .endpoint_url(self.endpoint.clone().unwrap_or_default())
                .retry_classifier(classifier);
            if let Some(r) = retry {
                b = b.retry_config(r);
            }
            if let Some(t) = timeout {
                b = b.timeout_config(t);
            }
            b.build()
        } else {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(region) = &self.region {
                loader = loader.region(Region::new(region.clone()));
            }
            if let Some(endpoint) = &self.endpoint {
                loader = loader.endpoint_url(endpoint);
            }
            if let Some((id, secret)) = &self.credentials {
                loader = loader.credentials_provider(Credentials::new(
                    id,
                    secret,
                    None,
                    None,
                    "dynamodb-mapper",
                ));
            }
            if let Some(r) = retry {
                loader = loader.retry_config(r);
            }
            if let Some(t) = timeout {
                loader = loader.timeout_config(t);
            }
            aws_sdk_dynamodb::config::Builder::from(&loader.load().await)
                .retry_classifier(classifier)
                .build()
        };
        Ok(DynamoDbBackend::with_sdk(
            Sdk::new(Client::from_conf(config), local),
            pacer,
        ))
    }
}
