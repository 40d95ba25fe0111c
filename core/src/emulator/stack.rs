//! A store built as layers over an [`EmulatorBackend`]: requests that no
//! layer has work for are answered by the engine in place
//! ([`EngineStack`], [`emulator_backend!`](crate::emulator_backend)).

use super::{Emulator, EmulatorBackend, Storage};
use crate::backend::{Backend, Layer, Layered, Request};

/// A [`Backend`] that is layers over an [`EmulatorBackend`] (or the
/// engine's backend itself): it can tell when the engine may answer a
/// request in place, without going through the layers' futures.
pub trait EngineStack: Backend {
    /// What the engine keeps its bytes in.
    type Storage: Storage;

    /// The engine, when it may answer `request` itself now: every layer
    /// passes it ([`Layer::passes`]: each would send it on unchanged and
    /// hand back the answer untouched) and the engine's backend would run
    /// it on the caller's thread (it is not a write that awaits the disk).
    /// Asked when the request's future is polled, as the layers are.
    fn in_place(&self, request: &Request) -> Option<&Emulator<Self::Storage>>;
}

impl<S: Storage> EngineStack for EmulatorBackend<S> {
    type Storage = S;

    fn in_place(&self, request: &Request) -> Option<&Emulator<S>> {
        (!self.waits(request)).then(|| &**self.engine())
    }
}

impl<B: EngineStack> EngineStack for std::sync::Arc<B> {
    type Storage = B::Storage;

    fn in_place(&self, request: &Request) -> Option<&Emulator<B::Storage>> {
        (**self).in_place(request)
    }
}

impl<L: Layer, B: EngineStack> EngineStack for Layered<L, B> {
    type Storage = B::Storage;

    fn in_place(&self, request: &Request) -> Option<&Emulator<B::Storage>> {
        if self.layer().passes(request) {
            self.inner().in_place(request)
        } else {
            None
        }
    }
}

/// Implements [`Backend`] for a store that is an [`EngineStack`] (layers
/// over an [`EmulatorBackend`]) reached from `self` by an expression, as
/// [`delegate_backend!`](crate::delegate_backend) forwards to any backend,
/// except that a request no layer has work for is answered by the engine
/// in place: no future per layer, no move of the request through them.
/// Whether it may be is asked when the method's future is polled (as the
/// layers themselves ask), so a future made before a
/// [`Budget`](crate::layers::Budget)'s scope, a tracing subscriber or a
/// fault and polled after it goes through the layers.
///
/// ```
/// use dynamodb_mapper::backend::{Backend, Layered};
/// use dynamodb_mapper::emulator::{Emulator, EmulatorBackend};
/// use dynamodb_mapper::emulator_backend;
/// use dynamodb_mapper::layers::Traced;
/// # use dynamodb_mapper::emulator::Storage;
///
/// /// An emulator over some storage, traced.
/// #[derive(Debug)]
/// struct Store<S: Storage> {
///     stack: Layered<Traced, EmulatorBackend<S>>,
/// }
///
/// emulator_backend!(impl[S: Storage + std::fmt::Debug] for Store<S> => |s| s.stack);
/// ```
#[macro_export]
macro_rules! emulator_backend {
    (impl[$($generics:tt)*] for $ty:ty => |$s:ident| $target:expr) => {
        #[deny(clippy::missing_trait_methods)]
        #[$crate::__private::async_trait]
        impl<$($generics)*> $crate::backend::Backend for $ty {
            fn capabilities(&self) -> $crate::backend::Capabilities {
                let $s = self;
                $target.capabilities()
            }
            fn store_id(&self) -> usize {
                let $s = self;
                $target.store_id()
            }
            $crate::__delegate_boxed!(|$s| $target, call(request: $crate::backend::Request) -> $crate::Result<$crate::backend::Response>);
            $crate::__boxed_method!(call_polled(&self, request: $crate::backend::Request) -> $crate::Result<$crate::backend::Response> {
                let $s = self;
                let stack = &$target;
                // Polled at once (`call_polled`'s contract): asked now.
                match $crate::emulator::EngineStack::in_place(stack, &request) {
                    Some(engine) => ::std::boxed::Box::pin(::std::future::ready(engine.run(request))),
                    None => stack.call_polled(request),
                }
            });
            $crate::__emulator_in_place!(|$s| $target, create_table(definition: $crate::TableDefinition) -> $crate::backend::TableDescription, CreateTable, into_table);
            async fn describe_table(&self, table: &str) -> $crate::Result<$crate::backend::TableDescription> {
                let $s = self;
                $target.describe_table(table).await
            }
            async fn table_definition(&self, table: &str) -> $crate::Result<$crate::TableDefinition> {
                let $s = self;
                $target.table_definition(table).await
            }
            async fn delete_table(&self, table: &str) -> $crate::Result<$crate::backend::TableDescription> {
                let $s = self;
                $target.delete_table(table).await
            }
            $crate::__emulator_in_place!(|$s| $target, update_table(input: $crate::backend::UpdateTable) -> $crate::backend::TableDescription, UpdateTable, into_table);
            $crate::__emulator_in_place!(|$s| $target, list_tables(input: $crate::backend::ListTables) -> $crate::backend::ListTablesOutput, ListTables, into_tables);
            async fn update_time_to_live(
                &self,
                table: &str,
                ttl: $crate::backend::TimeToLive,
            ) -> $crate::Result<$crate::backend::TimeToLive> {
                let $s = self;
                $target.update_time_to_live(table, ttl).await
            }
            async fn describe_time_to_live(
                &self,
                table: &str,
            ) -> $crate::Result<$crate::backend::TimeToLiveDescription> {
                let $s = self;
                $target.describe_time_to_live(table).await
            }
            $crate::__emulator_in_place!(|$s| $target, get_item(input: $crate::backend::GetItem) -> $crate::backend::GetItemOutput, GetItem, into_item);
            $crate::__emulator_in_place!(|$s| $target, put_item(input: $crate::backend::PutItem) -> $crate::backend::WriteOutput, PutItem, into_write);
            $crate::__emulator_in_place!(|$s| $target, update_item(input: $crate::backend::UpdateItem) -> $crate::backend::WriteOutput, UpdateItem, into_write);
            $crate::__emulator_in_place!(|$s| $target, delete_item(input: $crate::backend::DeleteItem) -> $crate::backend::WriteOutput, DeleteItem, into_write);
            $crate::__emulator_in_place!(|$s| $target, query(input: $crate::backend::Query) -> $crate::backend::Page, Query, into_page);
            $crate::__emulator_in_place!(|$s| $target, scan(input: $crate::backend::Scan) -> $crate::backend::Page, Scan, into_page);
            $crate::__emulator_in_place!(|$s| $target, batch_get_item(input: $crate::backend::BatchGet) -> $crate::backend::BatchGetOutput, BatchGetItem, into_batch_get);
            $crate::__emulator_in_place!(|$s| $target, batch_write_item(input: $crate::backend::BatchWrite) -> $crate::backend::BatchWriteOutput, BatchWriteItem, into_batch_write);
            async fn transact_write_items(
                &self,
                input: $crate::backend::TransactWrite,
            ) -> $crate::Result<$crate::backend::TransactWriteOutput> {
                self.transact_write_items_shared(::std::sync::Arc::new(input)).await
            }
            $crate::__emulator_in_place!(|$s| $target, transact_write_items_shared(input: ::std::sync::Arc<$crate::backend::TransactWrite>) -> $crate::backend::TransactWriteOutput, TransactWriteItems, into_transact_write);
            $crate::__emulator_in_place!(|$s| $target, transact_get_items(input: $crate::backend::TransactGet) -> $crate::backend::TransactGetOutput, TransactGetItems, into_transact_get);
        }
    };
}

/// One method of [`emulator_backend!`]: when its future is polled, the
/// request is answered by the engine in place if no layer has work for it,
/// else sent through the stack.
#[doc(hidden)]
#[macro_export]
macro_rules! __emulator_in_place {
    (|$s:ident| $target:expr, $name:ident($arg:ident: $ty:ty) -> $out:ty, $variant:ident, $into:ident) => {
        $crate::__boxed_method!($name(&self, $arg: $ty) -> $crate::Result<$out> {
            ::std::boxed::Box::pin(async move {
                let $s = self;
                let stack = &$target;
                let request = $crate::backend::Request::$variant($arg);
                match $crate::emulator::EngineStack::in_place(stack, &request) {
                    Some(engine) => engine.run(request),
                    None => stack.call_polled(request).await,
                }?
                .$into($crate::backend::Operation::$variant)
            })
        });
    };
}
