//! The Amazon DynamoDB backend of `dynamodb-mapper`, on `aws-sdk-dynamodb`:
//! real DynamoDB, or any DynamoDB-compatible endpoint such as DynamoDB Local.
//!
//! - Built from an SDK [`Client`], or from the environment through
//!   `aws-config`'s standard chain (credentials, region, and the endpoint
//!   override a local server needs: `AWS_ENDPOINT_URL`, or
//!   [`DynamoDbBackendBuilder::endpoint`]).
//! - Values convert exactly (numbers travel as their text, never through
//!   `f64`); every expression goes with its placeholders.
//! - SDK errors map onto the library's [`Error`] kinds: a failed condition
//!   carries the stored item (asked for with
//!   `ReturnValuesOnConditionCheckFailure`), a cancelled transaction its
//!   reasons in order, throttling, missing tables, validation errors
//!   (limits classified as [`Error::LimitExceeded`]); the rest keep their
//!   source.
//! - Table definitions are cached after the first request; retries and
//!   timeouts are settings; consumed capacity is recorded on each
//!   operation's tracing span (target `dynamodb_mapper::database_access`,
//!   level INFO), and asked of DynamoDB when a subscriber records it or the
//!   caller wants it.
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

mod convert;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types as sdk;
use convert::*;
use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, KeysAndAttributes, ListTables, ListTablesOutput, Page, PutItem, Query,
    Scan, TableDescription, TableStatus, TimeToLive, TimeToLiveDescription, TransactGet,
    TransactGetOutput, TransactWrite, TransactWriteItem, TransactWriteOutput, UpdateItem,
    WriteOutput, WriteRequest,
};
use dynamodb_mapper::{CancellationCode, CancellationReason, Error, TableDefinition, Timestamp};
use tracing::Instrument;

const TARGET: &str = "dynamodb_mapper::database_access";

/// Maps an SDK error onto the library's error kinds.
fn map_err<E, R>(err: SdkError<E, R>, table: &str) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(se) = &err {
        let e = se.err();
        let code = e.code().unwrap_or_default().to_owned();
        let message = e.message().unwrap_or_default().to_owned();
        return match code.as_str() {
            "ValidationException" => Error::invalid(message),
            "ConditionalCheckFailedException" => Error::Conflict {
                table: table.to_owned(),
                stored: None,
            },
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
    Error::Backend {
        message: format!(
            "the request to DynamoDB failed: {}",
            DisplayErrorContext(&err)
        ),
        source: Some(Box::new(err)),
    }
}

fn conflict(table: &str, item: Option<&HashMap<String, sdk::AttributeValue>>) -> Error {
    Error::Conflict {
        table: table.to_owned(),
        stored: item
            .and_then(|i| item_from_sdk(i.clone()).ok())
            .map(Box::new),
    }
}

fn reasons(reasons: &[sdk::CancellationReason]) -> Vec<CancellationReason> {
    reasons
        .iter()
        .map(|r| CancellationReason {
            code: CancellationCode::from_name(r.code().unwrap_or("None")),
            message: r.message().map(str::to_owned),
            item: r.item().and_then(|i| item_from_sdk(i.clone()).ok()),
        })
        .collect()
}

/// Records consumed capacity on the current span.
fn record(c: Option<&sdk::ConsumedCapacity>) {
    if let Some(c) = c {
        tracing::Span::current().record("consumed_capacity", c.capacity_units().unwrap_or(0.0));
    }
}

fn record_all(c: &[sdk::ConsumedCapacity]) {
    let total: f64 = c.iter().filter_map(|c| c.capacity_units()).sum();
    tracing::Span::current().record("consumed_capacity", total);
}

macro_rules! span {
    ($op:literal, $table:expr) => {
        tracing::info_span!(target: TARGET, "dynamodb", op = $op, table = %$table, consumed_capacity = tracing::field::Empty)
    };
}

/// Settings for a [`DynamoDbBackend`].
#[derive(Clone, Debug, Default)]
pub struct DynamoDbBackendBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    credentials: Option<(String, String)>,
    max_attempts: Option<u32>,
    operation_timeout: Option<Duration>,
    local: Option<bool>,
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
    /// retry with exponential backoff and jitter; default 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// The time limit of one operation, retries included.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
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
                .endpoint_url(self.endpoint.clone().unwrap_or_default());
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
            aws_sdk_dynamodb::config::Builder::from(&loader.load().await).build()
        };
        let mut backend = DynamoDbBackend::from_client(Client::from_conf(config));
        backend.local = local;
        Ok(backend)
    }
}

/// A [`Backend`] on Amazon DynamoDB (or a compatible endpoint).
#[derive(Debug)]
pub struct DynamoDbBackend {
    client: Client,
    definitions: Mutex<HashMap<String, TableDefinition>>,
    local: bool,
}

impl DynamoDbBackend {
    /// Settings, then [`DynamoDbBackendBuilder::build`].
    pub fn builder() -> DynamoDbBackendBuilder {
        DynamoDbBackendBuilder::default()
    }

    /// Configured by the environment (`aws-config`'s standard chain).
    pub async fn from_env() -> Result<Self, Error> {
        Self::builder().build().await
    }

    /// On an SDK client you configured.
    pub fn from_client(client: Client) -> Self {
        DynamoDbBackend {
            client,
            definitions: Mutex::new(HashMap::new()),
            local: false,
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, TableDefinition>> {
        self.definitions.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn describe_raw(&self, table: &str) -> Result<sdk::TableDescription, Error> {
        let out = self
            .client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| map_err(e, table))?;
        out.table.ok_or_else(|| Error::Backend {
            message: format!("DynamoDB described table {table} without a description"),
            source: None,
        })
    }

    /// Polls until the table is active (created) or gone (deleted).
    async fn wait(
        &self,
        table: &str,
        until_gone: bool,
    ) -> Result<Option<sdk::TableDescription>, Error> {
        let mut delay = Duration::from_millis(50);
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        loop {
            match self.describe_raw(table).await {
                Ok(d) if !until_gone && d.table_status() == Some(&sdk::TableStatus::Active) => {
                    return Ok(Some(d));
                }
                Err(Error::TableNotFound { .. }) if until_gone => return Ok(None),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
            if std::time::Instant::now() > deadline {
                return Err(Error::Backend {
                    message: format!(
                        "table {table} did not become {} within 10 minutes",
                        if until_gone { "deleted" } else { "active" }
                    ),
                    source: None,
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    async fn ttl_attribute(&self, table: &str) -> Result<Option<String>, Error> {
        let d = Backend::describe_time_to_live(self, table).await?;
        Ok(if d.enabled { d.attribute } else { None })
    }

    async fn description(&self, d: &sdk::TableDescription) -> Result<TableDescription, Error> {
        let mut definition = definition(d)?;
        definition.ttl_attribute = self.ttl_attribute(&definition.name).await?;
        self.cache()
            .insert(definition.name.clone(), definition.clone());
        Ok(TableDescription {
            status: match d.table_status() {
                Some(sdk::TableStatus::Creating) => TableStatus::Creating,
                Some(sdk::TableStatus::Updating) => TableStatus::Updating,
                Some(sdk::TableStatus::Deleting) => TableStatus::Deleting,
                _ => TableStatus::Active,
            },
            item_count: d.item_count().map_or(0, |n| u64::try_from(n).unwrap_or(0)),
            size_bytes: d
                .table_size_bytes()
                .map_or(0, |n| u64::try_from(n).unwrap_or(0)),
            created: d
                .creation_date_time()
                .and_then(|t| Timestamp::from_unix(t.secs(), t.subsec_nanos()).ok()),
            definition,
        })
    }
}

#[async_trait]
impl Backend for DynamoDbBackend {
    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::full("dynamodb");
        if self.local {
            c.name = "dynamodb-local";
            c.transaction_conflicts = false;
            c.throughput_enforced = false;
            c.persistent = false;
        }
        c
    }

    async fn create_table(&self, def: TableDefinition) -> Result<TableDescription, Error> {
        let span = span!("create_table", def.name);
        async {
            let parts = create_parts(&def)?;
            self.client
                .create_table()
                .table_name(&def.name)
                .set_key_schema(Some(parts.key_schema))
                .set_attribute_definitions(Some(parts.attributes))
                .set_global_secondary_indexes((!parts.globals.is_empty()).then_some(parts.globals))
                .set_local_secondary_indexes((!parts.locals.is_empty()).then_some(parts.locals))
                .billing_mode(parts.billing)
                .set_provisioned_throughput(parts.throughput)
                .send()
                .await
                .map_err(|e| map_err(e, &def.name))?;
            self.cache().remove(&def.name);
            let created =
                self.wait(&def.name, false)
                    .await?
                    .ok_or_else(|| Error::TableNotFound {
                        table: def.name.clone(),
                    })?;
            if let Some(ttl) = &def.ttl_attribute {
                Backend::update_time_to_live(
                    self,
                    &def.name,
                    TimeToLive {
                        attribute: ttl.clone(),
                        enabled: true,
                    },
                )
                .await?;
            }
            self.description(&created).await
        }
        .instrument(span)
        .await
    }

    async fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        let span = span!("describe_table", table);
        async {
            let d = self.describe_raw(table).await?;
            self.description(&d).await
        }
        .instrument(span)
        .await
    }

    async fn table_definition(&self, table: &str) -> Result<TableDefinition, Error> {
        if let Some(d) = self.cache().get(table) {
            return Ok(d.clone());
        }
        Ok(Backend::describe_table(self, table).await?.definition)
    }

    async fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        let span = span!("delete_table", table);
        async {
            let out = self
                .client
                .delete_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| map_err(e, table))?;
            let mut definition = self.cache().remove(table);
            let described = out
                .table_description
                .as_ref()
                .map(convert::definition)
                .transpose()?;
            if definition.is_none() {
                definition = described;
            }
            self.wait(table, true).await?;
            Ok(TableDescription {
                definition: definition.unwrap_or_else(|| {
                    TableDefinition::new(
                        table,
                        dynamodb_mapper::KeySchema::hash("", dynamodb_mapper::ScalarType::S),
                    )
                }),
                status: TableStatus::Deleting,
                item_count: 0,
                size_bytes: 0,
                created: None,
            })
        }
        .instrument(span)
        .await
    }

    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
        let out = self
            .client
            .list_tables()
            .set_exclusive_start_table_name(input.exclusive_start_table_name)
            .set_limit(input.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
            .send()
            .instrument(span!("list_tables", ""))
            .await
            .map_err(|e| map_err(e, ""))?;
        Ok(ListTablesOutput {
            table_names: out.table_names.unwrap_or_default(),
            last_evaluated_table_name: out.last_evaluated_table_name,
        })
    }

    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error> {
        let spec = sdk::TimeToLiveSpecification::builder()
            .attribute_name(&ttl.attribute)
            .enabled(ttl.enabled)
            .build()
            .map_err(|e| Error::invalid(e.to_string()))?;
        self.client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(spec)
            .send()
            .instrument(span!("update_time_to_live", table))
            .await
            .map_err(|e| map_err(e, table))?;
        if let Some(d) = self.cache().get_mut(table) {
            d.ttl_attribute = ttl.enabled.then(|| ttl.attribute.clone());
        }
        Ok(ttl)
    }

    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error> {
        let out = self
            .client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .instrument(span!("describe_time_to_live", table))
            .await
            .map_err(|e| map_err(e, table))?;
        let d = out.time_to_live_description;
        let enabled = matches!(
            d.as_ref().and_then(|d| d.time_to_live_status()),
            Some(sdk::TimeToLiveStatus::Enabled | sdk::TimeToLiveStatus::Enabling)
        );
        Ok(TimeToLiveDescription {
            enabled,
            attribute: if enabled {
                d.and_then(|d| d.attribute_name)
            } else {
                None
            },
        })
    }

    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error> {
        let span = span!("get_item", input.table);
        async {
            tracing::debug!(target: TARGET, key = ?input.key, "get_item");
            let out = self
                .client
                .get_item()
                .table_name(&input.table)
                .set_key(Some(item_to_sdk(&input.key)))
                .set_consistent_read(input.consistent_read.then_some(true))
                .set_projection_expression(input.projection_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| map_err(e, &input.table))?;
            record(out.consumed_capacity());
            Ok(GetItemOutput {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                item: opt_item_from_sdk(out.item)?,
            })
        }
        .instrument(span)
        .await
    }

    async fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error> {
        let span = span!("put_item", input.table);
        async {
            let key = input.item.len();
            tracing::debug!(target: TARGET, attributes = key, "put_item");
            let out = self
                .client
                .put_item()
                .table_name(&input.table)
                .set_item(Some(item_to_sdk(&input.item)))
                .set_condition_expression(input.condition_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_expression_attribute_values(values(&input.expression_attributes.values))
                .set_return_values(return_values(input.return_values))
                .set_return_values_on_condition_check_failure(on_condition_failure(
                    input.return_values_on_condition_check_failure,
                ))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(ex)) => {
                        conflict(&input.table, ex.item())
                    }
                    _ => map_err(e, &input.table),
                })?;
            record(out.consumed_capacity());
            Ok(WriteOutput {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                attributes: opt_item_from_sdk(out.attributes)
                    .map(|a| a.filter(|a| !a.is_empty()))?,
            })
        }
        .instrument(span)
        .await
    }

    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error> {
        let span = span!("update_item", input.table);
        async {
            tracing::debug!(target: TARGET, key = ?input.key, "update_item");
            let out = self
                .client
                .update_item()
                .table_name(&input.table)
                .set_key(Some(item_to_sdk(&input.key)))
                .set_update_expression(input.update_expression.clone())
                .set_condition_expression(input.condition_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_expression_attribute_values(values(&input.expression_attributes.values))
                .set_return_values(return_values(input.return_values))
                .set_return_values_on_condition_check_failure(on_condition_failure(
                    input.return_values_on_condition_check_failure,
                ))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(ex)) => {
                        conflict(&input.table, ex.item())
                    }
                    _ => map_err(e, &input.table),
                })?;
            record(out.consumed_capacity());
            Ok(WriteOutput {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                attributes: opt_item_from_sdk(out.attributes)
                    .map(|a| a.filter(|a| !a.is_empty()))?,
            })
        }
        .instrument(span)
        .await
    }

    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error> {
        let span = span!("delete_item", input.table);
        async {
            tracing::debug!(target: TARGET, key = ?input.key, "delete_item");
            let out = self
                .client
                .delete_item()
                .table_name(&input.table)
                .set_key(Some(item_to_sdk(&input.key)))
                .set_condition_expression(input.condition_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_expression_attribute_values(values(&input.expression_attributes.values))
                .set_return_values(return_values(input.return_values))
                .set_return_values_on_condition_check_failure(on_condition_failure(
                    input.return_values_on_condition_check_failure,
                ))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(DeleteItemError::ConditionalCheckFailedException(ex)) => {
                        conflict(&input.table, ex.item())
                    }
                    _ => map_err(e, &input.table),
                })?;
            record(out.consumed_capacity());
            Ok(WriteOutput {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                attributes: opt_item_from_sdk(out.attributes)
                    .map(|a| a.filter(|a| !a.is_empty()))?,
            })
        }
        .instrument(span)
        .await
    }

    async fn query(&self, input: Query) -> Result<Page, Error> {
        let span = span!("query", input.table);
        async {
            let out = self
                .client
                .query()
                .table_name(&input.table)
                .set_index_name(input.index.clone())
                .key_condition_expression(&input.key_condition_expression)
                .set_filter_expression(input.filter_expression.clone())
                .set_projection_expression(input.projection_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_expression_attribute_values(values(&input.expression_attributes.values))
                .set_select(input.select.map(select))
                .set_limit(input.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(input.exclusive_start_key.as_ref().map(item_to_sdk))
                .set_scan_index_forward((!input.scan_index_forward).then_some(false))
                .set_consistent_read(input.consistent_read.then_some(true))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| map_err(e, &input.table))?;
            record(out.consumed_capacity());
            Ok(Page {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                count: u64::try_from(out.count).unwrap_or(0),
                scanned_count: u64::try_from(out.scanned_count).unwrap_or(0),
                last_evaluated_key: opt_item_from_sdk(out.last_evaluated_key)?,
                items: out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(item_from_sdk)
                    .collect::<Result<_, _>>()?,
            })
        }
        .instrument(span)
        .await
    }

    async fn scan(&self, input: Scan) -> Result<Page, Error> {
        let span = span!("scan", input.table);
        async {
            let out = self
                .client
                .scan()
                .table_name(&input.table)
                .set_index_name(input.index.clone())
                .set_filter_expression(input.filter_expression.clone())
                .set_projection_expression(input.projection_expression.clone())
                .set_expression_attribute_names(names(&input.expression_attributes.names))
                .set_expression_attribute_values(values(&input.expression_attributes.values))
                .set_select(input.select.map(select))
                .set_limit(input.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(input.exclusive_start_key.as_ref().map(item_to_sdk))
                .set_consistent_read(input.consistent_read.then_some(true))
                .set_segment(
                    input
                        .segment
                        .map(|s| i32::try_from(s.segment).unwrap_or(i32::MAX)),
                )
                .set_total_segments(
                    input
                        .segment
                        .map(|s| i32::try_from(s.total).unwrap_or(i32::MAX)),
                )
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| map_err(e, &input.table))?;
            record(out.consumed_capacity());
            Ok(Page {
                consumed_capacity: out
                    .consumed_capacity()
                    .and_then(|c| capacity(c, input.return_consumed_capacity)),
                count: u64::try_from(out.count).unwrap_or(0),
                scanned_count: u64::try_from(out.scanned_count).unwrap_or(0),
                last_evaluated_key: opt_item_from_sdk(out.last_evaluated_key)?,
                items: out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(item_from_sdk)
                    .collect::<Result<_, _>>()?,
            })
        }
        .instrument(span)
        .await
    }

    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
        let tables: Vec<&str> = input.tables.keys().map(String::as_str).collect();
        let span = span!("batch_get_item", tables.join(","));
        let first = tables.first().copied().unwrap_or("").to_owned();
        async {
            let mut request = HashMap::new();
            for (table, ka) in &input.tables {
                request.insert(
                    table.clone(),
                    sdk::KeysAndAttributes::builder()
                        .set_keys(Some(ka.keys.iter().map(item_to_sdk).collect()))
                        .set_consistent_read(ka.consistent_read.then_some(true))
                        .set_projection_expression(ka.projection_expression.clone())
                        .set_expression_attribute_names(names(&ka.expression_attribute_names))
                        .build()
                        .map_err(|e| Error::invalid(e.to_string()))?,
                );
            }
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| map_err(e, &first))?;
            record_all(out.consumed_capacity());
            let mut responses = BTreeMap::new();
            for (table, items) in out.responses.unwrap_or_default() {
                responses.insert(
                    table,
                    items
                        .into_iter()
                        .map(item_from_sdk)
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            let mut unprocessed_keys = BTreeMap::new();
            for (table, ka) in out.unprocessed_keys.unwrap_or_default() {
                if ka.keys.is_empty() {
                    continue;
                }
                unprocessed_keys.insert(
                    table,
                    KeysAndAttributes {
                        consistent_read: ka.consistent_read.unwrap_or(false),
                        projection_expression: ka.projection_expression.clone(),
                        expression_attribute_names: ka
                            .expression_attribute_names
                            .clone()
                            .map(|m| m.into_iter().collect())
                            .unwrap_or_default(),
                        keys: ka
                            .keys
                            .into_iter()
                            .map(item_from_sdk)
                            .collect::<Result<_, _>>()?,
                    },
                );
            }
            Ok(BatchGetOutput {
                responses,
                unprocessed_keys,
                consumed_capacity: out
                    .consumed_capacity
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| capacity(c, input.return_consumed_capacity))
                    .collect(),
            })
        }
        .instrument(span)
        .await
    }

    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error> {
        let tables: Vec<&str> = input.tables.keys().map(String::as_str).collect();
        let span = span!("batch_write_item", tables.join(","));
        let first = tables.first().copied().unwrap_or("").to_owned();
        async {
            let mut request = HashMap::new();
            for (table, writes) in &input.tables {
                let mut list = Vec::with_capacity(writes.len());
                for w in writes {
                    let req = match w {
                        WriteRequest::Put(item) => sdk::WriteRequest::builder()
                            .put_request(
                                sdk::PutRequest::builder()
                                    .set_item(Some(item_to_sdk(item)))
                                    .build()
                                    .map_err(|e| Error::invalid(e.to_string()))?,
                            )
                            .build(),
                        WriteRequest::Delete(key) => sdk::WriteRequest::builder()
                            .delete_request(
                                sdk::DeleteRequest::builder()
                                    .set_key(Some(item_to_sdk(key)))
                                    .build()
                                    .map_err(|e| Error::invalid(e.to_string()))?,
                            )
                            .build(),
                    };
                    list.push(req);
                }
                request.insert(table.clone(), list);
            }
            let out = self
                .client
                .batch_write_item()
                .set_request_items(Some(request))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| map_err(e, &first))?;
            record_all(out.consumed_capacity());
            let mut unprocessed_items = BTreeMap::new();
            for (table, writes) in out.unprocessed_items.unwrap_or_default() {
                let mut list = Vec::new();
                for w in writes {
                    if let Some(p) = w.put_request {
                        list.push(WriteRequest::Put(item_from_sdk(p.item)?));
                    } else if let Some(d) = w.delete_request {
                        list.push(WriteRequest::Delete(item_from_sdk(d.key)?));
                    }
                }
                if !list.is_empty() {
                    unprocessed_items.insert(table, list);
                }
            }
            Ok(BatchWriteOutput {
                unprocessed_items,
                consumed_capacity: out
                    .consumed_capacity
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| capacity(c, input.return_consumed_capacity))
                    .collect(),
            })
        }
        .instrument(span)
        .await
    }

    async fn transact_write_items(
        &self,
        input: TransactWrite,
    ) -> Result<TransactWriteOutput, Error> {
        let first = input
            .items
            .first()
            .map(|i| match i {
                TransactWriteItem::Put(p) => p.table.clone(),
                TransactWriteItem::Update(u) => u.table.clone(),
                TransactWriteItem::Delete(d) => d.table.clone(),
                TransactWriteItem::ConditionCheck(c) => c.table.clone(),
            })
            .unwrap_or_default();
        let span = tracing::info_span!(target: "dynamodb_mapper::transactions", "transact_write_items", actions = input.items.len(), consumed_capacity = tracing::field::Empty);
        async {
            let be = |e: aws_sdk_dynamodb::error::BuildError| Error::invalid(e.to_string());
            let mut items = Vec::with_capacity(input.items.len());
            for action in &input.items {
                let item = match action {
                    TransactWriteItem::Put(p) => sdk::TransactWriteItem::builder()
                        .put(
                            sdk::Put::builder()
                                .table_name(&p.table)
                                .set_item(Some(item_to_sdk(&p.item)))
                                .set_condition_expression(p.condition_expression.clone())
                                .set_expression_attribute_names(names(
                                    &p.expression_attributes.names,
                                ))
                                .set_expression_attribute_values(values(
                                    &p.expression_attributes.values,
                                ))
                                .set_return_values_on_condition_check_failure(on_condition_failure(
                                    p.return_values_on_condition_check_failure,
                                ))
                                .build()
                                .map_err(be)?,
                        )
                        .build(),
                    TransactWriteItem::Update(u) => sdk::TransactWriteItem::builder()
                        .update(
                            sdk::Update::builder()
                                .table_name(&u.table)
                                .set_key(Some(item_to_sdk(&u.key)))
                                .update_expression(u.update_expression.clone().unwrap_or_default())
                                .set_condition_expression(u.condition_expression.clone())
                                .set_expression_attribute_names(names(
                                    &u.expression_attributes.names,
                                ))
                                .set_expression_attribute_values(values(
                                    &u.expression_attributes.values,
                                ))
                                .set_return_values_on_condition_check_failure(on_condition_failure(
                                    u.return_values_on_condition_check_failure,
                                ))
                                .build()
                                .map_err(be)?,
                        )
                        .build(),
                    TransactWriteItem::Delete(d) => sdk::TransactWriteItem::builder()
                        .delete(
                            sdk::Delete::builder()
                                .table_name(&d.table)
                                .set_key(Some(item_to_sdk(&d.key)))
                                .set_condition_expression(d.condition_expression.clone())
                                .set_expression_attribute_names(names(
                                    &d.expression_attributes.names,
                                ))
                                .set_expression_attribute_values(values(
                                    &d.expression_attributes.values,
                                ))
                                .set_return_values_on_condition_check_failure(on_condition_failure(
                                    d.return_values_on_condition_check_failure,
                                ))
                                .build()
                                .map_err(be)?,
                        )
                        .build(),
                    TransactWriteItem::ConditionCheck(c) => sdk::TransactWriteItem::builder()
                        .condition_check(
                            sdk::ConditionCheck::builder()
                                .table_name(&c.table)
                                .set_key(Some(item_to_sdk(&c.key)))
                                .condition_expression(&c.condition_expression)
                                .set_expression_attribute_names(names(
                                    &c.expression_attributes.names,
                                ))
                                .set_expression_attribute_values(values(
                                    &c.expression_attributes.values,
                                ))
                                .set_return_values_on_condition_check_failure(on_condition_failure(
                                    c.return_values_on_condition_check_failure,
                                ))
                                .build()
                                .map_err(be)?,
                        )
                        .build(),
                };
                items.push(item);
            }
            let out = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .set_client_request_token(input.client_request_token.clone())
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(ex)) => {
                        Error::TransactionCanceled {
                            reasons: reasons(ex.cancellation_reasons()),
                        }
                    }
                    _ => map_err(e, &first),
                })?;
            record_all(out.consumed_capacity());
            Ok(TransactWriteOutput {
                consumed_capacity: out
                    .consumed_capacity
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| capacity(c, input.return_consumed_capacity))
                    .collect(),
            })
        }
        .instrument(span)
        .await
    }

    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error> {
        let first = input
            .items
            .first()
            .map(|g| g.table.clone())
            .unwrap_or_default();
        let span = tracing::info_span!(target: "dynamodb_mapper::transactions", "transact_get_items", reads = input.items.len(), consumed_capacity = tracing::field::Empty);
        async {
            let mut items = Vec::with_capacity(input.items.len());
            for g in &input.items {
                items.push(
                    sdk::TransactGetItem::builder()
                        .get(
                            sdk::Get::builder()
                                .table_name(&g.table)
                                .set_key(Some(item_to_sdk(&g.key)))
                                .set_projection_expression(g.projection_expression.clone())
                                .set_expression_attribute_names(names(
                                    &g.expression_attributes.names,
                                ))
                                .build()
                                .map_err(|e| Error::invalid(e.to_string()))?,
                        )
                        .build(),
                );
            }
            let out = self
                .client
                .transact_get_items()
                .set_transact_items(Some(items))
                .set_return_consumed_capacity(rcc(input.return_consumed_capacity))
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(TransactGetItemsError::TransactionCanceledException(ex))
                        if !ex.cancellation_reasons().is_empty() =>
                    {
                        Error::TransactionCanceled {
                            reasons: reasons(ex.cancellation_reasons()),
                        }
                    }
                    Some(TransactGetItemsError::TransactionCanceledException(ex)) => {
                        // DynamoDB Local cancels with no reason for an invalid key.
                        Error::invalid(
                            ex.message()
                                .unwrap_or("invalid TransactGetItems request")
                                .to_owned(),
                        )
                    }
                    _ => map_err(e, &first),
                })?;
            record_all(out.consumed_capacity());
            Ok(TransactGetOutput {
                items: out
                    .responses
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| opt_item_from_sdk(r.item).map(|i| i.filter(|i| !i.is_empty())))
                    .collect::<Result<_, _>>()?,
                consumed_capacity: out
                    .consumed_capacity
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| capacity(c, input.return_consumed_capacity))
                    .collect(),
            })
        }
        .instrument(span)
        .await
    }
}
