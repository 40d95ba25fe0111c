//! The commit: read the targets, plan every action, check the limits,
//! send once (resent with the same token when the outcome is unknown),
//! and on a conflict read, change and send again.

use std::borrow::Cow;
use std::sync::Arc;

use tracing::Instrument;

use super::{
    ActionFailure, ActionKind, Committed, Entry, MAX_ACTIONS, MAX_TRANSACTION_BYTES, Origin,
    Transaction, TransactionRecord, new_id,
};
use crate::backend::{
    Backend, PutItem, ReturnConsumedCapacity, TransactGet, TransactWrite, TransactWriteItem,
    TransactWriteOutput,
};
use crate::error::{CancellationReason, Error, Result};
use crate::expr::attr;
use crate::repository::RetryPolicy;
use crate::ser::to_item;
use crate::time::Timestamp;
use crate::trace::TRANSACTIONS;
use crate::value::{AttributeValue, Item};

/// Refuses what DynamoDB would refuse of the whole request, before it goes.
/// `origin(i)` is who added action `i`.
fn check_request(origin: impl Fn(usize) -> Origin, actions: &[TransactWriteItem]) -> Result<()> {
    if actions.is_empty() {
        return Err(Error::InvalidRequest {
            message: "a transaction needs at least one action".to_owned(),
        });
    }
    if actions.len() > MAX_ACTIONS {
        return Err(Error::LimitExceeded {
            message: format!(
                "a transaction holds at most {MAX_ACTIONS} actions; this one has {} (sub-transactions and the record included), and it is not split",
                actions.len()
            ),
        });
    }
    // At most MAX_ACTIONS: comparing every pair is bounded, and keys
    // compare numbers by value ("1" and "1.0" are one item). Only a put's
    // key is made (from its item), once; the others are in their requests.
    let made: Vec<Cow<'_, Item>> = if actions
        .iter()
        .any(|a| matches!(a, TransactWriteItem::Put(_)))
    {
        actions
            .iter()
            .enumerate()
            .map(|(i, a)| origin(i).key(a))
            .collect()
    } else {
        Vec::new()
    };
    let key = |i: usize| -> Cow<'_, Item> {
        match made.get(i) {
            Some(k) => Cow::Borrowed(k.as_ref()),
            None => origin(i).key(&actions[i]),
        }
    };
    for (i, action) in actions.iter().enumerate() {
        let Some(j) = (0..i).find(|&j| actions[j].table() == action.table() && key(j) == key(i))
        else {
            continue;
        };
        let origin = origin(i);
        return Err(Error::InvalidRequest {
            message: format!(
                "a transaction cannot hold two actions on one item (DynamoDB refuses it): [{j}] and [{i}] both act on {} {} in `{}`",
                origin.model(),
                origin.key_text(&key(i)),
                action.table()
            ),
        });
    }
    // The exact size only when a cheap bound of it is over the limit.
    // DynamoDB's own count (see `TransactWriteItem::payload_size_by`).
    let bound =
        |a: &TransactWriteItem| a.payload_size_by(Item::size_at_most, AttributeValue::size_at_most);
    if actions.iter().map(bound).sum::<usize>() > MAX_TRANSACTION_BYTES {
        let bytes: usize = actions
            .iter()
            .map(|a| a.payload_size_by(Item::size, AttributeValue::size))
            .sum();
        if bytes > MAX_TRANSACTION_BYTES {
            return Err(Error::LimitExceeded {
                message: format!(
                    "a transaction's items may total at most 4 MB ({MAX_TRANSACTION_BYTES} bytes); this one is {bytes}"
                ),
            });
        }
    }
    Ok(())
}

/// The typed failure of a cancellation: one entry per action.
fn failures(
    origin: impl Fn(usize) -> Origin,
    actions: &[TransactWriteItem],
    reasons: Vec<CancellationReason>,
) -> Vec<ActionFailure> {
    let mut reasons = reasons.into_iter();
    actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let reason = reasons.next().unwrap_or_else(CancellationReason::none);
            ActionFailure::from_reason(origin(i).info(action), reason)
        })
        .collect()
}

impl<'a, E: From<Error> + Send + 'a> Transaction<'a, E> {
    /// Commits: see the [module](super). On success every saved value
    /// holds its new stored form and version and every target's value can
    /// be taken from the result; on failure nothing was written and every
    /// value is as it was.
    pub async fn commit(mut self) -> std::result::Result<Committed, E> {
        let span = tracing::info_span!(
            target: TRANSACTIONS,
            "transaction",
            id = %self.id,
            actions = self.entries.len() + usize::from(self.record.is_some()),
            attempts = tracing::field::Empty,
            token = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let result = self.run(&span).instrument(span.clone()).await;
        span.record(
            "outcome",
            match &result {
                Ok(_) => "committed",
                Err(_) => "failed",
            },
        );
        // Every value learns the outcome, once. Only targets have values to
        // give back: a transaction without one keeps no list of them.
        let applied = result.is_ok();
        let has_targets = self.entries.iter().any(|e| matches!(e, Entry::Target(_)));
        let mut values = Vec::with_capacity(if has_targets { self.entries.len() } else { 0 });
        for entry in &mut self.entries {
            match entry {
                Entry::Fixed(f) => {
                    if let Some(finish) = f.finish.take() {
                        finish(applied);
                    }
                    if has_targets {
                        values.push(None);
                    }
                }
                Entry::Target(t) => {
                    if applied {
                        t.committed();
                        values.push(t.take());
                    } else {
                        values.push(None);
                    }
                }
            }
        }
        let attempts = result?;
        Ok(Committed {
            id: self.id,
            attempts,
            values,
        })
    }

    /// The attempts, recorded in the transaction's `span`; returns how
    /// many were made.
    async fn run(&mut self, span: &tracing::Span) -> std::result::Result<u32, E> {
        let Some(backend) = self.store.as_ref().map(|s| s.backend.clone()) else {
            return Err(Error::InvalidRequest {
                message: "a transaction needs at least one action".to_owned(),
            }
            .into());
        };
        let has_targets = self.entries.iter().any(|e| matches!(e, Entry::Target(_)));
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let Attempt { targets, record } = self.plan(&*backend).await?;
            // The first attempt's token is the transaction's id, so that a
            // record of it can be found by either.
            let token = if attempt == 1 {
                self.id.clone()
            } else {
                new_id()
            };
            span.record("token", token.as_str());
            // The actions move into one shared request: a resend carries
            // the same actions and token, and nothing is copied to send.
            // It asks for no capacity report, as a call written by hand
            // does: a store that reports capacity does work for it (DynamoDB
            // Local measurably so). A layer that needs the report (pacing
            // on, tracing listened to) asks for it on a copy of the request;
            // an inactive layer is stepped over and copies nothing.
            let request = Arc::new(TransactWrite {
                items: self.take_actions(targets, record),
                client_request_token: Some(token),
                return_consumed_capacity: ReturnConsumedCapacity::None,
            });
            // Who added each action is looked up where it is needed (no
            // borrow of the entries is held across a send: the commit's
            // future stays `Send` without the entries being `Sync`).
            let has_record = self.record.is_some();
            check_request(|i| origin_at(&self.entries, has_record, i), &request.items)?;
            match send(&self.retry, &*backend, &request).await {
                Ok(_) => return Ok(attempt),
                Err(Error::TransactionCanceled { reasons }) => {
                    let failures = failures(
                        |i| origin_at(&self.entries, has_record, i),
                        &request.items,
                        reasons,
                    );
                    for (i, f) in failures.iter().enumerate().filter(|(_, f)| f.failed()) {
                        tracing::debug!(target: TRANSACTIONS, action = i, reason = ?f.reason, table = %f.action.table, "action failed");
                    }
                    if !has_targets || !retry_with_reload(&failures) {
                        return Err(Error::TransactionFailed { actions: failures }.into());
                    }
                    if attempt > self.retry.max_conflict_retries {
                        return Err(Error::RetriesExhausted {
                            operation: "transaction".to_owned(),
                            table: self
                                .store
                                .as_ref()
                                .map(|s| s.table.clone())
                                .unwrap_or_default(),
                            attempts: attempt,
                            last: Box::new(Error::TransactionFailed { actions: failures }),
                        }
                        .into());
                    }
                    tracing::debug!(target: TRANSACTIONS, attempt, "conflict: reading the targets again");
                    self.give_back(request);
                    tokio::time::sleep(self.retry.backoff(attempt.min(6))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads the targets in one snapshot and plans them: their writes,
    /// and the record's, for this attempt.
    async fn plan(&mut self, backend: &dyn Backend) -> std::result::Result<Attempt, E> {
        let gets: Vec<_> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Target(t) => Some(t.get()),
                Entry::Fixed(_) => None,
            })
            .collect();
        let mut loaded = if gets.is_empty() {
            Vec::new()
        } else {
            if gets.len() > MAX_ACTIONS {
                return Err(Error::LimitExceeded {
                    message: format!(
                        "a transaction reads at most {MAX_ACTIONS} targets; this one has {}",
                        gets.len()
                    ),
                }
                .into());
            }
            backend
                .transact_get_items(TransactGet {
                    items: gets,
                    ..TransactGet::default()
                })
                .await?
                .items
        }
        .into_iter();
        let mut targets = Vec::new();
        for entry in &mut self.entries {
            if let Entry::Target(t) = entry {
                targets.push(t.plan(loaded.next().flatten())?);
            }
        }
        let record = match &self.record {
            None => None,
            Some(spec) => {
                let record = TransactionRecord {
                    id: self.id.clone(),
                    requester: spec.requester.clone(),
                    status: "committed".to_owned(),
                    committed_at: Timestamp::now(),
                    targets: self.described(&targets),
                };
                let item = to_item(&record)?;
                let put =
                    PutItem::new(spec.table.clone(), item).condition(&attr("id").not_exists());
                Some(TransactWriteItem::Put(put))
            }
        };
        Ok(Attempt { targets, record })
    }

    /// Each action's table and key, as `table/key` (for the record),
    /// with the targets' planned writes.
    fn described(&self, targets: &[TransactWriteItem]) -> Vec<String> {
        let mut targets = targets.iter();
        self.entries
            .iter()
            .filter_map(|entry| {
                let write = match entry {
                    Entry::Fixed(f) => f.write.as_ref(),
                    Entry::Target(_) => targets.next(),
                }?;
                let origin = entry.origin();
                Some(format!(
                    "{}/{}",
                    write.table(),
                    origin.key_text(&origin.key(write))
                ))
            })
            .collect()
    }

    /// The actions of an attempt, in order: the fixed ones taken from their
    /// entries (see [`Self::give_back`]), the targets' planned writes in
    /// their places, then the record.
    fn take_actions(
        &mut self,
        targets: Vec<TransactWriteItem>,
        record: Option<TransactWriteItem>,
    ) -> Vec<TransactWriteItem> {
        let mut targets = targets.into_iter();
        let mut actions = Vec::with_capacity(self.entries.len() + 1);
        for entry in &mut self.entries {
            match entry {
                Entry::Fixed(f) => actions.extend(f.write.take()),
                Entry::Target(_) => actions.extend(targets.next()),
            }
        }
        actions.extend(record);
        actions
    }

    /// Gives the fixed actions of a sent request back to their entries,
    /// for the next attempt (copied only if something still holds the
    /// request).
    fn give_back(&mut self, request: Arc<TransactWrite>) {
        let items =
            Arc::try_unwrap(request).map_or_else(|shared| shared.items.clone(), |r| r.items);
        for (entry, action) in self.entries.iter_mut().zip(items) {
            if let Entry::Fixed(f) = entry {
                f.write = Some(action);
            }
        }
    }
}

/// Who added action `i` of an attempt: the entries' actions come in
/// order, then the record's (when there is one).
fn origin_at<E>(entries: &[Entry<'_, E>], record: bool, i: usize) -> Origin {
    match entries.get(i) {
        Some(entry) => entry.origin(),
        None => {
            debug_assert!(record && i == entries.len());
            Origin::of::<TransactionRecord>(ActionKind::Record)
        }
    }
}

/// One attempt's planned writes of the targets (in the order they were
/// added) and of the record, beside the fixed actions.
struct Attempt {
    targets: Vec<TransactWriteItem>,
    record: Option<TransactWriteItem>,
}

impl<E> Entry<'_, E> {
    fn origin(&self) -> Origin {
        match self {
            Entry::Fixed(f) => f.origin,
            Entry::Target(t) => t.origin(),
        }
    }
}

/// Sends one request; resent with the same token while its outcome
/// is unknown (a timeout, a lost response), another transaction is in
/// progress on an item, or it is throttled: it applies at most once.
async fn send(
    retry: &RetryPolicy,
    backend: &dyn Backend,
    request: &Arc<TransactWrite>,
) -> Result<TransactWriteOutput> {
    let mut resends = 0;
    loop {
        match backend.transact_write_items_shared(request.clone()).await {
            Err(
                e @ (Error::Timeout { .. }
                | Error::TransactionConflict { .. }
                | Error::Throttled { .. }),
            ) if resends + 1 < retry.max_attempts => {
                resends += 1;
                tracing::debug!(target: TRANSACTIONS, resends, error = %e, "resending with the same token");
                tokio::time::sleep(retry.backoff(resends)).await;
            }
            other => return other,
        }
    }
}

/// True when a cancellation is worth a reload: some target met a
/// conflict (its item changed since it was read) or another transaction,
/// and nothing else refused (a failed check or a conflict of a value the
/// caller loaded will fail again).
fn retry_with_reload(failures: &[ActionFailure]) -> bool {
    let mut worth = false;
    for f in failures {
        match (&f.reason, f.action.kind) {
            (super::FailureReason::None, _) => {}
            (super::FailureReason::TransactionConflict(_), _) => worth = true,
            (
                super::FailureReason::Conflict { .. } | super::FailureReason::AlreadyExists { .. },
                ActionKind::Target,
            ) => worth = true,
            (super::FailureReason::Throttled(_), _) => worth = true,
            _ => return false,
        }
    }
    worth
}
