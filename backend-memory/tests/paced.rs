//! The conformance suite through the pacer ([`Pacer`], on): pacing
//! changes no answer. Once with the memory store's own pacer on
//! (`set_pacing(true)`), and once with a pacer over the store
//! with its provisioned capacity simulated (the pacer keeps the cases'
//! requests within it, retrying what it throttles).

use std::sync::Arc;

use dynamodb_mapper::backend::{Backend, Layered};
use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite};
use dynamodb_mapper::layers::{Pacer, SimulatedThroughput};
use dynamodb_mapper_memory::MemoryBackend;

fn paced(store: impl Backend + 'static) -> Arc<dyn Backend> {
    let pacer = Pacer::new();
    pacer.set_enabled(true);
    Arc::new(Layered::new(pacer, store))
}

fn main() {
    // The store's own pacer, turned on with its one call.
    let memory = Target::new("memory+pacer", Reference::Emulator, || {
        let store = MemoryBackend::new();
        store.set_pacing(true);
        Arc::new(store)
    });
    let simulated = Target::new("memory+pacer+simulated", Reference::Emulator, || {
        let sim = SimulatedThroughput::new();
        sim.set_enabled(true);
        paced(Layered::new(sim, MemoryBackend::new()))
    });
    run_suite(
        "the conformance suite, paced",
        cases(),
        vec![memory, simulated],
        Schedule::Parallel,
    )
}
