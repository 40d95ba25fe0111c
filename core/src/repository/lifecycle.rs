//! The table's lifecycle: create, ensure, delete, and waiting for them.

use std::time::Instant;

use super::Table;
use crate::backend::{TableState, wait_for_table};
use crate::error::{Error, Result};
use crate::model::{KeySchema, Model, TableDefinition};
use crate::trace::MODEL;

fn describe_key_schema(key: &KeySchema) -> String {
    match &key.range {
        Some(r) => format!(
            "({} {}, {} {})",
            key.hash.name, key.hash.scalar_type, r.name, r.scalar_type
        ),
        None => format!("({} {})", key.hash.name, key.hash.scalar_type),
    }
}

impl<T: Model> Table<T> {
    /// Waits for the table's state; one info line when it is reached.
    async fn wait_for(&self, state: TableState) -> Result<()> {
        let start = Instant::now();
        wait_for_table(&*self.backend, &self.name, state, self.retry.table_wait).await?;
        let waited_ms = start.elapsed().as_millis() as u64;
        let state = match state {
            TableState::Deleted => "deleted",
            TableState::Active => "active",
        };
        tracing::info!(target: MODEL, table = %self.name, state, waited_ms, "table {state} after {waited_ms} ms");
        Ok(())
    }

    /// Sends the create request; one info line when it is accepted.
    async fn request_create(&self) -> Result<()> {
        let start = Instant::now();
        let definition = self.definition();
        let indexes = definition.indexes.len();
        self.backend.create_table(definition).await?;
        let elapsed_ms = start.elapsed().as_millis() as u64;
        tracing::info!(target: MODEL, table = %self.name, indexes, elapsed_ms, "table creation requested ({indexes} indexes); waiting until active");
        Ok(())
    }

    pub(super) async fn create_table_inner(&self) -> Result<()> {
        self.request_create().await?;
        self.wait_for(TableState::Active).await
    }

    pub(super) async fn ensure_table_inner(&self) -> Result<()> {
        match self.backend.describe_table(&self.name).await {
            Ok(d) => {
                self.check_fits(&d.definition)?;
                tracing::info!(target: MODEL, table = %self.name, "table exists and fits the model");
                self.wait_for(TableState::Active).await
            }
            Err(Error::TableNotFound { .. }) => {
                tracing::info!(target: MODEL, table = %self.name, "table does not exist; creating it");
                match self.request_create().await {
                    Ok(()) => {}
                    Err(Error::TableInUse { .. }) => {
                        tracing::info!(target: MODEL, table = %self.name, "table being created by another caller");
                    }
                    Err(e) => return Err(e),
                }
                self.wait_for(TableState::Active).await?;
                let d = self.backend.describe_table(&self.name).await?;
                self.check_fits(&d.definition)
            }
            Err(e) => Err(e),
        }
    }

    pub(super) async fn delete_table_inner(&self) -> Result<()> {
        let start = Instant::now();
        self.backend.delete_table(&self.name).await?;
        let elapsed_ms = start.elapsed().as_millis() as u64;
        tracing::info!(target: MODEL, table = %self.name, elapsed_ms, "table deletion requested; waiting until it is gone");
        self.wait_for(TableState::Deleted).await
    }

    /// Checks that an existing table fits the model: same keys, and every
    /// index the model declares.
    fn check_fits(&self, existing: &TableDefinition) -> Result<()> {
        let want = self.definition();
        if existing.key != want.key {
            return Err(Error::InvalidRequest {
                message: format!(
                    "table `{}` exists with key {} but the model's key is {}",
                    self.name,
                    describe_key_schema(&existing.key),
                    describe_key_schema(&want.key)
                ),
            });
        }
        for index in &want.indexes {
            match existing.index(&index.name) {
                Some(found) if found.key == index.key && found.kind == index.kind => {}
                Some(found) => {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "index `{}` of table `{}` has key {} but the model's is {}",
                            index.name,
                            self.name,
                            describe_key_schema(&found.key),
                            describe_key_schema(&index.key)
                        ),
                    });
                }
                None => {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "table `{}` exists without the model's index `{}`",
                            self.name, index.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}
