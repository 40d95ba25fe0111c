//! The conformance suite on the DynamoDB backend, against the server at
//! `DYNAMODB_MAPPER_TEST_ENDPOINT` (`tests/run` starts DynamoDB Local and
//! sets it). Without it, every case is reported as ignored, never passed.

use std::sync::Arc;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, cases, run};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let endpoint = std::env::var("DYNAMODB_MAPPER_TEST_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty());
    let Some(endpoint) = endpoint else {
        eprintln!(
            "DynamoDB backend conformance: SKIPPED (not run): DYNAMODB_MAPPER_TEST_ENDPOINT is not set; \
             run tests/run to start DynamoDB Local and run these cases"
        );
        let trials = cases()
            .into_iter()
            .map(|case| Trial::test(case.name, || Ok(())).with_ignored_flag(true))
            .collect();
        libtest_mimic::run(&args, trials).exit();
    };
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "tests talk only to 127.0.0.1, not {endpoint}"
    );
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    );
    let backend: Arc<dyn Backend> = Arc::new(
        rt.block_on(DynamoDbBackend::builder().endpoint(&endpoint).build())
            .expect("a DynamoDB backend"),
    );
    let trials = cases()
        .into_iter()
        .map(|case| {
            let (rt, backend) = (rt.clone(), backend.clone());
            Trial::test(case.name, move || {
                rt.block_on(run(&case, backend, Reference::DynamoDbLocal))
                    .map_err(Failed::from)
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
