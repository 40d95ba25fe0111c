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

/// A read's future made outside a budget's scope and polled in it is
/// charged to the budget, as every other future is: the store looks at a
/// request when it is polled, not when the call is made. Found that the
/// sled backend's reads, answered in place when no layer has work, asked
/// its pacer at call time, so such a read went uncharged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_made_before_a_budget_scope_is_charged_in_it() {
    use dynamodb_mapper::backend::{Query, Scan};
    use dynamodb_mapper::expr::KeyCondition;
    use dynamodb_mapper::layers::Budget;

    let store = SledBackend::temporary().unwrap();
    store
        .create_table(
            TableDefinition::new("paced", KeySchema::hash("id", ScalarType::S))
                .with_throughput(1000, 1000),
        )
        .await
        .unwrap();
    store
        .put_item(PutItem::new("paced", key("k1")))
        .await
        .unwrap();

    let budget = Budget::new(1.0);
    let fut = store.get_item(GetItem::new("paced", key("k1")));
    assert!(budget.scope(fut).await.unwrap().item.is_some());
    assert!(budget.consumed() > 0.0, "get_item: {}", budget.consumed());

    let budget = Budget::new(1.0);
    let fut = store.query(Query::new("paced", &KeyCondition::hash("id", "k1")));
    assert_eq!(budget.scope(fut).await.unwrap().items.len(), 1);
    assert!(budget.consumed() > 0.0, "query: {}", budget.consumed());

    let budget = Budget::new(1.0);
    let fut = store.scan(Scan::new("paced"));
    assert_eq!(budget.scope(fut).await.unwrap().items.len(), 1);
    assert!(budget.consumed() > 0.0, "scan: {}", budget.consumed());
}
