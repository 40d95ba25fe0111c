//! The cost of schema versions: reads of items that are already current,
//! for a model with migrations beside the same model without, and the
//! throughput of a bulk migration, on memory and sled, in one run. Gets run
//! in chunks and scans a page at a time, the sides interleaved (each goes
//! first in turn); the best of the rounds is kept per chunk and page. A
//! third side reads the model without migrations from items that carry the
//! version attribute: what storing the attribute costs by itself, whatever
//! the mapper does with it. The cost of the migrations themselves is the
//! model with migrations against that side (the same stored items, read by
//! today's path); the last column adds the attribute's own cost.
//!
//! ```sh
//! cargo bench -p dynamodb-mapper-examples --bench migrations
//! # one part only (for a profile): reads-memory, reads-sled, bulk-memory, bulk-sled
//! cargo bench -p dynamodb-mapper-examples --bench migrations -- reads-memory
//! # one side's gets only (for callgrind: plain, stamped or versioned; scan-plain, ... for its scans)
//! MIGRATIONS_BENCH_SIDE=versioned cargo bench -p dynamodb-mapper-examples --bench migrations -- reads-memory
//! ```
//!
//! Each side has a store of its own, of the same shape: in one shared
//! store the sides' tables would sit at different places of one ordered
//! map, and a lookup's cost depends on that place (a B-tree node is
//! searched from its start), which is not what is measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, BatchWrite};
use dynamodb_mapper::migration::{BulkOptions, Migrations};
use dynamodb_mapper::repository::{Cursor, ScanSpec};
use dynamodb_mapper::{Item, Model, Repository, RepositoryExt, Table, to_item};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};
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
/// Keys per timed run of gets, items per timed scan page.
const CHUNK: usize = 500;

fn id(i: usize) -> String {
    format!("user-{i:06}")
}

fn note() -> String {
    "x".repeat(200)
}

/// The time to get each key, one call each.
async fn get_all<M: Model<Key = String>>(table: &Table<M>, keys: &[String]) -> Duration {
    let start = Instant::now();
    for key in keys {
        table.get(key.as_str()).await.unwrap().unwrap();
    }
    start.elapsed()
}

/// The time to read one scan page; the cursor of the next.
async fn scan_one<M: Model>(
    table: &Table<M>,
    cursor: Option<Cursor>,
) -> (Duration, Option<Cursor>) {
    let start = Instant::now();
    let page = table
        .scan_page(ScanSpec::new().page_size(CHUNK as u32), cursor)
        .await
        .unwrap();
    let took = start.elapsed();
    assert!(!page.items.is_empty());
    (took, page.cursor)
}

/// The sides compared: the model without migrations on its own items, the
/// same model on items that carry a version attribute (what storing the
/// attribute costs by itself), and the model with migrations.
struct Sides {
    plain: Table<Plain>,
    stamped: Table<Plain>,
    versioned: Table<Versioned>,
}

/// Best time per chunk (or page) and side, over the rounds.
struct Best(Vec<[Duration; 3]>);

impl Best {
    fn new(chunks: usize) -> Self {
        Best(vec![[Duration::MAX; 3]; chunks])
    }

    fn keep(&mut self, chunk: usize, side: usize, took: Duration) {
        let best = &mut self.0[chunk][side];
        *best = (*best).min(took);
    }

    fn total(&self, side: usize) -> Duration {
        self.0.iter().map(|c| c[side]).sum()
    }
}

/// The order of the sides in run `k`: each goes first, second and third
/// alike, so the store's own background work (sled's flushes) and the
/// machine's load fall on all of them alike.
fn order(k: usize) -> [usize; 3] {
    [k % 3, (k + 1) % 3, (k + 2) % 3]
}

async fn reads(name: &str, store: impl Fn(&str) -> Arc<dyn Backend>, n: usize) {
    let table = format!("bench_reads_{}", std::process::id());
    let stamped_store = store("stamped");
    let sides = Sides {
        plain: Table::<Plain>::shared(store("plain")).with_name(table.clone()),
        stamped: Table::<Plain>::shared(stamped_store.clone()).with_name(table.clone()),
        versioned: Table::<Versioned>::shared(store("versioned")).with_name(table),
    };
    sides.plain.create_table().await.unwrap();
    sides.stamped.create_table().await.unwrap();
    sides.versioned.create_table().await.unwrap();
    // The same items, written to the three tables in turn, a batch at a
    // time (their allocations interleave in the memory store alike).
    let keys: Vec<String> = (0..n).map(id).collect();
    for (c, chunk) in keys.chunks(CHUNK).enumerate() {
        let plain: Vec<Plain> = chunk
            .iter()
            .enumerate()
            .map(|(j, key)| Plain {
                id: key.clone(),
                full_name: format!("Person {}", c * CHUNK + j),
                score: (c * CHUNK + j) as i64,
                note: note(),
            })
            .collect();
        let versioned: Vec<Versioned> = plain
            .iter()
            .map(|p| Versioned {
                id: p.id.clone(),
                full_name: p.full_name.clone(),
                score: p.score,
                note: p.note.clone(),
            })
            .collect();
        sides.plain.put_many(&plain).await.unwrap();
        for batch in plain.chunks(25) {
            let mut write = BatchWrite::new();
            for p in batch {
                let item = to_item(p).unwrap().with("schema_version", 2);
                write = write.put(sides.stamped.table_name(), item);
            }
            let out = stamped_store.batch_write_item(write).await.unwrap();
            assert!(out.unprocessed_items.is_empty());
        }
        sides.versioned.put_many(&versioned).await.unwrap();
    }
    let chunks: Vec<&[String]> = keys.chunks(CHUNK).collect();
    let pages = n.div_ceil(CHUNK);
    if let Ok(side) = std::env::var("MIGRATIONS_BENCH_SIDE") {
        // One side's reads, for a profiler: no table printed.
        let (scan, side) = match side.strip_prefix("scan-") {
            Some(side) => (true, side.to_owned()),
            None => (false, side),
        };
        for _ in 0..ROUNDS {
            if scan {
                let mut cursor = None;
                for _ in 0..pages {
                    cursor = match side.as_str() {
                        "plain" => scan_one(&sides.plain, cursor).await.1,
                        "stamped" => scan_one(&sides.stamped, cursor).await.1,
                        "versioned" => scan_one(&sides.versioned, cursor).await.1,
                        other => panic!("unknown side {other:?}: plain, stamped or versioned"),
                    };
                }
                continue;
            }
            for chunk in &chunks {
                match side.as_str() {
                    "plain" => get_all(&sides.plain, chunk).await,
                    "stamped" => get_all(&sides.stamped, chunk).await,
                    "versioned" => get_all(&sides.versioned, chunk).await,
                    other => panic!("unknown side {other:?}: plain, stamped or versioned"),
                };
            }
        }
        return;
    }
    let (mut gets, mut scans) = (Best::new(chunks.len()), Best::new(pages));
    for round in 0..ROUNDS {
        for (c, chunk) in chunks.iter().enumerate() {
            for side in order(round + c) {
                let took = match side {
                    0 => get_all(&sides.plain, chunk).await,
                    1 => get_all(&sides.stamped, chunk).await,
                    _ => get_all(&sides.versioned, chunk).await,
                };
                gets.keep(c, side, took);
            }
        }
        // The three scans advance a page at a time, side by side.
        let mut cursors: [Option<Cursor>; 3] = [None, None, None];
        for page in 0..pages {
            for side in order(round + page) {
                let cursor = cursors[side].take();
                let (took, next) = match side {
                    0 => scan_one(&sides.plain, cursor).await,
                    1 => scan_one(&sides.stamped, cursor).await,
                    _ => scan_one(&sides.versioned, cursor).await,
                };
                assert_eq!(next.is_none(), page + 1 == pages);
                cursors[side] = next;
                scans.keep(page, side, took);
            }
        }
    }
    let over = |a: Duration, b: Duration| (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    for (read, best) in [("get", &gets), ("scan", &scans)] {
        let (plain, stamped, versioned) = (best.total(0), best.total(1), best.total(2));
        println!(
            "| {name} | {read} | {:.2} | {:.2} ({:+.1}%) | {:.2} | {:+.1}% | {:+.1}% |",
            per(plain),
            per(stamped),
            over(plain, stamped),
            per(versioned),
            over(stamped, versioned),
            over(plain, versioned)
        );
    }
    sides.plain.delete_table().await.unwrap();
    sides.stamped.delete_table().await.unwrap();
    sides.versioned.delete_table().await.unwrap();
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
    // `cargo bench ... -- reads-memory` runs one part (for a profile).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runs = |part: &str| only.is_empty() || only.iter().any(|o| part.starts_with(o.as_str()));
    println!(
        "Reads of current items (µs per item; per run of {CHUNK} gets or scan page of {CHUNK} items, the best of {ROUNDS} interleaved rounds):\n"
    );
    println!(
        "| store | read | no migrations | no migrations, items carrying the version attribute (the attribute's cost) | with migrations | overhead: the same items, no migrations | overhead: items without the attribute |"
    );
    println!("|---|---|---|---|---|---|---|");
    if runs("reads-memory") {
        reads("memory", |_| Arc::new(MemoryBackend::new()), 20_000).await;
    }
    if runs("reads-sled") {
        let reads_dir = dir.join("reads");
        reads(
            "sled (interval flush)",
            |side| sled(&reads_dir.join(side)),
            10_000,
        )
        .await;
    }
    println!("\nBulk migration (items per second):\n");
    println!("| store | items | v1 -> v2 | second run (all current) |");
    println!("|---|---|---|---|");
    if runs("bulk-memory") {
        bulk("memory", Arc::new(MemoryBackend::new()), 20_000).await;
    }
    if runs("bulk-sled") {
        bulk("sled (interval flush)", sled(&dir.join("bulk")), 10_000).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
