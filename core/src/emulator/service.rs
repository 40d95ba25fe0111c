//! [`EmulatorBackend`]: the engine as an async [`Backend`], shared by the
//! memory and sled backends.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Emulator, Storage};
use crate::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Operation, Page, PutItem, Query, Request,
    Response, Scan, TableDescription, TimeToLive, TimeToLiveDescription, TransactGet,
    TransactGetOutput, TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
    dispatch_backend,
};
use crate::error::{Error, Result};
use crate::model::TableDefinition;

/// The emulation engine as a [`Backend`]: each call runs on the engine,
/// writes on a blocking thread when the storage waits for the disk on
/// every write (so that the async runtime is never stalled by a flush).
/// Cheap to clone: clones share the engine.
pub struct EmulatorBackend<S: Storage> {
    engine: Arc<Emulator<S>>,
    blocking_writes: bool,
    capabilities: Capabilities,
}

impl<S: Storage> Clone for EmulatorBackend<S> {
    fn clone(&self) -> Self {
        EmulatorBackend {
            engine: self.engine.clone(),
            blocking_writes: self.blocking_writes,
            capabilities: self.capabilities.clone(),
        }
    }
}

impl<S: Storage> std::fmt::Debug for EmulatorBackend<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBackend")
            .field("name", &self.capabilities.name)
            .field("engine", &self.engine)
            .finish()
    }
}

impl<S: Storage> EmulatorBackend<S> {
    /// The engine as a backend that reports these capabilities; with
    /// `blocking_writes`, writes run on tokio's blocking threads.
    pub fn new(
        engine: Arc<Emulator<S>>,
        capabilities: Capabilities,
        blocking_writes: bool,
    ) -> Self {
        EmulatorBackend {
            engine,
            blocking_writes,
            capabilities,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Emulator<S>> {
        &self.engine
    }

    async fn dispatch(&self, request: Request) -> Result<Response> {
        let writes = request.operation().is_write()
            || matches!(
                request.operation(),
                Operation::CreateTable
                    | Operation::DeleteTable
                    | Operation::UpdateTable
                    | Operation::UpdateTimeToLive
                    // A description may run an index's backfill.
                    | Operation::DescribeTable
            );
        if self.blocking_writes
            && writes
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            let engine = self.engine.clone();
            return handle
                .spawn_blocking(move || futures::executor::block_on(request.send(&*engine)))
                .await
                .map_err(|e| Error::backend("a store operation panicked or was cancelled", e))?;
        }
        request.send(&*self.engine).await
    }

    fn capabilities_of(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn store_id_of(&self) -> usize {
        Arc::as_ptr(&self.engine).cast::<()>() as usize
    }
}

dispatch_backend!(impl[S: Storage] for EmulatorBackend<S>);
