//! The conformance suite: what every [`Backend`] must do, as DynamoDB does.
//!
//! Each [`Case`] is a plain async function over a [`Ctx`] (a backend and a
//! table-name prefix of its own), so the cases run in parallel, on their own
//! tables, against any backend: the memory and sled emulators, the DynamoDB
//! backend against DynamoDB Local, or a backend of your own:
//!
//! ```no_run
//! // tests/conformance.rs of a backend crate, with `harness = false`:
//! use std::sync::Arc;
//! use dynamodb_mapper::conformance::{cases, run_suite, Reference, Schedule, Target};
//! # use dynamodb_mapper_memory::MemoryBackend as MyBackend;
//!
//! fn main() {
//!     let mine = Target::new("mine", Reference::Emulator, || Arc::new(MyBackend::new()));
//!     run_suite("conformance", cases(), vec![mine.clone(), mine.layered()], Schedule::Parallel)
//! }
//! ```
//!
//! Or case by case, with [`run`], from a harness of your own.
//!
//! Where DynamoDB Local is known to answer differently from DynamoDB, the
//! case checks DynamoDB Local's answer when [`Reference::DynamoDbLocal`] is
//! given, and says why in its code.

mod arns;
mod batch;
mod capacity;
mod concurrency;
mod definitions;
mod expressions;
mod fidelity;
mod harness;
mod indexes;
mod items;
mod limits;
mod reads;
mod scans;
mod tables;
mod tables_update;
mod transactions;
mod updates;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

pub use harness::{Schedule, Target, run_suite, runtime, with_layers};

use crate::backend::{Backend, Capabilities, GetItem, PutItem};
use crate::error::Error;
use crate::layers::Faults;
use crate::model::{
    IndexDefinition, IndexKind, IndexProjection, KeyAttribute, KeySchema, ScalarType,
    TableDefinition,
};
use crate::value::{AttributeValue, Item};

/// A case's future.
pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One conformance case.
#[derive(Clone, Copy)]
pub struct Case {
    /// A unique name, `area::what`.
    pub name: &'static str,
    /// The case; it panics (assertions) on a failure.
    pub run: for<'a> fn(&'a Ctx) -> CaseFuture<'a>,
    /// Whether a backend with these capabilities can run the case (cases
    /// that need what not every store has, as opendal's behaviour tests
    /// select by capability); a target that cannot is reported as ignored.
    pub requires: fn(&Capabilities) -> bool,
}

impl Case {
    /// A case every backend runs.
    pub fn new(name: &'static str, run: for<'a> fn(&'a Ctx) -> CaseFuture<'a>) -> Self {
        Case {
            name,
            run,
            requires: |_| true,
        }
    }

    /// The same case, only on backends with these capabilities.
    pub fn requiring(mut self, requires: fn(&Capabilities) -> bool) -> Self {
        self.requires = requires;
        self
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Which implementation a backend's answers are checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// DynamoDB's documented behaviour (the emulators, real DynamoDB).
    Emulator,
    /// AWS's DynamoDB Local, where it differs from DynamoDB.
    DynamoDbLocal,
}

/// What a case runs against.
pub struct Ctx {
    backend: Arc<dyn Backend>,
    faults: Faults,
    prefix: String,
    reference: Reference,
    created: Mutex<Vec<String>>,
}

static RUN: AtomicU64 = AtomicU64::new(0);

impl Ctx {
    /// A context with a table prefix unique to this process and case.
    pub fn new(backend: Arc<dyn Backend>, case: &str, reference: Reference) -> Self {
        Self::with_faults(backend, Faults::new(), case, reference)
    }

    /// A context whose backend has this fault layer in it (the harness
    /// stacks one per case), so that a case can inject faults into its
    /// own calls only.
    pub fn with_faults(
        backend: Arc<dyn Backend>,
        faults: Faults,
        case: &str,
        reference: Reference,
    ) -> Self {
        let n = RUN.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let short: String = case
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(60)
            .collect();
        Ctx {
            backend,
            faults,
            prefix: format!("c{}_{n}_{nanos:x}_{short}", std::process::id()),
            reference,
            created: Mutex::new(Vec::new()),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// A shared handle to the backend (for concurrent tasks).
    pub fn backend_arc(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    /// The fault layer of this case's backend (inert unless set).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The prefix of this case's table names.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The reference the answers are checked against.
    pub fn reference(&self) -> Reference {
        self.reference
    }

    /// A table name unique to this case.
    pub fn table(&self, name: &str) -> String {
        format!("{}_{name}", self.prefix)
    }

    /// Creates a table and remembers it for clean-up.
    pub async fn create(&self, definition: TableDefinition) -> String {
        let name = definition.name.clone();
        self.backend
            .create_table(definition)
            .await
            .unwrap_or_else(|e| panic!("creating table {name}: {e}"));
        self.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.clone());
        name
    }

    /// Creates `pk` (S) + `sk` (N) with a global index `gsi1` on `g` (S,
    /// projecting all) and a local index `lsi1` on `l` (S, keys only).
    pub async fn ranged_table(&self, name: &str) -> String {
        let def = TableDefinition::new(
            self.table(name),
            KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
        )
        .with_global_index(
            "gsi1",
            KeySchema::hash("g", ScalarType::S),
            IndexProjection::All,
        )
        .with_local_index(
            "lsi1",
            KeyAttribute::new("l", ScalarType::S),
            IndexProjection::KeysOnly,
        );
        self.create(def).await
    }

    /// Creates a table with a string hash key `id`.
    pub async fn simple_table(&self, name: &str) -> String {
        self.create(TableDefinition::new(
            self.table(name),
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
    }

    /// Deletes the tables the case created (best effort).
    pub async fn cleanup(&self) {
        let tables: Vec<String> =
            std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tables {
            let _ = self.backend.delete_table(&t).await;
        }
    }

    /// Puts an item, panicking on failure.
    pub async fn put(&self, table: &str, item: Item) {
        self.backend
            .put_item(PutItem::new(table, item))
            .await
            .unwrap_or_else(|e| panic!("put into {table}: {e}"));
    }

    /// Gets an item by key, panicking on failure.
    pub async fn get(&self, table: &str, key: Item) -> Option<Item> {
        self.backend
            .get_item(GetItem::new(table, key).consistent(true))
            .await
            .unwrap_or_else(|e| panic!("get from {table}: {e}"))
            .item
    }
}

/// Runs a future, turning a panic into an error.
struct CatchUnwind<'a>(CaseFuture<'a>);

impl Future for CatchUnwind<'_> {
    type Output = Result<(), String>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match std::panic::catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "the case panicked".to_owned());
                Poll::Ready(Err(message))
            }
        }
    }
}

/// Runs one case against a backend on fresh tables, then deletes them.
pub async fn run(
    case: &Case,
    backend: Arc<dyn Backend>,
    reference: Reference,
) -> Result<(), String> {
    run_with_faults(case, backend, Faults::new(), reference).await
}

/// [`run`], with the fault layer that `backend` contains, for the case to
/// reach through [`Ctx::faults`].
pub async fn run_with_faults(
    case: &Case,
    backend: Arc<dyn Backend>,
    faults: Faults,
    reference: Reference,
) -> Result<(), String> {
    let ctx = Ctx::with_faults(backend, faults, case.name, reference);
    let result = CatchUnwind((case.run)(&ctx)).await;
    ctx.cleanup().await;
    result
}

/// Every case of the suite.
pub fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(tables::cases());
    all.extend(tables_update::cases());
    all.extend(definitions::cases());
    all.extend(arns::cases());
    all.extend(items::cases());
    all.extend(capacity::cases());
    all.extend(expressions::cases());
    all.extend(updates::cases());
    all.extend(reads::cases());
    all.extend(indexes::cases());
    all.extend(scans::cases());
    all.extend(batch::cases());
    all.extend(transactions::cases());
    all.extend(concurrency::cases());
    all.extend(fidelity::cases());
    all.extend(limits::cases());
    all
}

// ---------------------------------------------------------------------------
// Helpers for the cases.

/// Declares a case function.
macro_rules! case {
    ($name:ident, |$ctx:ident| $body:block) => {
        fn $name<'a>($ctx: &'a $crate::conformance::Ctx) -> $crate::conformance::CaseFuture<'a> {
            Box::pin(async move { $body })
        }
    };
}
pub(crate) use case;

/// Lists cases of a module, named `module::function`.
macro_rules! case_list {
    ($module:literal: $($name:ident),* $(,)?) => {
        pub(super) fn cases() -> Vec<$crate::conformance::Case> {
            vec![$($crate::conformance::Case::new(
                concat!($module, "::", stringify!($name)),
                $name,
            )),*]
        }
    };
}
pub(crate) use case_list;

/// Asserts a result is an error of a kind, and returns it.
macro_rules! expect_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e @ $pattern) => e,
            Err(other) => panic!("expected {}, got the error {other:?}", stringify!($pattern)),
            Ok(v) => panic!("expected {}, got success: {v:?}", stringify!($pattern)),
        }
    };
}
pub(crate) use expect_err;

/// Shorthands for values.
pub(crate) fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.parse().unwrap_or_else(|e| panic!("{e}")))
}

pub(crate) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub(crate) fn key_s(id: &str) -> Item {
    Item::new().with("id", id)
}

pub(crate) fn key_ps(pk: &str, sk: i64) -> Item {
    Item::new().with("pk", pk).with("sk", sk)
}

/// The message of an error, for assertions on DynamoDB's wording.
pub(crate) fn message(e: &Error) -> String {
    match e {
        Error::InvalidRequest { message } | Error::LimitExceeded { message } => message.clone(),
        other => other.to_string(),
    }
}

/// An index definition for cases that build their own tables.
pub(crate) fn gsi(name: &str, key: KeySchema, projection: IndexProjection) -> IndexDefinition {
    IndexDefinition {
        name: name.to_owned(),
        kind: IndexKind::Global,
        key,
        projection,
        throughput: None,
    }
}
