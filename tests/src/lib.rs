//! Cross-backend test suites of `dynamodb-mapper`: the repository suite,
//! property, differential and concurrency tests, each run against every
//! backend: memory, sled (a temporary store per case) and the DynamoDB
//! backend against the server at `DYNAMODB_MAPPER_ENDPOINT` (which
//! `tests/run` starts). Without that server the DynamoDB runs are reported
//! as ignored, never as passed.
//!
//! The suites run on the library's one harness
//! ([`dynamodb_mapper::conformance::run_suite`]); this crate holds what
//! they share: the targets ([`targets`]), the view of a case's context
//! they use ([`Env`]), and the test models ([`models`]).

pub mod models;

use std::sync::{Arc, OnceLock};

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Ctx, Reference, Schedule, Target, runtime};
use dynamodb_mapper::layers::Faults;
use dynamodb_mapper::{Model, Repository, Table};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::SledBackend;

pub use dynamodb_mapper::conformance::Case;

/// The environment variable naming the DynamoDB-compatible server.
pub const ENDPOINT_VAR: &str = "DYNAMODB_MAPPER_ENDPOINT";

/// A backend the suites run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `MemoryBackend`.
    Memory,
    /// `SledBackend` on a temporary store.
    Sled,
    /// `DynamoDbBackend` against the server at [`ENDPOINT_VAR`].
    DynamoDb,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Memory, Kind::Sled, Kind::DynamoDb];

    /// The kind's name in test names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Sled => "sled",
            Kind::DynamoDb => "dynamodb",
        }
    }

    /// The kind of a backend, from its capabilities' name.
    pub fn of(backend: &dyn Backend) -> Kind {
        match backend.capabilities().name {
            "memory" => Kind::Memory,
            "sled" => Kind::Sled,
            _ => Kind::DynamoDb,
        }
    }
}

/// What a case of these suites runs against: the case's backend (with a
/// fault layer of its own in it) and table names of its own.
#[derive(Clone)]
pub struct Env {
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// Which backend it is.
    pub kind: Kind,
    /// The fault layer in `backend`: throttling, latency, transaction
    /// faults for this case only.
    pub faults: Faults,
    prefix: String,
}

impl Env {
    /// The environment of a harness context.
    pub fn from_ctx(ctx: &Ctx) -> Env {
        let backend = ctx.backend_arc();
        Env {
            kind: Kind::of(&*backend),
            backend,
            faults: ctx.faults().clone(),
            prefix: ctx.prefix().to_owned(),
        }
    }

    /// A table name unique to this case.
    pub fn table_name(&self, name: &str) -> String {
        format!("{}_{name}", self.prefix)
    }

    /// The repository of `T` on a table of this case (not created).
    pub fn repo<T: Model>(&self) -> Table<T> {
        Table::<T>::shared(self.backend.clone()).with_name(self.table_name(&T::schema().table.name))
    }

    /// The repository of `T` on a new table of this case.
    pub async fn table<T: Model>(&self) -> Table<T> {
        let table = self.repo::<T>();
        table.create_table().await.expect("create the case's table");
        table
    }
}

/// Declares cases: `cases![name, name, ...]` for async functions
/// `name(env: Env)`, run on every backend.
#[macro_export]
macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$(
            $crate::Case::new(stringify!($name), |ctx| {
                let env = $crate::Env::from_ctx(ctx);
                Box::pin($name(env))
            })
        ),*]
    };
}

/// The endpoint of the DynamoDB-compatible server, if one is set. Tests
/// talk only to 127.0.0.1.
pub fn endpoint() -> Option<String> {
    let endpoint = std::env::var(ENDPOINT_VAR).ok().filter(|e| !e.is_empty())?;
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "tests talk only to 127.0.0.1, not {endpoint}"
    );
    Some(endpoint)
}

fn dynamodb(endpoint: &str, paced: bool) -> Arc<dyn Backend> {
    static BACKEND: OnceLock<Arc<dyn Backend>> = OnceLock::new();
    static PACED: OnceLock<Arc<dyn Backend>> = OnceLock::new();
    let cell = if paced { &PACED } else { &BACKEND };
    cell.get_or_init(|| {
        let builder = DynamoDbBackend::builder().endpoint(endpoint).pacing(paced);
        let backend = runtime()
            .block_on(builder.build())
            .expect("a DynamoDB backend");
        Arc::new(backend)
    })
    .clone()
}

/// The three targets: a fresh memory store and a fresh temporary sled
/// store per case, and the DynamoDB backend on the server at
/// [`ENDPOINT_VAR`] (skipped without one).
pub fn targets() -> Vec<Target> {
    make_targets(false)
}

/// The three [`targets`] with the pacer of each backend on
/// (`set_pacing(true)`, `pacing(true)`), named `NAME+pacer`. On the
/// DynamoDB backend one paced backend handle is shared by every case, as
/// an application shares it.
pub fn paced_targets() -> Vec<Target> {
    make_targets(true)
}

fn make_targets(paced: bool) -> Vec<Target> {
    let suffix = if paced { "+pacer" } else { "" };
    let memory = Target::new(format!("memory{suffix}"), Reference::Emulator, move || {
        let store = MemoryBackend::new();
        store.set_pacing(paced);
        Arc::new(store)
    });
    let sled = Target::new(format!("sled{suffix}"), Reference::Emulator, move || {
        let store = SledBackend::temporary().expect("a temporary sled store");
        store.set_pacing(paced);
        Arc::new(store)
    });
    let name = format!("dynamodb{suffix}");
    let dynamodb = match endpoint() {
        Some(endpoint) => Target::new(name, Reference::DynamoDbLocal, move || {
            dynamodb(&endpoint, paced)
        }),
        None => Target::skipped(
            name,
            format!("{ENDPOINT_VAR} is not set; tests/run starts DynamoDB Local and runs them"),
        ),
    };
    vec![memory, sled, dynamodb]
}

/// Runs a suite on the three [`targets`], in parallel.
pub fn run_suite(suite: &str, cases: Vec<Case>) -> ! {
    dynamodb_mapper::conformance::run_suite(suite, cases, targets(), Schedule::Parallel)
}

/// Runs a suite on the three [`paced_targets`], in parallel.
pub fn run_suite_paced(suite: &str, cases: Vec<Case>) -> ! {
    dynamodb_mapper::conformance::run_suite(suite, cases, paced_targets(), Schedule::Parallel)
}

/// [`run_suite`], one case at a time (for cases that observe the process,
/// as a global tracing subscriber does).
pub fn run_suite_in_turn(suite: &str, cases: Vec<Case>) -> ! {
    dynamodb_mapper::conformance::run_suite(suite, cases, targets(), Schedule::InTurn)
}
