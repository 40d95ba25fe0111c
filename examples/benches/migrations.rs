//! The cost of schema versions: reads of items that are already current,
//! for a model with migrations beside the same model without, and the
//! throughput of a bulk migration, on memory and sled, in one run. Rounds
//! are interleaved; the best of them is kept.
//!
//! ```sh
//! cargo bench -p dynamodb-mapper-examples --bench migrations
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, BatchWrite};
use dynamodb_mapper::migration::{BulkOptions, Migrations};
use dynamodb_mapper::repository::ScanSpec;
use dynamodb_mapper::{Item, Model, Repository, RepositoryExt, Table, Tracked};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

/// A model without schema versions.
#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "bench_plain")]
struct Plain {
    #[model(hash_key)]
    id: String,
    full_name: String,
    score: i64,
    note: String,
}

/// The same fields, at schema version 2 (v1 called `full_name` `name`).
#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "bench_versioned", migrations = versioned_migrations)]
struct Versioned {
    #[model(hash_key)]
    id: String,
    full_name: String,
    score: i64,
    note: String,
}

fn versioned_migrations() -> Migrations {
    Migrations::new(2).step(1, |mut item: Item| {
        if let Some(v) = item.remove("name") {
            item.insert("full_name".into(), v);
        }
        Ok::<_, std::convert::Infallible>(item)
    })
}

const ROUNDS: usize = 8;

fn id(i: usize) -> String {
    format!("user-{i:06}")
}

fn note() -> String {
    "x".repeat(200)
}

async fn reads(name: &str, backend: Arc<dyn Backend>, n: usize) {
    let pid = std::process::id();
    let plain = Table::<Plain>::shared(backend.clone()).with_name(format!("bench_plain_{pid}"));
    let versioned =
        Table::<Versioned>::shared(backend.clone()).with_name(format!("bench_versioned_{pid}"));
    plain.create_table().await.unwrap();
    versioned.create_table().await.unwrap();
    let (p, v): (Vec<_>, Vec<_>) = (0..n)
        .map(|i| {
            let (full_name, score) = (format!("Person {i}"), i as i64);
            (
                Plain {
                    id: id(i),
                    full_name: full_name.clone(),
                    score,
                    note: note(),
                },
                Versioned {
                    id: id(i),
                    full_name,
                    score,
                    note: note(),
                },
            )
        })
        .unzip();
    plain.put_many(&p).await.unwrap();
    versioned.put_many(&v).await.unwrap();
    let (mut get_plain, mut get_versioned) = (Duration::MAX, Duration::MAX);
    let (mut scan_plain, mut scan_versioned) = (Duration::MAX, Duration::MAX);
    for round in 0..ROUNDS {
        // Each side goes first in every other round: the store's own
        // background work (sled's flushes) falls on both alike.
        for side in [round % 2, 1 - round % 2] {
            if side == 0 {
                let start = Instant::now();
                for i in 0..n {
                    plain.get(id(i).as_str()).await.unwrap().unwrap();
                }
                get_plain = get_plain.min(start.elapsed());
                let start = Instant::now();
                let all: Vec<Tracked<Plain>> =
                    plain.scan(ScanSpec::new()).try_collect().await.unwrap();
                assert_eq!(all.len(), n);
                scan_plain = scan_plain.min(start.elapsed());
            } else {
                let start = Instant::now();
                for i in 0..n {
                    versioned.get(id(i).as_str()).await.unwrap().unwrap();
                }
                get_versioned = get_versioned.min(start.elapsed());
                let start = Instant::now();
                let all: Vec<Tracked<Versioned>> =
                    versioned.scan(ScanSpec::new()).try_collect().await.unwrap();
                assert_eq!(all.len(), n);
                scan_versioned = scan_versioned.min(start.elapsed());
            }
        }
    }
    let over = |a: Duration, b: Duration| (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "| {name} | get | {:.2} | {:.2} | {:+.1}% |",
        per(get_plain),
        per(get_versioned),
        over(get_plain, get_versioned)
    );
    println!(
        "| {name} | scan | {:.2} | {:.2} | {:+.1}% |",
        per(scan_plain),
        per(scan_versioned),
        over(scan_plain, scan_versioned)
    );
    plain.delete_table().await.unwrap();
    versioned.delete_table().await.unwrap();
}

async fn bulk(name: &str, backend: Arc<dyn Backend>, n: usize) {
    let table = Table::<Versioned>::shared(backend.clone())
        .with_name(format!("bench_bulk_{}", std::process::id()));
    table.create_table().await.unwrap();
    // v1 items, as an old deploy wrote them: `name`, no version attribute.
    let items: Vec<Item> = (0..n)
        .map(|i| {
            Item::new()
                .with("id", id(i))
                .with("name", format!("Person {i}"))
                .with("score", i as i64)
                .with("note", note())
        })
        .collect();
    for chunk in items.chunks(25) {
        let mut batch = BatchWrite::new();
        for item in chunk {
            batch = batch.put(table.table_name(), item.clone());
        }
        let out = backend.batch_write_item(batch).await.unwrap();
        assert!(out.unprocessed_items.is_empty());
    }
    let report = table
        .migrate_items(BulkOptions::default(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.counts.migrated, n as u64);
    let again = table
        .migrate_items(BulkOptions::default(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.counts.migrated, 0);
    println!(
        "| {name} | {n} | {:.0} | {:.0} |",
        n as f64 / report.elapsed.as_secs_f64(),
        n as f64 / again.elapsed.as_secs_f64()
    );
    table.delete_table().await.unwrap();
}

fn sled(dir: &std::path::Path) -> Arc<dyn Backend> {
    Arc::new(
        SledBackend::open_with(
            dir,
            SledOptions {
                durability: Durability::Interval(Duration::from_millis(500)),
                ..SledOptions::default()
            },
        )
        .unwrap(),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("migrations-bench-{}", std::process::id()));
    println!("Reads of current items (µs per item, best of {ROUNDS} interleaved rounds):\n");
    println!("| store | read | no migrations | with migrations | overhead |");
    println!("|---|---|---|---|---|");
    reads("memory", Arc::new(MemoryBackend::new()), 20_000).await;
    reads("sled (interval flush)", sled(&dir.join("reads")), 10_000).await;
    println!("\nBulk migration (items per second):\n");
    println!("| store | items | v1 -> v2 | second run (all current) |");
    println!("|---|---|---|---|");
    bulk("memory", Arc::new(MemoryBackend::new()), 20_000).await;
    bulk("sled (interval flush)", sled(&dir.join("bulk")), 10_000).await;
    let _ = std::fs::remove_dir_all(&dir);
}
