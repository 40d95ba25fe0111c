//! The conformance suite on the DynamoDB backend, against the server at
//! `DYNAMODB_MAPPER_ENDPOINT` (`tests/run` starts DynamoDB Local and
//! sets it), and again with the library's layers stacked over it. Without
//! the server, every case is reported as ignored, never passed.

use std::sync::{Arc, OnceLock};

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite, runtime};
use dynamodb_mapper_dynamodb::DynamoDbBackend;

const VAR: &str = "DYNAMODB_MAPPER_ENDPOINT";

fn main() {
    let endpoint = std::env::var(VAR).ok().filter(|e| !e.is_empty());
    let target = match endpoint {
        None => Target::skipped(
            "dynamodb",
            format!("{VAR} is not set; run tests/run to start DynamoDB Local and run these cases"),
        ),
        Some(endpoint) => {
            assert!(
                endpoint.starts_with("http://127.0.0.1:"),
                "tests talk only to 127.0.0.1, not {endpoint}"
            );
            static BACKEND: OnceLock<Arc<dyn Backend>> = OnceLock::new();
            Target::new("dynamodb", Reference::DynamoDbLocal, move || {
                BACKEND
                    .get_or_init(|| {
                        let b = runtime()
                            .block_on(DynamoDbBackend::builder().endpoint(&endpoint).build())
                            .expect("a DynamoDB backend");
                        Arc::new(b)
                    })
                    .clone()
            })
        }
    };
    run_suite(
        "the conformance suite",
        cases(),
        vec![target.layered(), target],
        Schedule::Parallel,
    )
}
