//! The conformance suite on the sled backend (a temporary store per case),
//! and again with the library's layers stacked over it.

use std::sync::Arc;

use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite};
use dynamodb_mapper_sled::SledBackend;

fn main() {
    let sled = Target::new("sled", Reference::Emulator, || {
        Arc::new(SledBackend::temporary().expect("a temporary sled store"))
    });
    run_suite(
        "the conformance suite",
        cases(),
        vec![sled.layered(), sled],
        Schedule::Parallel,
    )
}
