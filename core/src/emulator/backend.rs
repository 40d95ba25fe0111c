//! The [`Backend`] implementation of the engine itself: every call is
//! [`Emulator::run`], synchronously (the memory and sled backends use
//! [`EmulatorBackend`](super::EmulatorBackend) instead, which may run it on
//! a blocking thread).

use async_trait::async_trait;

use super::{Emulator, Storage};
use crate::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Operation, Page, PutItem, Query, Request,
    Response, Scan, TableDescription, TimeToLive, TimeToLiveDescription, TransactGet,
    TransactGetOutput, TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
    dispatch_backend,
};
use crate::error::Result;
use crate::model::TableDefinition;

impl<S: Storage> Emulator<S> {
    async fn dispatch(&self, request: Request) -> Result<Response> {
        self.run(request)
    }

    fn capabilities_of(&self) -> Capabilities {
        Capabilities {
            name: "emulator",
            transactions: true,
            ttl_expiry: false,
            transaction_conflicts: false,
            throughput_enforced: false,
            persistent: false,
        }
    }

    fn store_id_of(&self) -> usize {
        std::ptr::from_ref(self).cast::<()>() as usize
    }
}

dispatch_backend!(impl[S: Storage] for Emulator<S>);
