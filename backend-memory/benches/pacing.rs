//! Throughput pacing on the simulated clock: effective throughput, as a
//! share of the limiting provisioned capacity, and throttled requests,
//! without the pacer (SDK-style exponential backoff with jitter) and with
//! it ([`Pacer`] at its default settings).
//!
//! A table provisioned at 100 WCU / 200 RCU, 16 tasks writing 1 KB items
//! (and, separately, scanning), for ten simulated minutes after a ten
//! second warm-up; the simulation ([`SimulatedThroughput`]) starts with no
//! burst capacity, as after it has been drained. Every request takes 5 ms.
//! The same with a global index provisioned at 50 WCU (the index is the
//! limit), with `BatchWriteItem` of 25 items and with transactions of four
//! puts; and, for comparison, one task writing alone. Prints a markdown
//! table.
//!
//! Run with `cargo bench -p dynamodb-mapper-memory --bench pacing`; name
//! workloads to run only those (`-- batch scan`), and set `PACING_TARGET`
//! to try another target share (`PACING_TARGET=1.0`).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use dynamodb_mapper::backend::{
    Backend, BatchWrite, Layer, Layered, PutItem, Request, Response, Scan, TransactWrite,
    TransactWriteItem,
};
use dynamodb_mapper::layers::{CapacityKey, CapacityKind, Faults, Pacer, SimulatedThroughput};
use dynamodb_mapper::{
    CancellationCode, Error, IndexProjection, Item, KeySchema, ScalarType, TableDefinition,
    Throughput,
};
use dynamodb_mapper_memory::MemoryBackend;
use tokio::time::Instant;

const TASKS: usize = 16;
const WARM_UP: Duration = Duration::from_secs(10);
const MEASURED: Duration = Duration::from_secs(600);
const LATENCY: Duration = Duration::from_millis(5);
/// Keys each task cycles through (overwriting items of the same size).
const KEYS_PER_TASK: usize = 2000;

/// Counts the requests that reach the store, and those throttled.
#[derive(Clone, Debug, Default)]
struct Probe {
    requests: Arc<AtomicU64>,
    throttled: Arc<AtomicU64>,
}

fn is_throttle(e: &Error) -> bool {
    match e {
        Error::Throttled { .. } => true,
        Error::TransactionCanceled { reasons } => reasons
            .iter()
            .any(|r| r.code == CancellationCode::ProvisionedThroughputExceeded),
        _ => false,
    }
}

#[async_trait]
impl Layer for Probe {
    async fn call(
        &self,
        request: Request,
        next: &dyn Backend,
    ) -> dynamodb_mapper::Result<Response> {
        let data = request.operation().is_data();
        let result = request.send(next).await;
        if data {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let throttled = match &result {
                Err(e) => is_throttle(e),
                Ok(Response::BatchWrite(o)) => o.unprocessed_items.values().any(|v| !v.is_empty()),
                Ok(_) => false,
            };
            if throttled {
                self.throttled.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Work {
    Put,
    PutAlone,
    PutIndexed,
    Batch,
    Transact,
    Scan,
}

impl Work {
    fn name(self) -> &'static str {
        match self {
            Work::Put => "`PutItem`, 1 KB",
            Work::PutAlone => "`PutItem`, 1 KB, one task alone",
            Work::PutIndexed => "`PutItem`, 1 KB, global index at 50 WCU",
            Work::Batch => "`BatchWriteItem`, 25 × 1 KB",
            Work::Transact => "`TransactWriteItems`, 4 × 1 KB",
            Work::Scan => "`Scan` pages of 100 × 1 KB",
        }
    }

    /// The bucket that limits the work, and its capacity.
    fn limit(self, table: &str) -> (CapacityKey, f64) {
        match self {
            Work::PutIndexed => (
                CapacityKey::index(table, "by_group", CapacityKind::Write),
                50.0,
            ),
            Work::Scan => (CapacityKey::table(table, CapacityKind::Read), 200.0),
            _ => (CapacityKey::table(table, CapacityKind::Write), 100.0),
        }
    }
}

/// An item of about 1,000 bytes (one write unit), new content each time.
fn item(task: usize, n: usize) -> Item {
    let key = format!("t{task:02}-{:05}", n % KEYS_PER_TASK);
    Item::new()
        .with("id", key)
        .with("group", format!("g{}", n % 7))
        .with("n", n as u64)
        .with("pad", "x".repeat(940))
}

/// The SDK's standard retry: three attempts, full-jitter exponential
/// backoff from 1 s (at most 20 s); when all three are throttled the
/// caller calls again.
async fn sdk_retries<T, F, Fut>(rng: &mut fastrand::Rng, mut op: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = dynamodb_mapper::Result<T>>,
{
    loop {
        for attempt in 0..3u32 {
            match op().await {
                Ok(v) => return v,
                Err(e) if is_throttle(&e) => {
                    if attempt < 2 {
                        let cap = Duration::from_secs(1 << attempt).min(Duration::from_secs(20));
                        tokio::time::sleep(cap.mul_f64(rng.f64())).await;
                    }
                }
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
    }
}

/// Sends a request, with the SDK's retries when not paced (the pacer
/// retries throttles itself; the caller calls again if it gives up).
async fn send<T, F, Fut>(paced: bool, rng: &mut fastrand::Rng, mut op: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = dynamodb_mapper::Result<T>>,
{
    if paced {
        loop {
            match op().await {
                Ok(v) => return v,
                Err(e) if is_throttle(&e) => continue,
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
    }
    sdk_retries(rng, op).await
}

/// Operation times (first attempt to success) after the warm-up.
type Times = Arc<std::sync::Mutex<Vec<Duration>>>;

#[allow(clippy::too_many_arguments)]
async fn task(
    store: Arc<dyn Backend>,
    table: String,
    work: Work,
    id: usize,
    paced: bool,
    measured_from: Instant,
    until: Instant,
    times: Times,
) {
    let mut rng = fastrand::Rng::with_seed(id as u64 + 1);
    let mut n = 0usize;
    let mut start_key: Option<Item> = None;
    while Instant::now() < until {
        let began = Instant::now();
        match work {
            Work::Put | Work::PutAlone | Work::PutIndexed => {
                let it = item(id, n);
                n += 1;
                send(paced, &mut rng, || {
                    store.put_item(PutItem::new(&table, it.clone()))
                })
                .await;
            }
            Work::Transact => {
                let items: Vec<TransactWriteItem> = (0..4)
                    .map(|i| TransactWriteItem::Put(PutItem::new(&table, item(id, n * 4 + i))))
                    .collect();
                n += 1;
                let t = TransactWrite {
                    items,
                    ..TransactWrite::default()
                };
                send(paced, &mut rng, || store.transact_write_items(t.clone())).await;
            }
            Work::Batch => {
                let mut batch = BatchWrite::new();
                for i in 0..25 {
                    batch = batch.put(&table, item(id, n * 25 + i));
                }
                n += 1;
                // Unprocessed items are sent again: after a backoff without
                // the pacer, at once with it (the pacer waits).
                let mut round = 0u32;
                loop {
                    let out = send(paced, &mut rng, || store.batch_write_item(batch.clone())).await;
                    let left: usize = out.unprocessed_items.values().map(Vec::len).sum();
                    if left == 0 {
                        break;
                    }
                    batch = BatchWrite {
                        tables: out.unprocessed_items,
                        ..BatchWrite::default()
                    };
                    if !paced {
                        let cap =
                            Duration::from_secs(1 << round.min(4)).min(Duration::from_secs(20));
                        tokio::time::sleep(cap.mul_f64(rng.f64())).await;
                        round += 1;
                    }
                }
            }
            Work::Scan => {
                let mut scan = Scan::new(&table)
                    .limit(100)
                    .segment(id as u32, TASKS as u32);
                scan.exclusive_start_key = start_key.clone();
                let page = send(paced, &mut rng, || store.scan(scan.clone())).await;
                start_key = page.last_evaluated_key;
            }
        }
        if began >= measured_from {
            times
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(began.elapsed());
        }
    }
}

struct Row {
    work: Work,
    paced: bool,
    throughput: f64,
    requests: u64,
    throttled: u64,
    p50: Duration,
    p99: Duration,
}

async fn run(work: Work, paced: bool) -> Row {
    let table = "pacing_bench".to_owned();
    let memory = MemoryBackend::new();
    let mut def = TableDefinition::new(&table, KeySchema::hash("id", ScalarType::S))
        .with_throughput(200, 100);
    if work == Work::PutIndexed {
        def = def.with_global_index(
            "by_group",
            KeySchema::hash("group", ScalarType::S).with_range("id", ScalarType::S),
            IndexProjection::All,
        );
        def.indexes[0].throughput = Some(Throughput {
            read_capacity_units: 200,
            write_capacity_units: 50,
        });
    }
    memory.create_table(def).await.expect("create the table");
    if work == Work::Scan {
        for t in 0..TASKS {
            for n in 0..KEYS_PER_TASK / 2 {
                memory
                    .put_item(PutItem::new(&table, item(t, n)))
                    .await
                    .expect("fill the table");
            }
        }
    }
    let simulated = SimulatedThroughput::new();
    let faults = Faults::new();
    faults.set_latency(Some(LATENCY));
    let probe = Probe::default();
    let below: Arc<dyn Backend> = Arc::new(Layered::new(
        probe.clone(),
        Layered::new(faults, Layered::new(simulated.clone(), memory)),
    ));
    let pacer = Pacer::new();
    if let Some(target) = std::env::var("PACING_TARGET")
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
    {
        pacer.set_target(target);
    }
    pacer.set_enabled(paced);
    let store: Arc<dyn Backend> = if paced {
        Arc::new(Layered::new(pacer.clone(), below))
    } else {
        below
    };
    simulated.set_enabled(true);
    let start = Instant::now();
    let until = start + WARM_UP + MEASURED;
    let times: Times = Arc::default();
    let tasks = if work == Work::PutAlone { 1 } else { TASKS };
    let handles: Vec<_> = (0..tasks)
        .map(|id| {
            tokio::spawn(task(
                store.clone(),
                table.clone(),
                work,
                id,
                paced,
                start + WARM_UP,
                until,
                times.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(WARM_UP).await;
    let (limit_key, limit) = work.limit(&table);
    let consumed = |s: &SimulatedThroughput| {
        s.figures()
            .into_iter()
            .find(|f| f.key == limit_key)
            .map_or(0.0, |f| f.consumed)
    };
    let (c0, r0, t0) = (
        consumed(&simulated),
        probe.requests.load(Ordering::Relaxed),
        probe.throttled.load(Ordering::Relaxed),
    );
    tokio::time::sleep_until(until).await;
    let (c1, r1, t1) = (
        consumed(&simulated),
        probe.requests.load(Ordering::Relaxed),
        probe.throttled.load(Ordering::Relaxed),
    );
    for h in handles {
        h.await.expect("a task");
    }
    let mut times = std::mem::take(&mut *times.lock().unwrap_or_else(|e| e.into_inner()));
    times.sort();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Row {
        work,
        paced,
        throughput: (c1 - c0) / (limit * MEASURED.as_secs_f64()) * 100.0,
        requests: r1 - r0,
        throttled: t1 - t0,
        p50: at(0.5),
        p99: at(0.99),
    }
}

fn main() {
    let works = [
        Work::Put,
        Work::PutAlone,
        Work::PutIndexed,
        Work::Batch,
        Work::Transact,
        Work::Scan,
    ];
    // `cargo bench ... -- put` runs the workloads whose name has `put`.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.to_lowercase())
        .collect();
    let wall = std::time::Instant::now();
    let mut rows = Vec::new();
    for work in works {
        let name = work.name().to_lowercase();
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        for paced in [false, true] {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("a runtime");
            rows.push(rt.block_on(run(work, paced)));
        }
    }
    println!(
        "Ten simulated minutes, 16 tasks (unless alone), table at 100 WCU / 200 RCU, 5 ms per request \
         (simulated in {:.1} s):\n",
        wall.elapsed().as_secs_f64()
    );
    println!(
        "| workload | limit | without the pacer (SDK backoff): throughput | throttled requests | p50 / p99 | with the pacer: throughput | throttled requests | p50 / p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for pair in rows.chunks(2) {
        let [plain, paced] = pair else { continue };
        let limit = match plain.work {
            Work::PutIndexed => "50 WCU (index)",
            Work::Scan => "200 RCU",
            _ => "100 WCU",
        };
        assert!(!plain.paced && paced.paced);
        let throttled = |r: &Row| {
            let pct = if r.requests == 0 {
                0.0
            } else {
                r.throttled as f64 / r.requests as f64 * 100.0
            };
            format!("{pct:.2}% of {}", r.requests)
        };
        let times = |r: &Row| {
            format!(
                "{:.2} s / {:.2} s",
                r.p50.as_secs_f64(),
                r.p99.as_secs_f64()
            )
        };
        println!(
            "| {} | {} | {:.2}% | {} | {} | {:.2}% | {} | {} |",
            plain.work.name(),
            limit,
            plain.throughput,
            throttled(plain),
            times(plain),
            paced.throughput,
            throttled(paced),
            times(paced),
        );
    }
}
