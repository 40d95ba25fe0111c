//! Batches: `get_many`, `put_many` and `delete_many` in DynamoDB's 100-key
//! and 25-item requests, unprocessed work retried, results in the caller's
//! order.

use std::collections::{BTreeMap, HashMap};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::preflight;
use super::retry::Rounds;
use super::{KeyOf, Table, Tracked};
use crate::backend::{BatchGet, BatchWrite, KeysAndAttributes, WriteRequest};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::path::{FieldPath, PathSegment};
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

/// What one chunk of a batch did: the keys done, the keys not done, and
/// the error that stopped it, if any.
struct ChunkOutcome<R> {
    found: Vec<R>,
    done: Vec<Item>,
    undone: Vec<Item>,
    attempts: u32,
    error: Option<Error>,
}

/// The path of the `i`th value of a batch.
fn nth(i: usize) -> FieldPath {
    FieldPath::from(vec![PathSegment::Index(i)])
}

fn refuse(violations: Vec<Violation>) -> Result<()> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(ValidationErrors::from_iter(violations)))
    }
}

impl<T: Model> Table<T> {
    /// Runs the chunks, at most [`BATCH_CONCURRENCY`] at once. Once one
    /// fails, no other starts, and the call waits for those in flight:
    /// nothing lands after it returns. The error says which keys were done.
    async fn run_chunks<C, R, F, Fut>(
        &self,
        chunks: Vec<C>,
        keys_of: impl Fn(&C) -> Vec<Item>,
        run: F,
    ) -> Result<Vec<R>>
    where
        F: Fn(C) -> Fut,
        Fut: std::future::Future<Output = ChunkOutcome<R>>,
    {
        let mut waiting = chunks.into_iter();
        let mut running = FuturesUnordered::new();
        let mut found = Vec::new();
        let mut done: Vec<Item> = Vec::new();
        let mut undone: Vec<Item> = Vec::new();
        let mut first_error: Option<(Error, u32)> = None;
        loop {
            while first_error.is_none() && running.len() < BATCH_CONCURRENCY {
                match waiting.next() {
                    Some(chunk) => running.push(run(chunk)),
                    None => break,
                }
            }
            let Some(outcome) = running.next().await else {
                break;
            };
            super::progress::LongOp::advance_current(outcome.done.len());
            found.extend(outcome.found);
            done.extend(outcome.done);
            undone.extend(outcome.undone);
            if let Some(e) = outcome.error
                && first_error.is_none()
            {
                first_error = Some((e, outcome.attempts));
            }
        }
        let Some((error, attempts)) = first_error else {
            return Ok(found);
        };
        undone.extend(waiting.flat_map(|c| keys_of(&c)));
        match error {
            // The retries ran out: the store is throttling.
            Error::Unprocessed { .. } => Err(Error::Unprocessed {
                table: self.name.to_string(),
                keys: undone,
                done,
                attempts,
                cause: None,
            }),
            // Nothing was done: the error as the store gave it.
            e if done.is_empty() => Err(e),
            e => Err(Error::Unprocessed {
                table: self.name.to_string(),
                keys: undone,
                done,
                attempts,
                cause: Some(Box::new(e)),
            }),
        }
    }

    pub(super) async fn get_many_inner(
        &self,
        keys: Vec<KeyOf<T>>,
    ) -> Result<Vec<Option<Tracked<T>>>> {
        let mut wanted: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
        let mut unique: Vec<Item> = Vec::new();
        // How many times each key was asked for.
        let mut asked: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut violations = Vec::new();
        for (i, key) in keys.into_iter().enumerate() {
            let item = key.into_item();
            preflight::check_key::<T>(&item, &nth(i), &mut violations);
            let fp = fingerprint(&item);
            let count = asked.entry(fp.clone()).or_insert(0);
            if *count == 0 && !Self::is_counter(&item) {
                unique.push(item);
            }
            *count += 1;
            wanted.push(fp);
        }
        refuse(violations)?;
        let chunks: Vec<Vec<Item>> = unique
            .chunks(BATCH_GET_LIMIT)
            .map(<[Item]>::to_vec)
            .collect();
        let found: Vec<Item> = self
            .run_chunks(chunks, Vec::clone, |c| self.get_chunk(c))
            .await?;
        let schema = Self::key_schema();
        let mut by_key: HashMap<Vec<u8>, Item> = found
            .into_iter()
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

    /// Checks every value (validation, mapping, what DynamoDB refuses)
    /// before any is written, then writes them 25 at a time.
    pub(super) async fn put_many_inner(&self, values: &[T]) -> Result<()> {
        let mut violations: Vec<Violation> = Vec::new();
        let mut requests = Vec::with_capacity(values.len());
        let schema = Self::key_schema();
        for (i, value) in values.iter().enumerate() {
            let before = violations.len();
            if let Err(e) = value.validate() {
                violations.extend(
                    e.violations()
                        .iter()
                        .map(|v| v.clone().within(PathSegment::Index(i))),
                );
            }
            if Self::unassigned(value)? {
                violations.push(Violation {
                    path: nth(i),
                    rule: preflight::RULE,
                    message: "has no auto-increment key assigned: batch writes cannot assign one; use create()".to_owned(),
                });
                continue;
            }
            let item = match Self::stored_item(value) {
                Ok(item) => item,
                Err(Error::Mapping(e)) => {
                    let mut path = nth(i);
                    for s in e.field_path().segments() {
                        path.push(s.clone());
                    }
                    violations.push(Violation {
                        path,
                        rule: "mapping",
                        message: e.message().to_owned(),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            if violations.len() == before {
                preflight::check_item::<T>(&item, &nth(i), &mut violations);
            }
            let key = schema.key_of(&item);
            self.refuse_counter(&key)?;
            requests.push((fingerprint(&key), WriteRequest::Put(item)));
        }
        refuse(violations)?;
        self.write_batches(requests).await
    }

    pub(super) async fn delete_many_inner(&self, keys: Vec<KeyOf<T>>) -> Result<()> {
        let mut requests = Vec::with_capacity(keys.len());
        let mut violations = Vec::new();
        for (i, key) in keys.into_iter().enumerate() {
            let key = key.into_item();
            preflight::check_key::<T>(&key, &nth(i), &mut violations);
            self.refuse_counter(&key)?;
            requests.push((fingerprint(&key), WriteRequest::Delete(key)));
        }
        refuse(violations)?;
        self.write_batches(requests).await
    }

    /// One `BatchGetItem` chunk, retried until every key is processed.
    async fn get_chunk(&self, keys: Vec<Item>) -> ChunkOutcome<Item> {
        let mut pending = keys;
        let mut found = Vec::with_capacity(pending.len());
        let mut done = Vec::new();
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
                    let left = out
                        .unprocessed_keys
                        .remove(&*self.name)
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    let left_fp: std::collections::HashSet<Vec<u8>> =
                        left.iter().map(fingerprint).collect();
                    done.extend(
                        pending
                            .drain(..)
                            .filter(|k| !left_fp.contains(&fingerprint(k))),
                    );
                    found.extend(out.responses.remove(&*self.name).unwrap_or_default());
                    pending = left;
                    if pending.is_empty() {
                        return ChunkOutcome {
                            found,
                            done,
                            undone: Vec::new(),
                            attempts: rounds.attempt,
                            error: None,
                        };
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => {
                    return ChunkOutcome {
                        found,
                        done,
                        undone: pending,
                        attempts: rounds.attempt,
                        error: Some(e),
                    };
                }
            }
            if !rounds.retry(before, pending.len()).await {
                return ChunkOutcome {
                    found,
                    done,
                    undone: pending,
                    attempts: rounds.attempt,
                    error: Some(self.ran_out()),
                };
            }
        }
    }

    /// The marker of a chunk whose retries ran out (replaced by the whole
    /// operation's [`Error::Unprocessed`] in [`Self::run_chunks`]).
    fn ran_out(&self) -> Error {
        Error::Unprocessed {
            table: self.name.to_string(),
            keys: Vec::new(),
            done: Vec::new(),
            attempts: 0,
            cause: None,
        }
    }

    /// One `BatchWriteItem` chunk, retried until every request is processed.
    async fn write_chunk(&self, requests: Vec<WriteRequest>) -> ChunkOutcome<()> {
        let schema = Self::key_schema();
        let key_of = |r: &WriteRequest| match r {
            WriteRequest::Put(item) => schema.key_of(item),
            WriteRequest::Delete(k) => k.clone(),
        };
        let mut pending = requests;
        let mut done = Vec::new();
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
                    let left = out
                        .unprocessed_items
                        .remove(&*self.name)
                        .unwrap_or_default();
                    let left_fp: std::collections::HashSet<Vec<u8>> =
                        left.iter().map(|r| fingerprint(&key_of(r))).collect();
                    done.extend(
                        pending
                            .iter()
                            .map(key_of)
                            .filter(|k| !left_fp.contains(&fingerprint(k))),
                    );
                    pending = left;
                    if pending.is_empty() {
                        return ChunkOutcome {
                            found: Vec::new(),
                            done,
                            undone: Vec::new(),
                            attempts: rounds.attempt,
                            error: None,
                        };
                    }
                }
                Err(e) if e.is_retryable() => {}
                Err(e) => {
                    return ChunkOutcome {
                        found: Vec::new(),
                        done,
                        undone: pending.iter().map(key_of).collect(),
                        attempts: rounds.attempt,
                        error: Some(e),
                    };
                }
            }
            if !rounds.retry(before, pending.len()).await {
                return ChunkOutcome {
                    found: Vec::new(),
                    done,
                    undone: pending.iter().map(key_of).collect(),
                    attempts: rounds.attempt,
                    error: Some(self.ran_out()),
                };
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
        let schema = Self::key_schema();
        let keys_of = |chunk: &Vec<WriteRequest>| {
            chunk
                .iter()
                .map(|r| match r {
                    WriteRequest::Put(item) => schema.key_of(item),
                    WriteRequest::Delete(k) => k.clone(),
                })
                .collect()
        };
        self.run_chunks(chunks, keys_of, |c| self.write_chunk(c))
            .await?;
        Ok(())
    }
}
