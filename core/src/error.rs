//! The library's one error type, [`Error`], and the details some kinds carry.

use std::fmt;

use crate::path::FieldPath;
pub use crate::path::PathSegment;
use crate::validate::ValidationErrors;
use crate::value::Item;

/// The library's result type: `Result<T, Error>` unless another error is named.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error from a backend or another library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Every error the library returns. Match on the variant to act on the kind;
/// the message names the table, attribute, path or rule involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item asked for does not exist.
    #[error("no item with key {key} in table `{table}`")]
    NotFound {
        /// The table.
        table: String,
        /// The key, as text.
        key: String,
    },

    /// A write's condition was false (DynamoDB's
    /// `ConditionalCheckFailedException`). For a guarded save or delete it
    /// means the stored item changed since it was loaded.
    /// [`Error::stored_as`] decodes the stored item into the model.
    #[error("conditional check failed {}table `{table}`{}", describe_conflict_key(.key), describe_stored(.stored))]
    Conflict {
        /// The table.
        table: String,
        /// The item's key as text (`alice`, `(alice, 3)`: the key's
        /// values, as [`KeyOf`](crate::repository::KeyOf) displays them),
        /// when known: the repository fills it for its writes, and the
        /// emulators for every write; DynamoDB's answer does not say.
        key: Option<String>,
        /// The item as stored when the condition failed, when known.
        stored: Option<Box<Item>>,
    },

    /// A new item was saved with conflict detection but an item with its key
    /// already exists.
    #[error("an item with key {key} already exists in table `{table}`")]
    AlreadyExists {
        /// The table.
        table: String,
        /// The key, as text.
        key: String,
    },

    /// A transaction was cancelled; one reason per action, in request order.
    #[error("transaction cancelled: {}", describe_reasons(.reasons))]
    TransactionCanceled {
        /// One reason per action of the request, in order.
        reasons: Vec<CancellationReason>,
    },

    /// A typed transaction was cancelled: one entry per action, in the
    /// order they were added, each naming the action (table, model, key)
    /// and why it failed ([`crate::transaction::FailureReason::None`] for
    /// the actions that did not). Nothing was written.
    #[error("transaction cancelled: {}", crate::transaction::describe_failures(.actions))]
    TransactionFailed {
        /// One entry per action.
        actions: Vec<crate::transaction::ActionFailure>,
    },

    /// An operation that retries on conflicts (a transaction of targets,
    /// `modify`, `update`) met a conflict on every attempt, up to its
    /// bound. Nothing of the last attempt was written.
    #[error("{operation} on table `{table}` gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// What was retried.
        operation: String,
        /// The (first) table involved.
        table: String,
        /// Attempts made.
        attempts: u32,
        /// The error of the last attempt.
        last: Box<Error>,
    },

    /// Another transaction was in progress on an item (DynamoDB's
    /// `TransactionConflictException` or `TransactionInProgressException`).
    #[error("transaction conflict: {message}")]
    TransactionConflict {
        /// DynamoDB's message.
        message: String,
    },

    /// The request's outcome is unknown: it timed out, or its connection or
    /// response was lost. It may or may not have been applied; a
    /// transaction resent with the same client request token applies once.
    #[error("outcome unknown: {message}")]
    Timeout {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// A client request token was reused with different parameters.
    #[error("idempotency token reused with different parameters: {message}")]
    IdempotencyMismatch {
        /// The message.
        message: String,
    },

    /// A value broke the model's validation rules; every violation is listed
    /// with its path.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),

    /// The request is malformed or breaks a rule of DynamoDB's data model
    /// (DynamoDB's `ValidationException`): an empty set, a wrong key type,
    /// a bad expression, and so on. Nothing was written.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },

    /// An expression given to the repository (an update, a condition, a
    /// filter, a projection) names a top-level attribute that the model
    /// does not have: most often a typo in a string path (`attr("stauts")`).
    /// Nothing was read or written. Typed paths (`Order::fields().status`)
    /// cannot misspell; for attributes outside the model, a table made with
    /// [`Table::allow_unknown_attributes`](crate::repository::Table::allow_unknown_attributes)
    /// takes any name.
    #[error("{context} on table `{table}` names {}", describe_unknown(.model, .names, .suggestions))]
    UnknownAttributes {
        /// The table.
        table: String,
        /// The model's type name.
        model: String,
        /// Which expression: `"the update"`, `"the condition"`, `"the filter"`, ...
        context: String,
        /// The unknown names, each once, in the order they appear.
        names: Vec<String>,
        /// For each name, the model's attribute it is closest to, if one is close.
        suggestions: Vec<Option<String>>,
    },

    /// A size or count limit was exceeded (400 KB items, 100 actions per
    /// transaction, 100 keys per batch get, 25 items per batch write, ...).
    /// Nothing was written.
    #[error("limit exceeded: {message}")]
    LimitExceeded {
        /// Which limit, and by how much.
        message: String,
    },

    /// The request was throttled (provisioned throughput exceeded, request
    /// rate too high); it may succeed if retried later.
    #[error("throttled: {message}")]
    Throttled {
        /// The message.
        message: String,
    },

    /// A batch operation (`get_many`, `put_many`, `delete_many`) stopped
    /// part-way: the keys in `keys` were not read or written, those in
    /// `done` were. Either the store kept leaving work unprocessed for the
    /// retry policy's attempts in a row (throttling; `cause` is `None`), or
    /// a request failed after others had succeeded (`cause` says why).
    /// Every request the call started had finished when it returned:
    /// nothing lands after this error. Retry the keys in `keys`.
    #[error("{} keys of table `{table}` unprocessed ({} done){}: {}", .keys.len(), .done.len(), describe_cause(.attempts, .cause), describe_keys(.keys))]
    Unprocessed {
        /// The table.
        table: String,
        /// The keys not read or written.
        keys: Vec<Item>,
        /// The keys read or written before the operation stopped.
        done: Vec<Item>,
        /// Attempts made in a row without progress.
        attempts: u32,
        /// The error that stopped the operation, when it was not the
        /// retries running out.
        cause: Option<Box<Error>>,
    },

    /// The table does not exist (or is not active yet).
    #[error("table `{table}` does not exist")]
    TableNotFound {
        /// The table.
        table: String,
    },

    /// The table has no global secondary index of this name (an
    /// `UpdateTable` deleting one; DynamoDB's `ResourceNotFoundException`).
    #[error("table `{table}` has no global secondary index `{index}`")]
    IndexNotFound {
        /// The table.
        table: String,
        /// The index asked for.
        index: String,
    },

    /// The table already exists, or is being created or deleted
    /// (DynamoDB's `ResourceInUseException`).
    #[error("table `{table}` is in use: {message}")]
    TableInUse {
        /// The table.
        table: String,
        /// What is happening to it.
        message: String,
    },

    /// A stored item could not be mapped to the model's type (a missing
    /// field, a wrong type): names the table and the item's key.
    #[error("the item with key {key} of table `{table}` does not map to the model: {source}")]
    ReadMapping {
        /// The table.
        table: String,
        /// The item's key, as text.
        key: String,
        /// What did not map, and where.
        #[source]
        source: MappingError,
    },

    /// A Rust value could not be mapped to or from DynamoDB's data model.
    #[error(transparent)]
    Mapping(#[from] MappingError),

    /// The operation is not supported by this backend.
    #[error("not supported by this backend: {message}")]
    Unsupported {
        /// What was asked.
        message: String,
    },

    /// A stored item could not be brought to the model's schema version:
    /// from a newer version of the program, unrecognised, or a step failed.
    #[error("cannot load the item with key {key} of table `{table}`: {failure}")]
    Migration {
        /// The table.
        table: String,
        /// The item's key, as text.
        key: String,
        /// What went wrong.
        failure: crate::migration::MigrationFailure,
    },

    /// A persistent store's data is damaged (its files were corrupted or
    /// truncated): the store refuses to open, or a read found data it
    /// cannot trust. The message names the check that failed.
    #[error("the store is corrupt: {message}")]
    Corrupt {
        /// What was found, where.
        message: String,
    },

    /// Any other failure of the store or the network, with its source.
    #[error("backend error: {message}")]
    Backend {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

fn describe_unknown(model: &str, names: &[String], suggestions: &[Option<String>]) -> String {
    let parts: Vec<String> = names
        .iter()
        .enumerate()
        .map(
            |(i, n)| match suggestions.get(i).and_then(Option::as_deref) {
                Some(s) => format!("`{n}` (did you mean `{s}`?)"),
                None => format!("`{n}`"),
            },
        )
        .collect();
    let (what, them) = if names.len() == 1 {
        ("an attribute", "it")
    } else {
        ("attributes", "them")
    };
    format!(
        "{what} that the model `{model}` does not have: {}; use the model's fields \
         (`{model}::fields()`), or allow_unknown_attributes() on the table to name {them} anyway",
        parts.join(", ")
    )
}

fn describe_conflict_key(key: &Option<String>) -> String {
    match key {
        Some(k) => format!("on the item with key {k} of "),
        None => "on ".to_owned(),
    }
}

fn describe_stored(stored: &Option<Box<Item>>) -> String {
    match stored {
        Some(_) => " (stored item returned)".to_owned(),
        None => String::new(),
    }
}

/// A stored item of table `table` decoded into `T` as a read decodes it:
/// upgraded to the model's schema version first, errors naming the key.
pub(crate) fn decode_stored<T: crate::Model>(table: &str, item: &Item) -> Result<T> {
    let key = || T::schema().table.key.describe(item);
    let upgraded = match T::migrations() {
        Some(m) => m
            .upgrade(item.clone())
            .map_err(|failure| Error::Migration {
                table: table.to_owned(),
                key: key(),
                failure,
            })?,
        None => None,
    };
    crate::de::from_item(upgraded.unwrap_or_else(|| item.clone())).map_err(|e| match e {
        Error::Mapping(source) => Error::ReadMapping {
            table: table.to_owned(),
            key: key(),
            source,
        },
        other => other,
    })
}

fn describe_cause(attempts: &u32, cause: &Option<Box<Error>>) -> String {
    match cause {
        Some(e) => format!(" because {e}"),
        None => format!(" after {attempts} attempts"),
    }
}

fn describe_keys(keys: &[Item]) -> String {
    const SHOWN: usize = 10;
    let mut parts: Vec<String> = keys.iter().take(SHOWN).map(|k| format!("{k:?}")).collect();
    if keys.len() > SHOWN {
        parts.push(format!("and {} more", keys.len() - SHOWN));
    }
    parts.join(", ")
}

fn describe_reasons(reasons: &[CancellationReason]) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .enumerate()
        .map(|(i, r)| match &r.message {
            Some(m) => format!("[{i}] {}: {m}", r.code),
            None => format!("[{i}] {}", r.code),
        })
        .collect();
    parts.join(", ")
}

impl Error {
    /// A backend error with a message and a source.
    pub fn backend(message: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::Backend {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// An [`Error::InvalidRequest`] with a message. Code that knows it
    /// refuses a limit raises [`Error::limit`] instead: the kind is never
    /// recovered from the text.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// The error for a `ValidationException` that arrived over DynamoDB's
    /// wire protocol, where the kind is only in the text:
    /// [`Error::LimitExceeded`] when the message is one of DynamoDB's size
    /// or count limits, [`Error::InvalidRequest`] otherwise. Only clients
    /// of the protocol (the DynamoDB backend) need it; the conformance
    /// suite's limit cases prove that it and the emulator, which raises
    /// the kinds directly, agree.
    pub fn from_validation_message(message: impl Into<String>) -> Error {
        let message = message.into();
        if crate::rules::is_limit_message(&message) {
            Error::LimitExceeded { message }
        } else {
            Error::InvalidRequest { message }
        }
    }

    /// An [`Error::LimitExceeded`] with a message.
    pub fn limit(message: impl Into<String>) -> Error {
        Error::LimitExceeded {
            message: message.into(),
        }
    }

    /// A [`Error::Conflict`] on `table`, of the item with this key (as
    /// text) when known, with the stored item when known.
    pub fn conflict(table: impl Into<String>, key: Option<String>, stored: Option<Item>) -> Error {
        Error::Conflict {
            table: table.into(),
            key,
            stored: stored.map(Box::new),
        }
    }

    /// The stored item of a [`Error::Conflict`], when the store returned
    /// it (the repository always asks for it); `None` for other errors.
    pub fn stored(&self) -> Option<&Item> {
        match self {
            Error::Conflict { stored, .. } => stored.as_deref(),
            Error::RetriesExhausted { last, .. } => last.stored(),
            _ => None,
        }
    }

    /// The stored item of a [`Error::Conflict`] decoded into the model
    /// `T` (brought to its schema version first when it has migrations),
    /// as a read would decode it: `None` when the error carries no stored
    /// item; a failure to decode names the table and key, as
    /// [`Error::ReadMapping`] and [`Error::Migration`] do.
    ///
    /// ```
    /// # use dynamodb_mapper::repository::{Repository, RepositoryExt, Table};
    /// # use dynamodb_mapper::expr::attr;
    /// # use dynamodb_mapper::{Error, Model};
    /// # use dynamodb_mapper_memory::MemoryBackend;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
    /// # #[model(table = "users")]
    /// # struct User { #[model(hash_key)] id: String, energy: i64 }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let users = Table::<User>::new(MemoryBackend::new());
    /// users.create_table().await?;
    /// users.create(User { id: "alice".into(), energy: 10 }).await?;
    ///
    /// let update = User::fields().energy.decrement(20);
    /// let enough = Some(attr("energy").ge(20));
    /// let err = users.update("alice", update.build()?, enough).await.unwrap_err();
    /// assert!(matches!(&err, Error::Conflict { key: Some(k), .. } if k == "alice"));
    /// let stored: User = err.stored_as::<User>().expect("returned")?;
    /// assert_eq!(stored.energy, 10);
    /// # Ok::<(), Error>(())
    /// # }).unwrap();
    /// ```
    pub fn stored_as<T: crate::Model>(&self) -> Option<Result<T>> {
        let table = match self {
            Error::Conflict { table, .. } => table.as_str(),
            Error::RetriesExhausted { table, .. } => table.as_str(),
            _ => return None,
        };
        self.stored().map(|item| decode_stored::<T>(table, item))
    }

    /// True for errors that may succeed when retried (throttling,
    /// transaction conflicts, timeouts).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Throttled { .. } | Error::TransactionConflict { .. } | Error::Timeout { .. } => {
                true
            }
            Error::TransactionCanceled { reasons } => reasons.iter().any(|r| {
                matches!(
                    r.code,
                    CancellationCode::TransactionConflict
                        | CancellationCode::ThrottlingError
                        | CancellationCode::ProvisionedThroughputExceeded
                )
            }),
            _ => false,
        }
    }
}

/// Why one action of a cancelled transaction failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancellationReason {
    /// The reason's code; [`CancellationCode::None`] for actions that did not fail.
    pub code: CancellationCode,
    /// DynamoDB's message, if any.
    pub message: Option<String>,
    /// The stored item, for a failed condition when it was asked for.
    pub item: Option<Item>,
}

impl CancellationReason {
    /// A reason for an action that did not fail.
    pub fn none() -> Self {
        CancellationReason {
            code: CancellationCode::None,
            message: None,
            item: None,
        }
    }
}

/// The code of a [`CancellationReason`], as DynamoDB names them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancellationCode {
    /// The action did not fail.
    None,
    /// Its condition was false.
    ConditionalCheckFailed,
    /// An item collection grew over 10 GB.
    ItemCollectionSizeLimitExceeded,
    /// Another transaction was in progress on the item.
    TransactionConflict,
    /// Provisioned throughput was exceeded.
    ProvisionedThroughputExceeded,
    /// The request was throttled.
    ThrottlingError,
    /// The action was invalid.
    ValidationError,
    /// A code this library does not know.
    Other(String),
}

impl CancellationCode {
    /// DynamoDB's name for the code.
    pub fn as_str(&self) -> &str {
        match self {
            CancellationCode::None => "None",
            CancellationCode::ConditionalCheckFailed => "ConditionalCheckFailed",
            CancellationCode::ItemCollectionSizeLimitExceeded => "ItemCollectionSizeLimitExceeded",
            CancellationCode::TransactionConflict => "TransactionConflict",
            CancellationCode::ProvisionedThroughputExceeded => "ProvisionedThroughputExceeded",
            CancellationCode::ThrottlingError => "ThrottlingError",
            CancellationCode::ValidationError => "ValidationError",
            CancellationCode::Other(s) => s,
        }
    }

    /// Parses DynamoDB's name for a code.
    pub fn from_name(name: &str) -> CancellationCode {
        match name {
            "None" => CancellationCode::None,
            "ConditionalCheckFailed" => CancellationCode::ConditionalCheckFailed,
            "ItemCollectionSizeLimitExceeded" => CancellationCode::ItemCollectionSizeLimitExceeded,
            "TransactionConflict" => CancellationCode::TransactionConflict,
            "ProvisionedThroughputExceeded" => CancellationCode::ProvisionedThroughputExceeded,
            "ThrottlingError" => CancellationCode::ThrottlingError,
            "ValidationError" => CancellationCode::ValidationError,
            other => CancellationCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for CancellationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that could not be mapped to or from DynamoDB's data model, with
/// the path of the attribute where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingError {
    /// Where, outermost segment first.
    path: FieldPath,
    message: String,
}

impl MappingError {
    /// A mapping error at the root.
    pub fn new(message: impl Into<String>) -> Self {
        MappingError {
            path: FieldPath::new(),
            message: message.into(),
        }
    }

    /// The path of the attribute, like `address.zip` or `tags[2]`; empty at the root.
    pub fn path(&self) -> String {
        self.path.to_string()
    }

    /// The path, as segments.
    pub fn field_path(&self) -> &FieldPath {
        &self.path
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the path with an outer segment (errors are built inside out).
    pub(crate) fn within(mut self, segment: PathSegment) -> Self {
        self.path = self.path.within(segment);
        self
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "mapping error: {}", self.message)
        } else {
            write!(f, "mapping error at `{}`: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for MappingError {}

impl serde::ser::Error for MappingError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        MappingError::new(msg.to_string())
    }
}

impl serde::de::Error for MappingError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        MappingError::new(msg.to_string())
    }
}
