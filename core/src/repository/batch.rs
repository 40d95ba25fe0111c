//! Batches: `get_many`, `put_many` and `delete_many` in DynamoDB's 100-key
//! and 25-item requests, unprocessed work retried, results in the caller's
//! order.

use std::collections::{BTreeMap, HashMap};

use futures::{StreamExt, TryStreamExt, stream};

use super::retry::Rounds;
use super::{KeyOf, Table, Tracked};
use crate::backend::{BatchGet, BatchWrite, KeysAndAttributes, WriteRequest};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::path::PathSegment;
use crate::ser::to_item;
use crate::validate::{ValidationErrors, Violation};
use crate::value::{AttributeValue, Item};

/// Keys per `BatchGetItem` request (DynamoDB's limit).
pub const BATCH_GET_LIMIT: usize = 100;
/// Items per `BatchWriteItem` request (DynamoDB's limit).
pub const BATCH_WRITE_LIMIT: usize = 25;
/// Batch requests in flight at once.
const BATCH_CONCURRENCY: usize = 4;

/// A stable identity of a key item: numbers by value ("1" and "1.0" are
/// the same key), for matching batch results to the keys asked for.
pub(crate) fn fingerprint(key: &Item) -> Vec<u8> {
    let canonical: BTreeMap<String, AttributeValue> = key
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttributeValue::N(n) => AttributeValue::N(n.canonical()),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    crate::codec::encode_item(&Item::from(canonical))
}

impl<T: Model> Table<T> {
    pub(super) async fn get_many_inner(
        &self,
        keys: Vec<KeyOf<T>>,
    ) -> Result<Vec<Option<Tracked<T>>>> {
        let mut wanted: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
        let mut unique: Vec<Item> = Vec::new();
        // How many times each key was asked for.
        let mut asked: HashMap<Vec<u8>, usize> = HashMap::new();
        for key in keys {
            let item = key.into_item();
            let fp = fingerprint(&item);
            let count = asked.entry(fp.clone()).or_insert(0);
            if *count == 0 && !Self::is_counter(&item) {
                unique.push(item);
            }
            *count += 1;
            wanted.push(fp);
        }
        let chunks: Vec<Vec<Item>> = unique
            .chunks(BATCH_GET_LIMIT)
            .map(<[Item]>::to_vec)
            .collect();
        let found: Vec<Vec<Item>> = stream::iter(chunks)
            .map(|chunk| self.get_chunk(chunk))
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect()
            .await?;
        let schema = Self::key_schema();
        let mut by_key: HashMap<Vec<u8>, Item> = found
            .into_iter()
            .flatten()
            .map(|item| (fingerprint(&schema.key_of(&item)), item))
            .collect();
        let mut out = Vec::with_capacity(wanted.len());
        for fp in &wanted {
            // The last request for a key takes the item; earlier ones clone it.
            let count = asked.get_mut(fp).map_or(0, |c| {
                *c -= 1;
                *c
            });
            let item = if count == 0 {
                by_key.remove(fp)
            } else {
                by_key.get(fp).cloned()
            };
            out.push(item.map(|item| self.load(item)).transpose()?);
        }
        Ok(out)
    }

    pub(super) async fn put_many_inner(&self, values: &[T]) -> Result<()> {
        let mut violations: Vec<Violation> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            if let Err(e) = value.validate() {
                violations.extend(
                    e.violations()
                        .iter()
                        .map(|v| v.clone().within(PathSegment::Index(i))),
                );
            }
        }
        if !violations.is_empty() {
            return Err(Error::Validation(ValidationErrors::from_iter(violations)));
        }
        let schema = Self::key_schema();
        let mut requests = Vec::with_capacity(values.len());
        for (i, value) in values.iter().enumerate() {
            if Self::unassigned(value)? {
                return Err(Error::InvalidRequest {
                    message: format!(
                        "item [{i}] has no auto-increment key assigned: batch writes cannot assign one; use create()"
                    ),
                });
            }
            let item = to_item(value)?;
            let key = schema.key_of(&item);
            self.refuse_counter(&key)?;
            requests.push((fingerprint(&key), WriteRequest::Put(item)));
        }
        self.write_batches(requests).await
    }

    pub(super) async fn delete_many_inner(&self, keys: Vec<KeyOf<T>>) -> Result<()> {
        let mut requests = Vec::with_capacity(keys.len());
        for key in keys {
            let key = key.into_item();
            self.refuse_counter(&key)?;
            requests.push((fingerprint(&key), WriteRequest::Delete(key)));
        }
        self.write_batches(requests).await
    }

    /// One `BatchGetItem` chunk, retried until every key is processed.
    async fn get_chunk(&self, keys: Vec<Item>) -> Result<Vec<Item>> {
        let mut pending = keys;
        let mut found = Vec::with_capacity(pending.len());
        let mut rounds = Rounds::new(&self.retry, &self.name, "batch get");
        loop {
            let mut tables = BTreeMap::new();
            tables.insert(
                self.name.to_string(),
                KeysAndAttributes {
                    keys: pending.clone(),
                    ..KeysAndAttributes::default()
                },
            );
            let request = BatchGet {
                tables,
                ..BatchGet::default()
            };
            let before = pending.len();
            match self.backend.batch_get_item(request).await {
                Ok(mut out) => {
                    found.extend(out.responses.remove(&*self.name).unwrap_or_default());
                    pending = out
                        .unprocessed_keys
                        .remove(&*self.name)
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(found);
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(e),
            }
            if !rounds.retry(before, pending.len()).await {
                return Err(Error::Unprocessed {
                    table: self.name.to_string(),
                    keys: pending,
                    attempts: rounds.attempt,
                });
            }
        }
    }

    /// One `BatchWriteItem` chunk, retried until every request is processed.
    async fn write_chunk(&self, requests: Vec<WriteRequest>) -> Result<()> {
        let mut pending = requests;
        let mut rounds = Rounds::new(&self.retry, &self.name, "batch write");
        loop {
            let mut tables = BTreeMap::new();
            tables.insert(self.name.to_string(), pending.clone());
            let request = BatchWrite {
                tables,
                ..BatchWrite::default()
            };
            let before = pending.len();
            match self.backend.batch_write_item(request).await {
                Ok(mut out) => {
                    pending = out
                        .unprocessed_items
                        .remove(&*self.name)
                        .unwrap_or_default();
                    if pending.is_empty() {
                        return Ok(());
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => return Err(e),
            }
            if !rounds.retry(before, pending.len()).await {
                let key = Self::key_schema();
                return Err(Error::Unprocessed {
                    table: self.name.to_string(),
                    keys: pending
                        .iter()
                        .map(|r| match r {
                            WriteRequest::Put(item) => key.key_of(item),
                            WriteRequest::Delete(k) => k.clone(),
                        })
                        .collect(),
                    attempts: rounds.attempt,
                });
            }
        }
    }

    /// Writes requests keyed by item key, 25 per request, the last request
    /// for a key winning (DynamoDB refuses two for one key in a batch).
    async fn write_batches(&self, requests: Vec<(Vec<u8>, WriteRequest)>) -> Result<()> {
        let mut position: HashMap<Vec<u8>, usize> = HashMap::with_capacity(requests.len());
        let mut unique: Vec<Option<WriteRequest>> = Vec::with_capacity(requests.len());
        for (fp, request) in requests {
            if let Some(&i) = position.get(&fp) {
                unique[i] = None;
            }
            position.insert(fp, unique.len());
            unique.push(Some(request));
        }
        let unique: Vec<WriteRequest> = unique.into_iter().flatten().collect();
        let chunks: Vec<Vec<WriteRequest>> = unique
            .chunks(BATCH_WRITE_LIMIT)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(chunks)
            .map(|chunk| self.write_chunk(chunk))
            .buffer_unordered(BATCH_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }
}
