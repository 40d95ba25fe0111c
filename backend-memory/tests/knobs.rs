//! The memory backend's test knobs, and TTL purging.

use std::time::Duration;

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Scan};
use dynamodb_mapper::{Error, Item, KeySchema, ScalarType, TableDefinition, Timestamp};
use dynamodb_mapper_memory::MemoryBackend;

async fn table(store: &MemoryBackend, def: TableDefinition) {
    store.create_table(def).await.unwrap();
}

fn key(id: &str) -> Item {
    Item::new().with("id", id)
}

#[tokio::test]
async fn throttle_the_next_calls() {
    let store = MemoryBackend::new();
    table(
        &store,
        TableDefinition::new("items", KeySchema::hash("id", ScalarType::S)),
    )
    .await;
    store.throttle_next(2);
    for _ in 0..2 {
        let e = store
            .put_item(PutItem::new("items", key("a")))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
        assert!(e.is_retryable());
    }
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

#[tokio::test]
async fn throttle_a_seeded_fraction() {
    let outcomes = |seed: u64| async move {
        let store = MemoryBackend::new();
        table(
            &store,
            TableDefinition::new("items", KeySchema::hash("id", ScalarType::S)),
        )
        .await;
        store.throttle_rate(Some((0.3, seed)));
        let mut pattern = Vec::new();
        for i in 0..300 {
            let r = store
                .put_item(PutItem::new("items", key(&format!("k{i}"))))
                .await;
            pattern.push(matches!(r, Err(Error::Throttled { .. })));
        }
        store.throttle_rate(None);
        let stored = store.scan(Scan::new("items")).await.unwrap().count as usize;
        (pattern, stored)
    };
    let (a, stored) = outcomes(7).await;
    let throttled = a.iter().filter(|t| **t).count();
    assert!(
        (60..=120).contains(&throttled),
        "{throttled} of 300 throttled at a rate of 0.3"
    );
    assert_eq!(stored, 300 - throttled, "throttled writes changed nothing");
    assert_eq!(
        outcomes(7).await.0,
        a,
        "the same seed throttles the same calls"
    );
    assert_ne!(outcomes(8).await.0, a);
}

#[tokio::test(start_paused = true)]
async fn inject_latency() {
    let store = MemoryBackend::new();
    table(
        &store,
        TableDefinition::new("items", KeySchema::hash("id", ScalarType::S)),
    )
    .await;
    store.set_latency(Some(Duration::from_millis(250)));
    let start = tokio::time::Instant::now();
    store
        .get_item(GetItem::new("items", key("a")))
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(250),
        "on tokio's clock"
    );
    store.set_latency(None);
    let start = tokio::time::Instant::now();
    store
        .get_item(GetItem::new("items", key("a")))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
}

/// The simulation follows DynamoDB's burst rules: a bucket starts with the
/// current second's capacity and keeps up to 300 seconds of unused
/// capacity. (This test used to check a bucket that kept at most one
/// second; the burst part at the end is what changed.)
#[tokio::test(start_paused = true)]
async fn simulate_provisioned_throughput() {
    let store = MemoryBackend::new();
    table(
        &store,
        TableDefinition::new("slow", KeySchema::hash("id", ScalarType::S)).with_throughput(4, 3),
    )
    .await;
    table(
        &store,
        TableDefinition::new("free", KeySchema::hash("id", ScalarType::S)),
    )
    .await;
    store.simulate_throughput(true);
    // Three 1-unit writes per second; the fourth is throttled.
    for i in 0..3 {
        store
            .put_item(PutItem::new("slow", key(&format!("w{i}"))))
            .await
            .unwrap();
    }
    let e = store
        .put_item(PutItem::new("slow", key("over")))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Throttled { ref message } if message.contains("provisioned throughput")),
        "{e:?}"
    );
    // Reads have their own budget: 4 strong reads (1 unit each).
    for _ in 0..4 {
        store
            .get_item(GetItem::new("slow", key("w0")).consistent(true))
            .await
            .unwrap();
    }
    assert!(matches!(
        store
            .get_item(GetItem::new("slow", key("w0")).consistent(true))
            .await,
        Err(Error::Throttled { .. })
    ));
    // On-demand tables are not limited.
    for i in 0..50 {
        store
            .put_item(PutItem::new("free", key(&format!("f{i}"))))
            .await
            .unwrap();
    }
    // A second later the budget is back.
    tokio::time::advance(Duration::from_secs(1)).await;
    store
        .put_item(PutItem::new("slow", key("later")))
        .await
        .unwrap();
    // Unused capacity is kept for bursts, up to 300 seconds of it: after
    // ten idle minutes, 300 s x 3 WCU = 900 one-unit writes go through at
    // once, and the next one is throttled.
    tokio::time::advance(Duration::from_secs(600)).await;
    for i in 0..900 {
        store
            .put_item(PutItem::new("slow", key(&format!("b{i}"))))
            .await
            .unwrap();
    }
    assert!(matches!(
        store.put_item(PutItem::new("slow", key("over"))).await,
        Err(Error::Throttled { .. })
    ));
    store.simulate_throughput(false);
    for i in 0..20 {
        store
            .put_item(PutItem::new("slow", key(&format!("x{i}"))))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn purge_expired_items() {
    let store = MemoryBackend::new();
    table(
        &store,
        TableDefinition::new("items", KeySchema::hash("id", ScalarType::S)).with_ttl("exp"),
    )
    .await;
    let now = Timestamp::now().unix_seconds();
    let items = [
        ("expired", Some(now - 60)),
        ("future", Some(now + 3600)),
        ("ancient", Some(now - 6 * 365 * 86_400)),
        ("none", None),
    ];
    for (id, exp) in items {
        let mut item = key(id);
        if let Some(e) = exp {
            item.insert("exp".into(), e.into());
        }
        store.put_item(PutItem::new("items", item)).await.unwrap();
    }
    store
        .put_item(PutItem::new(
            "items",
            key("text").with("exp", "not a number"),
        ))
        .await
        .unwrap();
    assert_eq!(
        store.scan(Scan::new("items")).await.unwrap().count,
        5,
        "expired items are visible until removed"
    );
    assert_eq!(store.purge_expired().unwrap(), 1);
    let left: Vec<String> = {
        let mut v: Vec<String> = store
            .scan(Scan::new("items"))
            .await
            .unwrap()
            .items
            .iter()
            .map(|i| i["id"].as_s().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        left,
        ["ancient", "future", "none", "text"],
        "only items expired within the last five years go"
    );
}
