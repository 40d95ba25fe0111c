//! The conformance suite on the in-memory backend (a fresh store per
//! case), and again with the library's layers stacked over it.

use std::sync::Arc;

use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite};
use dynamodb_mapper_memory::MemoryBackend;

fn main() {
    let memory = Target::new("memory", Reference::Emulator, || {
        Arc::new(MemoryBackend::new())
    });
    run_suite(
        "the conformance suite",
        cases(),
        vec![memory.layered(), memory],
        Schedule::Parallel,
    )
}
