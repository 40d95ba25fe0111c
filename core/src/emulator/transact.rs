//! `TransactWriteItems` and `TransactGetItems`.
//!
//! A write transaction runs in three steps: *planning* checks every action
//! against the request's rules and its table before the lock is taken;
//! *checking* evaluates each action against the stored items under the
//! write lock, turning failures into cancellation reasons; *committing*
//! writes every change at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha1::Digest as _;

use super::batch::{apply_projection, parse_projection};
use super::codec::encode_item;
use super::table::TableMeta;
use super::write::{Change, canonical_item, check_update_keys, parse_write};
use super::{Emulator, State, Storage, Usage, read_units, report_all};
use crate::backend::{
    ConditionCheck as TransactCheck, DeleteItem as TransactDelete, ReturnConsumedCapacity,
    ReturnValues, TransactGet, TransactGetOutput, TransactWrite, TransactWriteItem,
    TransactWriteOutput, UpdateItem as TransactUpdate,
};
use crate::error::{CancellationCode, CancellationReason, Error};
use crate::expr::{Condition, Path, Update, apply_update};
use crate::transaction::MAX_TRANSACTION_BYTES;
use crate::value::{AttributeValue, Item};

/// The most actions in one transaction.
const MAX_ACTIONS: usize = 100;
/// The longest client request token.
const MAX_TOKEN_LEN: usize = 36;

/// What an action does to its item once its condition holds.
enum Effect {
    Put(Item),
    Update(Option<Update>),
    Delete,
    Check,
}

/// One action of a write transaction, checked and ready to run.
struct Planned {
    meta: Arc<TableMeta>,
    /// The item's storage key.
    key: Vec<u8>,
    /// The item's key attributes (an update of a missing item starts there).
    key_item: Item,
    /// The action's position in the request.
    action: usize,
    condition: Option<Condition>,
    effect: Effect,
    return_old: bool,
    /// A fault of the action's key or item (a wrong type, a size): the
    /// transaction is cancelled with a `ValidationError` reason for it.
    fault: Option<String>,
}

/// The request's own limits: the number of actions and the token's length.
fn check_shape(n: usize, token: Option<&String>) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::invalid(
            "Value [] at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if n > MAX_ACTIONS {
        return Err(Error::limit(format!(
            "Value of {n} items at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
        )));
    }
    if let Some(token) = token {
        if token.is_empty() {
            return Err(Error::invalid(
                "1 validation error detected: Value '' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(Error::invalid(format!(
                "Value {token} at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36"
            )));
        }
    }
    Ok(())
}

/// Each action's own expressions and values, in request order (DynamoDB
/// Local checks these first).
fn check_expressions(items: &[TransactWriteItem]) -> Result<(), Error> {
    for action in items {
        let (condition, update, attributes, is_update) = match action {
            TransactWriteItem::Put(p) => {
                // An item too large refuses the whole request, as in
                // DynamoDB Local; one that grows too large by an update
                // cancels its action.
                if crate::rules::check_item_sized(&p.item)? > crate::rules::MAX_ITEM_SIZE {
                    return Err(crate::rules::item_too_large(false));
                }
                (
                    p.condition_expression.as_deref(),
                    None,
                    &p.expression_attributes,
                    false,
                )
            }
            TransactWriteItem::Update(u) => {
                // An update action must update: DynamoDB answers as for an
                // empty expression.
                if u.update_expression.is_none() {
                    return Err(Error::invalid(
                        "Invalid UpdateExpression: The expression can not be empty;",
                    ));
                }
                (
                    u.condition_expression.as_deref(),
                    u.update_expression.as_deref(),
                    &u.expression_attributes,
                    true,
                )
            }
            TransactWriteItem::Delete(d) => (
                d.condition_expression.as_deref(),
                None,
                &d.expression_attributes,
                false,
            ),
            TransactWriteItem::ConditionCheck(c) => (
                Some(c.condition_expression.as_str()),
                None,
                &c.expression_attributes,
                false,
            ),
        };
        parse_write(condition, update, attributes, is_update)?;
    }
    Ok(())
}

/// Refuses a write transaction whose payload is over 4 MB, with DynamoDB
/// Local's message (its size summed in request order up to the action that
/// crosses the limit). A cheap bound of the size spares the exact sizing
/// of every request far under it.
fn check_payload(items: &[TransactWriteItem]) -> Result<(), Error> {
    let bound =
        |a: &TransactWriteItem| a.payload_size_by(Item::size_at_most, AttributeValue::size_at_most);
    if items.iter().map(bound).sum::<usize>() <= MAX_TRANSACTION_BYTES {
        return Ok(());
    }
    let mut total = 0usize;
    for action in items {
        total += action.payload_size_by(Item::size, AttributeValue::size);
        if total > MAX_TRANSACTION_BYTES {
            return Err(Error::limit(format!(
                "Transaction payload size cannot exceed 4MB. Payload Size: {total}"
            )));
        }
    }
    Ok(())
}

/// Refuses `ReturnValues` and `ReturnConsumedCapacity` on an action.
fn check_no_returns(values: ReturnValues, capacity: ReturnConsumedCapacity) -> Result<(), Error> {
    if values != ReturnValues::None || capacity != ReturnConsumedCapacity::None {
        return Err(Error::invalid(
            "ReturnValues and ReturnConsumedCapacity cannot be set on an action inside a transaction",
        ));
    }
    Ok(())
}

/// Feeds a length-prefixed byte string to the fingerprint.
fn feed(h: &mut sha1::Sha1, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The fingerprint a client request token is remembered with: the exact
/// request, every value in its binary encoding with numbers and sets in
/// canonical form (so `1` and `1.0` are the same parameter, as DynamoDB
/// compares them). Keys are fed as their storage keys; an action whose key
/// is faulty (its transaction is cancelled, so never remembered) is fed as
/// its fault.
fn fingerprint(items: &[TransactWriteItem], planned: &[Planned]) -> [u8; 20] {
    let mut h = sha1::Sha1::new();
    for (action, p) in items.iter().zip(planned) {
        let (tag, table, condition, update, attrs, return_old) = match action {
            TransactWriteItem::Put(x) => (
                b'P',
                &x.table,
                x.condition_expression.as_deref(),
                None,
                &x.expression_attributes,
                x.return_values_on_condition_check_failure,
            ),
            TransactWriteItem::Update(x) => (
                b'U',
                &x.table,
                x.condition_expression.as_deref(),
                x.update_expression.as_deref(),
                &x.expression_attributes,
                x.return_values_on_condition_check_failure,
            ),
            TransactWriteItem::Delete(x) => (
                b'D',
                &x.table,
                x.condition_expression.as_deref(),
                None,
                &x.expression_attributes,
                x.return_values_on_condition_check_failure,
            ),
            TransactWriteItem::ConditionCheck(x) => (
                b'C',
                &x.table,
                Some(x.condition_expression.as_str()),
                None,
                &x.expression_attributes,
                x.return_values_on_condition_check_failure,
            ),
        };
        h.update([tag, u8::from(return_old)]);
        feed(&mut h, table.as_bytes());
        match &p.fault {
            Some(fault) => feed(&mut h, format!("fault {fault}").as_bytes()),
            None => feed(&mut h, &p.key),
        }
        if let Effect::Put(item) = &p.effect {
            feed(&mut h, &encode_item(item));
        }
        for text in [condition, update] {
            match text {
                Some(t) => feed(&mut h, t.as_bytes()),
                None => h.update(b"-"),
            }
        }
        for (k, v) in &attrs.names {
            feed(&mut h, k.as_bytes());
            feed(&mut h, v.as_bytes());
        }
        h.update(b"|");
        let mut values = Item::new();
        for (k, v) in &attrs.values {
            values.insert(k.clone(), v.clone());
        }
        feed(&mut h, &encode_item(&canonical_item(values)));
    }
    h.finalize().into()
}

/// The message of a fault that cancels an action (other errors stand).
fn fault_message(e: Error) -> Result<String, Error> {
    match e {
        Error::InvalidRequest { message } | Error::LimitExceeded { message } => Ok(message),
        other => Err(other),
    }
}

fn condition_failed(p: &Planned, old: &Option<Item>) -> CancellationReason {
    CancellationReason {
        code: CancellationCode::ConditionalCheckFailed,
        message: Some(
            if matches!(p.effect, Effect::Check) {
                "The conditional request failed."
            } else {
                "The conditional request failed"
            }
            .to_owned(),
        ),
        item: if p.return_old { old.clone() } else { None },
    }
}

impl<S: Storage> Emulator<S> {
    /// `TransactWriteItems`: all actions or none, isolated from other
    /// reads and writes; a failed condition cancels the whole transaction
    /// with one reason per action.
    pub fn transact_write_items(
        &self,
        input: &TransactWrite,
    ) -> Result<TransactWriteOutput, Error> {
        check_shape(input.items.len(), input.client_request_token.as_ref())?;
        check_payload(&input.items)?;
        // Check every action before touching anything, in DynamoDB Local's
        // order: each action's own expressions and values first, then that
        // no two actions touch one item, then each action against its table.
        check_expressions(&input.items)?;
        self.check_distinct_items(&input.items)?;
        let planned = self.plan_writes(&input.items)?;

        let fingerprint = input
            .client_request_token
            .as_ref()
            .map(|_| fingerprint(&input.items, &planned));
        if let (Some(token), Some(fp)) = (&input.client_request_token, fingerprint)
            && self.check_token(token, fp)?
        {
            // Already done: answer as the first time, without doing it again.
            // DynamoDB charges a replay one unit per table (doubled, as
            // every transactional unit is).
            let usage: BTreeMap<String, Usage> = planned
                .iter()
                .map(|p| {
                    let u = Usage {
                        table: 2.0,
                        ..Usage::default()
                    };
                    (p.meta.name().to_owned(), u)
                })
                .collect();
            return Ok(TransactWriteOutput {
                consumed_capacity: report_all(usage, input.return_consumed_capacity),
            });
        }

        let mut state = self.write_state();
        let changes = self.check_writes(&state, &planned, input.items.len())?;
        let usage = self.commit_writes(&mut state, &planned, changes)?;
        drop(state);
        self.sync_write()?;
        if let (Some(token), Some(fp)) = (&input.client_request_token, fingerprint) {
            self.remember_token(token, fp);
        }
        Ok(TransactWriteOutput {
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }

    /// Refuses two actions on one item, and, in the same walk in request
    /// order, an action on a missing table (as DynamoDB Local does).
    /// Actions with malformed keys are left for planning to refuse.
    fn check_distinct_items(&self, items: &[TransactWriteItem]) -> Result<(), Error> {
        let mut touched: Vec<(&str, Vec<u8>)> = Vec::with_capacity(items.len());
        for action in items {
            let (table, key) = match action {
                TransactWriteItem::Put(p) => (&p.table, None),
                TransactWriteItem::Update(u) => (&u.table, Some(&u.key)),
                TransactWriteItem::Delete(d) => (&d.table, Some(&d.key)),
                TransactWriteItem::ConditionCheck(c) => (&c.table, Some(&c.key)),
            };
            let meta = self.meta(&self.read_state(), table)?;
            let position = match (action, key) {
                (TransactWriteItem::Put(p), _) => {
                    let key = meta.key().key_of(&p.item);
                    if meta.check_key(&key).is_err() {
                        continue;
                    }
                    meta.item_key(&key)
                }
                (_, Some(key)) => {
                    // Checked before anything of it is copied.
                    if meta.check_key(key).is_err() {
                        continue;
                    }
                    meta.item_key(key)
                }
                (_, None) => continue,
            };
            if touched
                .iter()
                .any(|(t, k)| *t == table.as_str() && *k == position)
            {
                return Err(Error::invalid(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            touched.push((table, position));
        }
        Ok(())
    }

    /// Checks each action against its table and parses its expressions.
    fn plan_writes(&self, items: &[TransactWriteItem]) -> Result<Vec<Planned>, Error> {
        let mut planned = Vec::with_capacity(items.len());
        for (action, item) in items.iter().enumerate() {
            planned.push(self.plan_write(action, item)?);
        }
        Ok(planned)
    }

    fn plan_write(&self, action: usize, item: &TransactWriteItem) -> Result<Planned, Error> {
        let (table, condition, update, attrs, return_old) = match item {
            TransactWriteItem::Put(p) => {
                check_no_returns(p.return_values, p.return_consumed_capacity)?;
                (
                    &p.table,
                    p.condition_expression.as_deref(),
                    None,
                    &p.expression_attributes,
                    p.return_values_on_condition_check_failure,
                )
            }
            TransactWriteItem::Update(u) => {
                check_no_returns(u.return_values, u.return_consumed_capacity)?;
                (
                    &u.table,
                    u.condition_expression.as_deref(),
                    u.update_expression.as_deref(),
                    &u.expression_attributes,
                    u.return_values_on_condition_check_failure,
                )
            }
            TransactWriteItem::Delete(d) => {
                check_no_returns(d.return_values, d.return_consumed_capacity)?;
                (
                    &d.table,
                    d.condition_expression.as_deref(),
                    None,
                    &d.expression_attributes,
                    d.return_values_on_condition_check_failure,
                )
            }
            TransactWriteItem::ConditionCheck(c) => (
                &c.table,
                Some(c.condition_expression.as_str()),
                None,
                &c.expression_attributes,
                c.return_values_on_condition_check_failure,
            ),
        };
        let meta = self.meta(&self.read_state(), table)?;
        // What refuses the whole transaction: a key or item missing or
        // empty; what cancels the action: a wrong type or size (the key is
        // checked before anything of it is copied).
        let (key, key_item, effect, fault) = match item {
            TransactWriteItem::Put(p) => {
                meta.check_item_shape(&p.item)?;
                meta.check_put_size(&p.item)?;
                match meta.check_item_faults(&p.item, false) {
                    Err(e) => (
                        Vec::new(),
                        Item::new(),
                        Effect::Check,
                        Some(fault_message(e)?),
                    ),
                    Ok(()) => {
                        let item = canonical_item(p.item.clone());
                        let key_item = meta.key().key_of(&item);
                        (meta.item_key(&item), key_item, Effect::Put(item), None)
                    }
                }
            }
            TransactWriteItem::Update(TransactUpdate { key, .. })
            | TransactWriteItem::Delete(TransactDelete { key, .. })
            | TransactWriteItem::ConditionCheck(TransactCheck { key, .. }) => {
                meta.check_key_shape(key)?;
                // After the shape checks passed, what the key's checks
                // find first is a fault, which cancels the action.
                match meta.check_key(key) {
                    Err(e) => (
                        Vec::new(),
                        Item::new(),
                        Effect::Check,
                        Some(fault_message(e)?),
                    ),
                    Ok(()) => {
                        let effect = match item {
                            TransactWriteItem::Delete(_) => Effect::Delete,
                            TransactWriteItem::ConditionCheck(_) => Effect::Check,
                            _ => Effect::Update(None),
                        };
                        (meta.item_key(key), key.clone(), effect, None)
                    }
                }
            }
        };
        let is_update = matches!(item, TransactWriteItem::Update(_));
        let exprs = parse_write(condition, update, attrs, is_update)?;
        // Paths into key attributes: in conditions (DynamoDB Local does not
        // check a ConditionCheck's) and in updates.
        if !matches!(item, TransactWriteItem::ConditionCheck(_))
            && let Some(c) = &exprs.condition
        {
            meta.check_key_paths(c.paths().into_iter())?;
        }
        if let Some(u) = &exprs.update {
            meta.check_key_paths(
                u.paths()
                    .into_iter()
                    .filter(|p| !meta.key().contains(p.head())),
            )?;
        }
        let effect = match (effect, exprs.update) {
            (Effect::Update(_), update) => Effect::Update(update),
            (effect, _) => effect,
        };
        Ok(Planned {
            meta,
            key,
            key_item,
            action,
            condition: exprs.condition,
            effect,
            return_old,
            fault,
        })
    }

    /// Evaluates every action against the stored items (under the write
    /// lock): the changes to write, or the cancellation with one reason per
    /// action.
    fn check_writes(
        &self,
        state: &State,
        planned: &[Planned],
        n: usize,
    ) -> Result<Vec<Change>, Error> {
        let validation = |e: Error| -> Result<CancellationReason, Error> {
            Ok(CancellationReason {
                code: CancellationCode::ValidationError,
                message: Some(fault_message(e)?),
                item: None,
            })
        };
        let mut reasons = vec![CancellationReason::none(); n];
        let mut cancelled = false;
        let mut changes = Vec::new();
        for p in planned {
            self.same_table(state, &p.meta)?;
            if let Some(fault) = &p.fault {
                reasons[p.action] = CancellationReason {
                    code: CancellationCode::ValidationError,
                    message: Some(fault.clone()),
                    item: None,
                };
                cancelled = true;
                continue;
            }
            let old = self.load(&p.meta, &p.key)?;
            if let Some(c) = &p.condition
                && !c.evaluate(old.as_ref().unwrap_or(&Item::new()))
            {
                reasons[p.action] = condition_failed(p, &old);
                cancelled = true;
                // The action is not evaluated further.
                continue;
            }
            let new = match &p.effect {
                Effect::Check => continue,
                Effect::Delete => None,
                Effect::Put(item) => Some(item.clone()),
                Effect::Update(update) => {
                    let mut new = old
                        .clone()
                        .unwrap_or_else(|| canonical_item(p.key_item.clone()));
                    if let Some(u) = update {
                        // DynamoDB documents each of these as a
                        // `ValidationError` reason of the action.
                        let applied = check_update_keys(&p.meta, u)
                            .and_then(|()| apply_update(&mut new, u).map(|_| ()))
                            .and_then(|()| p.meta.check_item(&new, true).map(drop));
                        if let Err(e) = applied {
                            reasons[p.action] = validation(e)?;
                            cancelled = true;
                            continue;
                        }
                        new = canonical_item(new);
                    }
                    // Taking away from an absent item creates nothing.
                    let nothing =
                        old.is_none() && update.as_ref().is_some_and(|u| u.only_takes_away());
                    (!nothing).then_some(new)
                }
            };
            changes.push(Change {
                meta: p.meta.clone(),
                key: p.key.as_slice().into(),
                old,
                new,
                new_size: None,
                old_size: None,
            });
        }
        if cancelled {
            return Err(Error::TransactionCanceled { reasons });
        }
        Ok(changes)
    }

    /// Writes the changes and returns the capacity the transaction used
    /// (doubled, as every transactional unit is).
    fn commit_writes(
        &self,
        state: &mut State,
        planned: &[Planned],
        changes: Vec<Change>,
    ) -> Result<BTreeMap<String, Usage>, Error> {
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        for p in planned.iter().filter(|p| matches!(p.effect, Effect::Check)) {
            // A condition check is a strongly consistent read of its item.
            let size = self.load(&p.meta, &p.key)?.as_ref().map_or(0, Item::size);
            usage.entry(p.meta.name().to_owned()).or_default().table += read_units(size, true);
        }
        self.commit(state, changes, &mut |t, u| match usage.get_mut(t) {
            // A table's name is copied once, not for each of its changes.
            Some(total) => total.add(u),
            None => {
                usage.insert(t.to_owned(), u);
            }
        })?;
        for u in usage.values_mut() {
            *u = std::mem::take(u).scaled(2.0);
        }
        Ok(usage)
    }

    /// `TransactGetItems`: every item from one snapshot.
    pub fn transact_get_items(&self, input: TransactGet) -> Result<TransactGetOutput, Error> {
        let n = input.items.len();
        check_shape(n, None)?;
        /// A read of the transaction: table, storage key, projection.
        type PlannedGet = (Arc<TableMeta>, Vec<u8>, Option<Vec<Path>>);
        let mut planned: Vec<PlannedGet> = Vec::with_capacity(n);
        for g in &input.items {
            let meta = self.meta(&self.read_state(), &g.table)?;
            meta.check_key(&g.key)?;
            let projection = parse_projection(
                g.projection_expression.as_deref(),
                &g.expression_attributes.names,
            )?;
            if let Some(p) = &projection {
                meta.check_key_paths(p.iter())?;
            }
            let key = meta.item_key(&g.key);
            if planned.iter().any(|(m, k, _)| m.id == meta.id && *k == key) {
                return Err(Error::invalid(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            planned.push((meta, key, projection));
        }
        let state = self.read_state();
        let mut items = Vec::with_capacity(n);
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        // The response's payload as DynamoDB Local counts it: each item
        // returned, as projected, and its four-byte `Item` member.
        let mut payload = 0usize;
        for (meta, key, projection) in &planned {
            self.same_table(&state, meta)?;
            let item = self.load(meta, key)?;
            usage.entry(meta.name().to_owned()).or_default().table +=
                2.0 * read_units(item.as_ref().map_or(0, Item::size), true);
            let item = item.map(|i| apply_projection(i, projection));
            if let Some(i) = &item {
                payload += "Item".len() + i.size();
                if payload > MAX_TRANSACTION_BYTES {
                    return Err(Error::limit(format!(
                        "Payload in response is too large.{payload}"
                    )));
                }
            }
            items.push(item);
        }
        drop(state);
        Ok(TransactGetOutput {
            items,
            consumed_capacity: report_all(usage, input.return_consumed_capacity),
        })
    }
}
