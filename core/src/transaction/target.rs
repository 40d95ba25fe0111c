//! Targets: items a transaction loads, changes and saves, again on each
//! attempt (the Python mapper's transactors, done atomically).

use std::any::Any;

use crate::backend::{GetItem, TransactWriteItem};
use crate::error::Error;
use crate::model::Model;
use crate::repository::plan::{self, Write};
use crate::repository::{KeyOf, Repository, SaveMode, Tracked};
use crate::value::Item;

use super::{ActionKind, Origin, describe_key};

/// One target, whatever its model: what the commit loop needs of it.
pub(crate) trait Target<E>: Send {
    /// Who added the action (see [`Origin`]).
    fn origin(&self) -> Origin;
    /// The read of the target in the transaction's snapshot.
    fn get(&self) -> GetItem;
    /// Changes the target as loaded (`None`: missing) and plans its
    /// guarded write; the caller's change may refuse with its own error.
    fn plan(&mut self, loaded: Option<Item>) -> Result<TransactWriteItem, E>;
    /// The commit applied: remember the stored form.
    fn committed(&mut self);
    /// The changed value, once committed.
    fn take(&mut self) -> Option<Box<dyn Any + Send>>;
}

pub(crate) struct TargetOf<'a, T, R: ?Sized, F, C> {
    repo: &'a R,
    key: Item,
    change: F,
    create: Option<C>,
    value: Option<Tracked<T>>,
    after: Option<Item>,
}

impl<'a, T, R, F, C> TargetOf<'a, T, R, F, C>
where
    T: Model,
    R: Repository<T> + ?Sized,
{
    pub(crate) fn new(repo: &'a R, key: KeyOf<T>, change: F, create: Option<C>) -> Self {
        let key = key.into_item();
        TargetOf {
            repo,
            key,
            change,
            create,
            value: None,
            after: None,
        }
    }
}

impl<'a, T, R, F, C, E> Target<E> for TargetOf<'a, T, R, F, C>
where
    T: Model,
    R: Repository<T> + ?Sized,
    F: FnMut(&mut T) -> Result<(), E> + Send,
    C: FnMut() -> T + Send,
    E: From<Error> + Send,
{
    fn origin(&self) -> Origin {
        Origin::of::<T>(ActionKind::Target)
    }

    fn get(&self) -> GetItem {
        GetItem::new(self.repo.table_name(), self.key.clone()).consistent(true)
    }

    fn plan(&mut self, loaded: Option<Item>) -> Result<TransactWriteItem, E> {
        let mut tracked = match (loaded, self.create.as_mut()) {
            (Some(item), _) => self.repo.load_item(item)?,
            (None, Some(create)) => Tracked::new(create()),
            (None, None) => {
                return Err(Error::NotFound {
                    table: self.repo.table_name().to_owned(),
                    key: describe_key::<T>(&self.key),
                }
                .into());
            }
        };
        (self.change)(&mut tracked.value)?;
        tracked.value.validate().map_err(Error::from)?;
        if tracked.value.own_key_item()? != self.key {
            return Err(Error::InvalidRequest {
                message: format!(
                    "the change of target {} in `{}` changed its key",
                    describe_key::<T>(&self.key),
                    self.repo.table_name()
                ),
            }
            .into());
        }
        plan::bump_version(&mut tracked.value)?;
        let planned = plan::plan_save(
            self.repo.table_name(),
            &tracked.value,
            tracked.stored.as_ref(),
            tracked.upgraded.as_ref(),
            SaveMode::FailOnConflict,
        )?;
        self.after = planned.stored_after;
        self.value = Some(tracked);
        Ok(match planned.write {
            Write::Put(p) => TransactWriteItem::Put(p),
            Write::Update(u) => TransactWriteItem::Update(u),
            Write::Delete(d) => TransactWriteItem::Delete(d),
        })
    }

    fn committed(&mut self) {
        if let Some(v) = self.value.as_mut() {
            v.set_stored(self.after.take());
        }
    }

    fn take(&mut self) -> Option<Box<dyn Any + Send>> {
        self.value
            .take()
            .map(|v| Box::new(v) as Box<dyn Any + Send>)
    }
}
