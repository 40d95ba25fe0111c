//! [`EmulatorBackend`]: the engine as an async [`Backend`], shared by the
//! memory and sled backends.

use std::sync::Arc;

use async_trait::async_trait;
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

    /// True when `request` writes and writes wait for the disk: it is not
    /// run in place on the caller's thread (see the type).
    pub(crate) fn waits(&self, request: &Request) -> bool {
        self.blocking_writes
            && (request.operation().is_write()
                || matches!(
                    request.operation(),
                    Operation::CreateTable
                        | Operation::DeleteTable
                        | Operation::UpdateTable
                        | Operation::UpdateTimeToLive
                        // A description may run an index's backfill.
                        | Operation::DescribeTable
                ))
    }

    async fn dispatch(&self, request: Request) -> Result<Response> {
        if self.waits(&request) {
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
                        let _deferred = DeferredSync::new();
                        self.engine.run(request)
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
                    // The engine's calls never wait on anything but the
                    // store (no executor is entered, so a caller already
                    // inside one is fine).
                    return tokio::task::block_in_place(|| self.engine.run(request));
                }
                // A current-thread runtime has no other thread to run its
                // tasks: the write goes to a blocking thread.
                Ok((_, handle)) => {
                    let engine = self.engine.clone();
                    return handle
                        .spawn_blocking(move || engine.run(request))
                        .await
                        .map_err(|e| {
                            Error::backend("a store operation panicked or was cancelled", e)
                        })?;
                }
                Err(_) => {}
            }
        }
        // The engine answers at once: called in place, without the boxed
        // futures of its `Backend` methods.
        self.engine.run(request)
    }

    fn capabilities_of(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn store_id_of(&self) -> usize {
        Arc::as_ptr(&self.engine).cast::<()>() as usize
    }
}

impl<S: Storage> Emulator<S> {
    /// Runs a request on the engine, synchronously: what the engine's
    /// [`Backend`] methods do, without their futures.
    pub fn run(&self, mut request: Request) -> Result<Response> {
        super::arn::resolve_request(&mut request)?;
        Ok(match request {
            Request::CreateTable(d) => Response::Table(self.create_table(d)?),
            Request::DescribeTable(t) => Response::Table(self.describe_table(&t)?),
            Request::TableDefinition(t) => Response::Definition(self.table_definition(&t)?),
            Request::DeleteTable(t) => Response::Table(self.delete_table(&t)?),
            Request::UpdateTable(r) => Response::Table(self.update_table(r)?),
            Request::ListTables(r) => Response::Tables(self.list_tables(r)?),
            Request::UpdateTimeToLive(t, ttl) => {
                Response::TimeToLive(self.update_time_to_live(&t, ttl)?)
            }
            Request::DescribeTimeToLive(t) => {
                Response::TimeToLiveDescription(self.describe_time_to_live(&t)?)
            }
            Request::GetItem(r) => Response::Item(self.get_item(r)?),
            Request::PutItem(r) => Response::Write(self.put_item(r)?),
            Request::UpdateItem(r) => Response::Write(self.update_item(r)?),
            Request::DeleteItem(r) => Response::Write(self.delete_item(r)?),
            Request::Query(r) => Response::Page(self.query(r)?),
            Request::Scan(r) => Response::Page(self.scan(r)?),
            Request::BatchGetItem(r) => Response::BatchGet(self.batch_get_item(r)?),
            Request::BatchWriteItem(r) => Response::BatchWrite(self.batch_write_item(r)?),
            Request::TransactWriteItems(r) => {
                Response::TransactWrite(self.transact_write_items(&r)?)
            }
            Request::TransactGetItems(r) => Response::TransactGet(self.transact_get_items(r)?),
        })
    }
}

dispatch_backend!(impl[S: Storage] for EmulatorBackend<S>);
