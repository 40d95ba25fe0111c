//! One call to a [`Backend`] as a value: its [`Operation`], the
//! [`Request`] and the [`Response`], as layers see them.

use std::fmt;
use std::sync::Arc;

use super::{
    Backend, BatchGet, BatchGetOutput, BatchWrite, BatchWriteOutput, ConsumedCapacity, DeleteItem,
    GetItem, GetItemOutput, ListTables, ListTablesOutput, Page, PutItem, Query,
    ReturnConsumedCapacity, Scan, TableDescription, TimeToLive, TimeToLiveDescription, TransactGet,
    TransactGetOutput, TransactWrite, TransactWriteItem, TransactWriteOutput, UpdateItem,
    UpdateTable, WriteOutput,
};
use crate::error::{Error, Result};
use crate::model::TableDefinition;

/// The operations of the [`Backend`] trait, by DynamoDB's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `CreateTable`.
    CreateTable,
    /// `DescribeTable`.
    DescribeTable,
    /// A table's definition, possibly from a cache ([`Backend::table_definition`]).
    TableDefinition,
    /// `DeleteTable`.
    DeleteTable,
    /// `UpdateTable`.
    UpdateTable,
    /// `ListTables`.
    ListTables,
    /// `UpdateTimeToLive`.
    UpdateTimeToLive,
    /// `DescribeTimeToLive`.
    DescribeTimeToLive,
    /// `GetItem`.
    GetItem,
    /// `PutItem`.
    PutItem,
    /// `UpdateItem`.
    UpdateItem,
    /// `DeleteItem`.
    DeleteItem,
    /// `Query`.
    Query,
    /// `Scan`.
    Scan,
    /// `BatchGetItem`.
    BatchGetItem,
    /// `BatchWriteItem`.
    BatchWriteItem,
    /// `TransactWriteItems`.
    TransactWriteItems,
    /// `TransactGetItems`.
    TransactGetItems,
}

impl Operation {
    /// DynamoDB's name of the operation (`PutItem`, `Query`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateTable => "CreateTable",
            Operation::DescribeTable => "DescribeTable",
            Operation::TableDefinition => "TableDefinition",
            Operation::DeleteTable => "DeleteTable",
            Operation::UpdateTable => "UpdateTable",
            Operation::ListTables => "ListTables",
            Operation::UpdateTimeToLive => "UpdateTimeToLive",
            Operation::DescribeTimeToLive => "DescribeTimeToLive",
            Operation::GetItem => "GetItem",
            Operation::PutItem => "PutItem",
            Operation::UpdateItem => "UpdateItem",
            Operation::DeleteItem => "DeleteItem",
            Operation::Query => "Query",
            Operation::Scan => "Scan",
            Operation::BatchGetItem => "BatchGetItem",
            Operation::BatchWriteItem => "BatchWriteItem",
            Operation::TransactWriteItems => "TransactWriteItems",
            Operation::TransactGetItems => "TransactGetItems",
        }
    }

    /// True for reads and writes of items (not table management).
    pub fn is_data(self) -> bool {
        matches!(
            self,
            Operation::GetItem
                | Operation::PutItem
                | Operation::UpdateItem
                | Operation::DeleteItem
                | Operation::Query
                | Operation::Scan
                | Operation::BatchGetItem
                | Operation::BatchWriteItem
                | Operation::TransactWriteItems
                | Operation::TransactGetItems
        )
    }

    /// True for operations that write items.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::PutItem
                | Operation::UpdateItem
                | Operation::DeleteItem
                | Operation::BatchWriteItem
                | Operation::TransactWriteItems
        )
    }

    /// True for operations that change a table's definition (its keys,
    /// indexes, billing, time to live) or whether it exists: a layer that
    /// keeps a view of a table's capacity refreshes it after one.
    pub fn changes_table(self) -> bool {
        matches!(
            self,
            Operation::CreateTable
                | Operation::DeleteTable
                | Operation::UpdateTable
                | Operation::UpdateTimeToLive
        )
    }

    /// True for `TransactWriteItems` and `TransactGetItems`.
    pub fn is_transaction(self) -> bool {
        matches!(
            self,
            Operation::TransactWriteItems | Operation::TransactGetItems
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One call of a [`Backend`] method, as a value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// [`Backend::create_table`].
    CreateTable(TableDefinition),
    /// [`Backend::describe_table`].
    DescribeTable(String),
    /// [`Backend::table_definition`].
    TableDefinition(String),
    /// [`Backend::delete_table`].
    DeleteTable(String),
    /// [`Backend::update_table`].
    UpdateTable(UpdateTable),
    /// [`Backend::list_tables`].
    ListTables(ListTables),
    /// [`Backend::update_time_to_live`].
    UpdateTimeToLive(String, TimeToLive),
    /// [`Backend::describe_time_to_live`].
    DescribeTimeToLive(String),
    /// [`Backend::get_item`].
    GetItem(GetItem),
    /// [`Backend::put_item`].
    PutItem(PutItem),
    /// [`Backend::update_item`].
    UpdateItem(UpdateItem),
    /// [`Backend::delete_item`].
    DeleteItem(DeleteItem),
    /// [`Backend::query`].
    Query(Query),
    /// [`Backend::scan`].
    Scan(Scan),
    /// [`Backend::batch_get_item`].
    BatchGetItem(BatchGet),
    /// [`Backend::batch_write_item`].
    BatchWriteItem(BatchWrite),
    /// [`Backend::transact_write_items`]: shared, as a resent request is
    /// ([`Backend::transact_write_items_shared`]).
    TransactWriteItems(Arc<TransactWrite>),
    /// [`Backend::transact_get_items`].
    TransactGetItems(TransactGet),
}

impl Request {
    /// The operation.
    pub fn operation(&self) -> Operation {
        match self {
            Request::CreateTable(_) => Operation::CreateTable,
            Request::DescribeTable(_) => Operation::DescribeTable,
            Request::TableDefinition(_) => Operation::TableDefinition,
            Request::DeleteTable(_) => Operation::DeleteTable,
            Request::UpdateTable(_) => Operation::UpdateTable,
            Request::ListTables(_) => Operation::ListTables,
            Request::UpdateTimeToLive(..) => Operation::UpdateTimeToLive,
            Request::DescribeTimeToLive(_) => Operation::DescribeTimeToLive,
            Request::GetItem(_) => Operation::GetItem,
            Request::PutItem(_) => Operation::PutItem,
            Request::UpdateItem(_) => Operation::UpdateItem,
            Request::DeleteItem(_) => Operation::DeleteItem,
            Request::Query(_) => Operation::Query,
            Request::Scan(_) => Operation::Scan,
            Request::BatchGetItem(_) => Operation::BatchGetItem,
            Request::BatchWriteItem(_) => Operation::BatchWriteItem,
            Request::TransactWriteItems(_) => Operation::TransactWriteItems,
            Request::TransactGetItems(_) => Operation::TransactGetItems,
        }
    }

    /// The tables the request touches, each once, in the order they first
    /// appear (none for `ListTables`).
    pub fn tables(&self) -> Vec<&str> {
        let all: Vec<&str> = match self {
            Request::CreateTable(d) => vec![&d.name],
            Request::DescribeTable(t)
            | Request::TableDefinition(t)
            | Request::DeleteTable(t)
            | Request::UpdateTimeToLive(t, _)
            | Request::DescribeTimeToLive(t) => vec![t],
            Request::UpdateTable(r) => vec![&r.table],
            Request::ListTables(_) => Vec::new(),
            Request::GetItem(r) => vec![&r.table],
            Request::PutItem(r) => vec![&r.table],
            Request::UpdateItem(r) => vec![&r.table],
            Request::DeleteItem(r) => vec![&r.table],
            Request::Query(r) => vec![&r.table],
            Request::Scan(r) => vec![&r.table],
            Request::BatchGetItem(r) => r.tables.keys().map(String::as_str).collect(),
            Request::BatchWriteItem(r) => r.tables.keys().map(String::as_str).collect(),
            Request::TransactWriteItems(r) => {
                r.items.iter().map(TransactWriteItem::table).collect()
            }
            Request::TransactGetItems(r) => r.items.iter().map(|g| g.table.as_str()).collect(),
        };
        // In first-seen order, each once (a set finds the repeats: a batch
        // may name a great many tables before any limit refuses it).
        let mut seen = std::collections::BTreeSet::new();
        all.into_iter().filter(|t| seen.insert(*t)).collect()
    }

    /// The capacity reporting the request asks for (`None` for table
    /// operations, which report none).
    pub fn return_consumed_capacity(&self) -> Option<ReturnConsumedCapacity> {
        self.rcc_ref().copied()
    }

    /// Asks for consumed capacity at this level (no effect on table
    /// operations). A layer that needs the figures asks for them, and
    /// gives the caller only what the caller asked for
    /// ([`Response::keep_consumed_capacity`]).
    pub fn set_return_consumed_capacity(&mut self, level: ReturnConsumedCapacity) {
        // Unchanged, a shared request stays shared (not copied to change it).
        if self.rcc_ref() == Some(&level) {
            return;
        }
        if let Some(r) = self.rcc_mut() {
            *r = level;
        }
    }

    fn rcc_ref(&self) -> Option<&ReturnConsumedCapacity> {
        Some(match self {
            Request::GetItem(r) => &r.return_consumed_capacity,
            Request::PutItem(r) => &r.return_consumed_capacity,
            Request::UpdateItem(r) => &r.return_consumed_capacity,
            Request::DeleteItem(r) => &r.return_consumed_capacity,
            Request::Query(r) => &r.return_consumed_capacity,
            Request::Scan(r) => &r.return_consumed_capacity,
            Request::BatchGetItem(r) => &r.return_consumed_capacity,
            Request::BatchWriteItem(r) => &r.return_consumed_capacity,
            Request::TransactWriteItems(r) => &r.return_consumed_capacity,
            Request::TransactGetItems(r) => &r.return_consumed_capacity,
            _ => return None,
        })
    }

    fn rcc_mut(&mut self) -> Option<&mut ReturnConsumedCapacity> {
        Some(match self {
            Request::GetItem(r) => &mut r.return_consumed_capacity,
            Request::PutItem(r) => &mut r.return_consumed_capacity,
            Request::UpdateItem(r) => &mut r.return_consumed_capacity,
            Request::DeleteItem(r) => &mut r.return_consumed_capacity,
            Request::Query(r) => &mut r.return_consumed_capacity,
            Request::Scan(r) => &mut r.return_consumed_capacity,
            Request::BatchGetItem(r) => &mut r.return_consumed_capacity,
            Request::BatchWriteItem(r) => &mut r.return_consumed_capacity,
            Request::TransactWriteItems(r) => &mut Arc::make_mut(r).return_consumed_capacity,
            Request::TransactGetItems(r) => &mut r.return_consumed_capacity,
            _ => return None,
        })
    }

    /// Sends the request to a backend, as one value ([`Backend::call`]): a
    /// layered backend hands it to its layer as it is.
    pub async fn send(self, backend: &dyn Backend) -> Result<Response> {
        // Polled at once, from this future's poll.
        backend.call_polled(self).await
    }

    /// Calls the [`Backend`] method the request stands for: the one place
    /// a [`Request`] becomes a method call (what [`Backend::call`] does by
    /// default).
    pub async fn call_method<B: Backend + ?Sized>(self, backend: &B) -> Result<Response> {
        Ok(match self {
            Request::CreateTable(d) => Response::Table(backend.create_table(d).await?),
            Request::DescribeTable(t) => Response::Table(backend.describe_table(&t).await?),
            Request::TableDefinition(t) => {
                Response::Definition(backend.table_definition(&t).await?)
            }
            Request::DeleteTable(t) => Response::Table(backend.delete_table(&t).await?),
            Request::UpdateTable(r) => Response::Table(backend.update_table(r).await?),
            Request::ListTables(r) => Response::Tables(backend.list_tables(r).await?),
            Request::UpdateTimeToLive(t, ttl) => {
                Response::TimeToLive(backend.update_time_to_live(&t, ttl).await?)
            }
            Request::DescribeTimeToLive(t) => {
                Response::TimeToLiveDescription(backend.describe_time_to_live(&t).await?)
            }
            Request::GetItem(r) => Response::Item(backend.get_item(r).await?),
            Request::PutItem(r) => Response::Write(backend.put_item(r).await?),
            Request::UpdateItem(r) => Response::Write(backend.update_item(r).await?),
            Request::DeleteItem(r) => Response::Write(backend.delete_item(r).await?),
            Request::Query(r) => Response::Page(backend.query(r).await?),
            Request::Scan(r) => Response::Page(backend.scan(r).await?),
            Request::BatchGetItem(r) => Response::BatchGet(backend.batch_get_item(r).await?),
            Request::BatchWriteItem(r) => Response::BatchWrite(backend.batch_write_item(r).await?),
            Request::TransactWriteItems(r) => {
                Response::TransactWrite(backend.transact_write_items_shared(r).await?)
            }
            Request::TransactGetItems(r) => {
                Response::TransactGet(backend.transact_get_items(r).await?)
            }
        })
    }
}

impl TransactWriteItem {
    /// The table of the action.
    pub fn table(&self) -> &str {
        match self {
            TransactWriteItem::Put(p) => &p.table,
            TransactWriteItem::Update(u) => &u.table,
            TransactWriteItem::Delete(d) => &d.table,
            TransactWriteItem::ConditionCheck(c) => &c.table,
        }
    }
    /// The table of the action, to rewrite (a table named by its ARN).
    #[cfg(feature = "emulator")]
    pub(crate) fn table_mut(&mut self) -> &mut String {
        match self {
            TransactWriteItem::Put(p) => &mut p.table,
            TransactWriteItem::Update(u) => &mut u.table,
            TransactWriteItem::Delete(d) => &mut d.table,
            TransactWriteItem::ConditionCheck(c) => &mut c.table,
        }
    }
}

/// The answer to a [`Request`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Response {
    /// A table description (create, describe, update, delete).
    Table(TableDescription),
    /// A table definition.
    Definition(TableDefinition),
    /// A page of table names.
    Tables(ListTablesOutput),
    /// A time-to-live setting.
    TimeToLive(TimeToLive),
    /// A time-to-live state.
    TimeToLiveDescription(TimeToLiveDescription),
    /// The result of `GetItem`.
    Item(GetItemOutput),
    /// The result of a put, update or delete.
    Write(WriteOutput),
    /// A page of a query or scan.
    Page(Page),
    /// The result of a batch get.
    BatchGet(BatchGetOutput),
    /// The result of a batch write.
    BatchWrite(BatchWriteOutput),
    /// The result of a write transaction.
    TransactWrite(TransactWriteOutput),
    /// The result of a read transaction.
    TransactGet(TransactGetOutput),
}

impl Response {
    /// The capacity the call consumed, per table, as the backend reported it.
    pub fn consumed_capacity(&self) -> &[ConsumedCapacity] {
        match self {
            Response::Item(o) => o.consumed_capacity.as_slice(),
            Response::Write(o) => o.consumed_capacity.as_slice(),
            Response::Page(o) => o.consumed_capacity.as_slice(),
            Response::BatchGet(o) => &o.consumed_capacity,
            Response::BatchWrite(o) => &o.consumed_capacity,
            Response::TransactWrite(o) => &o.consumed_capacity,
            Response::TransactGet(o) => &o.consumed_capacity,
            _ => &[],
        }
    }

    /// Keeps the consumed capacity at the level the caller asked for
    /// (`None` when the request had no such setting): a layer that asked
    /// for more detail than its caller gives back only what was asked.
    pub fn keep_consumed_capacity(&mut self, asked: Option<ReturnConsumedCapacity>) {
        let Some(asked) = asked else { return };
        let reduce = |c: &mut ConsumedCapacity| {
            if asked == ReturnConsumedCapacity::Total {
                c.table_units = None;
                c.global_indexes.clear();
                c.local_indexes.clear();
            }
        };
        let keep = asked != ReturnConsumedCapacity::None;
        match self {
            Response::Item(o) => keep_one(&mut o.consumed_capacity, keep, reduce),
            Response::Write(o) => keep_one(&mut o.consumed_capacity, keep, reduce),
            Response::Page(o) => keep_one(&mut o.consumed_capacity, keep, reduce),
            Response::BatchGet(o) => keep_all(&mut o.consumed_capacity, keep, reduce),
            Response::BatchWrite(o) => keep_all(&mut o.consumed_capacity, keep, reduce),
            Response::TransactWrite(o) => keep_all(&mut o.consumed_capacity, keep, reduce),
            Response::TransactGet(o) => keep_all(&mut o.consumed_capacity, keep, reduce),
            _ => {}
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Response::Table(_) => "a table description",
            Response::Definition(_) => "a table definition",
            Response::Tables(_) => "a list of tables",
            Response::TimeToLive(_) => "a time-to-live setting",
            Response::TimeToLiveDescription(_) => "a time-to-live description",
            Response::Item(_) => "an item",
            Response::Write(_) => "a write result",
            Response::Page(_) => "a page",
            Response::BatchGet(_) => "a batch get result",
            Response::BatchWrite(_) => "a batch write result",
            Response::TransactWrite(_) => "a write transaction result",
            Response::TransactGet(_) => "a read transaction result",
        }
    }
}

fn keep_one(c: &mut Option<ConsumedCapacity>, keep: bool, reduce: impl Fn(&mut ConsumedCapacity)) {
    if keep {
        c.iter_mut().for_each(reduce);
    } else {
        *c = None;
    }
}

fn keep_all(c: &mut Vec<ConsumedCapacity>, keep: bool, reduce: impl Fn(&mut ConsumedCapacity)) {
    if keep {
        c.iter_mut().for_each(reduce);
    } else {
        c.clear();
    }
}

macro_rules! response_into {
    ($($method:ident: $variant:ident => $out:ty),* $(,)?) => {
        impl Response {
            $(
                #[doc = concat!("The ", stringify!($out), " of this response, or an error naming the layer's mistake.")]
                pub fn $method(self, operation: Operation) -> Result<$out> {
                    match self {
                        Response::$variant(o) => Ok(o),
                        other => Err(Error::Backend {
                            message: format!(
                                "a backend layer answered {operation} with {}",
                                other.kind()
                            ),
                            source: None,
                        }),
                    }
                }
            )*
        }
    };
}

response_into! {
    into_table: Table => TableDescription,
    into_definition: Definition => TableDefinition,
    into_tables: Tables => ListTablesOutput,
    into_time_to_live: TimeToLive => TimeToLive,
    into_time_to_live_description: TimeToLiveDescription => TimeToLiveDescription,
    into_item: Item => GetItemOutput,
    into_write: Write => WriteOutput,
    into_page: Page => Page,
    into_batch_get: BatchGet => BatchGetOutput,
    into_batch_write: BatchWrite => BatchWriteOutput,
    into_transact_write: TransactWrite => TransactWriteOutput,
    into_transact_get: TransactGet => TransactGetOutput,
}
