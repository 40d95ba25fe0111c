//! The conformance suite on the sled backend (a temporary store per case),
//! and again with the library's layers stacked over it; and on a store
//! that flushes every write (the group commit: item writes applied on the
//! task's thread and their flush awaited).

use std::sync::Arc;

use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite};
use dynamodb_mapper::delegate_backend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};

/// A store flushing every write, in a directory removed after it.
#[derive(Debug)]
struct Flushed {
    // Dropped first: the store closes before its directory goes.
    store: SledBackend,
    _dir: tempfile::TempDir,
}

delegate_backend!(impl[] for Flushed => |s| s.store);

fn main() {
    let sled = Target::new("sled", Reference::Emulator, || {
        Arc::new(SledBackend::temporary().expect("a temporary sled store"))
    });
    let flushed = Target::new("sled-every-write", Reference::Emulator, || {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let options = SledOptions {
            durability: Durability::EveryWrite,
            ..SledOptions::default()
        };
        let store = SledBackend::open_with(dir.path(), options).expect("a sled store");
        Arc::new(Flushed { store, _dir: dir })
    });
    run_suite(
        "the conformance suite",
        cases(),
        vec![sled.layered(), sled, flushed],
        Schedule::Parallel,
    )
}
