//! The whole conformance suite through the DynamoDB backend (the AWS SDK
//! for Rust) against this server, on the memory store and on the sled
//! store: every case must pass as it does in process. No Java needed.

use std::sync::Arc;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, Schedule, Target, cases, run_suite, runtime};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::{RunningServer, Server};
use dynamodb_mapper_sled::SledBackend;

/// A server over `store` on the suite's runtime, and an SDK client of it
/// shared by every case (each case makes tables of its own).
fn served(name: &str, store: Arc<dyn Backend>) -> (RunningServer, Target) {
    let rt = runtime();
    let server = rt
        .block_on(Server::start(store))
        .expect("the server starts");
    let client: Arc<dyn Backend> = Arc::new(
        rt.block_on(
            DynamoDbBackend::builder()
                .endpoint(server.endpoint())
                .build(),
        )
        .expect("a DynamoDB backend"),
    );
    let target = Target::new(name, Reference::Emulator, move || client.clone());
    (server, target)
}

fn main() {
    let sled = SledBackend::temporary().expect("a temporary sled store");
    let (_memory_server, memory) = served("memory", Arc::new(MemoryBackend::new()));
    let (_sled_server, sled) = served("sled", Arc::new(sled));
    // The servers run until the suite's process exits.
    run_suite(
        "the conformance suite through the server",
        cases(),
        vec![memory, sled],
        Schedule::Parallel,
    )
}
