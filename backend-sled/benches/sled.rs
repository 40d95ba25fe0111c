//! The cost of the emulation over sled itself: sled-backend put, get and
//! query operations per second beside raw sled inserts, gets and range
//! reads of the same keys and values, in one run.
//!
//! Run with `cargo bench -p dynamodb-mapper-sled --bench sled`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query};
use dynamodb_mapper::emulator::codec::{encode_item, partition_digest, put_key_part};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{AttributeValue, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};

const PARTITIONS: usize = 100;

fn item(p: usize, s: usize) -> Item {
    Item::new()
        .with("pk", format!("customer-{p:04}"))
        .with("sk", s)
        .with(
            "status",
            if s.is_multiple_of(3) {
                "open"
            } else {
                "shipped"
            },
        )
        .with("total", (s * 37 % 1000) as i64)
        .with("currency", "EUR")
        .with(
            "note",
            "leave the parcel with the neighbour if nobody answers",
        )
        .with(
            "lines",
            AttributeValue::L(vec![AttributeValue::from("sku-1"), AttributeValue::from(2)]),
        )
        .with(
            "tags",
            AttributeValue::Ss(vec!["gift".into(), "priority".into()]),
        )
}

/// The storage key the emulator builds for an item, as raw sled sees it.
fn raw_key(item: &Item) -> Vec<u8> {
    let mut k = vec![0x02, 0, 0, 0, 1];
    k.extend_from_slice(&partition_digest(&item["pk"]));
    put_key_part(&mut k, &item["pk"]);
    put_key_part(&mut k, &item["sk"]);
    k
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let per_partition = if quick { 5 } else { 200 };
    let n = PARTITIONS * per_partition;
    let queries = if quick { 50 } else { 5_000 };
    let rounds = if quick { 1 } else { 3 };
    let items: Vec<Item> = (0..n)
        .map(|i| item(i % PARTITIONS, i / PARTITIONS))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store = SledBackend::open_with(
        dir.path().join("backend"),
        SledOptions {
            durability: Durability::Interval(Duration::from_secs(1)),
            cache_capacity: None,
            ..SledOptions::default()
        },
    )
    .unwrap();
    let table = TableDefinition::new(
        "orders",
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    );
    let (put_t, get_t, query_t) = rt.block_on(async {
        store.create_table(table).await.unwrap();
        let start = Instant::now();
        for it in &items {
            store
                .put_item(PutItem::new("orders", it.clone()))
                .await
                .unwrap();
        }
        let put_t = start.elapsed();
        let (mut get_t, mut query_t) = (Duration::MAX, Duration::MAX);
        for _ in 0..rounds {
            let start = Instant::now();
            for (i, it) in items.iter().enumerate().rev() {
                let key = Item::new()
                    .with("pk", it["pk"].clone())
                    .with("sk", i / PARTITIONS);
                black_box(store.get_item(GetItem::new("orders", key)).await.unwrap());
            }
            get_t = get_t.min(start.elapsed());
            let start = Instant::now();
            for q in 0..queries {
                let kc = KeyCondition::hash("pk", format!("customer-{:04}", q % PARTITIONS));
                let page = store
                    .query(Query::new("orders", &kc).limit(10))
                    .await
                    .unwrap();
                assert_eq!(page.items.len(), 10.min(per_partition));
                black_box(page);
            }
            query_t = query_t.min(start.elapsed());
        }
        (put_t, get_t, query_t)
    });

    // Raw sled: the same key and value bytes.
    let raw = sled::Config::new()
        .path(dir.path().join("raw"))
        .flush_every_ms(Some(1000))
        .open()
        .unwrap();
    let keys: Vec<Vec<u8>> = items.iter().map(raw_key).collect();
    let start = Instant::now();
    for (k, it) in keys.iter().zip(&items) {
        raw.insert(k, encode_item(it)).unwrap();
    }
    let raw_put_t = start.elapsed();
    let (mut raw_get_t, mut raw_query_t) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let start = Instant::now();
        for k in keys.iter().rev() {
            black_box(raw.get(k).unwrap());
        }
        raw_get_t = raw_get_t.min(start.elapsed());
        let start = Instant::now();
        for q in 0..queries {
            let it = &items[q % PARTITIONS];
            let mut prefix = vec![0x02, 0, 0, 0, 1];
            prefix.extend_from_slice(&partition_digest(&it["pk"]));
            put_key_part(&mut prefix, &it["pk"]);
            let got: Vec<_> = raw.scan_prefix(&prefix).take(10).collect();
            black_box(got);
        }
        raw_query_t = raw_query_t.min(start.elapsed());
    }

    println!(
        "sled backend vs raw sled, {n} items of {} bytes, {queries} queries of 10 items, best of {rounds} rounds for reads (operations per second)",
        items[0].size()
    );
    println!(
        "{:<10}{:>16}{:>16}{:>12}",
        "", "sled backend", "raw sled", "raw/backend"
    );
    for (name, b, r, count) in [
        ("put", put_t, raw_put_t, n),
        ("get", get_t, raw_get_t, n),
        ("query", query_t, raw_query_t, queries),
    ] {
        let (rb, rr) = (rate(count, b), rate(count, r));
        println!("{name:<10}{rb:>16.0}{rr:>16.0}{:>11.2}x", rr / rb);
    }

    // With a flush before every acknowledgement.
    let durable = SledBackend::open(dir.path().join("durable")).unwrap();
    let writes = if quick { 10 } else { 300 };
    let t = rt.block_on(async {
        durable
            .create_table(TableDefinition::new(
                "orders",
                KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
            ))
            .await
            .unwrap();
        let start = Instant::now();
        for it in items.iter().take(writes) {
            durable
                .put_item(PutItem::new("orders", it.clone()))
                .await
                .unwrap();
        }
        start.elapsed()
    });
    println!(
        "put with Durability::EveryWrite (flush before acknowledging): {:.0} per second",
        rate(writes, t)
    );
}
