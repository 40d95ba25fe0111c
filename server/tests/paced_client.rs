//! The DynamoDB backend with its pacer on, against this server over a
//! memory store that throttles: the SDK does not retry a throttled
//! request (its retry classifier leaves throttling to the pacer), the
//! pacer sends it again from the same bucket and counts every throttle;
//! with the pacer off, the SDK's own retries absorb the same throttles.

use std::sync::Arc;

use dynamodb_mapper::backend::{Backend, PutItem};
use dynamodb_mapper::layers::{CapacityKey, CapacityKind, PacingFigures};
use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_dynamodb::DynamoDbBackend;
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::Server;

fn write_bucket(client: &DynamoDbBackend, table: &str) -> Option<PacingFigures> {
    let key = CapacityKey {
        table: table.to_owned(),
        index: None,
        kind: CapacityKind::Write,
    };
    client.pacer().figures().into_iter().find(|f| f.key == key)
}

async fn put(client: &DynamoDbBackend, table: &str, id: &str) {
    client
        .put_item(PutItem::new(table, Item::new().with("id", id)))
        .await
        .expect("the put succeeds in the end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_pacer_on_throttles_are_the_pacers_to_retry() {
    let store = MemoryBackend::new();
    let server = Server::start(Arc::new(store.clone())).await.unwrap();
    let def = TableDefinition::new("paced", KeySchema::hash("id", ScalarType::S))
        .with_throughput(100, 100);
    store.create_table(def).await.unwrap();

    // Built with pacing on, and the SDK's retries (off by default for a
    // local endpoint) on: they would absorb the throttles unseen.
    let paced = DynamoDbBackend::builder()
        .endpoint(server.endpoint())
        .max_attempts(3)
        .pacing(true)
        .build()
        .await
        .unwrap();
    assert!(paced.pacer().is_enabled());
    put(&paced, "paced", "warm").await;
    store.throttle_next(2);
    put(&paced, "paced", "a").await;
    let f = write_bucket(&paced, "paced").expect("a write bucket");
    // Two throttled attempts and the one that went through, all the pacer's.
    assert_eq!((f.requests, f.throttles), (4, 2), "{f:?}");
    assert_eq!(f.provisioned, Some(100.0));

    // Built with pacing off: the SDK retries (3 attempts), the pacer sees
    // nothing.
    let plain = DynamoDbBackend::builder()
        .endpoint(server.endpoint())
        .max_attempts(3)
        .build()
        .await
        .unwrap();
    store.throttle_next(2);
    put(&plain, "paced", "b").await;
    assert_eq!(write_bucket(&plain, "paced"), None);

    // Turned on later: the same client leaves throttles to the pacer.
    plain.set_pacing(true);
    store.throttle_next(1);
    put(&plain, "paced", "c").await;
    let f = write_bucket(&plain, "paced").expect("a write bucket");
    assert_eq!((f.requests, f.throttles), (2, 1), "{f:?}");
    server.stop().await;
}
