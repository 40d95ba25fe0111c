//! Layers: a [`Backend`] that wraps a [`Backend`] (see [`Layer`]).

use std::fmt;

use async_trait::async_trait;

use super::request::{Operation, Request, Response};
use super::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, Capabilities, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Page, PutItem, Query, Scan,
    TableDescription, TimeToLive, TimeToLiveDescription, TransactGet, TransactGetOutput,
    TransactWrite, TransactWriteOutput, UpdateItem, UpdateTable, WriteOutput,
};
use crate::error::Result;
use crate::model::TableDefinition;

/// Layers: a [`Backend`] that wraps a [`Backend`].
///
/// A [`Layer`] sees every call as one [`Request`] value (the operation, the
/// tables it touches, whether it writes) and its [`Response`] (with the
/// consumed capacity it reports), and decides what happens around the call
/// to the backend under it: wait, refuse, change the request, replace the
/// answer. [`Layered`] implements every `Backend` method once, by handing
/// the request to its layer, so a layer is written once and stacks on any
/// store, another layer included (the way `object_store`'s wrapping stores
/// and `opendal`'s layers work).
///
/// ```
/// use async_trait::async_trait;
/// use dynamodb_mapper::backend::{Backend, Layer, Layered, Request, Response};
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// /// Counts the writes that go through it.
/// #[derive(Debug, Default)]
/// struct CountWrites(AtomicU64);
///
/// #[async_trait]
/// impl Layer for CountWrites {
///     async fn call(&self, request: Request, next: &dyn Backend) -> dynamodb_mapper::Result<Response> {
///         if request.operation().is_write() {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///         request.send(next).await
///     }
/// }
///
/// # fn demo(store: impl Backend + 'static) {
/// let counted = Layered::new(CountWrites::default(), store);
/// # }
/// ```
#[async_trait]
pub trait Layer: Send + Sync + fmt::Debug + 'static {
    /// Handles one call: usually does something before and after
    /// `request.send(next)`, may also answer without calling `next`.
    async fn call(&self, request: Request, next: &dyn Backend) -> Result<Response>;

    /// True if this layer has nothing to do with `request` now: it would
    /// send it on unchanged and hand back the answer untouched. Then
    /// [`Layered`] sends it to the backend under the layer itself, without
    /// the cost of [`call`](Self::call). A cheap look at the layer's
    /// settings (a flag, not a lock); `false`, always call, by default.
    fn passes(&self, request: &Request) -> bool {
        let _ = request;
        false
    }

    /// What the layered backend can do, given what the backend under it
    /// can (unchanged by default).
    fn capabilities(&self, inner: Capabilities) -> Capabilities {
        inner
    }
}

/// A backend with a layer around it: every [`Backend`] method goes
/// through [`Layer::call`].
#[derive(Debug)]
pub struct Layered<L, B> {
    layer: L,
    inner: B,
}

impl<L: Layer, B: Backend> Layered<L, B> {
    /// `inner` with `layer` around it.
    pub fn new(layer: L, inner: B) -> Self {
        Layered { layer, inner }
    }

    /// The layer.
    pub fn layer(&self) -> &L {
        &self.layer
    }

    /// The backend under the layer.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// A call, from a future being polled (`call`'s or a typed method's).
    async fn dispatch(&self, request: Request) -> Result<Response> {
        self.call_polled(request).await
    }

    fn capabilities_of(&self) -> Capabilities {
        self.layer.capabilities(self.inner.capabilities())
    }

    fn store_id_of(&self) -> usize {
        self.inner.store_id()
    }
}

/// Implements [`Backend`] for a type that handles every call as a
/// [`Request`]: the type has `async fn dispatch(&self, Request) ->
/// Result<Response>` and `fn capabilities_of(&self) -> Capabilities`.
macro_rules! dispatch_backend {
    (impl[$($generics:tt)*] for $ty:ty) => {
        dispatch_backend!(impl[$($generics)*] for $ty {
            crate::__boxed_method!(call_polled(&self, request: Request) -> Result<Response> {
                self.call(request)
            });
        });
    };
    // With the type's own `Backend::call_polled`.
    (impl[$($generics:tt)*] for $ty:ty { $($call_polled:tt)* }) => {
        #[deny(clippy::missing_trait_methods)]
        #[async_trait]
        impl<$($generics)*> Backend for $ty {
            fn capabilities(&self) -> Capabilities {
                self.capabilities_of()
            }
            fn store_id(&self) -> usize {
                self.store_id_of()
            }
            async fn call(&self, request: Request) -> Result<Response> {
                self.dispatch(request).await
            }
            $($call_polled)*
            async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription> {
                let r = self.dispatch(Request::CreateTable(definition)).await?;
                r.into_table(Operation::CreateTable)
            }
            async fn describe_table(&self, table: &str) -> Result<TableDescription> {
                let r = self.dispatch(Request::DescribeTable(table.to_owned())).await?;
                r.into_table(Operation::DescribeTable)
            }
            async fn table_definition(&self, table: &str) -> Result<TableDefinition> {
                let r = self.dispatch(Request::TableDefinition(table.to_owned())).await?;
                r.into_definition(Operation::TableDefinition)
            }
            async fn delete_table(&self, table: &str) -> Result<TableDescription> {
                let r = self.dispatch(Request::DeleteTable(table.to_owned())).await?;
                r.into_table(Operation::DeleteTable)
            }
            async fn update_table(&self, input: UpdateTable) -> Result<TableDescription> {
                let r = self.dispatch(Request::UpdateTable(input)).await?;
                r.into_table(Operation::UpdateTable)
            }
            async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput> {
                let r = self.dispatch(Request::ListTables(input)).await?;
                r.into_tables(Operation::ListTables)
            }
            async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive> {
                let r = self
                    .dispatch(Request::UpdateTimeToLive(table.to_owned(), ttl))
                    .await?;
                r.into_time_to_live(Operation::UpdateTimeToLive)
            }
            async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription> {
                let r = self
                    .dispatch(Request::DescribeTimeToLive(table.to_owned()))
                    .await?;
                r.into_time_to_live_description(Operation::DescribeTimeToLive)
            }
            async fn get_item(&self, input: GetItem) -> Result<GetItemOutput> {
                let r = self.dispatch(Request::GetItem(input)).await?;
                r.into_item(Operation::GetItem)
            }
            async fn put_item(&self, input: PutItem) -> Result<WriteOutput> {
                let r = self.dispatch(Request::PutItem(input)).await?;
                r.into_write(Operation::PutItem)
            }
            async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput> {
                let r = self.dispatch(Request::UpdateItem(input)).await?;
                r.into_write(Operation::UpdateItem)
            }
            async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput> {
                let r = self.dispatch(Request::DeleteItem(input)).await?;
                r.into_write(Operation::DeleteItem)
            }
            async fn query(&self, input: Query) -> Result<Page> {
                let r = self.dispatch(Request::Query(input)).await?;
                r.into_page(Operation::Query)
            }
            async fn scan(&self, input: Scan) -> Result<Page> {
                let r = self.dispatch(Request::Scan(input)).await?;
                r.into_page(Operation::Scan)
            }
            async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput> {
                let r = self.dispatch(Request::BatchGetItem(input)).await?;
                r.into_batch_get(Operation::BatchGetItem)
            }
            async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput> {
                let r = self.dispatch(Request::BatchWriteItem(input)).await?;
                r.into_batch_write(Operation::BatchWriteItem)
            }
            async fn transact_write_items(&self, input: TransactWrite) -> Result<TransactWriteOutput> {
                self.transact_write_items_shared(std::sync::Arc::new(input)).await
            }
            async fn transact_write_items_shared(
                &self,
                input: std::sync::Arc<TransactWrite>,
            ) -> Result<TransactWriteOutput> {
                let r = self.dispatch(Request::TransactWriteItems(input)).await?;
                r.into_transact_write(Operation::TransactWriteItems)
            }
            async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput> {
                let r = self.dispatch(Request::TransactGetItems(input)).await?;
                r.into_transact_get(Operation::TransactGetItems)
            }
        }
    };
}
#[cfg(feature = "emulator")]
pub(crate) use dispatch_backend;

// A request to a layered backend is looked at when its future is first
// polled, in the context it is polled in (a `Budget`'s scope, a tracing
// subscriber, the faults set by then), as every future does: `call` and
// the typed methods are lazy. Inside, `call_polled` (reached only from a
// future being polled: `dispatch`, `Request::send`) looks at it at once,
// and a layer that passes it hands on the future of the backend under it
// as it is (no future of its own, no box per passing layer).
dispatch_backend!(impl[L: Layer, B: Backend] for Layered<L, B> {
    crate::__boxed_method!(call_polled(&self, request: Request) -> Result<Response> {
        if self.layer.passes(&request) {
            self.inner.call_polled(request)
        } else {
            self.layer.call(request, &self.inner)
        }
    });
});
