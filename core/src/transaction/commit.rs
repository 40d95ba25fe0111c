//! The commit: read the targets, plan every action, check the limits,
//! send once (resent with the same token when the outcome is unknown),
//! and on a conflict read, change and send again.

use tracing::Instrument;

use super::{
    ActionFailure, ActionInfo, ActionKind, Committed, Entry, MAX_ACTIONS, MAX_TRANSACTION_BYTES,
    Transaction, TransactionRecord, new_id,
};
use crate::backend::{
    Backend, PutItem, TransactGet, TransactWrite, TransactWriteItem, TransactWriteOutput,
};
use crate::error::{CancellationReason, Error, Result};
use crate::expr::attr;
use crate::repository::RetryPolicy;
use crate::ser::to_item;
use crate::time::Timestamp;
use crate::trace::TRANSACTIONS;
use crate::value::Item;

/// The size DynamoDB counts toward a transaction's 4 MB: the items
/// written, the keys, and the values of the expressions.
fn action_size(action: &TransactWriteItem) -> usize {
    let values = |attrs: &crate::expr::ExpressionAttributes| -> usize {
        attrs.values.iter().map(|(k, v)| k.len() + v.size()).sum()
    };
    match action {
        TransactWriteItem::Put(p) => p.item.size() + values(&p.expression_attributes),
        TransactWriteItem::Update(u) => u.key.size() + values(&u.expression_attributes),
        TransactWriteItem::Delete(d) => d.key.size() + values(&d.expression_attributes),
        TransactWriteItem::ConditionCheck(c) => c.key.size() + values(&c.expression_attributes),
    }
}

/// Refuses what DynamoDB would refuse of the whole request, before it goes.
fn check_request(infos: &[&ActionInfo], actions: &[&TransactWriteItem]) -> Result<()> {
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
    // compare numbers by value ("1" and "1.0" are one item).
    for (i, info) in infos.iter().enumerate() {
        if let Some(j) = infos[..i]
            .iter()
            .position(|other| other.table == info.table && other.key == info.key)
        {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a transaction cannot hold two actions on one item (DynamoDB refuses it): [{j}] and [{i}] both act on {} {} in `{}`",
                    info.model, info.key_text, info.table
                ),
            });
        }
    }
    let bytes: usize = actions.iter().map(|a| action_size(a)).sum();
    if bytes > MAX_TRANSACTION_BYTES {
        return Err(Error::LimitExceeded {
            message: format!(
                "a transaction's items may total at most 4 MB ({MAX_TRANSACTION_BYTES} bytes); this one is {bytes}"
            ),
        });
    }
    Ok(())
}

/// The typed failure of a cancellation: one entry per action.
fn failures(infos: &[&ActionInfo], reasons: Vec<CancellationReason>) -> Vec<ActionFailure> {
    let mut reasons = reasons.into_iter();
    infos
        .iter()
        .map(|info| {
            let reason = reasons.next().unwrap_or_else(CancellationReason::none);
            ActionFailure::from_reason((*info).clone(), reason)
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
        let result = self.run().instrument(span.clone()).await;
        span.record(
            "outcome",
            match &result {
                Ok(_) => "committed",
                Err(_) => "failed",
            },
        );
        // Every value learns the outcome, once.
        let applied = result.is_ok();
        let mut values = Vec::with_capacity(self.entries.len());
        for entry in &mut self.entries {
            match entry {
                Entry::Fixed(f) => {
                    if let Some(finish) = f.finish.take() {
                        finish(applied);
                    }
                    values.push(None);
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

    /// The attempts; returns how many were made.
    async fn run(&mut self) -> std::result::Result<u32, E> {
        let Some(store) = self.store.clone() else {
            return Err(Error::InvalidRequest {
                message: "a transaction needs at least one action".to_owned(),
            }
            .into());
        };
        let has_targets = self.entries.iter().any(|e| matches!(e, Entry::Target(_)));
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            let attempt_plan = self.plan(&*store.backend).await?;
            let infos = self.infos(&attempt_plan);
            // References only (no borrow of the transaction itself is held
            // across the send, which would ask it to be `Sync`).
            let actions = self.actions(&attempt_plan);
            check_request(&infos, &actions)?;
            // The first attempt's token is the transaction's id, so that a
            // record of it can be found by either.
            let token = if attempt == 1 {
                self.id.clone()
            } else {
                new_id()
            };
            tracing::Span::current().record("token", token.as_str());
            // Built afresh for each send (one copy of each action), so
            // that a resend carries the same actions and token.
            let request = || TransactWrite {
                items: actions.iter().map(|a| (*a).clone()).collect(),
                client_request_token: Some(token.clone()),
                ..TransactWrite::default()
            };
            match send(&self.retry, &*store.backend, request).await {
                Ok(_) => return Ok(attempt),
                Err(Error::TransactionCanceled { reasons }) => {
                    let failures = failures(&infos, reasons);
                    for (i, f) in failures.iter().enumerate().filter(|(_, f)| f.failed()) {
                        tracing::debug!(target: TRANSACTIONS, action = i, reason = ?f.reason, table = %f.action.table, "action failed");
                    }
                    if !has_targets || !retry_with_reload(&failures) {
                        return Err(Error::TransactionFailed { actions: failures }.into());
                    }
                    if attempt > self.retry.max_conflict_retries {
                        return Err(Error::RetriesExhausted {
                            operation: "transaction".to_owned(),
                            table: store.table.clone(),
                            attempts: attempt,
                            last: Box::new(Error::TransactionFailed { actions: failures }),
                        }
                        .into());
                    }
                    tracing::debug!(target: TRANSACTIONS, attempt, "conflict: reading the targets again");
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
                    targets: self
                        .entries
                        .iter()
                        .map(|e| {
                            let i = e.info();
                            format!("{}/{}", i.table, i.key_text)
                        })
                        .collect(),
                };
                let item = to_item(&record)?;
                let key = Item::new().with("id", self.id.as_str());
                let put =
                    PutItem::new(spec.table.clone(), item).condition(&attr("id").not_exists());
                let info = ActionInfo {
                    table: spec.table.clone(),
                    model: "TransactionRecord",
                    key_text: self.id.clone(),
                    key,
                    kind: ActionKind::Record,
                };
                Some((info, TransactWriteItem::Put(put)))
            }
        };
        Ok(Attempt { targets, record })
    }

    /// What the caller added, one per action of `attempt`, in order.
    fn infos<'s>(&'s self, attempt: &'s Attempt) -> Vec<&'s ActionInfo> {
        let mut infos: Vec<&ActionInfo> = self.entries.iter().map(Entry::info).collect();
        infos.extend(attempt.record.as_ref().map(|(info, _)| info));
        infos
    }

    /// The actions of `attempt`, in order.
    fn actions<'s>(&'s self, attempt: &'s Attempt) -> Vec<&'s TransactWriteItem> {
        let mut targets = attempt.targets.iter();
        let mut actions = Vec::with_capacity(self.entries.len() + 1);
        for entry in &self.entries {
            match entry {
                Entry::Fixed(f) => actions.push(&f.write),
                Entry::Target(_) => actions.extend(targets.next()),
            }
        }
        actions.extend(attempt.record.as_ref().map(|(_, put)| put));
        actions
    }
}

/// One attempt's planned writes of the targets (in the order they were
/// added) and of the record, beside the fixed actions.
struct Attempt {
    targets: Vec<TransactWriteItem>,
    record: Option<(ActionInfo, TransactWriteItem)>,
}

impl<E> Entry<'_, E> {
    fn info(&self) -> &ActionInfo {
        match self {
            Entry::Fixed(f) => &f.info,
            Entry::Target(t) => t.info(),
        }
    }
}

/// Sends one request; resent with the same token while its outcome
/// is unknown (a timeout, a lost response), another transaction is in
/// progress on an item, or it is throttled: it applies at most once.
async fn send(
    retry: &RetryPolicy,
    backend: &dyn Backend,
    request: impl Fn() -> TransactWrite,
) -> Result<TransactWriteOutput> {
    let mut resends = 0;
    loop {
        match backend.transact_write_items(request()).await {
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
