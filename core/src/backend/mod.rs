//! The [`Backend`] trait: DynamoDB's operations over the neutral data model.
//!
//! A backend is a store with DynamoDB's semantics: real DynamoDB, the
//! in-memory fake, or the sled emulator. Requests carry expressions as
//! DynamoDB does (strings with `#name` and `:value` placeholders and the
//! maps that resolve them), so every backend sees exactly what DynamoDB
//! would; the builder methods render the typed expressions of
//! [`crate::expr`] into them.
//!
//! ```
//! use dynamodb_mapper::backend::{PutItem, ReturnValues};
//! use dynamodb_mapper::expr::attr;
//! use dynamodb_mapper::Item;
//!
//! let put = PutItem::new("users", Item::new().with("id", "alice").with("energy", 10))
//!     .condition(&attr("id").not_exists())
//!     .return_values(ReturnValues::AllOld);
//! assert_eq!(put.condition_expression.as_deref(), Some("attribute_not_exists(#n0)"));
//! assert_eq!(put.expression_attributes.names["#n0"], "id");
//! ```

macro_rules! expression_builders {
    () => {
        /// Adds an expression attribute name placeholder (`#name` -> attribute).
        pub fn name(
            mut self,
            placeholder: impl Into<String>,
            attribute: impl Into<String>,
        ) -> Self {
            self.expression_attributes
                .names
                .insert(placeholder.into(), attribute.into());
            self
        }

        /// Adds an expression attribute value placeholder (`:value` -> value).
        pub fn value(
            mut self,
            placeholder: impl Into<String>,
            value: impl Into<crate::AttributeValue>,
        ) -> Self {
            self.expression_attributes
                .values
                .insert(placeholder.into(), value.into());
            self
        }

        /// Reports consumed capacity.
        pub fn return_consumed_capacity(
            mut self,
            rcc: crate::backend::ReturnConsumedCapacity,
        ) -> Self {
            self.return_consumed_capacity = rcc;
            self
        }
    };
}

macro_rules! condition_builders {
    () => {
        /// Renders a typed condition into this request.
        pub fn condition(mut self, condition: &crate::expr::Condition) -> Self {
            self.condition_expression = Some(condition.render(&mut self.expression_attributes));
            self
        }

        /// Sets the condition as DynamoDB text (with placeholders added by [`Self::name`] and [`Self::value`]).
        pub fn condition_expression(mut self, expression: impl Into<String>) -> Self {
            self.condition_expression = Some(expression.into());
            self
        }

        /// Asks for the stored item when the condition fails (`ReturnValuesOnConditionCheckFailure=ALL_OLD`).
        pub fn return_old_on_condition_failure(mut self, yes: bool) -> Self {
            self.return_values_on_condition_check_failure = yes;
            self
        }
    };
}

mod batch;
mod items;
mod layer;
mod reads;
mod request;
mod tables;
mod transactions;
mod wait;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::model::TableDefinition;

pub use batch::{
    BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, KeysAndAttributes, WriteRequest,
};
pub use items::{
    ConsumedCapacity, DeleteItem, GetItem, GetItemOutput, PutItem, ReturnConsumedCapacity,
    ReturnValues, UpdateItem, WriteOutput,
};
#[cfg(feature = "emulator")]
pub(crate) use layer::dispatch_backend;
pub use layer::{Layer, Layered};
pub use reads::{Page, Query, Scan, Segment, Select};
pub use request::{Operation, Request, Response};
pub use tables::{
    GlobalIndexUpdate, IndexDescription, IndexStatus, ListTables, ListTablesOutput,
    TableDescription, TableStatus, TimeToLive, TimeToLiveDescription, UpdateTable,
    local_index_update_error,
};
pub use transactions::{
    ConditionCheck, TransactGet, TransactGetOutput, TransactWrite, TransactWriteItem,
    TransactWriteOutput,
};
pub use wait::{TableState, wait_for_table};

/// The text of a key given without its schema ([`Error::Conflict`]'s
/// `key`, for a backend or layer that does not know the table's key
/// schema): a key of one attribute is its value's text (`alice`, `7`), as
/// [`KeySchema::describe`](crate::KeySchema::describe) writes it; a
/// composite key is `None`, as which attribute is the hash key is not known.
///
/// [`Error::Conflict`]: crate::Error::Conflict
pub fn single_key_text(key: &crate::Item) -> Option<String> {
    let mut values = key.values();
    match (values.next(), values.next()) {
        (Some(v), None) => Some(crate::model::describe_scalar(v)),
        _ => None,
    }
}

/// What a backend can do, for callers and for the conformance suite.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// A short name of the backend (`memory`, `sled`, `dynamodb`).
    pub name: &'static str,
    /// Transactions (`TransactWriteItems`, `TransactGetItems`).
    pub transactions: bool,
    /// Items whose TTL has passed are deleted in the background.
    pub ttl_expiry: bool,
    /// Concurrent transactions on one item may fail with a transaction
    /// conflict (DynamoDB does; DynamoDB Local and the emulators serialize them).
    pub transaction_conflicts: bool,
    /// Provisioned throughput is enforced with throttling.
    pub throughput_enforced: bool,
    /// Data survives the process.
    pub persistent: bool,
}

impl Capabilities {
    /// The capabilities of a store with every DynamoDB feature.
    pub fn full(name: &'static str) -> Self {
        Capabilities {
            name,
            transactions: true,
            ttl_expiry: true,
            transaction_conflicts: true,
            throughput_enforced: true,
            persistent: true,
        }
    }
}

/// A store with DynamoDB's semantics. Object safe: use `Arc<dyn Backend>`.
///
/// Every method answers as DynamoDB does, errors included: a request that
/// DynamoDB refuses is refused with the same [`Error`](crate::Error) kind
/// and changes nothing. No method waits for a table to change state:
/// `create_table` and `delete_table` answer as DynamoDB does (possibly
/// `CREATING` or `DELETING`), and [`wait_for_table`] is the one place that
/// waits.
#[async_trait]
pub trait Backend: Send + Sync + fmt::Debug {
    /// What this backend supports.
    fn capabilities(&self) -> Capabilities;

    /// An identity of the store behind this handle: two handles on one
    /// store (clones, layers over it) answer the same, handles on
    /// different stores answer differently. A transaction refuses to span
    /// two stores by it. The default is the handle's own address.
    fn store_id(&self) -> usize {
        std::ptr::from_ref(self).cast::<()>() as usize
    }

    /// Any call, as one [`Request`] value: what a [`Layer`] sends to the
    /// backend under it ([`Request::send`]). The default calls the method
    /// the request stands for ([`Request::call_method`]); a backend that
    /// handles calls as values (a [`Layered`] one) takes it as it is,
    /// without a detour through the method and back into a request.
    async fn call(&self, request: Request) -> Result<Response> {
        request.call_method(self).await
    }

    crate::__boxed_method!(
        /// [`call`](Self::call), for a caller that is itself a future being
        /// polled and polls the answer at once ([`Request::send`], the methods
        /// of a [`Layered`] backend): a [`Layered`] backend may then look at
        /// the request here, when the call is made, and hand on the future of
        /// the backend under it when its layer passes the request (no future,
        /// no box of its own); its `call` looks at the request when first
        /// polled, as a future does. The default is `call`. A backend that
        /// forwards to another forwards this too ([`delegate_backend!`]).
        #[doc(hidden)]
        call_polled(&self, request: Request) -> Result<Response> {
            self.call(request)
        }
    );

    /// `CreateTable`, with the definition's TTL attribute enabled as part
    /// of the creation. Answers at once; the table may still be `CREATING`.
    async fn create_table(&self, definition: TableDefinition) -> Result<TableDescription>;
    /// Describes a table (status and counts as the store reports them now).
    async fn describe_table(&self, table: &str) -> Result<TableDescription>;
    /// A table's definition: keys, indexes, billing, TTL attribute. A
    /// backend may answer from a cache, since definitions rarely change
    /// (the DynamoDB backend does, saving a round trip per call).
    async fn table_definition(&self, table: &str) -> Result<TableDefinition> {
        Ok(self.describe_table(table).await?.definition)
    }
    /// `DeleteTable`: answers at once, with the table `DELETING`.
    async fn delete_table(&self, table: &str) -> Result<TableDescription>;
    /// `UpdateTable`: changes billing or provisioned throughput, or creates
    /// or deletes one global secondary index. Answers at once: a new index
    /// is `CREATING` until it has been backfilled from the table's items
    /// ([`wait_for_table`] waits for it).
    async fn update_table(&self, input: UpdateTable) -> Result<TableDescription>;
    /// Lists table names, a page at a time.
    async fn list_tables(&self, input: ListTables) -> Result<ListTablesOutput>;
    /// Enables or disables time to live.
    async fn update_time_to_live(&self, table: &str, ttl: TimeToLive) -> Result<TimeToLive>;
    /// Describes time to live.
    async fn describe_time_to_live(&self, table: &str) -> Result<TimeToLiveDescription>;

    /// Reads one item.
    async fn get_item(&self, input: GetItem) -> Result<GetItemOutput>;
    /// Writes one item.
    async fn put_item(&self, input: PutItem) -> Result<WriteOutput>;
    /// Changes (or creates) one item.
    async fn update_item(&self, input: UpdateItem) -> Result<WriteOutput>;
    /// Deletes one item.
    async fn delete_item(&self, input: DeleteItem) -> Result<WriteOutput>;
    /// Reads one page of items with one hash key.
    async fn query(&self, input: Query) -> Result<Page>;
    /// Reads one page of a table or index.
    async fn scan(&self, input: Scan) -> Result<Page>;
    /// Reads up to 100 items by key.
    async fn batch_get_item(&self, input: BatchGet) -> Result<BatchGetOutput>;
    /// Writes up to 25 puts and deletes.
    async fn batch_write_item(&self, input: BatchWrite) -> Result<BatchWriteOutput>;
    /// Writes up to 100 actions atomically.
    async fn transact_write_items(&self, input: TransactWrite) -> Result<TransactWriteOutput>;
    /// [`transact_write_items`](Backend::transact_write_items) of a request
    /// the caller keeps: one that may be resent unchanged, with its token,
    /// when its outcome is unknown (a transaction's commit does this) is
    /// shared, not copied for each send. Every store of this workspace reads
    /// the request where it is; the default sends a copy when the request is
    /// still shared.
    async fn transact_write_items_shared(
        &self,
        input: Arc<TransactWrite>,
    ) -> Result<TransactWriteOutput> {
        self.transact_write_items(Arc::unwrap_or_clone(input)).await
    }
    /// Reads up to 100 items from one snapshot.
    async fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput>;
}

/// A method of an `#[async_trait]` impl written with the signature
/// `async_trait` gives it (a boxed future), for a body that hands on a
/// future it already has (no box of its own around it) or boxes its own.
#[doc(hidden)]
#[macro_export]
macro_rules! __boxed_method {
    ($(#[$attr:meta])* $name:ident(&$this:ident, $arg:ident: $ty:ty) -> $out:ty $body:block) => {
        $(#[$attr])*
        fn $name<'life0, 'async_trait>(
            &'life0 $this,
            $arg: $ty,
        ) -> ::std::pin::Pin<
            ::std::boxed::Box<
                dyn ::std::future::Future<Output = $out> + ::std::marker::Send + 'async_trait,
            >,
        >
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        $body
    };
}

/// One forwarded method of [`delegate_backend!`], handing on the target's
/// own future (no box of its own around it).
#[doc(hidden)]
#[macro_export]
macro_rules! __delegate_boxed {
    (|$s:ident| $target:expr, $name:ident($arg:ident: $ty:ty) -> $out:ty) => {
        $crate::__boxed_method!($name(&self, $arg: $ty) -> $out {
            let $s = self;
            $target.$name($arg)
        });
    };
}

/// Implements [`Backend`] for a type by forwarding every method to another
/// backend, reached from `self` by an expression. Every method is
/// forwarded (the impl denies `clippy::missing_trait_methods`, so a method
/// added to the trait can never be silently dropped and answered by its
/// default instead: `table_definition` keeps a backend's description cache).
/// (Its `@with` form is the library's own: `emulator_backend!` uses it.)
///
/// ```
/// use dynamodb_mapper::backend::Backend;
/// use dynamodb_mapper::delegate_backend;
///
/// #[derive(Debug)]
/// struct Named<B> { inner: B }
///
/// delegate_backend!(impl[B: Backend] for Named<B> => |s| s.inner);
/// ```
#[macro_export]
macro_rules! delegate_backend {
    (impl[$($generics:tt)*] for $ty:ty => |$s:ident| $target:expr) => {
        $crate::delegate_backend!(@with __delegate_item; impl[$($generics)*] for $ty => |$s| $target);
    };
    // The forwarding impl, with `call_polled` and each method of one owned
    // argument written by the macro `$item` (`__delegate_item!` forwards
    // them; `emulator_backend!` answers them in place when it may).
    (@with $item:ident; impl[$($generics:tt)*] for $ty:ty => |$s:ident| $target:expr) => {
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
            $crate::$item!(|$s| $target, @call_polled);
            $crate::$item!(|$s| $target, create_table(definition: $crate::TableDefinition) -> $crate::backend::TableDescription, CreateTable, into_table);
            async fn describe_table(
                &self,
                table: &str,
            ) -> $crate::Result<$crate::backend::TableDescription> {
                let $s = self;
                $target.describe_table(table).await
            }
            async fn table_definition(&self, table: &str) -> $crate::Result<$crate::TableDefinition> {
                let $s = self;
                $target.table_definition(table).await
            }
            async fn delete_table(
                &self,
                table: &str,
            ) -> $crate::Result<$crate::backend::TableDescription> {
                let $s = self;
                $target.delete_table(table).await
            }
            $crate::$item!(|$s| $target, update_table(input: $crate::backend::UpdateTable) -> $crate::backend::TableDescription, UpdateTable, into_table);
            $crate::$item!(|$s| $target, list_tables(input: $crate::backend::ListTables) -> $crate::backend::ListTablesOutput, ListTables, into_tables);
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
            $crate::$item!(|$s| $target, get_item(input: $crate::backend::GetItem) -> $crate::backend::GetItemOutput, GetItem, into_item);
            $crate::$item!(|$s| $target, put_item(input: $crate::backend::PutItem) -> $crate::backend::WriteOutput, PutItem, into_write);
            $crate::$item!(|$s| $target, update_item(input: $crate::backend::UpdateItem) -> $crate::backend::WriteOutput, UpdateItem, into_write);
            $crate::$item!(|$s| $target, delete_item(input: $crate::backend::DeleteItem) -> $crate::backend::WriteOutput, DeleteItem, into_write);
            $crate::$item!(|$s| $target, query(input: $crate::backend::Query) -> $crate::backend::Page, Query, into_page);
            $crate::$item!(|$s| $target, scan(input: $crate::backend::Scan) -> $crate::backend::Page, Scan, into_page);
            $crate::$item!(|$s| $target, batch_get_item(input: $crate::backend::BatchGet) -> $crate::backend::BatchGetOutput, BatchGetItem, into_batch_get);
            $crate::$item!(|$s| $target, batch_write_item(input: $crate::backend::BatchWrite) -> $crate::backend::BatchWriteOutput, BatchWriteItem, into_batch_write);
            $crate::$item!(|$s| $target, transact_write_items(input: $crate::backend::TransactWrite) -> $crate::backend::TransactWriteOutput, TransactWriteItems, into_transact_write);
            $crate::$item!(|$s| $target, transact_write_items_shared(input: ::std::sync::Arc<$crate::backend::TransactWrite>) -> $crate::backend::TransactWriteOutput, TransactWriteItems, into_transact_write);
            $crate::$item!(|$s| $target, transact_get_items(input: $crate::backend::TransactGet) -> $crate::backend::TransactGetOutput, TransactGetItems, into_transact_get);
        }
    };
}

/// One method of [`delegate_backend!`]: forwarded to the target as it is.
#[doc(hidden)]
#[macro_export]
macro_rules! __delegate_item {
    (|$s:ident| $target:expr, @call_polled) => {
        $crate::__delegate_boxed!(|$s| $target, call_polled(request: $crate::backend::Request) -> $crate::Result<$crate::backend::Response>);
    };
    (|$s:ident| $target:expr, $name:ident($arg:ident: $ty:ty) -> $out:ty, $variant:ident, $into:ident) => {
        $crate::__delegate_boxed!(|$s| $target, $name($arg: $ty) -> $crate::Result<$out>);
    };
}

delegate_backend!(impl[B: Backend + ?Sized] for Arc<B> => |s| (**s));
delegate_backend!(impl[B: Backend + ?Sized] for Box<B> => |s| (**s));
delegate_backend!(impl['a, B: Backend + ?Sized] for &'a B => |s| (**s));
