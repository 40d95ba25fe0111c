//! What a cancelled transaction says, action by action.

use std::borrow::Cow;

use crate::backend::TransactWriteItem;
use crate::de::from_item;
use crate::error::{CancellationCode, CancellationReason, Result};
use crate::model::{KeySchema, Model};
use crate::value::Item;

/// What kind of action a transaction held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionKind {
    /// A guarded save of a loaded value.
    Save,
    /// A new value: the key must be free.
    Create,
    /// A guarded delete.
    Delete,
    /// An update expression, on the caller's condition.
    Update,
    /// A whole item written whatever is stored.
    Put,
    /// A condition on an item that is not written.
    Check,
    /// A target of the transaction: loaded, changed and saved guarded.
    Target,
    /// The transaction record.
    Record,
}

/// One action as the caller added it: where, what, on which key.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionInfo {
    /// The table.
    pub table: String,
    /// The model's Rust type name (its last path segment).
    pub model: &'static str,
    /// The key, as attributes.
    pub key: Item,
    /// The key as text (`alice`, `(orders, 7)`).
    pub key_text: String,
    /// The kind of action.
    pub kind: ActionKind,
}

/// What an action's request does not say of it: its kind, its model and
/// its key's attributes (the table and the key are in the request). An
/// action's [`ActionInfo`] is built from both only when it is asked for:
/// a commit that applies describes nothing.
#[derive(Clone, Copy)]
pub(crate) struct Origin {
    pub(crate) kind: ActionKind,
    model: fn() -> &'static str,
    key: &'static KeySchema,
}

impl Origin {
    /// An action of `kind` on a `T`.
    pub(crate) fn of<T: Model>(kind: ActionKind) -> Self {
        Origin {
            kind,
            model: super::model_name::<T>,
            key: &T::schema().table.key,
        }
    }

    /// The key `write` acts on (a put's, from its item).
    pub(crate) fn key<'w>(&self, write: &'w TransactWriteItem) -> Cow<'w, Item> {
        match write {
            TransactWriteItem::Put(p) => Cow::Owned(self.key.key_of(&p.item)),
            TransactWriteItem::Update(u) => Cow::Borrowed(&u.key),
            TransactWriteItem::Delete(d) => Cow::Borrowed(&d.key),
            TransactWriteItem::ConditionCheck(c) => Cow::Borrowed(&c.key),
        }
    }

    /// A key as text (`alice`, `(orders, 7)`).
    pub(crate) fn key_text(&self, key: &Item) -> String {
        self.key.describe(key)
    }

    /// The model's Rust type name (its last path segment).
    pub(crate) fn model(&self) -> &'static str {
        (self.model)()
    }

    /// The action `write`, as the caller added it.
    pub(crate) fn info(&self, write: &TransactWriteItem) -> ActionInfo {
        let key = self.key(write).into_owned();
        ActionInfo {
            table: write.table().to_owned(),
            model: self.model(),
            key_text: self.key_text(&key),
            key,
            kind: self.kind,
        }
    }
}

/// Why one action of a cancelled transaction failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FailureReason {
    /// The action did not fail (another one did).
    None,
    /// A guarded save or delete: the stored item changed since it was
    /// loaded (with the stored item, when the store returned it).
    Conflict {
        /// The item as stored.
        stored: Option<Item>,
    },
    /// A new value: an item with its key exists.
    AlreadyExists {
        /// The item as stored.
        stored: Option<Item>,
    },
    /// The caller's condition (of an update or a check) was false.
    ConditionFailed {
        /// The item as stored (`None` when there is none, or when the
        /// store did not return it).
        stored: Option<Item>,
    },
    /// The action is invalid (DynamoDB's `ValidationError`).
    Validation(String),
    /// Throttled by the store.
    Throttled(String),
    /// Another transaction was in progress on the item.
    TransactionConflict(String),
    /// A reason this library does not know, as the store named it.
    Other {
        /// The reason's code.
        code: String,
        /// Its message.
        message: Option<String>,
    },
}

/// One action of a cancelled transaction and why it failed.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionFailure {
    /// The action, as the caller added it.
    pub action: ActionInfo,
    /// Why it failed ([`FailureReason::None`] for actions that did not).
    pub reason: FailureReason,
}

impl ActionFailure {
    /// True when this action failed.
    pub fn failed(&self) -> bool {
        self.reason != FailureReason::None
    }

    /// The stored item this action's failure returned, if any.
    pub fn stored(&self) -> Option<&Item> {
        match &self.reason {
            FailureReason::Conflict { stored }
            | FailureReason::AlreadyExists { stored }
            | FailureReason::ConditionFailed { stored } => stored.as_ref(),
            _ => None,
        }
    }

    /// The stored item decoded as `T`, if the failure returned one.
    pub fn stored_as<T: Model>(&self) -> Option<Result<T>> {
        self.stored().map(|i| from_item(i.clone()))
    }

    /// Maps the store's reason onto the action.
    pub(crate) fn from_reason(action: ActionInfo, reason: CancellationReason) -> Self {
        let message = || reason.message.clone().unwrap_or_default();
        let reason = match reason.code {
            CancellationCode::None => FailureReason::None,
            CancellationCode::ConditionalCheckFailed => match action.kind {
                ActionKind::Save | ActionKind::Delete | ActionKind::Target => {
                    FailureReason::Conflict {
                        stored: reason.item,
                    }
                }
                ActionKind::Create | ActionKind::Record => FailureReason::AlreadyExists {
                    stored: reason.item,
                },
                _ => FailureReason::ConditionFailed {
                    stored: reason.item,
                },
            },
            CancellationCode::ValidationError => FailureReason::Validation(message()),
            CancellationCode::ThrottlingError | CancellationCode::ProvisionedThroughputExceeded => {
                FailureReason::Throttled(message())
            }
            CancellationCode::TransactionConflict => FailureReason::TransactionConflict(message()),
            other => FailureReason::Other {
                code: other.as_str().to_owned(),
                message: reason.message,
            },
        };
        ActionFailure { action, reason }
    }
}

/// The text of a failure list: the failed actions, each with its reason.
pub fn describe_failures(actions: &[ActionFailure]) -> String {
    let failed: Vec<String> = actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.failed())
        .map(|(i, a)| {
            let why = match &a.reason {
                FailureReason::Conflict { .. } => {
                    "the stored item changed since it was loaded".to_owned()
                }
                FailureReason::AlreadyExists { .. } => "an item with this key exists".to_owned(),
                FailureReason::ConditionFailed { .. } => "the condition is false".to_owned(),
                FailureReason::Validation(m) => format!("invalid: {m}"),
                FailureReason::Throttled(m) => format!("throttled: {m}"),
                FailureReason::TransactionConflict(m) => format!("transaction conflict: {m}"),
                FailureReason::Other { code, message } => {
                    format!("{code}: {}", message.as_deref().unwrap_or(""))
                }
                FailureReason::None => String::new(),
            };
            format!(
                "[{i}] {:?} of {} {} in `{}`: {why}",
                a.action.kind, a.action.model, a.action.key_text, a.action.table
            )
        })
        .collect();
    if failed.is_empty() {
        "no action failed".to_owned()
    } else {
        failed.join("; ")
    }
}
