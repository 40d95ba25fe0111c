//! The cost of the emulation over sled itself, in one run and one process:
//! sled-backend put, get and query beside raw sled inserts, gets and range
//! reads of the same keys and ~1 KB values (interval flush); a put flushed
//! before each acknowledgement beside raw sled `insert` + `flush` (one
//! writer); and 16 concurrent writers flushing every write beside one (the
//! group commit) and beside the same writers on a store flushed on an
//! interval (the writes' own cost, the ceiling of the group commit). Each row is the best of interleaved rounds, the side
//! that goes first alternating.
//!
//! Run with `cargo bench -p dynamodb-mapper-sled --bench sled`. For a
//! profiler, `SLED_BENCH_PROFILE=get` (or `put`) runs only the backend's
//! gets (or interval-flush puts) of ~1 KB items for 10 seconds (or `SLED_BENCH_SECONDS`);
//! `durable` (or `durable16`) its puts flushed before each
//! acknowledgement, by one writer (or 16), with the writes per flush
//! (`durable1task`: the one writer as a task on the runtime's workers);
//! `interval16` the 16 writers' puts flushed on an interval instead (what
//! the writes cost without their flushes); `raw` raw sled's insert +
//! flush, one writer; `rawbatch` the time of one raw sled flush after 1,
//! 2, 4, 8 or 16 inserts (what a flush shared by more writers costs: the
//! ceiling of the group commit on this disk). `rawget`, `query` and
//! `rawquery` run raw sled's gets, the backend's queries of 10 items or
//! raw sled's prefix reads of 10 entries. With `SLED_BENCH_OPS=N`, a profile of reads runs exactly N
//! of them instead (after its puts), inside `measured_reads`: for
//! instruction counts, `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*measured_reads*'`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query};
use dynamodb_mapper::emulator::codec::{encode_item, partition_digest, put_key_part};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{AttributeValue, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};

const PARTITIONS: usize = 100;
const WRITERS: usize = 16;

/// An order of about 1 KB.
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
            "leave the parcel with the neighbour if nobody answers; ".repeat(16),
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

fn table() -> TableDefinition {
    TableDefinition::new(
        "orders",
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    )
}

fn open(dir: &std::path::Path, durability: Durability) -> SledBackend {
    SledBackend::open_with(
        dir,
        SledOptions {
            durability,
            ..SledOptions::default()
        },
    )
    .unwrap()
}

fn open_raw(dir: &std::path::Path, flush_every_ms: Option<u64>) -> sled::Db {
    sled::Config::new()
        .path(dir)
        .flush_every_ms(flush_every_ms)
        .open()
        .unwrap()
}

/// The best time of each side over `rounds`, the side going first alternating.
fn interleaved(
    rounds: usize,
    mut a: impl FnMut(usize) -> Duration,
    mut b: impl FnMut(usize) -> Duration,
) -> (Duration, Duration) {
    let (mut ta, mut tb) = (Duration::MAX, Duration::MAX);
    for r in 0..rounds {
        if r % 2 == 0 {
            ta = ta.min(a(r));
            tb = tb.min(b(r));
        } else {
            tb = tb.min(b(r));
            ta = ta.min(a(r));
        }
    }
    (ta, tb)
}

fn row(name: &str, count: usize, ours: Duration, theirs: Duration, theirs_name: &str) {
    let (ro, rt) = (rate(count, ours), rate(count, theirs));
    println!(
        "{name:<34}{ro:>14.0}{rt:>14.0}   {:>6.2}x  ({theirs_name} / backend)",
        rt / ro
    );
}

/// The backend's gets or puts alone, for a profiler (see the module).
/// What [`raw_flushed`] did: its flushes, how long it ran, and how long
/// of that it spent flushing.
struct RawFlushes {
    flushes: usize,
    took: Duration,
    flushing: Duration,
}

/// Raw sled inserts of `per_flush` items of `next`, then a flush, again
/// and again for `seconds`.
fn raw_flushed(
    db: &sled::Db,
    per_flush: usize,
    seconds: Duration,
    mut next: impl FnMut() -> Item,
) -> RawFlushes {
    let (start, mut flushes, mut flushing) = (Instant::now(), 0usize, Duration::ZERO);
    while start.elapsed() < seconds {
        for _ in 0..per_flush {
            let it = next();
            db.insert(raw_key(&it), encode_item(&it)).unwrap();
        }
        let began = Instant::now();
        db.flush().unwrap();
        flushing += began.elapsed();
        flushes += 1;
    }
    RawFlushes {
        flushes,
        took: start.elapsed(),
        flushing,
    }
}

fn profile(what: &str) {
    // How long a profile runs: 10 seconds, or `SLED_BENCH_SECONDS`.
    let seconds = Duration::from_secs_f64(
        std::env::var("SLED_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10.0),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    if what == "rawbatch" {
        let db = open_raw(dir.path(), None);
        let mut n = 0usize;
        for k in [1usize, 2, 4, 8, 16] {
            let run = raw_flushed(&db, k, seconds, || {
                n += 1;
                item(n % PARTITIONS, n)
            });
            println!(
                "{k} inserts per flush: {:.0} us a flush",
                run.flushing.as_secs_f64() * 1e6 / run.flushes.max(1) as f64
            );
        }
        return;
    }
    if what == "raw" {
        let db = open_raw(dir.path(), None);
        let mut ops = 0usize;
        let run = raw_flushed(&db, 1, seconds, || {
            ops += 1;
            item(0, ops - 1)
        });
        println!(
            "raw insert+flush: {:.0} per second, {:.0} us a write outside its flush",
            rate(run.flushes, run.took),
            (run.took - run.flushing).as_secs_f64() * 1e6 / run.flushes.max(1) as f64
        );
        return;
    }
    if let Some((writers, durability)) = match what {
        "durable" => Some((1, Durability::EveryWrite)),
        // One writer as a task of the runtime (a server's), not on the
        // thread of `block_on`.
        "durable1task" => Some((1, Durability::EveryWrite)),
        "durable16" => Some((WRITERS, Durability::EveryWrite)),
        // The same 16 writers without a flush per write: the cost of the
        // writes alone.
        "interval16" => Some((WRITERS, Durability::Interval(Duration::from_secs(1)))),
        _ => None,
    } {
        let store = open(dir.path(), durability);
        let took = rt.block_on(async {
            store.create_table(table()).await.unwrap();
            let start = Instant::now();
            if what == "durable" {
                // As the benchmark's one writer: on the thread of `block_on`.
                let mut ops = 0usize;
                while start.elapsed() < seconds {
                    let it = item(0, ops);
                    store.put_item(PutItem::new("orders", it)).await.unwrap();
                    ops += 1;
                }
                return (ops, start.elapsed());
            }
            let tasks: Vec<_> = (0..writers)
                .map(|w| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let mut ops = 0usize;
                        while start.elapsed() < seconds {
                            let it = item(w, ops);
                            store.put_item(PutItem::new("orders", it)).await.unwrap();
                            ops += 1;
                        }
                        ops
                    })
                })
                .collect();
            let mut ops = 0;
            for t in tasks {
                ops += t.await.unwrap();
            }
            (ops, start.elapsed())
        });
        let figures = store.commit_figures();
        println!(
            "{what}: {:.0} per second, {:.1} writes per flush",
            rate(took.0, took.1),
            figures.writes as f64 / figures.flushes.max(1) as f64
        );
        return;
    }
    // A fixed number of reads (for instruction counts), or reads for `seconds`.
    let fixed: Option<usize> = std::env::var("SLED_BENCH_OPS")
        .ok()
        .and_then(|s| s.parse().ok());
    let items: Vec<Item> = (0..10_000)
        .map(|i| item(i % PARTITIONS, i / PARTITIONS))
        .collect();
    let more = |start: Instant, ops: usize| match fixed {
        Some(n) => ops < n,
        None => start.elapsed() < seconds,
    };
    if what == "rawget" || what == "rawquery" {
        let db = open_raw(dir.path(), Some(1000));
        let keys: Vec<Vec<u8>> = items.iter().map(raw_key).collect();
        for (k, it) in keys.iter().zip(&items) {
            db.insert(k, encode_item(it)).unwrap();
        }
        db.flush().unwrap();
        let prefixes: Vec<Vec<u8>> = items[..PARTITIONS]
            .iter()
            .map(|it| {
                let mut prefix = vec![0x02, 0, 0, 0, 1];
                prefix.extend_from_slice(&partition_digest(&it["pk"]));
                put_key_part(&mut prefix, &it["pk"]);
                prefix
            })
            .collect();
        let ops = measured_reads(|| {
            let (start, mut ops) = (Instant::now(), 0usize);
            while more(start, ops) {
                if what == "rawget" {
                    black_box(db.get(&keys[keys.len() - 1 - ops % keys.len()]).unwrap());
                } else {
                    let got: Vec<_> = db
                        .scan_prefix(&prefixes[ops % PARTITIONS])
                        .take(10)
                        .collect();
                    black_box(got);
                }
                ops += 1;
            }
            ops
        });
        println!("{what}: {ops} reads");
        return;
    }
    let store = open(dir.path(), Durability::Interval(Duration::from_secs(1)));
    rt.block_on(async {
        store.create_table(table()).await.unwrap();
        for it in &items {
            store
                .put_item(PutItem::new("orders", it.clone()))
                .await
                .unwrap();
        }
        if what != "put" {
            store.flush().unwrap();
            let kcs: Vec<KeyCondition> = (0..PARTITIONS)
                .map(|p| KeyCondition::hash("pk", format!("customer-{p:04}")))
                .collect();
            let query = |ops: usize| Query::new("orders", &kcs[ops % PARTITIONS]).limit(10);
            let get = |ops: usize| {
                let it = &items[items.len() - 1 - ops % items.len()];
                let key = Item::new()
                    .with("pk", it["pk"].clone())
                    .with("sk", it["sk"].clone());
                GetItem::new("orders", key)
            };
            // A fixed number of reads has its requests built beforehand,
            // as raw sled's keys are (the reads alone are counted).
            let (mut queries, mut gets) = match fixed {
                Some(n) if what == "query" => ((0..n).map(query).collect(), Vec::new()),
                Some(n) => (Vec::new(), (0..n).map(get).collect()),
                None => (Vec::new(), Vec::new()),
            };
            queries.reverse();
            gets.reverse();
            let start = Instant::now();
            let ops = measured_reads_async(async {
                let mut ops = 0usize;
                while more(start, ops) {
                    if what == "query" {
                        let request = queries.pop().unwrap_or_else(|| query(ops));
                        black_box(store.query(request).await.unwrap());
                    } else {
                        let request = gets.pop().unwrap_or_else(|| get(ops));
                        black_box(store.get_item(request).await.unwrap());
                    }
                    ops += 1;
                }
                ops
            })
            .await;
            println!("{what}: {:.0} per second", rate(ops, start.elapsed()));
            return;
        }
        let (start, mut ops) = (Instant::now(), 0usize);
        while start.elapsed() < seconds {
            for it in &items {
                let it = it.clone().with("sk", 1_000_000 + ops);
                store.put_item(PutItem::new("orders", it)).await.unwrap();
                ops += 1;
            }
        }
        println!("{what}: {:.0} per second", rate(ops, start.elapsed()));
    });
}

/// The reads of a profile (named, for a profiler to count them alone).
#[inline(never)]
fn measured_reads(reads: impl FnOnce() -> usize) -> usize {
    reads()
}

/// [`measured_reads`] of a future: its polls are counted.
#[inline(never)]
fn measured_reads_async<F: std::future::Future<Output = usize>>(reads: F) -> MeasuredReads<F> {
    MeasuredReads(Box::pin(reads))
}

/// A future whose polls run inside `measured_reads_poll`.
struct MeasuredReads<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future<Output = usize>> std::future::Future for MeasuredReads<F> {
    type Output = usize;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<usize> {
        measured_reads_poll(self.0.as_mut(), cx)
    }
}

#[inline(never)]
fn measured_reads_poll<F: std::future::Future<Output = usize>>(
    f: std::pin::Pin<&mut F>,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<usize> {
    f.poll(cx)
}

fn main() {
    if let Ok(what) = std::env::var("SLED_BENCH_PROFILE") {
        return profile(&what);
    }
    let quick = !std::env::args().any(|a| a == "--bench");
    let per_partition = if quick { 5 } else { 100 };
    let n = PARTITIONS * per_partition;
    let queries = if quick { 50 } else { 5_000 };
    let rounds = if quick { 1 } else { 3 };
    // The flushed writes are few and short: more rounds of them.
    let durable_rounds = if quick { 1 } else { 7 };
    let durable_writes = if quick { 10 } else { 300 };
    let per_writer = if quick { 5 } else { 100 };
    // Every round writes items of its own (fresh keys on both sides).
    let rounds_items: Vec<Vec<Item>> = (0..rounds)
        .map(|r| {
            (0..n)
                .map(|i| item(i % PARTITIONS, r * per_partition + i / PARTITIONS))
                .collect()
        })
        .collect();
    let rounds_keys: Vec<Vec<Vec<u8>>> = rounds_items
        .iter()
        .map(|items| items.iter().map(raw_key).collect())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Interval flush: put, get, query.
    let store = open(
        &dir.path().join("backend"),
        Durability::Interval(Duration::from_secs(1)),
    );
    let raw = open_raw(&dir.path().join("raw"), Some(1000));
    rt.block_on(store.create_table(table())).unwrap();
    let (put_t, raw_put_t) = interleaved(
        rounds,
        |r| {
            rt.block_on(async {
                let start = Instant::now();
                for it in &rounds_items[r] {
                    store
                        .put_item(PutItem::new("orders", it.clone()))
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        },
        |r| {
            let start = Instant::now();
            for (k, it) in rounds_keys[r].iter().zip(&rounds_items[r]) {
                raw.insert(k, encode_item(it)).unwrap();
            }
            start.elapsed()
        },
    );
    // Neither side's reads compete with its background flush of the puts.
    store.flush().unwrap();
    raw.flush().unwrap();
    let items = &rounds_items[0];
    let (get_t, raw_get_t) = interleaved(
        rounds,
        |_| {
            // The requests are built before the clock starts, as raw
            // sled's keys are: each side times its reads alone.
            let requests: Vec<GetItem> = items
                .iter()
                .rev()
                .map(|it| {
                    let key = Item::new()
                        .with("pk", it["pk"].clone())
                        .with("sk", it["sk"].clone());
                    GetItem::new("orders", key)
                })
                .collect();
            rt.block_on(async {
                let start = Instant::now();
                for request in requests {
                    black_box(store.get_item(request).await.unwrap());
                }
                start.elapsed()
            })
        },
        |_| {
            let start = Instant::now();
            for k in rounds_keys[0].iter().rev() {
                black_box(raw.get(k).unwrap());
            }
            start.elapsed()
        },
    );
    let (query_t, raw_query_t) = interleaved(
        rounds,
        |_| {
            // Built before the clock starts, as raw sled's prefixes are.
            let requests: Vec<Query> = (0..queries)
                .map(|q| {
                    let kc = KeyCondition::hash("pk", format!("customer-{:04}", q % PARTITIONS));
                    Query::new("orders", &kc).limit(10)
                })
                .collect();
            rt.block_on(async {
                let start = Instant::now();
                for request in requests {
                    let page = store.query(request).await.unwrap();
                    assert_eq!(page.items.len(), 10.min(per_partition * rounds));
                    black_box(page);
                }
                start.elapsed()
            })
        },
        |_| {
            let prefixes: Vec<Vec<u8>> = (0..queries)
                .map(|q| {
                    let it = &items[q % PARTITIONS];
                    let mut prefix = vec![0x02, 0, 0, 0, 1];
                    prefix.extend_from_slice(&partition_digest(&it["pk"]));
                    put_key_part(&mut prefix, &it["pk"]);
                    prefix
                })
                .collect();
            let start = Instant::now();
            for prefix in &prefixes {
                let got: Vec<_> = raw.scan_prefix(prefix).take(10).collect();
                black_box(got);
            }
            start.elapsed()
        },
    );
    drop((store, raw));

    // Flush before every acknowledgement: one writer, then 16.
    let durable = open(&dir.path().join("durable"), Durability::EveryWrite);
    let raw_durable = open_raw(&dir.path().join("raw-durable"), None);
    rt.block_on(durable.create_table(table())).unwrap();
    let mut next = 1_000_000usize;
    let mut fresh = move || {
        next += 1;
        item(next % PARTITIONS, next)
    };
    let batches: Vec<Vec<Item>> = (0..durable_rounds * 2)
        .map(|_| (0..durable_writes).map(|_| fresh()).collect())
        .collect();
    let (one_t, raw_one_t) = interleaved(
        durable_rounds,
        |r| {
            let items = batches[2 * r].clone();
            rt.block_on(async {
                let start = Instant::now();
                for it in items {
                    durable.put_item(PutItem::new("orders", it)).await.unwrap();
                }
                start.elapsed()
            })
        },
        |r| {
            let items = &batches[2 * r + 1];
            let start = Instant::now();
            for it in items {
                raw_durable.insert(raw_key(it), encode_item(it)).unwrap();
                raw_durable.flush().unwrap();
            }
            start.elapsed()
        },
    );
    let mut one_writer = Duration::MAX;
    let mut many_writers = Duration::MAX;
    let mut raw_many_t = Duration::MAX;
    // The same 16 writers on a store flushed on an interval: what their
    // writes cost without a flush each, the ceiling of the group commit.
    let unflushed = open(
        &dir.path().join("unflushed"),
        Durability::Interval(Duration::from_secs(1)),
    );
    rt.block_on(unflushed.create_table(table())).unwrap();
    let mut unflushed_many = Duration::MAX;
    // Writes and flushes of the 16-writer runs alone.
    let (mut many_writes, mut many_flushes) = (0, 0);
    for r in 0..durable_rounds {
        let one: Vec<Item> = (0..per_writer).map(|_| fresh()).collect();
        let many: Vec<Vec<Item>> = (0..WRITERS)
            .map(|_| (0..per_writer).map(|_| fresh()).collect())
            .collect();
        let run_one = || {
            rt.block_on(async {
                let start = Instant::now();
                for it in one.clone() {
                    durable.put_item(PutItem::new("orders", it)).await.unwrap();
                }
                start.elapsed()
            })
        };
        // 16 tasks writing their items to a store.
        let run_many_on = |store: &SledBackend| {
            let many = many.clone();
            rt.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = many
                    .into_iter()
                    .map(|items| {
                        let store = store.clone();
                        tokio::spawn(async move {
                            for it in items {
                                store.put_item(PutItem::new("orders", it)).await.unwrap();
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed()
            })
        };
        let mut run_many = || {
            let before = durable.commit_figures();
            let took = run_many_on(&durable);
            let after = durable.commit_figures();
            many_writes += after.writes - before.writes;
            many_flushes += after.flushes - before.flushes;
            took
        };
        // Raw sled with 16 threads each inserting and flushing its own
        // items, in the same rounds.
        let raw_many: Vec<Vec<Item>> = (0..WRITERS)
            .map(|_| (0..per_writer).map(|_| fresh()).collect())
            .collect();
        let run_raw_many = || {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for items in &raw_many {
                    let db = &raw_durable;
                    scope.spawn(move || {
                        for it in items {
                            db.insert(raw_key(it), encode_item(it)).unwrap();
                            db.flush().unwrap();
                        }
                    });
                }
            });
            start.elapsed()
        };
        // The order of the four rotates from round to round.
        for turn in 0..4 {
            match (r + turn) % 4 {
                0 => one_writer = one_writer.min(run_one()),
                1 => many_writers = many_writers.min(run_many()),
                2 => unflushed_many = unflushed_many.min(run_many_on(&unflushed)),
                _ => raw_many_t = raw_many_t.min(run_raw_many()),
            }
        }
    }

    println!(
        "sled backend vs raw sled, items of {} bytes, {n} puts and gets, {queries} queries of 10 items, best of {rounds} interleaved rounds ({durable_rounds} for flushed writes; operations per second)",
        items[0].size()
    );
    println!("{:<34}{:>14}{:>14}", "", "sled backend", "other side");
    row("put (interval flush)", n, put_t, raw_put_t, "raw sled");
    row("get (interval flush)", n, get_t, raw_get_t, "raw sled");
    row(
        "query (interval flush)",
        queries,
        query_t,
        raw_query_t,
        "raw sled",
    );
    row(
        "put, flush every write, 1 writer",
        durable_writes,
        one_t,
        raw_one_t,
        "raw insert+flush",
    );
    let (one_rate, many_rate) = (
        rate(per_writer, one_writer),
        rate(WRITERS * per_writer, many_writers),
    );
    println!(
        "{:<34}{:>14.0}{:>14.0}   {:>6.2}x  (16 writers / 1 writer, both the backend)",
        format!("put, flush every write, {WRITERS} writers"),
        many_rate,
        one_rate,
        many_rate / one_rate
    );
    println!(
        "backend, flush every write, {WRITERS} writers: {:.0}% of the same writers' rate on an interval-flushed store ({:.0} per second)",
        100.0 * many_rate / rate(WRITERS * per_writer, unflushed_many),
        rate(WRITERS * per_writer, unflushed_many)
    );
    println!(
        "backend, flush every write, 1 writer: {:.0}% of raw sled insert+flush",
        100.0 * rate(durable_writes, one_t) / rate(durable_writes, raw_one_t)
    );
    println!(
        "backend, flush every write, {WRITERS} writers: {:.1} writes per flush ({many_writes} writes, {many_flushes} flushes)",
        many_writes as f64 / many_flushes.max(1) as f64
    );
    println!(
        "raw sled, insert+flush, {WRITERS} threads: {:.0} per second, the backend's {WRITERS} writers {:.0}% of it (same rounds, for reference)",
        rate(WRITERS * per_writer, raw_many_t),
        100.0 * many_rate / rate(WRITERS * per_writer, raw_many_t)
    );
}
