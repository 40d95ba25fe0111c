//! [`RepositoryExt`]: the generic conveniences of every repository.

use async_trait::async_trait;

use super::{AsKey, GetOptions, KeyOf, Repository, SaveMode, Tracked};
use crate::error::{Error, Result};
use crate::expr::{Condition, Update};
use crate::model::Model;

/// Conveniences over [`Repository`], for every repository (trait objects
/// included): keys in their borrowed forms (`get("alice")`,
/// `get(("orders", 7))`), `save` with conflict detection, and `modify`
/// with a closure whose own error type comes back out.
#[async_trait]
pub trait RepositoryExt<T: Model>: Repository<T> {
    /// The value with this key, if any (eventually consistent).
    async fn get<K: AsKey<T::Key> + Send>(&self, key: K) -> Result<Option<Tracked<T>>> {
        self.get_with(KeyOf::new(key)?, GetOptions::default()).await
    }

    /// The value with this key, if any, read strongly consistent.
    async fn get_consistent<K: AsKey<T::Key> + Send>(&self, key: K) -> Result<Option<Tracked<T>>> {
        self.get_with(KeyOf::new(key)?, GetOptions::consistent())
            .await
    }

    /// Saves with conflict detection: see [`SaveMode::FailOnConflict`].
    async fn save(&self, item: &mut Tracked<T>) -> Result<()> {
        self.save_with(item, SaveMode::FailOnConflict).await
    }

    /// Deletes the item with this key, whatever it holds; true if there was one.
    async fn delete_key<K: AsKey<T::Key> + Send>(&self, key: K) -> Result<bool> {
        self.delete_key_with(KeyOf::new(key)?).await
    }

    /// [`Repository::update_with`] of an existing item, with the key in
    /// any form: a missing item is [`Error::NotFound`].
    async fn update<K: AsKey<T::Key> + Send>(
        &self,
        key: K,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Tracked<T>> {
        self.update_with(KeyOf::new(key)?, update, condition, false)
            .await
    }

    /// [`Repository::update_with`] that creates a missing item (when the
    /// result is a whole `T`).
    async fn upsert<K: AsKey<T::Key> + Send>(
        &self,
        key: K,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Tracked<T>> {
        self.update_with(KeyOf::new(key)?, update, condition, true)
            .await
    }

    /// Reads, changes with `change`, validates and saves with conflict
    /// detection, retrying from the read on conflict. The change may
    /// capture and move state, and may refuse with the caller's own error:
    /// nothing is written and that error comes back out. Store errors come
    /// back as `E` too, through `E: From<Error>` (`E` may be [`Error`]).
    async fn modify<K, E, F>(&self, key: K, mut change: F) -> std::result::Result<Tracked<T>, E>
    where
        K: AsKey<T::Key> + Send,
        E: From<Error> + Send,
        F: FnMut(&mut T) -> std::result::Result<(), E> + Send,
    {
        let key = KeyOf::new(key)?;
        let mut refused: Option<E> = None;
        let result = self
            .modify_with(key, &mut |value: &mut T| match change(value) {
                Ok(()) => Ok(()),
                Err(e) => {
                    refused = Some(e);
                    Err(Error::InvalidRequest {
                        message: "the change function refused".to_owned(),
                    })
                }
            })
            .await;
        match (result, refused) {
            (_, Some(e)) => Err(e),
            (Ok(v), None) => Ok(v),
            (Err(e), None) => Err(E::from(e)),
        }
    }

    /// The values with these keys, in the caller's order (`None` where
    /// missing); any number of keys, read 100 at a time.
    async fn get_many<K, I>(&self, keys: I) -> Result<Vec<Option<Tracked<T>>>>
    where
        K: AsKey<T::Key>,
        I: IntoIterator<Item = K> + Send,
    {
        self.get_many_with(keys_of(keys)?).await
    }

    /// Deletes the items with these keys, 25 at a time.
    async fn delete_many<K, I>(&self, keys: I) -> Result<()>
    where
        K: AsKey<T::Key>,
        I: IntoIterator<Item = K> + Send,
    {
        self.delete_many_with(keys_of(keys)?).await
    }
}

impl<T: Model, R: Repository<T> + ?Sized> RepositoryExt<T> for R {}

fn keys_of<T: Model, K: AsKey<T::Key>>(keys: impl IntoIterator<Item = K>) -> Result<Vec<KeyOf<T>>> {
    keys.into_iter().map(KeyOf::new).collect()
}
