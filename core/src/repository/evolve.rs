//! Table evolution: [`Table::migrate_table`] brings an existing table to
//! the model's definition, one global index at a time.

use super::Table;
use crate::backend::{TableState, UpdateTable, wait_for_table};
use crate::error::{Error, Result};
use crate::model::{IndexKind, Model};

/// What [`Table::migrate_table`] may do beyond creating missing indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrateTableOptions {
    /// Delete the global indexes the table has and the model no longer
    /// declares (by default they are only listed in the report).
    pub delete_extra_indexes: bool,
}

impl MigrateTableOptions {
    /// Creates missing indexes, lists extra ones without deleting them.
    pub fn new() -> Self {
        MigrateTableOptions::default()
    }

    /// Also deletes the global indexes the model no longer declares.
    pub fn delete_extra_indexes(mut self, yes: bool) -> Self {
        self.delete_extra_indexes = yes;
        self
    }
}

/// What [`Table::migrate_table`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrateTableReport {
    /// The global indexes created (and backfilled), in the model's order.
    pub created: Vec<String>,
    /// The global indexes deleted (only with
    /// [`MigrateTableOptions::delete_extra_indexes`]).
    pub deleted: Vec<String>,
    /// Indexes the table has and the model does not declare, left in
    /// place: global ones unless deleting was asked, and local ones
    /// (DynamoDB cannot delete a local index but with its table).
    pub extra: Vec<String>,
}

impl MigrateTableReport {
    /// True when the table already had the model's definition.
    pub fn is_unchanged(&self) -> bool {
        self.created.is_empty() && self.deleted.is_empty()
    }
}

impl<T: Model> Table<T> {
    /// Brings the existing table to the model's definition: creates each
    /// global secondary index the model declares and the table lacks, one
    /// at a time as DynamoDB allows, waiting for each to be backfilled and
    /// `ACTIVE` before the next; lists the indexes the table has that the
    /// model no longer declares, and deletes the global ones only if
    /// `options` asks. Run it again: it does nothing more.
    ///
    /// Refused, before anything changes: a missing table
    /// ([`Error::TableNotFound`]; create it with `create_table` or
    /// `ensure_table`), a table whose primary key differs from the
    /// model's, an index whose key differs from the model's (an index
    /// cannot be changed in place: rename it in the model), and a local
    /// index the table lacks (local indexes are created only with the
    /// table). Waiting uses the repository's
    /// [`RetryPolicy::table_wait`](crate::repository::RetryPolicy).
    ///
    /// ```
    /// use dynamodb_mapper::repository::{MigrateTableOptions, Repository, Table};
    /// use dynamodb_mapper::{Error, Model};
    /// use dynamodb_mapper_memory::MemoryBackend;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize, Clone, Debug)]
    /// #[model(table = "users")]
    /// struct UserV1 {
    ///     #[model(hash_key)]
    ///     id: String,
    ///     email: String,
    /// }
    ///
    /// /// The same table, now with an index on `email`.
    /// #[derive(Model, Serialize, Deserialize, Clone, Debug)]
    /// #[model(table = "users", gsi(name = "by_email", hash = "email"))]
    /// struct User {
    ///     #[model(hash_key)]
    ///     id: String,
    ///     email: String,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryBackend::new();
    /// let old = Table::<UserV1>::new(store.clone());
    /// old.create_table().await?;
    /// old.create(UserV1 { id: "alice".into(), email: "a@example.com".into() }).await?;
    ///
    /// let users = Table::<User>::new(store);
    /// let report = users.migrate_table(MigrateTableOptions::new()).await?;
    /// assert_eq!(report.created, ["by_email"]);
    /// // Once active, the index holds the items written before it.
    /// assert!(users.migrate_table(MigrateTableOptions::new()).await?.is_unchanged());
    /// # Ok::<(), Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn migrate_table(&self, options: MigrateTableOptions) -> Result<MigrateTableReport> {
        let wait = self.retry.table_wait;
        let name = &*self.name;
        let mut described = self.backend.describe_table(name).await?;
        if !described.is_settled()
            && let Some(d) = wait_for_table(&*self.backend, name, TableState::Active, wait).await?
        {
            described = d;
        }
        let existing = described.definition;
        let want = self.definition();
        if existing.key != want.key {
            return Err(Error::invalid(format!(
                "table `{name}` has another primary key than the model's: it cannot be migrated"
            )));
        }
        let mut missing = Vec::new();
        for index in &want.indexes {
            match existing.index(&index.name) {
                Some(found) if found.key == index.key && found.kind == index.kind => {}
                Some(_) => {
                    return Err(Error::invalid(format!(
                        "index `{}` of table `{name}` has another key or kind than the model's: an index cannot be changed in place (give the model's index a new name)",
                        index.name
                    )));
                }
                None if index.kind == IndexKind::Local => {
                    return Err(Error::invalid(format!(
                        "table `{name}` lacks the model's local secondary index `{}`: local indexes can only be created with the table",
                        index.name
                    )));
                }
                None => missing.push(index.clone()),
            }
        }
        let mut report = MigrateTableReport::default();
        for index in existing
            .indexes
            .iter()
            .filter(|i| want.index(&i.name).is_none())
        {
            if options.delete_extra_indexes && index.kind == IndexKind::Global {
                tracing::info!(target: crate::trace::MODEL, table = %name, index = %index.name, "deleting an index the model no longer declares");
                self.backend
                    .update_table(UpdateTable::new(name).delete_index(&index.name))
                    .await?;
                wait_for_table(&*self.backend, name, TableState::Active, wait).await?;
                report.deleted.push(index.name.clone());
            } else {
                report.extra.push(index.name.clone());
            }
        }
        for index in missing {
            tracing::info!(target: crate::trace::MODEL, table = %name, index = %index.name, "creating an index the model declares");
            self.backend
                .update_table(UpdateTable::new(name).create_index(index.clone()))
                .await?;
            wait_for_table(&*self.backend, name, TableState::Active, wait).await?;
            report.created.push(index.name);
        }
        Ok(report)
    }
}
