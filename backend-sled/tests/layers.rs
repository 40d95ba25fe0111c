//! The library's layers work over the sled backend, not only over memory:
//! fault injection (throttling, latency, transaction faults) and
//! simulated throughput, stacked on a persistent store.

use std::time::Duration;

use dynamodb_mapper::backend::{
    Backend, GetItem, Layered, PutItem, TransactWrite, TransactWriteItem,
};
use dynamodb_mapper::layers::{Faults, SimulatedThroughput};
use dynamodb_mapper::{CancellationCode, Error, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::SledBackend;

fn key(id: &str) -> Item {
    Item::new().with("id", id)
}

async fn store() -> (Faults, Layered<Faults, SledBackend>) {
    let faults = Faults::new();
    let store = Layered::new(faults.clone(), SledBackend::temporary().unwrap());
    store
        .create_table(TableDefinition::new(
            "items",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    (faults, store)
}

fn put(id: &str) -> TransactWrite {
    TransactWrite {
        items: vec![TransactWriteItem::Put(PutItem::new("items", key(id)))],
        ..TransactWrite::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_changes_nothing() {
    let (faults, store) = store().await;
    faults.throttle_next(1);
    let e = store
        .put_item(PutItem::new("items", key("a")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
    let got = store
        .get_item(GetItem::new("items", key("a")))
        .await
        .unwrap();
    assert!(got.item.is_none(), "a throttled put writes nothing");
    store
        .put_item(PutItem::new("items", key("a")))
        .await
        .unwrap();
    assert!(
        store
            .get_item(GetItem::new("items", key("a")))
            .await
            .unwrap()
            .item
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_faults() {
    let (faults, store) = store().await;
    faults.conflict_next_transactions(1);
    match store.transact_write_items(put("c")).await {
        Err(Error::TransactionCanceled { reasons }) => {
            assert_eq!(reasons.len(), 1);
            assert_eq!(reasons[0].code, CancellationCode::TransactionConflict);
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
    assert!(
        store
            .get_item(GetItem::new("items", key("c")))
            .await
            .unwrap()
            .item
            .is_none()
    );

    // A lost response: applied, but the caller sees a timeout.
    faults.lose_next_transaction_responses(1);
    let mut t = put("d");
    t.client_request_token = Some("token-d".into());
    let e = store.transact_write_items(t.clone()).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(
        store
            .get_item(GetItem::new("items", key("d")))
            .await
            .unwrap()
            .item
            .is_some()
    );
    // The resend with the same token succeeds and applies nothing twice.
    store.transact_write_items(t).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn latency_is_added() {
    let (faults, store) = store().await;
    faults.set_latency(Some(Duration::from_millis(120)));
    let start = tokio::time::Instant::now();
    store
        .get_item(GetItem::new("items", key("a")))
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(120),
        "on tokio's clock"
    );
}

#[tokio::test(start_paused = true)]
async fn simulated_throughput_over_sled() {
    let throughput = SimulatedThroughput::new();
    let store = Layered::new(throughput.clone(), SledBackend::temporary().unwrap());
    store
        .create_table(
            TableDefinition::new("slow", KeySchema::hash("id", ScalarType::S))
                .with_throughput(1, 1),
        )
        .await
        .unwrap();
    throughput.set_enabled(true);
    store
        .put_item(PutItem::new("slow", key("a")))
        .await
        .unwrap();
    let e = store
        .put_item(PutItem::new("slow", key("b")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
    assert!(store.capabilities().throughput_enforced);
}
