//! dynamodb-mapper's memory and sled backends beside dynoxide-rs (embedded,
//! in memory and in a file) in one process: put, get and query items per
//! second on the same items of about 1 KB, best of interleaved rounds, and
//! the ratios.
//!
//! ```sh
//! cd bench && cargo bench --bench compare              # 5,000 items, 3 rounds
//! cd bench && cargo bench --bench compare -- --items 20000 --rounds 5
//! ```
//!
//! `--cpu` times each phase by the thread's CPU time instead of the wall
//! clock (steadier on a loaded machine; Linux only).
//! `--only TEXT` runs only the stores whose name holds TEXT (for a profiler).
//! Without `--bench` (as `cargo test` runs a bench) it does one tiny round,
//! to show it still works.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{AttributeValue, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};
use dynoxide::Database;
use dynoxide::actions::create_table::CreateTableRequest;
use dynoxide::actions::get_item::GetItemRequest;
use dynoxide::actions::put_item::PutItemRequest;
use dynoxide::actions::query::QueryRequest;
use dynoxide::types::{AttributeDefinition, KeySchemaElement, KeyType, ScalarAttributeType};

/// A clock: the wall clock, or with `--cpu` this thread's CPU time (read
/// from `/proc/thread-self/schedstat`, Linux), which other processes'
/// load on the machine does not lengthen.
#[derive(Clone, Copy)]
struct Clock {
    cpu: bool,
    wall: Instant,
}

impl Clock {
    fn now(cpu: bool) -> Clock {
        Clock {
            cpu,
            wall: Instant::now(),
        }
    }

    fn thread_cpu() -> Duration {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let ns = text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Duration::from_nanos(ns)
    }

    /// Starts timing.
    fn start(self) -> (Clock, Duration) {
        (
            self,
            if self.cpu {
                Clock::thread_cpu()
            } else {
                Duration::ZERO
            },
        )
    }
}

/// Time since `start`.
fn elapsed((clock, cpu_then): (Clock, Duration)) -> Duration {
    if clock.cpu {
        Clock::thread_cpu().saturating_sub(cpu_then)
    } else {
        clock.wall.elapsed()
    }
}

/// Items per partition: a query reads a page of `PAGE` of them.
const PER_PARTITION: usize = 100;
/// Items in a query page.
const PAGE: u32 = 25;
const TABLE: &str = "orders";

/// An order of about 1 KB: key, a few small attributes, a note.
fn item(i: usize) -> Item {
    let (p, s) = (i / PER_PARTITION, i % PER_PARTITION);
    Item::new()
        .with("pk", format!("customer-{p:06}"))
        .with("sk", s)
        .with("status", if s % 3 == 0 { "open" } else { "shipped" })
        .with("total", (s * 37 % 1000) as i64)
        .with("currency", "EUR")
        .with(
            "lines",
            AttributeValue::L(vec![AttributeValue::from("sku-1"), AttributeValue::from(2)]),
        )
        .with(
            "tags",
            AttributeValue::Ss(vec!["gift".into(), "priority".into()]),
        )
        .with("note", format!("{i:08} ").repeat(100))
}

/// The same value as dynoxide's.
fn to_dynoxide(v: &AttributeValue) -> dynoxide::AttributeValue {
    use dynoxide::AttributeValue as D;
    match v {
        AttributeValue::S(s) => D::S(s.clone()),
        AttributeValue::N(n) => D::N(n.as_str().to_owned()),
        AttributeValue::B(b) => D::B(b.clone()),
        AttributeValue::Ss(s) => D::SS(s.clone()),
        AttributeValue::Ns(s) => D::NS(s.iter().map(|n| n.as_str().to_owned()).collect()),
        AttributeValue::Bs(s) => D::BS(s.clone()),
        AttributeValue::M(m) => D::M(m.iter().map(|(k, v)| (k.clone(), to_dynoxide(v))).collect()),
        AttributeValue::L(l) => D::L(l.iter().map(to_dynoxide).collect()),
        AttributeValue::Bool(b) => D::BOOL(*b),
        AttributeValue::Null => D::NULL(true),
    }
}

fn dynoxide_item(item: &Item) -> HashMap<String, dynoxide::AttributeValue> {
    item.iter()
        .map(|(k, v)| (k.clone(), to_dynoxide(v)))
        .collect()
}

/// Seconds taken by each operation of one round: put, get, query.
#[derive(Clone, Copy)]
struct Times([Duration; 3]);

impl Times {
    fn best(self, other: Times) -> Times {
        Times([0, 1, 2].map(|n| self.0[n].min(other.0[n])))
    }
}

/// What a round does, the same on every store.
struct Work {
    items: Vec<Item>,
    partitions: usize,
    queries: usize,
    /// Time by this thread's CPU time, not the wall clock.
    cpu: bool,
}

fn definition() -> TableDefinition {
    TableDefinition::new(
        TABLE,
        KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N),
    )
}

/// A round on one of our backends (a new one each round).
async fn ours(store: &dyn Backend, work: &Work) -> Times {
    store.create_table(definition()).await.unwrap();
    let start = Clock::now(work.cpu).start();
    for it in &work.items {
        store
            .put_item(PutItem::new(TABLE, it.clone()))
            .await
            .unwrap();
    }
    let put = elapsed(start);
    let start = Clock::now(work.cpu).start();
    for it in work.items.iter().rev() {
        let key = Item::new()
            .with("pk", it["pk"].clone())
            .with("sk", it["sk"].clone());
        let got = store.get_item(GetItem::new(TABLE, key)).await.unwrap();
        assert!(got.item.is_some());
        black_box(got);
    }
    let get = elapsed(start);
    let start = Clock::now(work.cpu).start();
    for q in 0..work.queries {
        let kc = KeyCondition::hash("pk", format!("customer-{:06}", q % work.partitions));
        let page = store
            .query(Query::new(TABLE, &kc).limit(PAGE))
            .await
            .unwrap();
        assert_eq!(page.items.len(), PAGE as usize);
        black_box(page);
    }
    Times([put, get, elapsed(start)])
}

/// A round on dynoxide (a new database each round).
fn dynoxide_round(db: &Database, work: &Work) -> Times {
    db.create_table(CreateTableRequest {
        table_name: TABLE.into(),
        key_schema: vec![
            KeySchemaElement {
                attribute_name: "pk".into(),
                key_type: KeyType::HASH,
            },
            KeySchemaElement {
                attribute_name: "sk".into(),
                key_type: KeyType::RANGE,
            },
        ],
        attribute_definitions: vec![
            AttributeDefinition {
                attribute_name: "pk".into(),
                attribute_type: ScalarAttributeType::S,
            },
            AttributeDefinition {
                attribute_name: "sk".into(),
                attribute_type: ScalarAttributeType::N,
            },
        ],
        billing_mode: Some("PAY_PER_REQUEST".into()),
        ..Default::default()
    })
    .unwrap();
    // Converted before the clock starts, as our items are built before.
    let items: Vec<_> = work.items.iter().map(dynoxide_item).collect();
    let start = Clock::now(work.cpu).start();
    for it in &items {
        db.put_item(PutItemRequest {
            table_name: TABLE.into(),
            item: it.clone(),
            ..Default::default()
        })
        .unwrap();
    }
    let put = elapsed(start);
    let start = Clock::now(work.cpu).start();
    for it in items.iter().rev() {
        let key: HashMap<_, _> = ["pk", "sk"].map(|k| (k.to_owned(), it[k].clone())).into();
        let got = db
            .get_item(GetItemRequest {
                table_name: TABLE.into(),
                key,
                ..Default::default()
            })
            .unwrap();
        assert!(got.item.is_some());
        black_box(got);
    }
    let get = elapsed(start);
    let start = Clock::now(work.cpu).start();
    for q in 0..work.queries {
        let value = dynoxide::AttributeValue::S(format!("customer-{:06}", q % work.partitions));
        let page = db
            .query(QueryRequest {
                table_name: TABLE.into(),
                key_condition_expression: Some("#pk = :pk".into()),
                expression_attribute_names: Some([("#pk".to_owned(), "pk".to_owned())].into()),
                expression_attribute_values: Some([(":pk".to_owned(), value)].into()),
                scan_index_forward: true,
                limit: Some(PAGE as usize),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(page.items.as_ref().map_or(0, Vec::len), PAGE as usize);
        black_box(page);
    }
    Times([put, get, elapsed(start)])
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Items per second of put, get and query.
fn rates(n: usize, queries: usize, t: Times) -> [f64; 3] {
    [
        n as f64 / t.0[0].as_secs_f64(),
        n as f64 / t.0[1].as_secs_f64(),
        (queries * PAGE as usize) as f64 / t.0[2].as_secs_f64(),
    ]
}

const NAMES: [&str; 4] = [
    "dynoxide in memory",
    "dynoxide file",
    "ours: memory",
    "ours: sled (interval flush)",
];

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = arg("--items", if full { 5_000 } else { 200 });
    let rounds = arg("--rounds", if full { 3 } else { 1 });
    // `--only memory`: run only the stores whose name has this text (to profile one).
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let partitions = n.div_ceil(PER_PARTITION);
    let work = Work {
        items: (0..n).map(item).collect(),
        partitions,
        queries: if full { 10_000 } else { 20 },
        cpu: std::env::args().any(|a| a == "--cpu"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut best: [Option<Times>; 4] = [None; 4];
    for round in 0..rounds {
        // Each store anew each round, in turn, so that load on the machine
        // falls on all of them alike.
        for (slot, best) in best.iter_mut().enumerate() {
            if only
                .as_ref()
                .is_some_and(|o| !NAMES[slot].contains(o.as_str()))
            {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            let times = match slot {
                0 => dynoxide_round(&Database::memory().unwrap(), &work),
                1 => {
                    let path = dir.path().join("dynoxide.db");
                    dynoxide_round(&Database::new(path.to_str().unwrap()).unwrap(), &work)
                }
                2 => rt.block_on(ours(&MemoryBackend::new(), &work)),
                _ => {
                    let store = SledBackend::open_with(
                        dir.path().join("sled"),
                        SledOptions {
                            durability: Durability::Interval(Duration::from_secs(1)),
                            ..SledOptions::default()
                        },
                    )
                    .unwrap();
                    rt.block_on(ours(&store, &work))
                }
            };
            *best = Some(best.map_or(times, |b| b.best(times)));
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    if only.is_some() {
        // Profiling one store: its figures only.
        for (name, times) in NAMES.iter().zip(best) {
            if let Some(t) = times {
                let [put, get, query] = rates(n, work.queries, t);
                println!("{name}: put {put:.0}, get {get:.0}, query {query:.0} items per second");
            }
        }
        return;
    }
    let best = best.map(|b| b.expect("every store ran"));
    let rates = best.map(|t| rates(n, work.queries, t));
    println!(
        "{n} items of {} bytes, {} queries of {PAGE}-item pages, best of {rounds} interleaved rounds ({})",
        work.items[0].size(),
        work.queries,
        if work.cpu {
            "thread CPU time"
        } else {
            "wall clock"
        }
    );
    println!(
        "{:<30}{:>14}{:>14}{:>18}",
        "items per second", "put", "get", "query (items)"
    );
    for (name, r) in NAMES.iter().zip(&rates) {
        println!("{name:<30}{:>14.0}{:>14.0}{:>18.0}", r[0], r[1], r[2]);
    }
    println!("ratios");
    for (ours, theirs) in [(2, 0), (3, 1), (3, 0)] {
        let r = [0, 1, 2].map(|k| rates[ours][k] / rates[theirs][k]);
        let label = format!("{} / {}", NAMES[ours], NAMES[theirs]);
        println!("{label:<50}{:>7.2}x{:>7.2}x{:>7.2}x", r[0], r[1], r[2]);
    }
}
