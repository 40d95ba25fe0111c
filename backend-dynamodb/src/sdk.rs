//! [`Sdk`]: the calls to DynamoDB, one per [`Backend`] method, and the
//! table description cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Page, PutItem, Query, Request, Response,
    Scan, TableDescription, TimeToLive, TimeToLiveDescription, TransactGet, TransactGetOutput,
    TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
};
use dynamodb_mapper::{Result, TableDefinition};

/// The SDK client with the definitions of the tables it has seen.
#[derive(Debug)]
pub(crate) struct Sdk {
    pub(crate) client: Client,
    definitions: Mutex<HashMap<String, TableDefinition>>,
    local: bool,
}

impl Sdk {
    pub(crate) fn new(client: Client, local: bool) -> Self {
        Sdk {
            client,
            definitions: Mutex::new(HashMap::new()),
            local,
        }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The description cache: definitions by table name.
    pub(crate) fn cache(&self) -> MutexGuard<'_, HashMap<String, TableDefinition>> {
        self.definitions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[deny(clippy::missing_trait_methods)]
#[async_trait]
impl Backend for Sdk {
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
    fn store_id(&self) -> usize {
        std::ptr::from_ref(self).cast::<()>() as usize
    }
    async fn call(&self, request: Request) -> Result<Response> {
        request.call_method(self).await
    }
    dynamodb_mapper::__boxed_method!(call_polled(&self, request: Request) -> Result<Response> {
        self.call(request)
    });
    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription> {
        self.create_table_call(definition).await
    }
    async fn describe_table(&self, table: &str) -> Result<TableDescription> {
        self.describe_table_call(table).await
    }
    async fn table_definition(&self, table: &str) -> Result<TableDefinition> {
        if let Some(d) = self.cache().get(table) {
            return Ok(d.clone());
        }
        Ok(self.describe_table_call(table).await?.definition)
    }
    async fn delete_table(&self, table: &str) -> Result<TableDescription> {
        self.delete_table_call(table).await
    }
    async fn update_table(&self, input: UpdateTable) -> Result<TableDescription> {
        self.update_table_call(input).await
    }
    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput> {
        self.list_tables_call(input).await
    }
    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive> {
        self.update_time_to_live_call(table, ttl).await
    }
    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription> {
        self.describe_time_to_live_call(table).await
    }
    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput> {
        self.get_item_call(input).await
    }
    async fn put_item(&self, input: PutItem) -> Result<WriteOutput> {
        self.put_item_call(input).await
    }
    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput> {
        self.update_item_call(input).await
    }
    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput> {
        self.delete_item_call(input).await
    }
    async fn query(&self, input: Query) -> Result<Page> {
        self.query_call(input).await
    }
    async fn scan(&self, input: Scan) -> Result<Page> {
        self.scan_call(input).await
    }
    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput> {
        self.batch_get_item_call(input).await
    }
    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput> {
        self.batch_write_item_call(input).await
    }
    async fn transact_write_items(&self, input: TransactWrite) -> Result<TransactWriteOutput> {
        self.transact_write_items_call(&input).await
    }
    async fn transact_write_items_shared(
        &self,
        input: Arc<TransactWrite>,
    ) -> Result<TransactWriteOutput> {
        self.transact_write_items_call(&input).await
    }
    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput> {
        self.transact_get_items_call(input).await
    }
}
