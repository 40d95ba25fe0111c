//! Memory-backend operations per second: put, get and query pages.
//!
//! Run with `cargo bench -p dynamodb-mapper-memory --bench memory`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{AttributeValue, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;

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

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let per_partition = if quick { 5 } else { 200 };
    let rounds = if quick { 1 } else { 5 };
    let n = PARTITIONS * per_partition;
    let queries = if quick { 50 } else { 5_000 };
    let items: Vec<Item> = (0..n)
        .map(|i| item(i % PARTITIONS, i / PARTITIONS))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = MemoryBackend::new();
    let mut best = [Duration::MAX; 4];
    rt.block_on(async {
        store
            .create_table(TableDefinition::new(
                "orders",
                KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
            ))
            .await
            .unwrap();
        for _ in 0..rounds {
            let start = Instant::now();
            for it in &items {
                store
                    .put_item(PutItem::new("orders", it.clone()))
                    .await
                    .unwrap();
            }
            best[0] = best[0].min(start.elapsed());
            let start = Instant::now();
            for (i, it) in items.iter().enumerate().rev() {
                let key = Item::new()
                    .with("pk", it["pk"].clone())
                    .with("sk", i / PARTITIONS);
                black_box(store.get_item(GetItem::new("orders", key)).await.unwrap());
            }
            best[1] = best[1].min(start.elapsed());
            for (slot, limit) in [(2, 10u32), (3, 100)] {
                let start = Instant::now();
                for q in 0..queries {
                    let kc = KeyCondition::hash("pk", format!("customer-{:04}", q % PARTITIONS));
                    let page = store
                        .query(Query::new("orders", &kc).limit(limit))
                        .await
                        .unwrap();
                    black_box(page);
                }
                best[slot] = best[slot].min(start.elapsed());
            }
        }
    });
    println!(
        "memory backend, {n} items of {} bytes, best of {rounds} rounds (operations per second)",
        items[0].size()
    );
    println!("{:<28}{:>14}", "put", format!("{:.0}", rate(n, best[0])));
    println!("{:<28}{:>14}", "get", format!("{:.0}", rate(n, best[1])));
    println!(
        "{:<28}{:>14}",
        "query page of 10 items",
        format!("{:.0}", rate(queries, best[2]))
    );
    println!(
        "{:<28}{:>14}",
        "query page of 100 items",
        format!("{:.0}", rate(queries, best[3]))
    );
}
