//! The conformance suite on the DynamoDB backend with the pacer on
//! (`pacing(true)`, with the SDK's retries on for other errors), against
//! the server at `DYNAMODB_MAPPER_ENDPOINT` (DynamoDB Local, which
//! never throttles: `tests/with-dynamodb-local` starts it and sets it).
//! One pacer over one backend handle, shared by every case, as an
//! application shares it: pacing changes no answer. Without the server,
//! every case is reported as ignored, never passed.

use std::sync::{Arc, OnceLock};

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite, runtime};
use dynamodb_mapper_dynamodb::DynamoDbBackend;

const VAR: &str = "DYNAMODB_MAPPER_ENDPOINT";

fn main() {
    let endpoint = std::env::var(VAR).ok().filter(|e| !e.is_empty());
    let target = match endpoint {
        None => Target::skipped(
            "dynamodb+pacer",
            format!("{VAR} is not set; run tests/with-dynamodb-local to run these cases"),
        ),
        Some(endpoint) => {
            assert!(
                endpoint.starts_with("http://127.0.0.1:"),
                "tests talk only to 127.0.0.1, not {endpoint}"
            );
            static BACKEND: OnceLock<Arc<dyn Backend>> = OnceLock::new();
            Target::new("dynamodb+pacer", Reference::DynamoDbLocal, move || {
                BACKEND
                    .get_or_init(|| {
                        let builder = DynamoDbBackend::builder()
                            .endpoint(&endpoint)
                            .max_attempts(3)
                            .pacing(true);
                        let b = runtime()
                            .block_on(builder.build())
                            .expect("a DynamoDB backend");
                        assert!(b.pacer().is_enabled());
                        Arc::new(b)
                    })
                    .clone()
            })
        }
    };
    run_suite(
        "the conformance suite, paced",
        cases(),
        vec![target],
        Schedule::Parallel,
    )
}
