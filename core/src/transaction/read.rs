//! Read transactions: several items across tables and models, read as one
//! snapshot (`TransactGetItems`), each typed and tracked.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use super::MAX_ACTIONS;
use crate::backend::{Backend, GetItem, TransactGet};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::repository::{AsKey, KeyOf, Repository, Tracked};
use crate::value::Item;

type Load<'a> = Box<dyn FnOnce(Item) -> Result<Box<dyn Any + Send>> + Send + 'a>;

/// A handle on one read of a [`ReadTransaction`].
pub struct ReadHandle<T> {
    index: usize,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for ReadHandle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ReadHandle<T> {}

/// Reads from one snapshot: every item as it was at one moment, none
/// changed by a write transaction half-way.
///
/// ```
/// # use dynamodb_mapper::transaction::ReadTransaction;
/// # use dynamodb_mapper::{Error, Model, Repository, RepositoryExt, Table};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Model, Serialize, Deserialize, Clone, Debug)]
/// # #[model(table = "accounts")]
/// # struct Account { #[model(hash_key)] id: String, balance: i64 }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let accounts = Table::<Account>::new(dynamodb_mapper_memory::MemoryBackend::new());
/// # accounts.create_table().await?;
/// # accounts.create(Account { id: "alice".into(), balance: 5 }).await?;
/// let mut read = ReadTransaction::new();
/// let alice = read.get(&accounts, "alice")?;
/// let nobody = read.get(&accounts, "nobody")?;
/// let mut snapshot = read.commit().await?;
/// assert_eq!(snapshot.take(alice)?.unwrap().balance, 5);
/// assert!(snapshot.take(nobody)?.is_none());
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct ReadTransaction<'a> {
    store: Option<(Arc<dyn Backend>, usize, String)>,
    gets: Vec<GetItem>,
    loads: Vec<Load<'a>>,
}

impl<'a> ReadTransaction<'a> {
    /// An empty read transaction.
    pub fn new() -> Self {
        ReadTransaction {
            store: None,
            gets: Vec::new(),
            loads: Vec::new(),
        }
    }

    /// Reads the item of `repo` with this key.
    pub fn get<T, R>(&mut self, repo: &'a R, key: impl AsKey<T::Key>) -> Result<ReadHandle<T>>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        let backend = repo.backend();
        match &self.store {
            None => {
                self.store = Some((
                    backend.clone(),
                    backend.store_id(),
                    repo.table_name().to_owned(),
                ));
            }
            Some((_, id, _)) if *id == backend.store_id() => {}
            Some((_, _, first)) => {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "a read transaction's tables must all be in one store: `{}` is in another store than `{first}`",
                        repo.table_name()
                    ),
                });
            }
        }
        let key = KeyOf::<T>::new(key)?.into_item();
        self.gets.push(GetItem::new(repo.table_name(), key));
        self.loads.push(Box::new(move |item| {
            Ok(Box::new(repo.load_item(item)?) as Box<dyn Any + Send>)
        }));
        Ok(ReadHandle {
            index: self.gets.len() - 1,
            _model: PhantomData,
        })
    }

    /// Reads every item from one snapshot.
    pub async fn commit(self) -> Result<Snapshot> {
        let Some((backend, _, _)) = self.store else {
            return Err(Error::InvalidRequest {
                message: "a read transaction needs at least one read".to_owned(),
            });
        };
        if self.gets.len() > MAX_ACTIONS {
            return Err(Error::LimitExceeded {
                message: format!(
                    "a read transaction holds at most {MAX_ACTIONS} reads; this one has {}",
                    self.gets.len()
                ),
            });
        }
        let out = backend
            .transact_get_items(TransactGet {
                items: self.gets,
                ..TransactGet::default()
            })
            .await?;
        let mut values = Vec::with_capacity(out.items.len());
        for (item, load) in out.items.into_iter().zip(self.loads) {
            values.push(item.map(load));
        }
        Ok(Snapshot { values })
    }
}

/// The items of a read transaction, each taken once by its handle.
pub struct Snapshot {
    values: Vec<Option<Result<Box<dyn Any + Send>>>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({} reads)", self.values.len())
    }
}

impl Snapshot {
    /// The item of a read (`None` when missing, or already taken).
    pub fn take<T: Model>(&mut self, handle: ReadHandle<T>) -> Result<Option<Tracked<T>>> {
        match self.values.get_mut(handle.index).and_then(Option::take) {
            None => Ok(None),
            Some(Err(e)) => Err(e),
            Some(Ok(v)) => Ok(v.downcast::<Tracked<T>>().ok().map(|b| *b)),
        }
    }
}
