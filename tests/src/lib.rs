//! Cross-backend test suites of `dynamodb-mapper`: the repository suite,
//! property, differential and concurrency tests, each run against every
//! backend: memory, sled (a temporary store per case) and the DynamoDB
//! backend against the server at `DYNAMODB_MAPPER_TEST_ENDPOINT` (which
//! `tests/run` starts). Without that server the DynamoDB runs are reported
//! as ignored, never as passed.
//!
//! This library holds what the suites share: the backends under test
//! ([`Kind`], [`Env`]), a runner over `libtest-mimic` ([`run_suite`]) and
//! the test models ([`models`]).

pub mod models;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::{Model, Repository, Table};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::SledBackend;
use libtest_mimic::{Arguments, Trial};

/// The environment variable naming the DynamoDB-compatible server.
pub const ENDPOINT_VAR: &str = "DYNAMODB_MAPPER_TEST_ENDPOINT";

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
}

/// What a case runs against: a backend of its own (memory, sled) or a
/// shared server with table names of its own (DynamoDB).
#[derive(Clone)]
pub struct Env {
    /// The backend.
    pub backend: Arc<dyn Backend>,
    /// Which backend it is.
    pub kind: Kind,
    /// The memory backend itself, for its test knobs.
    pub memory: Option<MemoryBackend>,
    prefix: String,
}

static RUN: AtomicU64 = AtomicU64::new(0);

impl Env {
    fn new(
        backend: Arc<dyn Backend>,
        kind: Kind,
        memory: Option<MemoryBackend>,
        case: &str,
    ) -> Env {
        let short: String = case
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(80)
            .collect();
        Env {
            backend,
            kind,
            memory,
            prefix: format!(
                "r{}_{}_{short}",
                std::process::id(),
                RUN.fetch_add(1, Ordering::Relaxed)
            ),
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

/// A case of a suite: a name and an async function of an [`Env`].
pub struct Case {
    /// The case's name.
    pub name: &'static str,
    /// The case; it panics on failure.
    pub run: fn(Env) -> Pin<Box<dyn Future<Output = ()> + Send>>,
    /// The backends it runs on.
    pub kinds: &'static [Kind],
}

/// Declares cases: `cases![name, name, ...]` for async functions `name(env: Env)`
/// run on every backend; `name => [Kind::Memory]` for some backends only.
#[macro_export]
macro_rules! cases {
    ($($name:ident $(=> [$($kind:expr),+])?),* $(,)?) => {
        vec![$(
            $crate::Case {
                name: stringify!($name),
                run: |env| Box::pin($name(env)),
                kinds: {
                    #[allow(unused_mut, unused_assignments)]
                    let mut kinds: &'static [$crate::Kind] = &$crate::Kind::ALL;
                    $( kinds = &[$($kind),+]; )?
                    kinds
                },
            }
        ),*]
    };
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
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

fn dynamodb() -> Arc<dyn Backend> {
    static BACKEND: OnceLock<Arc<dyn Backend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let endpoint = endpoint().expect("an endpoint");
            let backend = runtime()
                .block_on(DynamoDbBackend::builder().endpoint(&endpoint).build())
                .expect("a DynamoDB backend");
            Arc::new(backend)
        })
        .clone()
}

/// Runs a case on a backend of a kind, on the shared runtime.
pub fn run_case(case: &Case, kind: Kind) {
    let env = match kind {
        Kind::Memory => {
            let memory = MemoryBackend::new();
            Env::new(Arc::new(memory.clone()), kind, Some(memory), case.name)
        }
        Kind::Sled => {
            let sled = SledBackend::temporary().expect("a temporary sled store");
            Env::new(Arc::new(sled), kind, None, case.name)
        }
        Kind::DynamoDb => Env::new(dynamodb(), kind, None, case.name),
    };
    runtime().block_on((case.run)(env));
}

/// Runs a suite with libtest-mimic: one trial `kind::case` per case and
/// backend. Without a server, the DynamoDB trials are ignored, and the
/// suite says so.
pub fn run_suite(suite: &str, cases: Vec<Case>) -> ! {
    run_with(suite, cases, Arguments::from_args())
}

/// [`run_suite`], one case at a time (for cases that observe the process,
/// as a global tracing subscriber does).
pub fn run_suite_in_turn(suite: &str, cases: Vec<Case>) -> ! {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    run_with(suite, cases, args)
}

fn run_with(suite: &str, cases: Vec<Case>, args: Arguments) -> ! {
    let server = endpoint().is_some();
    if !server {
        eprintln!(
            "{suite} on the DynamoDB backend: SKIPPED (not run): {ENDPOINT_VAR} is not set; \
             tests/run starts DynamoDB Local and runs them"
        );
    }
    let cases: Vec<Arc<Case>> = cases.into_iter().map(Arc::new).collect();
    let mut trials = Vec::new();
    for kind in Kind::ALL {
        for case in &cases {
            if !case.kinds.contains(&kind) {
                continue;
            }
            let name = format!("{}::{}", kind.name(), case.name);
            let case = case.clone();
            let trial = Trial::test(name, move || {
                run_case(&case, kind);
                Ok(())
            });
            trials.push(trial.with_ignored_flag(kind == Kind::DynamoDb && !server));
        }
    }
    libtest_mimic::run(&args, trials).exit()
}
