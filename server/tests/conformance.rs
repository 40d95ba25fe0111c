//! The whole conformance suite through the DynamoDB backend (the AWS SDK
//! for Rust) against this server, on the memory store and on the sled
//! store: every case must pass as it does in process. No Java needed.

use std::sync::Arc;

use dynamodb_mapper::backend::Backend;
use dynamodb_mapper::conformance::{Reference, cases, run};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::{RunningServer, Server};
use dynamodb_mapper_sled::SledBackend;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    );
    let sled = SledBackend::temporary().expect("a temporary sled store");
    let stores: Vec<(&str, Arc<dyn Backend>)> = vec![
        ("memory", Arc::new(MemoryBackend::new())),
        ("sled", Arc::new(sled)),
    ];
    let mut servers: Vec<RunningServer> = Vec::new();
    let mut trials = Vec::new();
    for (name, store) in stores {
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
        servers.push(server);
        for case in cases() {
            let (rt, client) = (rt.clone(), client.clone());
            trials.push(Trial::test(format!("{name}::{}", case.name), move || {
                rt.block_on(run(&case, client, Reference::Emulator))
                    .map_err(Failed::from)
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(servers);
    conclusion.exit();
}
