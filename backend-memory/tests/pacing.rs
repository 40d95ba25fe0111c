//! The pacer ([`Pacer`]) over the simulated throughput, on tokio's paused
//! clock: it paces to the target share of provisioned capacity, never lets
//! a bucket go below zero by more than one request's estimate, adapts when
//! the capacity changes (visibly in the definition, or not), paces
//! on-demand tables once they throttle, retries throttles from the same
//! bucket, and limits a budget to its share.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use dynamodb_mapper::backend::{
    Backend, Layer, Layered, PutItem, Request, Response, ReturnConsumedCapacity, TransactWrite,
    TransactWriteItem,
};
use dynamodb_mapper::layers::{
    Budget, CapacityKey, CapacityKind, Faults, Pacer, PacingFigures, PacingSettings,
    SimulatedThroughput, TABLE_THROUGHPUT_EXCEEDED, capacity::write_units,
};
use dynamodb_mapper::{
    BillingMode, CancellationCode, CancellationReason, Error, IndexProjection, Item, KeySchema,
    ScalarType, TableDefinition, Throughput,
};
use dynamodb_mapper_memory::MemoryBackend;
use tokio::time::Instant;

type Check = Arc<dyn Fn(&Request) + Send + Sync>;

/// Sits under the pacer: counts what reaches the store (and what is
/// throttled), and runs a check on every request as it arrives.
#[derive(Clone, Default)]
struct Probe {
    requests: Arc<AtomicU64>,
    throttled: Arc<AtomicU64>,
    check: Option<Check>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
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
        if let (true, Some(check)) = (data, &self.check) {
            check(&request);
        }
        let result = request.send(next).await;
        if data {
            self.requests.fetch_add(1, Ordering::Relaxed);
            if matches!(result, Err(Error::Throttled { .. })) {
                self.throttled.fetch_add(1, Ordering::Relaxed);
            }
        }
        result
    }
}

impl Probe {
    fn counts(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.throttled.load(Ordering::Relaxed),
        )
    }
}

/// Gives the definitions that pass through it another provisioned
/// capacity: a table whose capacity was changed (`UpdateTable`).
#[derive(Clone, Debug, Default)]
struct Reprovision(Arc<Mutex<Option<Throughput>>>);

#[async_trait]
impl Layer for Reprovision {
    async fn call(
        &self,
        request: Request,
        next: &dyn Backend,
    ) -> dynamodb_mapper::Result<Response> {
        let mut response = request.send(next).await?;
        let Some(t) = *self.0.lock().unwrap() else {
            return Ok(response);
        };
        match &mut response {
            Response::Definition(d) => d.billing = BillingMode::Provisioned(t),
            Response::Table(d) => d.definition.billing = BillingMode::Provisioned(t),
            _ => {}
        }
        Ok(response)
    }
}

/// Pacer, probe, 5 ms of latency, the simulation and the store, with the
/// simulation on.
struct Rig {
    store: Arc<dyn Backend>,
    pacer: Pacer,
    sim: SimulatedThroughput,
    probe: Probe,
    faults: Faults,
}

fn rig_with(check: Option<Check>, reprovision: Option<Reprovision>) -> Rig {
    let sim = SimulatedThroughput::new();
    let faults = Faults::new();
    faults.set_latency(Some(Duration::from_millis(5)));
    let probe = Probe {
        check,
        ..Probe::default()
    };
    // A changed definition is seen under the simulation too, so that both
    // the simulated capacity and the pacer follow it.
    let store: Arc<dyn Backend> = match reprovision {
        Some(r) => Arc::new(Layered::new(r, MemoryBackend::new())),
        None => Arc::new(MemoryBackend::new()),
    };
    let below = Layered::new(
        probe.clone(),
        Layered::new(faults.clone(), Layered::new(sim.clone(), store)),
    );
    let pacer = Pacer::new();
    pacer.set_enabled(true);
    sim.set_enabled(true);
    Rig {
        store: Arc::new(Layered::new(pacer.clone(), below)),
        pacer,
        sim,
        probe,
        faults,
    }
}

fn rig() -> Rig {
    rig_with(None, None)
}

async fn table(store: &dyn Backend, name: &str, read: u64, write: u64) {
    store
        .create_table(
            TableDefinition::new(name, KeySchema::hash("id", ScalarType::S))
                .with_throughput(read, write),
        )
        .await
        .unwrap();
}

fn item(task: usize, n: usize, bytes: usize) -> Item {
    let base = Item::new().with("id", format!("t{task:02}-{n:06}"));
    let pad = bytes.saturating_sub(base.size() + 3).max(1);
    base.with("pad", "x".repeat(pad))
}

/// `tasks` writers of items of `bytes` bytes until `until`; a write the
/// pacer gives up on is sent again.
async fn writers(
    store: &Arc<dyn Backend>,
    table: &str,
    tasks: usize,
    bytes: usize,
    until: Instant,
) {
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let store = store.clone();
            let table = table.to_owned();
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < until {
                    let size = if bytes == 0 {
                        1 + (t + n) % 4 * 1000
                    } else {
                        bytes
                    };
                    match store.put_item(PutItem::new(&table, item(t, n, size))).await {
                        Ok(_) => n += 1,
                        Err(e) if e.is_retryable() => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

fn simulated_consumed(sim: &SimulatedThroughput, key: &CapacityKey) -> f64 {
    sim.figures()
        .into_iter()
        .find(|f| f.key == *key)
        .map_or(0.0, |f| f.consumed)
}

fn pacer_figures(pacer: &Pacer, key: &CapacityKey) -> PacingFigures {
    pacer
        .figures()
        .into_iter()
        .find(|f| f.key == *key)
        .expect("a bucket for the key")
}

fn write_key(table: &str) -> CapacityKey {
    CapacityKey::table(table, CapacityKind::Write)
}

#[tokio::test(start_paused = true)]
async fn paced_writes_use_the_target_share_without_throttling() {
    let r = rig();
    table(&*r.store, "steady", 10, 20).await;
    let start = Instant::now();
    writers(
        &r.store,
        "steady",
        16,
        1000,
        start + Duration::from_secs(120),
    )
    .await;
    let consumed = simulated_consumed(&r.sim, &write_key("steady"));
    // 19 units a second for 120 seconds (the bucket starts empty), and
    // the writes the 16 writers were waiting to send at the end.
    assert!(
        (19.0 * 120.0 - 2.0..=19.0 * 120.0 + 16.0 + 2.0).contains(&consumed),
        "{consumed}"
    );
    assert_eq!(r.probe.counts().1, 0, "nothing throttled");
    let f = pacer_figures(&r.pacer, &write_key("steady"));
    assert_eq!(
        (f.provisioned, f.rate, f.throttles),
        (Some(20.0), Some(19.0), 0)
    );
    assert!(f.waits > 0 && f.waited > Duration::ZERO, "{f:?}");
    assert_eq!(f.consumed, consumed);
}

#[tokio::test(start_paused = true)]
async fn a_bucket_never_goes_below_zero_by_more_than_one_estimate() {
    let pacer_slot: Arc<Mutex<Option<Pacer>>> = Arc::default();
    let lowest: Arc<Mutex<f64>> = Arc::new(Mutex::new(f64::MAX));
    let check: Check = {
        let pacer_slot = pacer_slot.clone();
        let lowest = lowest.clone();
        Arc::new(move |request: &Request| {
            let Request::PutItem(p) = request else { return };
            let Some(pacer) = pacer_slot.lock().unwrap().clone() else {
                return;
            };
            // As the request arrives (admitted), the bucket holds at least
            // minus its estimate: its item's write units.
            let balance = pacer_figures(&pacer, &write_key(&p.table)).balance;
            let estimate = write_units(p.item.size());
            assert!(
                balance >= -estimate - 1e-9,
                "balance {balance} below minus the estimate {estimate}"
            );
            let mut l = lowest.lock().unwrap();
            *l = l.min(balance + estimate);
        })
    };
    let r = rig_with(Some(check), None);
    *pacer_slot.lock().unwrap() = Some(r.pacer.clone());
    table(&*r.store, "floor", 10, 50).await;
    let until = Instant::now() + Duration::from_secs(60);
    // Items of 1 to 4 KB: the estimates differ.
    writers(&r.store, "floor", 16, 0, until).await;
    let l = *lowest.lock().unwrap();
    assert!(
        l < 1.0,
        "the bound is reached, not just respected from afar: {l}"
    );
    assert_eq!(r.probe.counts().1, 0);
}

/// The write capacity of the tables whose capacity is halved.
const FULL: u64 = 20;

/// Runs 8 writers for ten minutes, with the capacity halved after two;
/// answers the share of the new capacity used and the throttled share of
/// requests over the last five minutes.
async fn halved(r: &Rig, name: &str, halve: impl FnOnce()) -> (f64, f64) {
    let new_capacity = (FULL / 2) as f64;
    let start = Instant::now();
    let store = r.store.clone();
    let owned = name.to_owned();
    let run = tokio::spawn(async move {
        writers(&store, &owned, 8, 1000, start + Duration::from_secs(600)).await;
    });
    tokio::time::sleep(Duration::from_secs(120)).await;
    halve();
    tokio::time::sleep(Duration::from_secs(180)).await;
    let c0 = simulated_consumed(&r.sim, &write_key(name));
    let (q0, t0) = r.probe.counts();
    run.await.unwrap();
    let c1 = simulated_consumed(&r.sim, &write_key(name));
    let (q1, t1) = r.probe.counts();
    (
        (c1 - c0) / (new_capacity * 300.0),
        (t1 - t0) as f64 / (q1 - q0) as f64,
    )
}

#[tokio::test(start_paused = true)]
async fn adaptive_pacing_converges_when_unseen_capacity_is_halved() {
    let r = rig();
    table(&*r.store, "halved", 10, FULL).await;
    let sim = r.sim.clone();
    // Half the capacity goes elsewhere: the definition still says 100.
    let (used, throttled) = halved(&r, "halved", move || {
        sim.set_capacity(write_key("halved"), Some((FULL / 2) as f64));
    })
    .await;
    assert!(
        (0.85..=1.01).contains(&used),
        "used {used} of the new capacity"
    );
    // Probing for the capacity it does not know costs a few throttles.
    assert!(throttled <= 0.02, "{throttled} of the requests throttled");
    let f = pacer_figures(&r.pacer, &write_key("halved"));
    assert_eq!(f.provisioned, Some(FULL as f64));
    assert!(f.rate.unwrap() < 0.6 * FULL as f64, "{f:?}");
}

#[tokio::test(start_paused = true)]
async fn the_pacer_follows_a_definition_whose_capacity_changed() {
    let reprovision = Reprovision::default();
    let r = rig_with(None, Some(reprovision.clone()));
    table(&*r.store, "resized", 10, FULL).await;
    let (used, throttled) = halved(&r, "resized", move || {
        *reprovision.0.lock().unwrap() = Some(Throughput {
            read_capacity_units: 10,
            write_capacity_units: FULL / 2,
        });
    })
    .await;
    // Read again after the first throttle: 95% of the new capacity.
    assert!(
        (0.94..=0.96).contains(&used),
        "used {used} of the new capacity"
    );
    assert_eq!(throttled, 0.0);
    let f = pacer_figures(&r.pacer, &write_key("resized"));
    let half = (FULL / 2) as f64;
    assert_eq!((f.provisioned, f.rate), (Some(half), Some(half * 0.95)));
}

#[tokio::test(start_paused = true)]
async fn an_on_demand_table_is_paced_once_it_throttles() {
    let r = rig();
    r.store
        .create_table(TableDefinition::new(
            "ondemand",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    r.sim.set_capacity(write_key("ondemand"), Some(10.0));
    let start = Instant::now();
    let store = r.store.clone();
    let run = tokio::spawn(async move {
        writers(
            &store,
            "ondemand",
            16,
            1000,
            start + Duration::from_secs(600),
        )
        .await;
    });
    tokio::time::sleep(Duration::from_secs(300)).await;
    let c0 = simulated_consumed(&r.sim, &write_key("ondemand"));
    let (q0, t0) = r.probe.counts();
    run.await.unwrap();
    let used = (simulated_consumed(&r.sim, &write_key("ondemand")) - c0) / (10.0 * 300.0);
    let (q1, t1) = r.probe.counts();
    let throttled = (t1 - t0) as f64 / (q1 - q0) as f64;
    assert!((0.85..=1.01).contains(&used), "used {used} of the capacity");
    assert!(throttled <= 0.02, "{throttled} of the requests throttled");
    let f = pacer_figures(&r.pacer, &write_key("ondemand"));
    assert_eq!(f.provisioned, None);
    assert!(f.rate.is_some() && f.throttles > 0, "{f:?}");
}

#[tokio::test(start_paused = true)]
async fn a_global_index_below_its_table_sets_the_pace() {
    let r = rig();
    let mut def = TableDefinition::new("indexed", KeySchema::hash("id", ScalarType::S))
        .with_throughput(100, 100)
        .with_global_index(
            "by_g",
            KeySchema::hash("g", ScalarType::S),
            IndexProjection::All,
        );
    def.indexes[0].throughput = Some(Throughput {
        read_capacity_units: 100,
        write_capacity_units: 20,
    });
    r.store.create_table(def).await.unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let store = r.store.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < until {
                    let it = item(t, n, 500).with("g", format!("g{}", n % 3));
                    store.put_item(PutItem::new("indexed", it)).await.unwrap();
                    n += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let index = CapacityKey::index("indexed", "by_g", CapacityKind::Write);
    let consumed = simulated_consumed(&r.sim, &index);
    assert!(
        (19.0 * 60.0 - 10.0..=19.0 * 60.0 + 10.0).contains(&consumed),
        "{consumed}"
    );
    assert_eq!(r.probe.counts().1, 0);
    assert_eq!(pacer_figures(&r.pacer, &index).rate, Some(19.0));
}

#[tokio::test(start_paused = true)]
async fn throttled_requests_are_sent_again_from_the_same_bucket() {
    let r = rig();
    table(&*r.store, "retried", 10, 10).await;
    r.faults.throttle_next(3);
    r.store
        .put_item(PutItem::new("retried", item(0, 0, 100)))
        .await
        .unwrap();
    let f = pacer_figures(&r.pacer, &write_key("retried"));
    assert_eq!((f.requests, f.throttles), (4, 3), "{f:?}");
    assert!(f.rate.unwrap() < 9.5, "the rate went down: {f:?}");
    // With no retries, the caller gets the throttle.
    let mut settings = PacingSettings::default();
    settings.max_retries = 0;
    r.pacer.set_settings(settings);
    r.faults.throttle_next(1);
    let e = r
        .store
        .put_item(PutItem::new("retried", item(0, 1, 100)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn a_budget_keeps_bulk_work_to_its_share() {
    let r = rig();
    r.pacer.set_enabled(false);
    table(&*r.store, "bulk", 10, 100).await;
    let quarter = Budget::new(0.25);
    let until = Instant::now() + Duration::from_secs(60);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = r.store.clone();
            let quarter = quarter.clone();
            tokio::spawn(async move {
                quarter
                    .scope(async move {
                        let mut n = 0;
                        while Instant::now() < until {
                            if store
                                .put_item(PutItem::new("bulk", item(t, n, 1000)))
                                .await
                                .is_ok()
                            {
                                n += 1;
                            }
                        }
                    })
                    .await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    // A quarter of 95 units a second.
    let consumed = quarter.consumed();
    assert!(
        (23.75 * 60.0 - 10.0..=23.75 * 60.0 + 10.0).contains(&consumed),
        "{consumed}"
    );
    assert_eq!(consumed, simulated_consumed(&r.sim, &write_key("bulk")));
    // Outside the scope, with the pacer off, nothing waits.
    let start = Instant::now();
    for n in 0..50 {
        r.store
            .put_item(PutItem::new("bulk", item(99, n, 100)))
            .await
            .unwrap();
    }
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(5 * 50),
        "latency only"
    );
}

#[tokio::test(start_paused = true)]
async fn the_caller_gets_the_consumed_capacity_it_asked_for() {
    let r = rig();
    table(&*r.store, "asked", 10, 10).await;
    let none = r
        .store
        .put_item(PutItem::new("asked", item(0, 0, 100)))
        .await
        .unwrap();
    assert_eq!(none.consumed_capacity, None);
    let total = r
        .store
        .put_item(
            PutItem::new("asked", item(0, 1, 100))
                .return_consumed_capacity(ReturnConsumedCapacity::Total),
        )
        .await
        .unwrap()
        .consumed_capacity
        .unwrap();
    assert_eq!((total.capacity_units, total.table_units), (1.0, None));
}

#[tokio::test(start_paused = true)]
async fn a_transaction_cancelled_for_throughput_is_sent_again() {
    let r = rig();
    table(&*r.store, "txn_retried", 10, 10).await;
    let exceeded = CancellationReason {
        code: CancellationCode::ProvisionedThroughputExceeded,
        message: Some(TABLE_THROUGHPUT_EXCEEDED.to_owned()),
        item: None,
    };
    r.faults.cancel_next_transaction(vec![exceeded]);
    let t = TransactWrite {
        items: vec![TransactWriteItem::Put(PutItem::new(
            "txn_retried",
            item(0, 0, 1000),
        ))],
        ..TransactWrite::default()
    };
    r.store.transact_write_items(t).await.unwrap();
    let f = pacer_figures(&r.pacer, &write_key("txn_retried"));
    assert_eq!((f.requests, f.throttles), (2, 1), "{f:?}");
    // Two units a 1 KB item in a transaction.
    assert_eq!(f.consumed, 2.0);
    // A cancellation for a condition is the caller's, not retried.
    r.faults.cancel_next_transaction(vec![CancellationReason {
        code: CancellationCode::ConditionalCheckFailed,
        message: None,
        item: None,
    }]);
    let t = TransactWrite {
        items: vec![TransactWriteItem::Put(PutItem::new(
            "txn_retried",
            item(0, 1, 1000),
        ))],
        ..TransactWrite::default()
    };
    let e = r.store.transact_write_items(t).await.unwrap_err();
    assert!(matches!(e, Error::TransactionCanceled { .. }), "{e:?}");
    assert_eq!(
        pacer_figures(&r.pacer, &write_key("txn_retried")).requests,
        3
    );
}
