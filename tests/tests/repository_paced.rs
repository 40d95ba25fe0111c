//! The repository suite, unchanged, with the pacer on in every backend
//! (`set_pacing(true)`; on the DynamoDB backend, `pacing(true)`, which
//! also leaves throttled requests to the pacer instead of the SDK's
//! retries): pacing changes no answer. DynamoDB Local never throttles, so
//! on it every request goes through the pacer's estimate, settle and
//! learning of the table's capacity without ever being slowed below it.

#[allow(dead_code)]
#[path = "repository/main.rs"]
mod repository;

// The suite's modules name their helpers from the crate root.
use repository::{behind_back, expect_conflict, k};

fn main() {
    dynamodb_mapper_tests::run_suite_paced("the repository suite, paced", repository::all())
}
