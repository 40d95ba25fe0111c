//! The [`Backend`] implementation: each method is the emulator's own.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Emulator, Storage};
use crate::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Page, PutItem, Query, Scan,
    TableDescription, TimeToLive, TimeToLiveDescription, TransactGet, TransactGetOutput,
    TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
};
use crate::error::Error;
use crate::model::TableDefinition;

#[async_trait]
impl<S: Storage> Backend for Emulator<S> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            name: "emulator",
            transactions: true,
            ttl_expiry: false,
            transaction_conflicts: false,
            throughput_enforced: false,
            persistent: false,
        }
    }
    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription, Error> {
        Emulator::create_table(self, definition)
    }
    async fn describe_table(&self, table: &str) -> Result<TableDescription, Error> {
        Emulator::describe_table(self, table)
    }
    async fn table_definition(&self, table: &str) -> Result<TableDefinition, Error> {
        Emulator::table_definition(self, table)
    }
    async fn delete_table(&self, table: &str) -> Result<TableDescription, Error> {
        Emulator::delete_table(self, table)
    }
    async fn update_table(&self, input: UpdateTable) -> Result<TableDescription, Error> {
        Emulator::update_table(self, input)
    }
    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput, Error> {
        Emulator::list_tables(self, input)
    }
    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive, Error> {
        Emulator::update_time_to_live(self, table, ttl)
    }
    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription, Error> {
        Emulator::describe_time_to_live(self, table)
    }
    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput, Error> {
        Emulator::get_item(self, input)
    }
    async fn put_item(&self, input: PutItem) -> Result<WriteOutput, Error> {
        Emulator::put_item(self, input)
    }
    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput, Error> {
        Emulator::update_item(self, input)
    }
    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput, Error> {
        Emulator::delete_item(self, input)
    }
    async fn query(&self, input: Query) -> Result<Page, Error> {
        Emulator::query(self, input)
    }
    async fn scan(&self, input: Scan) -> Result<Page, Error> {
        Emulator::scan(self, input)
    }
    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput, Error> {
        Emulator::batch_get_item(self, input)
    }
    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput, Error> {
        Emulator::batch_write_item(self, input)
    }
    async fn transact_write_items(
        &self,
        input: TransactWrite,
    ) -> Result<TransactWriteOutput, Error> {
        Emulator::transact_write_items(self, &input)
    }
    async fn transact_write_items_shared(
        &self,
        input: Arc<TransactWrite>,
    ) -> Result<TransactWriteOutput, Error> {
        Emulator::transact_write_items(self, &input)
    }
    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error> {
        Emulator::transact_get_items(self, input)
    }
}
