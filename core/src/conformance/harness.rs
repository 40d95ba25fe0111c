//! The one entry point that runs a suite of [`Case`]s against backends:
//! one libtest trial per case and [`Target`], in parallel, each case on
//! tables of its own with a [`Faults`] layer of its own.

use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};

use super::{Case, Reference, run_with_faults};
use crate::backend::{Backend, Capabilities, Layered};
use crate::layers::{Faults, SimulatedThroughput, Traced};

type Make = Arc<dyn Fn() -> Arc<dyn Backend> + Send + Sync>;

/// A backend a suite runs on: a name (the trials are `name::case`), the
/// reference its answers are checked against, and how to get a backend
/// for a case (a fresh one, or a clone of a shared one).
#[derive(Clone)]
pub struct Target {
    name: String,
    reference: Reference,
    make: Option<Make>,
    skipped: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("reference", &self.reference)
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl Target {
    /// A target whose backend for each case comes from `make`.
    pub fn new(
        name: impl Into<String>,
        reference: Reference,
        make: impl Fn() -> Arc<dyn Backend> + Send + Sync + 'static,
    ) -> Self {
        Target {
            name: name.into(),
            reference,
            make: Some(Arc::new(make)),
            skipped: None,
        }
    }

    /// A target that cannot run here: its trials are reported as ignored
    /// (never as passed), and the suite says why on stderr.
    pub fn skipped(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Target {
            name: name.into(),
            reference: Reference::Emulator,
            make: None,
            skipped: Some(reason.into()),
        }
    }

    /// The same target with the library's layers stacked over its
    /// backend ([`with_layers`]), named `name+layers`: a layer must pass
    /// the suite unchanged.
    pub fn layered(&self) -> Self {
        let mut t = self.clone();
        t.name = format!("{}+layers", self.name);
        if let Some(make) = self.make.clone() {
            t.make = Some(Arc::new(move || with_layers(make())));
        }
        t
    }

    /// The target's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The library's layers, all inert, over a backend: tracing, fault
/// injection and simulated throughput (both off).
pub fn with_layers(backend: Arc<dyn Backend>) -> Arc<dyn Backend> {
    Arc::new(Layered::new(
        Traced,
        Layered::new(
            Faults::new(),
            Layered::new(SimulatedThroughput::new(), backend),
        ),
    ))
}

/// How the trials run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// In parallel (libtest's threads).
    #[default]
    Parallel,
    /// One at a time (for cases that observe the whole process, as a
    /// global tracing subscriber does).
    InTurn,
}

/// The runtime every trial runs on: multi-threaded, so that a backend's
/// client (the SDK's connection pool) outlives any one trial.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// Runs a suite as a libtest program (`harness = false` test targets):
/// one trial per case and target, named `target::case`; a case whose
/// [`Case::requires`] the target's capabilities do not meet is ignored.
pub fn run_suite(suite: &str, cases: Vec<Case>, targets: Vec<Target>, schedule: Schedule) -> ! {
    let mut args = Arguments::from_args();
    if schedule == Schedule::InTurn {
        args.test_threads = Some(1);
    }
    for t in &targets {
        if let Some(reason) = &t.skipped {
            eprintln!("{suite} on {}: SKIPPED (not run): {reason}", t.name);
        }
    }
    let mut trials = Vec::new();
    for target in &targets {
        // What the target can do, read once from a backend of its own.
        let capabilities: Option<Capabilities> = target.make.as_ref().map(|m| m().capabilities());
        for case in &cases {
            let name = format!("{}::{}", target.name, case.name);
            let (Some(make), Some(capabilities)) = (target.make.clone(), &capabilities) else {
                trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true));
                continue;
            };
            if !(case.requires)(capabilities) {
                trials.push(Trial::test(name, || Ok(())).with_ignored_flag(true));
                continue;
            }
            let case = *case;
            let reference = target.reference;
            let trial = Trial::test(name, move || {
                runtime().block_on(async move {
                    let backend = make();
                    let faults = Faults::new();
                    let layered: Arc<dyn Backend> = Arc::new(Layered::new(faults.clone(), backend));
                    run_with_faults(&case, layered, faults, reference)
                        .await
                        .map_err(Failed::from)
                })
            });
            trials.push(trial);
        }
    }
    libtest_mimic::run(&args, trials).exit()
}
