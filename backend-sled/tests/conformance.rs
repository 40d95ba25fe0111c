//! The conformance suite on the sled backend: one test per case, all
//! sharing one temporary store (each case on its own tables), in parallel.

use std::sync::Arc;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, cases, run};
use dynamodb_mapper_sled::SledBackend;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let backend: Arc<dyn Backend> =
        Arc::new(SledBackend::temporary().expect("a temporary sled store"));
    let trials = cases()
        .into_iter()
        .map(|case| {
            let backend = backend.clone();
            Trial::test(case.name, move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(run(&case, backend, Reference::Emulator))
                    .map_err(Failed::from)
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
