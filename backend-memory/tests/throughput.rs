//! The simulated throughput ([`SimulatedThroughput`]) follows DynamoDB:
//! burst capacity of up to 300 seconds, global indexes that throttle the
//! writes of their table, batches admitted item by item, throttled
//! transactions cancelled with a reason per action, and large items that
//! leave a bucket in debt. It runs on tokio's clock, deterministically.

use std::sync::Arc;
use std::time::Duration;

use dynamodb_mapper::backend::{
    Backend, BatchGet, BatchWrite, GetItem, KeysAndAttributes, Layered, PutItem,
    ReturnConsumedCapacity, TransactWrite, TransactWriteItem,
};
use dynamodb_mapper::layers::{
    BURST_SECONDS, CapacityKey, CapacityKind, INDEX_THROUGHPUT_EXCEEDED, SimulatedThroughput,
    TABLE_THROUGHPUT_EXCEEDED,
};
use dynamodb_mapper::{
    CancellationCode, Error, IndexProjection, Item, KeySchema, ScalarType, TableDefinition,
    Throughput,
};
use dynamodb_mapper_memory::MemoryBackend;

fn key(id: &str) -> Item {
    Item::new().with("id", id)
}

/// A fresh store under an enabled simulation, with a table provisioned at
/// `read` / `write` units.
async fn simulated(table: &str, read: u64, write: u64) -> (Arc<dyn Backend>, SimulatedThroughput) {
    let sim = SimulatedThroughput::new();
    let store: Arc<dyn Backend> = Arc::new(Layered::new(sim.clone(), MemoryBackend::new()));
    store
        .create_table(
            TableDefinition::new(table, KeySchema::hash("id", ScalarType::S))
                .with_throughput(read, write),
        )
        .await
        .unwrap();
    sim.set_enabled(true);
    (store, sim)
}

async fn put(store: &dyn Backend, table: &str, id: &str) -> dynamodb_mapper::Result<()> {
    store.put_item(PutItem::new(table, key(id))).await.map(drop)
}

/// Writes one-unit items until throttled; answers how many went through.
async fn writes_until_throttled(store: &dyn Backend, table: &str, tag: &str) -> usize {
    for n in 0.. {
        match put(store, table, &format!("{tag}{n}")).await {
            Ok(()) => {}
            Err(Error::Throttled { .. }) => return n,
            Err(e) => panic!("{e}"),
        }
    }
    unreachable!()
}

#[tokio::test(start_paused = true)]
async fn unused_capacity_is_kept_up_to_300_seconds() {
    let (store, _sim) = simulated("burst", 5, 10).await;
    assert_eq!(
        writes_until_throttled(&*store, "burst", "a").await,
        10,
        "one second"
    );
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(
        writes_until_throttled(&*store, "burst", "b").await,
        300,
        "30 s kept"
    );
    // However long the table idles, at most 300 seconds are kept.
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(
        writes_until_throttled(&*store, "burst", "c").await,
        (BURST_SECONDS as usize) * 10
    );
}

#[tokio::test(start_paused = true)]
async fn a_large_item_leaves_the_bucket_in_debt() {
    let (store, sim) = simulated("debt", 5, 1).await;
    // 5 KB on a 1 WCU table: admitted, 5 units consumed.
    let big = key("big").with("pad", "x".repeat(5000));
    store.put_item(PutItem::new("debt", big)).await.unwrap();
    let w = CapacityKey::table("debt", CapacityKind::Write);
    let balance = |sim: &SimulatedThroughput| {
        sim.figures()
            .into_iter()
            .find(|f| f.key == w)
            .map(|f| f.balance)
            .unwrap()
    };
    assert_eq!(balance(&sim), -4.0);
    let e = put(&*store, "debt", "next").await.unwrap_err();
    assert!(
        matches!(&e, Error::Throttled { message } if message == TABLE_THROUGHPUT_EXCEEDED),
        "{e:?}"
    );
    tokio::time::advance(Duration::from_secs(4)).await;
    assert!(
        put(&*store, "debt", "still").await.is_err(),
        "the debt is paid at 1 unit/s"
    );
    tokio::time::advance(Duration::from_millis(1)).await;
    put(&*store, "debt", "now").await.unwrap();
    assert_eq!(
        store
            .get_item(GetItem::new("debt", key("next")))
            .await
            .unwrap()
            .item,
        None,
        "a throttled write changes nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn an_index_out_of_capacity_throttles_the_writes_of_its_table() {
    let sim = SimulatedThroughput::new();
    let store = Layered::new(sim.clone(), MemoryBackend::new());
    let mut def = TableDefinition::new("gsi", KeySchema::hash("id", ScalarType::S))
        .with_throughput(100, 100)
        .with_global_index(
            "by_g",
            KeySchema::hash("g", ScalarType::S),
            IndexProjection::All,
        );
    def.indexes[0].throughput = Some(Throughput {
        read_capacity_units: 100,
        write_capacity_units: 3,
    });
    store.create_table(def).await.unwrap();
    sim.set_enabled(true);
    for i in 0..3 {
        store
            .put_item(PutItem::new("gsi", key(&format!("i{i}")).with("g", "x")))
            .await
            .unwrap();
    }
    // The index is out: even a write that does not touch it is throttled,
    // with DynamoDB's message for indexes.
    let e = put(&store, "gsi", "plain").await.unwrap_err();
    assert!(
        matches!(&e, Error::Throttled { message } if message == INDEX_THROUGHPUT_EXCEEDED),
        "{e:?}"
    );
    // Reads of the table have their own capacity.
    store
        .get_item(GetItem::new("gsi", key("i0")))
        .await
        .unwrap();
    let figures = sim.figures();
    let index = figures
        .iter()
        .find(|f| f.key == CapacityKey::index("gsi", "by_g", CapacityKind::Write))
        .unwrap();
    assert_eq!((index.consumed, index.throttled), (3.0, 1));
    let table = figures
        .iter()
        .find(|f| f.key == CapacityKey::table("gsi", CapacityKind::Write))
        .unwrap();
    assert_eq!(table.consumed, 3.0);
}

#[tokio::test(start_paused = true)]
async fn batches_are_admitted_item_by_item() {
    let (store, _sim) = simulated("batch", 4, 3).await;
    let mut batch = BatchWrite::new();
    for i in 0..5 {
        batch = batch.put("batch", key(&format!("b{i}")));
    }
    let out = store.batch_write_item(batch.clone()).await.unwrap();
    let left = &out.unprocessed_items["batch"];
    assert_eq!(left.len(), 2, "three one-unit writes admitted");
    assert_eq!(left, &batch.tables["batch"][3..].to_vec());
    for i in 0..5 {
        let got = store
            .get_item(GetItem::new("batch", key(&format!("b{i}"))))
            .await
            .unwrap();
        assert_eq!(got.item.is_some(), i < 3, "b{i}");
    }
    // Nothing admitted: the whole batch is throttled.
    let e = store.batch_write_item(batch).await.unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
    // Batch gets likewise: with the read bucket back at 4 units (the five
    // eventual reads above took 2.5), 4 strong reads are admitted, the
    // rest comes back unprocessed.
    tokio::time::advance(Duration::from_millis(625)).await;
    let mut get = BatchGet::new();
    get.tables.insert(
        "batch".into(),
        KeysAndAttributes {
            keys: (0..6).map(|i| key(&format!("b{i}"))).collect(),
            consistent_read: true,
            ..KeysAndAttributes::default()
        },
    );
    let out = store.batch_get_item(get).await.unwrap();
    assert_eq!(out.responses["batch"].len(), 3, "b0..b2 exist");
    let unread = &out.unprocessed_keys["batch"];
    assert_eq!(unread.keys.len(), 2);
    assert!(
        unread.consistent_read,
        "unprocessed keys keep their settings"
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_transaction_is_cancelled_with_a_reason_per_action() {
    let (store, _sim) = simulated("tx_slow", 5, 1).await;
    store
        .create_table(TableDefinition::new(
            "tx_free",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    put(&*store, "tx_slow", "used").await.unwrap();
    let t = TransactWrite {
        items: vec![
            TransactWriteItem::Put(PutItem::new("tx_free", key("f"))),
            TransactWriteItem::Put(PutItem::new("tx_slow", key("s"))),
        ],
        ..TransactWrite::default()
    };
    let e = store.transact_write_items(t.clone()).await.unwrap_err();
    let Error::TransactionCanceled { reasons } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(reasons[0].code, CancellationCode::None);
    assert_eq!(
        reasons[1].code,
        CancellationCode::ProvisionedThroughputExceeded
    );
    assert_eq!(
        reasons[1].message.as_deref(),
        Some(TABLE_THROUGHPUT_EXCEEDED)
    );
    assert!(e.is_retryable());
    let f = store
        .get_item(GetItem::new("tx_free", key("f")))
        .await
        .unwrap();
    assert_eq!(f.item, None, "nothing of the transaction was applied");
    // Two units a write: two seconds later it goes through.
    tokio::time::advance(Duration::from_secs(2)).await;
    store.transact_write_items(t).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_capacity_can_be_set_apart_from_the_definition() {
    let sim = SimulatedThroughput::new();
    let store = Layered::new(sim.clone(), MemoryBackend::new());
    store
        .create_table(TableDefinition::new(
            "ondemand",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    sim.set_enabled(true);
    assert_eq!(
        writes_until_throttled_or(&store, "ondemand", 50).await,
        50,
        "on demand: unlimited"
    );
    let w = CapacityKey::table("ondemand", CapacityKind::Write);
    sim.set_capacity(w.clone(), Some(7.0));
    assert_eq!(writes_until_throttled(&store, "ondemand", "x").await, 7);
    sim.set_capacity(w, None);
    assert_eq!(writes_until_throttled_or(&store, "ondemand", 50).await, 50);
}

async fn writes_until_throttled_or(store: &dyn Backend, table: &str, most: usize) -> usize {
    for n in 0..most {
        if put(store, table, &format!("u{n}")).await.is_err() {
            return n;
        }
    }
    most
}

#[tokio::test(start_paused = true)]
async fn consumed_capacity_is_given_as_asked() {
    let (store, _sim) = simulated("asked", 5, 5).await;
    let none = store
        .put_item(PutItem::new("asked", key("a")))
        .await
        .unwrap();
    assert_eq!(none.consumed_capacity, None);
    let total = store
        .put_item(
            PutItem::new("asked", key("b")).return_consumed_capacity(ReturnConsumedCapacity::Total),
        )
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!((total.capacity_units, total.table_units), (1.0, None));
}

/// Ten simulated minutes of 3 writers asking for twice what a 5 WCU table
/// has, with a simple backoff: the figures it ends with.
async fn ten_minutes() -> Vec<(CapacityKey, f64, u64, u64)> {
    let (store, sim) = simulated("ten", 10, 5).await;
    let until = tokio::time::Instant::now() + Duration::from_secs(600);
    let tasks: Vec<_> = (0..3)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while tokio::time::Instant::now() < until {
                    n += 1;
                    if put(&*store, "ten", &format!("t{t}-{}", n % 100))
                        .await
                        .is_err()
                    {
                        tokio::time::sleep(Duration::from_millis(100 * (t + 1))).await;
                    } else {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    sim.figures()
        .into_iter()
        .map(|f| (f.key, f.consumed, f.admitted, f.throttled))
        .collect()
}

#[test]
fn ten_simulated_minutes_are_deterministic() {
    let run = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(ten_minutes())
    };
    let first = run();
    let (_, consumed, _, throttled) = &first[0];
    // 5 units a second for 600 seconds, and the first second.
    assert!(
        (2_950.0..=3_005.0).contains(consumed),
        "{consumed} units in ten minutes at 5 WCU"
    );
    assert!(*throttled > 0, "the writers ask for more than 5 WCU");
    assert_eq!(run(), first, "the same figures every time");
}

#[tokio::test(start_paused = true)]
async fn a_recreated_table_starts_with_buckets_of_its_own() {
    let (store, _sim) = simulated("again", 5, 2).await;
    let big = key("big").with("pad", "x".repeat(10_000));
    store.put_item(PutItem::new("again", big)).await.unwrap();
    assert!(put(&*store, "again", "a").await.is_err(), "in debt");
    store.delete_table("again").await.unwrap();
    store
        .create_table(
            TableDefinition::new("again", KeySchema::hash("id", ScalarType::S))
                .with_throughput(5, 2),
        )
        .await
        .unwrap();
    assert_eq!(writes_until_throttled(&*store, "again", "b").await, 2);
}

#[tokio::test(start_paused = true)]
async fn a_throughput_change_is_enforced_at_once() {
    let (store, sim) = simulated("grown", 5, 10).await;
    assert_eq!(writes_until_throttled(&*store, "grown", "a").await, 10);
    store
        .update_table(dynamodb_mapper::backend::UpdateTable::new("grown").billing(
            dynamodb_mapper::BillingMode::Provisioned(Throughput {
                read_capacity_units: 5,
                write_capacity_units: 20,
            }),
        ))
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        writes_until_throttled(&*store, "grown", "b").await,
        20,
        "one second at the new capacity"
    );
    let write = CapacityKey::table("grown", CapacityKind::Write);
    let figures = sim.figures();
    let bucket = figures.iter().find(|f| f.key == write).expect("a bucket");
    assert_eq!(bucket.per_second, 20.0);
}
