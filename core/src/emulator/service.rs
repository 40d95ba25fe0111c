//! [`EmulatorBackend`]: the engine as an async [`Backend`], shared by the
//! memory and sled backends.

use std::sync::Arc;

use async_trait::async_trait;
use futures::FutureExt;
use tokio::runtime::RuntimeFlavor;

use super::{DeferredSync, Emulator, Storage};
use crate::backend::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Operation, Page, PutItem, Query, Request,
    Response, Scan, TableDescription, TimeToLive, TimeToLiveDescription, TransactGet,
    TransactGetOutput, TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
    dispatch_backend,
};
use crate::error::{Error, Result};
use crate::model::TableDefinition;

/// The emulation engine as a [`Backend`]: each call runs on the engine.
/// When the storage waits for the disk on every write, writes never stall
/// the async runtime: on a multi-thread runtime an item write is applied
/// on the task's thread and then awaits [`Storage::sync_async`] (when the
/// storage has it), and any other write blocks in place
/// (`block_in_place`: the thread's other tasks move to another thread);
/// on a current-thread runtime a write runs on a blocking thread.
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
    /// `blocking_writes`, writes block in place or on tokio's blocking
    /// threads (see the type).
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
        if self.blocking_writes && writes {
            match tokio::runtime::Handle::try_current().map(|h| (h.runtime_flavor(), h)) {
                // An item write on a multi-thread runtime: applied on this
                // thread, then its flush awaited (shared with the other
                // writers waiting, and holding no thread while another
                // writer's flush runs).
                Ok((RuntimeFlavor::MultiThread, _))
                    if request.operation().is_write()
                        && self.engine.storage().sync_async().is_some() =>
                {
                    let response = {
                        let deferred = DeferredSync::new();
                        let mut send = std::pin::pin!(request.send(&*self.engine));
                        match send.as_mut().now_or_never() {
                            Some(response) => response,
                            // Never taken (the engine's calls are ready at
                            // their first poll); should one wait, it
                            // finishes in place, its own sync included.
                            None => {
                                drop(deferred);
                                tokio::task::block_in_place(|| futures::executor::block_on(send))
                            }
                        }
                    }?;
                    // Every write applied so far, this one included, is
                    // durable before it is acknowledged.
                    match self.engine.storage().sync_async() {
                        Some(durable) => durable.await?,
                        None => tokio::task::block_in_place(|| self.engine.storage().sync())?,
                    }
                    return Ok(response);
                }
                // Any other write on a multi-thread runtime runs on this
                // thread, which hands its other tasks to another thread
                // while it blocks: no hop to a blocking thread and back.
                Ok((RuntimeFlavor::MultiThread, _)) => {
                    return tokio::task::block_in_place(|| {
                        // The engine's calls never wait on anything but
                        // the store: the future is ready at its first poll
                        // (no executor is entered, so a caller already
                        // inside one is fine).
                        let mut send = std::pin::pin!(request.send(&*self.engine));
                        match send.as_mut().now_or_never() {
                            Some(response) => response,
                            None => futures::executor::block_on(send),
                        }
                    });
                }
                // A current-thread runtime has no other thread to run its
                // tasks: the write goes to a blocking thread.
                Ok((_, handle)) => {
                    let engine = self.engine.clone();
                    return handle
                        .spawn_blocking(move || futures::executor::block_on(request.send(&*engine)))
                        .await
                        .map_err(|e| {
                            Error::backend("a store operation panicked or was cancelled", e)
                        })?;
                }
                Err(_) => {}
            }
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
