//! The commit: read the targets, plan every action, check the limits,
//! send once (resent with the same token when the outcome is unknown),
//! and on a conflict read, change and send again.

use std::collections::HashMap;

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
use crate::repository::batch::fingerprint;
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
fn check_request(infos: &[ActionInfo], actions: &[TransactWriteItem]) -> Result<()> {
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
    let mut seen: HashMap<(&str, Vec<u8>), usize> = HashMap::new();
    for (i, info) in infos.iter().enumerate() {
        if let Some(j) = seen.insert((info.table.as_str(), fingerprint(&info.key)), i) {
            return Err(Error::InvalidRequest {
                message: format!(
                    "a transaction cannot hold two actions on one item (DynamoDB refuses it): [{j}] and [{i}] both act on {} {} in `{}`",
                    info.model, info.key_text, info.table
                ),
            });
        }
    }
    let bytes: usize = actions.iter().map(action_size).sum();
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
fn failures(infos: &[ActionInfo], reasons: Vec<CancellationReason>) -> Vec<ActionFailure> {
    let mut reasons = reasons.into_iter();
    infos
        .iter()
        .map(|info| {
            let reason = reasons.next().unwrap_or_else(CancellationReason::none);
            ActionFailure::from_reason(info.clone(), reason)
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
            let (infos, actions) = self.plan(&*store.backend).await?;
            check_request(&infos, &actions)?;
            // The first attempt's token is the transaction's id, so that a
            // record of it can be found by either.
            let token = if attempt == 1 {
                self.id.clone()
            } else {
                new_id()
            };
            tracing::Span::current().record("token", token.as_str());
            let request = TransactWrite {
                items: actions,
                client_request_token: Some(token),
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

    /// Reads the targets in one snapshot, plans them, and lists every
    /// action with what the caller added.
    async fn plan(
        &mut self,
        backend: &dyn Backend,
    ) -> std::result::Result<(Vec<ActionInfo>, Vec<TransactWriteItem>), E> {
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
        let mut infos = Vec::with_capacity(self.entries.len() + 1);
        let mut actions = Vec::with_capacity(self.entries.len() + 1);
        for entry in &mut self.entries {
            match entry {
                Entry::Fixed(f) => {
                    infos.push(f.info.clone());
                    actions.push(f.write.clone());
                }
                Entry::Target(t) => {
                    let item = loaded.next().flatten();
                    actions.push(t.plan(item)?);
                    infos.push(t.info().clone());
                }
            }
        }
        if let Some(spec) = &self.record {
            let record = TransactionRecord {
                id: self.id.clone(),
                requester: spec.requester.clone(),
                status: "committed".to_owned(),
                committed_at: Timestamp::now(),
                targets: infos
                    .iter()
                    .map(|i| format!("{}/{}", i.table, i.key_text))
                    .collect(),
            };
            let item = to_item(&record)?;
            let key = Item::new().with("id", self.id.as_str());
            let put = PutItem::new(spec.table.clone(), item).condition(&attr("id").not_exists());
            infos.push(ActionInfo {
                table: spec.table.clone(),
                model: "TransactionRecord",
                key_text: self.id.clone(),
                key,
                kind: ActionKind::Record,
            });
            actions.push(TransactWriteItem::Put(put));
        }
        Ok((infos, actions))
    }
}

/// Sends one request; resent with the same token while its outcome
/// is unknown (a timeout, a lost response), another transaction is in
/// progress on an item, or it is throttled: it applies at most once.
async fn send(
    retry: &RetryPolicy,
    backend: &dyn Backend,
    request: TransactWrite,
) -> Result<TransactWriteOutput> {
    let mut resends = 0;
    loop {
        match backend.transact_write_items(request.clone()).await {
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
