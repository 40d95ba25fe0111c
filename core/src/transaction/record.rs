//! The record a transaction can leave of itself, written in its own commit.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// A record of a committed transaction, in a table of its own (create it
/// with `Table::<TransactionRecord>::new(store).create_table()`, or under
/// another name with `with_name`). It is written in the same atomic commit
/// as the transaction's actions, on condition that its id is new, so a
/// record exists exactly when the transaction applied.
#[derive(crate::Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "transactions")]
pub struct TransactionRecord {
    /// The transaction's id (unique; also its first client request token).
    #[model(hash_key)]
    pub id: String,
    /// Who asked for it, as the caller named them.
    pub requester: Option<String>,
    /// `committed`.
    pub status: String,
    /// When it was committed (the time of the commit that applied it).
    pub committed_at: Timestamp,
    /// The actions' tables and keys, as `table/key`, in order.
    pub targets: Vec<String>,
}
