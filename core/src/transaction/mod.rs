//! Typed transactions: guarded writes across tables and models, committed
//! in one `TransactWriteItems` (all or nothing), with a reason per action
//! when it is cancelled; targets that are loaded, changed and saved again
//! on each attempt; sub-transactions in the same commit; an optional
//! record of the transaction written in that commit; and read transactions.
//!
//! ```
//! use dynamodb_mapper::transaction::Transaction;
//! use dynamodb_mapper::{Error, Model, Repository, RepositoryExt, Table};
//! use dynamodb_mapper_memory::MemoryBackend;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Model, Serialize, Deserialize, Clone, Debug)]
//! #[model(table = "accounts")]
//! struct Account {
//!     #[model(hash_key)]
//!     id: String,
//!     #[validate(range(min = 0))]
//!     balance: i64,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryBackend::new();
//! let accounts = Table::<Account>::new(store);
//! accounts.create_table().await?;
//! accounts.create(Account { id: "alice".into(), balance: 100 }).await?;
//! accounts.create(Account { id: "bob".into(), balance: 0 }).await?;
//!
//! // Move 30 from alice to bob, or nothing: loaded, changed, validated and
//! // saved guarded in one commit, reloaded and retried on a conflict.
//! let mut tx = Transaction::new();
//! tx.target(&accounts, "alice", |a: &mut Account| { a.balance -= 30; Ok(()) })?;
//! tx.target(&accounts, "bob", |a: &mut Account| { a.balance += 30; Ok(()) })?;
//! tx.commit().await?;
//! assert_eq!(accounts.get("bob").await?.unwrap().balance, 30);
//!
//! // A change that breaks a rule writes nothing.
//! let mut tx = Transaction::new();
//! tx.target(&accounts, "alice", |a: &mut Account| { a.balance -= 1000; Ok(()) })?;
//! assert!(matches!(tx.commit().await, Err(Error::Validation(_))));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```

mod commit;
mod failure;
mod read;
mod record;
mod target;

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::{Backend, ConditionCheck, TransactWriteItem, UpdateItem};
use crate::error::{Error, Result};
use crate::expr::{Condition, Update, attr};
use crate::model::Model;
use crate::path::{FieldPath, PathSegment};
use crate::repository::plan::{self, Write};
use crate::repository::{AsKey, KeyOf, Repository, RetryPolicy, SaveMode, Tracked};
use crate::validate::ValidationErrors;
use crate::value::{AttributeValue, Item};

use failure::Origin;
pub use failure::{ActionFailure, ActionInfo, ActionKind, FailureReason, describe_failures};
pub use read::{ReadHandle, ReadTransaction, Snapshot};
pub use record::TransactionRecord;
use target::{Target, TargetOf};

/// Actions in one transaction, at most (DynamoDB's limit).
pub const MAX_ACTIONS: usize = 100;
/// The aggregate size of a transaction's items, at most (4 MB).
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

/// The last segment of a model's type name.
pub(crate) fn model_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    // After the last `:` (a path's separator is `::`): a char, not a
    // substring, search.
    full.rsplit(':').next().unwrap_or(full)
}

/// A key as text: `alice`, `(orders, 7)`.
pub(crate) fn describe_key<T: Model>(key: &Item) -> String {
    T::schema().table.key.describe(key)
}

/// A transaction's id: 32 random hex digits (as `format!("{:032x}")`
/// writes them, without the formatting machinery: one is made for every
/// transaction).
fn new_id() -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let n = fastrand::u128(..);
    let mut text = [0u8; 32];
    for (i, digit) in text.iter_mut().rev().enumerate() {
        *digit = DIGITS[((n >> (i * 4)) & 0xf) as usize];
    }
    // Hex digits are ASCII: never the empty fallback.
    std::str::from_utf8(&text).unwrap_or_default().to_owned()
}

/// The store a transaction's tables are in.
#[derive(Clone)]
struct Store {
    backend: Arc<dyn Backend>,
    id: usize,
    table: String,
}

/// An action whose request is fixed when it is added.
struct Fixed<'a> {
    origin: Origin,
    /// The action; a commit takes it for each send and gives it back for
    /// the next attempt.
    write: Option<TransactWriteItem>,
    /// Called once, when the commit is over: `true` if it applied.
    finish: Option<Box<dyn FnOnce(bool) + Send + 'a>>,
}

// A fixed action is held in place, not boxed: entries are made once and
// moved only while the list grows, and a box would be one more allocation
// for every action.
#[allow(clippy::large_enum_variant)]
enum Entry<'a, E> {
    Fixed(Fixed<'a>),
    Target(Box<dyn Target<E> + 'a>),
}

/// The record to write in the commit.
struct RecordSpec {
    table: String,
    requester: Option<String>,
}

/// A handle on a target's value, to take it from the [`Committed`] result.
pub struct TargetHandle<T> {
    index: usize,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for TargetHandle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for TargetHandle<T> {}

impl<T> std::fmt::Debug for TargetHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TargetHandle({})", self.index)
    }
}

/// What a committed transaction gives back: its id, the attempts it took,
/// and the targets' new values.
pub struct Committed {
    /// The transaction's id (its record's id, when it writes one).
    pub id: String,
    /// Attempts made (1 when nothing conflicted).
    pub attempts: u32,
    values: Vec<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for Committed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committed")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Committed {
    /// A target's value as saved (with its new stored form), once.
    pub fn take<T: Model>(&mut self, handle: TargetHandle<T>) -> Option<Tracked<T>> {
        self.values
            .get_mut(handle.index)?
            .take()?
            .downcast::<Tracked<T>>()
            .ok()
            .map(|b| *b)
    }
}

/// A write transaction: see the [module](self). `E` is the error type the
/// targets' change functions return (the library's [`Error`] unless
/// [`Transaction::with_error_type`] says otherwise); it must take the
/// library's errors too (`E: From<Error>`).
///
/// Actions borrow the values they save (`&'a mut Tracked<T>`): when the
/// commit applies, each holds its new stored form and version; when it
/// does not, each is as it was.
pub struct Transaction<'a, E = Error> {
    store: Option<Store>,
    entries: Vec<Entry<'a, E>>,
    record: Option<RecordSpec>,
    retry: RetryPolicy,
    id: String,
}

impl<E> std::fmt::Debug for Transaction<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("id", &self.id)
            .field("actions", &self.entries.len())
            .field("record", &self.record.is_some())
            .finish()
    }
}

impl<'a> Transaction<'a, Error> {
    /// An empty transaction whose change functions return [`Error`].
    pub fn new() -> Self {
        Self::with_error_type()
    }
}

impl Default for Transaction<'_, Error> {
    fn default() -> Self {
        Self::new()
    }
}

fn validation(index: usize, e: ValidationErrors) -> Error {
    Error::Validation(ValidationErrors::from_iter(
        e.violations()
            .iter()
            .map(|v| v.clone().within(PathSegment::Index(index))),
    ))
}

impl<'a, E: From<Error> + Send + 'a> Transaction<'a, E> {
    /// An empty transaction whose change functions return `E`.
    pub fn with_error_type() -> Self {
        Transaction {
            store: None,
            entries: Vec::new(),
            record: None,
            retry: RetryPolicy::default(),
            id: new_id(),
        }
    }

    /// The same transaction with another retry policy (its
    /// `max_conflict_retries` bounds the attempts of a transaction with
    /// targets; its `max_attempts` the resends of one request).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The transaction's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many actions it holds (sub-transactions included; the record
    /// adds one at commit).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when it holds no action.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Binds the transaction to the store of `backend`, refusing another.
    fn bind(&mut self, backend: &Arc<dyn Backend>, table: &str) -> Result<()> {
        let id = backend.store_id();
        match &self.store {
            None => {
                self.store = Some(Store {
                    backend: backend.clone(),
                    id,
                    table: table.to_owned(),
                });
                Ok(())
            }
            Some(s) if s.id == id => Ok(()),
            Some(s) => Err(Error::InvalidRequest {
                message: format!(
                    "a transaction's tables must all be in one store: `{table}` is in another store than `{}`",
                    s.table
                ),
            }),
        }
    }

    fn push_fixed(&mut self, fixed: Fixed<'a>) -> &mut Self {
        self.entries.push(Entry::Fixed(fixed));
        self
    }

    /// A guarded save of a value, as [`RepositoryExt::save`](crate::RepositoryExt::save)
    /// would do it: a loaded value is saved only if the stored item is
    /// still the one loaded (or has its version), writing what changed; a
    /// new value only if its key is free. Validated now.
    pub fn save<T, R>(&mut self, repo: &R, item: &'a mut Tracked<T>) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        let kind = if item.is_new() {
            ActionKind::Create
        } else {
            ActionKind::Save
        };
        self.guarded_save(repo, item, kind)
    }

    /// A new value: written only if no item has its key.
    pub fn create<T, R>(&mut self, repo: &R, item: &'a mut Tracked<T>) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        if !item.is_new() {
            return Err(Error::InvalidRequest {
                message: format!(
                    "create takes a value never saved; this one was loaded from `{}` (use save)",
                    repo.table_name()
                ),
            });
        }
        self.guarded_save(repo, item, ActionKind::Create)
    }

    fn guarded_save<T, R>(
        &mut self,
        repo: &R,
        item: &'a mut Tracked<T>,
        kind: ActionKind,
    ) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        self.bind(repo.backend(), repo.table_name())?;
        let index = self.entries.len();
        item.value.validate().map_err(|e| validation(index, e))?;
        refuse_unassigned(repo.table_name(), &item.value)?;
        let old_version = plan::bump_version(&mut item.value)?;
        let planned = match plan::plan_save(
            repo.table_name(),
            &item.value,
            item.stored.as_ref(),
            item.upgraded.as_ref(),
            SaveMode::FailOnConflict,
        ) {
            Ok(p) => p,
            Err(e) => {
                restore(&mut item.value, old_version);
                return Err(e);
            }
        };
        if let Write::Put(p) = &planned.write {
            check_item::<T>(index, &p.item)?;
        }
        let after = planned.stored_after;
        let write = into_action(planned.write);
        Ok(self.push_fixed(Fixed {
            origin: Origin::of::<T>(kind),
            write: Some(write),
            finish: Some(Box::new(move |applied| {
                if applied {
                    item.set_stored(after);
                } else {
                    restore(&mut item.value, old_version);
                }
            })),
        }))
    }

    /// A guarded delete: only if the stored item is still the one loaded.
    /// Once committed, the value counts as new again (its version kept).
    pub fn delete<T, R>(&mut self, repo: &R, item: &'a mut Tracked<T>) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        self.bind(repo.backend(), repo.table_name())?;
        let Some(stored) = item.stored.as_ref() else {
            return Err(Error::InvalidRequest {
                message: format!(
                    "delete takes a loaded value; this one was never saved to `{}`",
                    repo.table_name()
                ),
            });
        };
        let planned = plan::plan_delete::<T>(repo.table_name(), stored);
        let write = into_action(planned.write);
        Ok(self.push_fixed(Fixed {
            origin: Origin::of::<T>(ActionKind::Delete),
            write: Some(write),
            finish: Some(Box::new(move |applied| {
                if applied {
                    item.set_stored(None);
                }
            })),
        }))
    }

    /// An update expression on condition (as DynamoDB evaluates it); the
    /// model's version attribute, if any, counts up. The result is checked
    /// by the store as DynamoDB checks it, not mapped to the model (use a
    /// [target](Self::target) for that).
    pub fn update<T, R>(
        &mut self,
        repo: &R,
        key: impl AsKey<T::Key>,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        self.bind(repo.backend(), repo.table_name())?;
        repo.check_attributes("the update", &update)?;
        if let Some(c) = &condition {
            repo.check_attributes("the condition", c)?;
        }
        let key = KeyOf::<T>::new(key)?.into_item();
        let mut update = update;
        if let Some(v) = T::schema().version_attribute.as_deref()
            && !update.target_paths().any(|p| p.head() == v)
        {
            update = update.add(attr(v), AttributeValue::from(1));
        }
        let mut request = UpdateItem::new(repo.table_name(), key)
            .update(&update)
            .return_old_on_condition_failure(true);
        if let Some(c) = &condition {
            request = request.condition(c);
        }
        Ok(self.push_fixed(Fixed {
            origin: Origin::of::<T>(ActionKind::Update),
            write: Some(TransactWriteItem::Update(request)),
            finish: None,
        }))
    }

    /// A whole value written whatever is stored (validated now).
    pub fn put<T, R>(&mut self, repo: &R, value: &T) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        self.bind(repo.backend(), repo.table_name())?;
        let index = self.entries.len();
        value.validate().map_err(|e| validation(index, e))?;
        refuse_unassigned(repo.table_name(), value)?;
        // Stamped with the schema version, as a plain put is.
        let item = crate::Table::<T>::stored_item(value)?;
        check_item::<T>(index, &item)?;
        Ok(self.push_fixed(Fixed {
            origin: Origin::of::<T>(ActionKind::Put),
            write: Some(TransactWriteItem::Put(crate::backend::PutItem::new(
                repo.table_name(),
                item,
            ))),
            finish: None,
        }))
    }

    /// A condition on an item that the transaction does not write: the
    /// whole transaction applies only if it holds.
    pub fn check<T, R>(
        &mut self,
        repo: &R,
        key: impl AsKey<T::Key>,
        condition: &Condition,
    ) -> Result<&mut Self>
    where
        T: Model,
        R: Repository<T> + ?Sized,
    {
        self.bind(repo.backend(), repo.table_name())?;
        repo.check_attributes("the condition", condition)?;
        let key = KeyOf::<T>::new(key)?.into_item();
        let mut check = ConditionCheck::new(repo.table_name(), key, condition);
        check.return_values_on_condition_check_failure = true;
        Ok(self.push_fixed(Fixed {
            origin: Origin::of::<T>(ActionKind::Check),
            write: Some(TransactWriteItem::ConditionCheck(check)),
            finish: None,
        }))
    }

    /// A target: at commit the item is read (with the other targets, in one
    /// snapshot), changed by `change`, validated and saved guarded on what
    /// was read; on a conflict all targets are read and changed again, up
    /// to the retry policy's bound. A missing item fails the commit with
    /// [`Error::NotFound`]. `change` may refuse with the caller's error:
    /// nothing is written and that error is returned.
    pub fn target<T, R, F>(
        &mut self,
        repo: &'a R,
        key: impl AsKey<T::Key>,
        change: F,
    ) -> Result<TargetHandle<T>>
    where
        T: Model,
        R: Repository<T> + ?Sized,
        F: FnMut(&mut T) -> std::result::Result<(), E> + Send + 'a,
    {
        self.add_target::<T, R, F, fn() -> T>(repo, key, change, None)
    }

    /// A target created by `create` when it is missing (then changed by
    /// `change` and written on condition its key is still free).
    pub fn target_or_create<T, R, F, C>(
        &mut self,
        repo: &'a R,
        key: impl AsKey<T::Key>,
        create: C,
        change: F,
    ) -> Result<TargetHandle<T>>
    where
        T: Model,
        R: Repository<T> + ?Sized,
        F: FnMut(&mut T) -> std::result::Result<(), E> + Send + 'a,
        C: FnMut() -> T + Send + 'a,
    {
        self.add_target(repo, key, change, Some(create))
    }

    fn add_target<T, R, F, C>(
        &mut self,
        repo: &'a R,
        key: impl AsKey<T::Key>,
        change: F,
        create: Option<C>,
    ) -> Result<TargetHandle<T>>
    where
        T: Model,
        R: Repository<T> + ?Sized,
        F: FnMut(&mut T) -> std::result::Result<(), E> + Send + 'a,
        C: FnMut() -> T + Send + 'a,
    {
        self.bind(repo.backend(), repo.table_name())?;
        let key = KeyOf::<T>::new(key)?;
        let index = self.entries.len();
        self.entries.push(Entry::Target(Box::new(TargetOf::new(
            repo, key, change, create,
        ))));
        Ok(TargetHandle {
            index,
            _model: PhantomData,
        })
    }

    /// Includes another transaction: its actions and targets join this
    /// one's commit, so the whole tree applies or none of it does (over
    /// 100 actions in all is refused at commit, never split). Handles of
    /// the included transaction's targets are offset: use the returned
    /// offset with [`TargetHandle`]s from it via [`Self::rebase`].
    pub fn include(&mut self, other: Transaction<'a, E>) -> Result<usize> {
        if let Some(s) = &other.store {
            self.bind(&s.backend, &s.table)?;
        }
        let offset = self.entries.len();
        self.entries.extend(other.entries);
        Ok(offset)
    }

    /// A handle of an included transaction's target, in this transaction.
    pub fn rebase<T>(handle: TargetHandle<T>, offset: usize) -> TargetHandle<T> {
        TargetHandle {
            index: handle.index + offset,
            _model: PhantomData,
        }
    }

    /// Writes a [`TransactionRecord`] of this transaction in the same
    /// commit, into the table of `records`, naming the requester.
    pub fn record<R>(&mut self, records: &R, requester: Option<String>) -> Result<&mut Self>
    where
        R: Repository<TransactionRecord> + ?Sized,
    {
        self.bind(records.backend(), records.table_name())?;
        self.record = Some(RecordSpec {
            table: records.table_name().to_owned(),
            requester,
        });
        Ok(self)
    }
}

fn restore<T: Model>(value: &mut T, old_version: Option<u64>) {
    if let Some(v) = old_version {
        value.set_version(v);
    }
}

fn refuse_unassigned<T: Model>(table: &str, value: &T) -> Result<()> {
    if value.auto_increment_key() == Some(0) {
        return Err(Error::InvalidRequest {
            message: format!(
                "the auto-increment key of this `{table}` item is not assigned: transactions do not assign keys; create() it first"
            ),
        });
    }
    Ok(())
}

/// What DynamoDB would refuse in an item written by action `index`.
fn check_item<T: Model>(index: usize, item: &Item) -> Result<()> {
    let mut violations = Vec::new();
    crate::repository::preflight::check_item::<T>(
        item,
        &FieldPath::from(vec![PathSegment::Index(index)]),
        &mut violations,
    );
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(ValidationErrors::from_iter(violations)))
    }
}

fn into_action(write: Write) -> TransactWriteItem {
    match write {
        Write::Put(p) => TransactWriteItem::Put(p),
        Write::Update(u) => TransactWriteItem::Update(u),
        Write::Delete(d) => TransactWriteItem::Delete(d),
    }
}
