//! Bulk work within a capacity budget ([`Budget`], given to a repository
//! with [`Table::with_budget`] or to a bulk migration), on the memory
//! store with DynamoDB's throughput simulated, on tokio's paused clock:
//! `put_many`, `delete_many`, `get_many`, scans and parallel scans and a
//! bulk migration consume at most their budget's rate (plus one request's
//! worth) and are never throttled, while the same `put_many` without a
//! budget is.

use std::time::Duration;

use dynamodb_mapper::backend::{Backend, PutItem};
use dynamodb_mapper::layers::{Budget, CapacityKey, CapacityKind};
use dynamodb_mapper::migration::BulkOptions;
use dynamodb_mapper::{Item, Model, Repository, RepositoryExt, ScanSpec, Table};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_tests::models::Person;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// A record of a little under 1 KB: one write unit.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "records", read_capacity = 200, write_capacity = 100)]
struct Record {
    #[model(hash_key)]
    id: String,
    body: String,
}

fn record(i: usize) -> Record {
    Record {
        id: format!("r{i:05}"),
        body: "x".repeat(1000),
    }
}

fn key(table: &str, kind: CapacityKind) -> CapacityKey {
    CapacityKey {
        table: table.to_owned(),
        index: None,
        kind,
    }
}

/// Units the simulation charged a key, and requests (or batch items) it
/// throttled on any key.
fn simulated(store: &MemoryBackend, key: &CapacityKey) -> (f64, u64) {
    let figures = store.throughput().figures();
    let consumed = figures
        .iter()
        .filter(|f| &f.key == key)
        .map(|f| f.consumed)
        .sum();
    let throttled = figures.iter().map(|f| f.throttled).sum();
    (consumed, throttled)
}

/// A store with `n` records, and the simulation turned on after they were
/// written (every bucket starting with one second of capacity, no burst).
async fn store_with(n: usize) -> (MemoryBackend, Table<Record>) {
    let store = MemoryBackend::new();
    let records = Table::<Record>::new(store.clone());
    records.create_table().await.unwrap();
    let all: Vec<Record> = (0..n).map(record).collect();
    records.put_many(&all).await.unwrap();
    store.simulate_throughput(true);
    (store, records)
}

/// Consumed at most `rate` units a second over `elapsed`, plus `slack`
/// (what one request may take beyond its estimate), and at least 80% of
/// it (the budget is used, not left idle).
#[track_caller]
fn within(consumed: f64, rate: f64, elapsed: Duration, slack: f64) {
    let most = rate * elapsed.as_secs_f64() + slack;
    assert!(
        consumed <= most,
        "{consumed} units in {elapsed:?}: over {rate}/s"
    );
    assert!(
        consumed >= 0.8 * rate * elapsed.as_secs_f64(),
        "{consumed} units in {elapsed:?}: well under {rate}/s"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_budget_put_many_hammers_the_table_and_is_throttled() {
    let (store, records) = store_with(0).await;
    let batch: Vec<Record> = (0..1000).map(record).collect();
    // It may succeed after backing off, or run out of retries: either way
    // the table was hammered.
    let _ = records.put_many(&batch).await;
    let (_, throttled) = simulated(&store, &key("records", CapacityKind::Write));
    assert!(throttled > 0, "the simulation throttled nothing");
}

#[tokio::test(start_paused = true)]
async fn a_budgeted_put_many_stays_within_its_budget_unthrottled() {
    let (store, records) = store_with(0).await;
    // Half of the pacer's 95 units a second.
    let budget = Budget::new(0.5);
    let bulk = records.clone().with_budget(budget.clone());
    let batch: Vec<Record> = (0..1000).map(record).collect();
    let start = Instant::now();
    bulk.put_many(&batch).await.unwrap();
    let elapsed = start.elapsed();
    let (consumed, throttled) = simulated(&store, &key("records", CapacityKind::Write));
    assert_eq!(consumed, 1000.0);
    assert_eq!(budget.consumed(), 1000.0);
    assert_eq!(throttled, 0);
    within(consumed, 47.5, elapsed, 25.0);
    // The pacer (off) saw the budgeted requests and no throttle.
    let figures = store.pacer().figures();
    let write = figures
        .iter()
        .find(|f| f.key == key("records", CapacityKind::Write))
        .expect("a write bucket");
    assert_eq!((write.provisioned, write.throttles), (Some(100.0), 0));
}

#[tokio::test(start_paused = true)]
async fn a_budgeted_get_many_and_delete_many_stay_within_it() {
    let (store, records) = store_with(1000).await;
    let bulk = records.clone().with_budget(Budget::new(0.25));
    let keys: Vec<String> = (0..1000).map(|i| record(i).id).collect();
    let start = Instant::now();
    let got = bulk.get_many(keys.clone()).await.unwrap();
    let elapsed = start.elapsed();
    assert!(got.iter().all(Option::is_some));
    // Eventually consistent reads of 1 KB items: half a unit each, at a
    // quarter of 190 units a second.
    let (read, throttled) = simulated(&store, &key("records", CapacityKind::Read));
    assert_eq!((read, throttled), (500.0, 0));
    within(read, 47.5, elapsed, 50.0);

    let start = Instant::now();
    bulk.delete_many(keys).await.unwrap();
    let elapsed = start.elapsed();
    let (written, throttled) = simulated(&store, &key("records", CapacityKind::Write));
    assert_eq!((written, throttled), (1000.0, 0));
    within(written, 23.75, elapsed, 25.0);
    assert_eq!(records.scan(ScanSpec::new()).count().await, 0);
}

#[tokio::test(start_paused = true)]
async fn budgeted_scans_and_parallel_scans_stay_within_it() {
    let (store, records) = store_with(2000).await;
    let bulk = records.clone().with_budget(Budget::new(0.1));
    let start = Instant::now();
    let n = bulk.scan(ScanSpec::new().page_size(100)).count().await;
    let elapsed = start.elapsed();
    assert_eq!(n, 2000);
    // 100 KB pages, eventually consistent: 12.5 units a page, at a tenth
    // of 190 units a second.
    let (read, throttled) = simulated(&store, &key("records", CapacityKind::Read));
    assert_eq!(throttled, 0);
    within(read, 19.0, elapsed, 25.0);

    let start = Instant::now();
    let segments = bulk.parallel_scan(ScanSpec::new().page_size(100), 4);
    let n = futures::stream::select_all(segments).count().await;
    let elapsed = start.elapsed();
    assert_eq!(n, 2000);
    let (total, throttled) = simulated(&store, &key("records", CapacityKind::Read));
    assert_eq!(throttled, 0);
    // The four segments share the one budget.
    within(total - read, 19.0, elapsed, 4.0 * 12.5);
}

#[tokio::test(start_paused = true)]
async fn a_budget_in_units_limits_an_on_demand_table() {
    let store = MemoryBackend::new();
    let people = Table::<Person>::new(store.clone());
    people.create_table().await.unwrap();
    store.simulate_throughput(true);
    // Other clients leave this on-demand table 30 units a second.
    store
        .throughput()
        .set_capacity(key("people", CapacityKind::Write), Some(30.0));
    let budget = Budget::units_per_second(20.0);
    let bulk = people.clone().with_budget(budget);
    let batch: Vec<Person> = (0..600).map(|i| person(i, "Ada Lovelace")).collect();
    let start = Instant::now();
    bulk.put_many(&batch).await.unwrap();
    let elapsed = start.elapsed();
    let (written, throttled) = simulated(&store, &key("people", CapacityKind::Write));
    assert_eq!((written, throttled), (600.0, 0));
    within(written, 20.0, elapsed, 25.0);
}

fn person(id: u32, name: &str) -> Person {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    Person {
        team: "t".into(),
        id,
        first: first.into(),
        last: last.into(),
        tags: ["new".to_string()].into(),
        visits: 0,
    }
}

fn v1(id: u32) -> Item {
    Item::new()
        .with("team", "t")
        .with("id", id)
        .with("name", "Ada Lovelace")
        .with("schema_version", 1)
}

/// A people table provisioned at 50/50 with `n` version-1 items, the
/// simulation on.
async fn outdated_people(n: u32) -> (MemoryBackend, Table<Person>) {
    let store = MemoryBackend::new();
    let people = Table::<Person>::new(store.clone());
    store
        .create_table(people.definition().with_throughput(50, 50))
        .await
        .unwrap();
    for id in 0..n {
        store
            .put_item(PutItem::new("people", v1(id)))
            .await
            .unwrap();
    }
    store.simulate_throughput(true);
    (store, people)
}

#[tokio::test(start_paused = true)]
async fn a_bulk_migration_with_a_budget_stays_within_it() {
    let (store, people) = outdated_people(600).await;
    let budget = Budget::new(0.5);
    let start = Instant::now();
    let report = people
        .migrate_items(
            BulkOptions::default().budget(budget.clone()),
            &mut |_, _| {},
        )
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!((report.counts.migrated, report.counts.failures), (600, 0));
    let (written, throttled) = simulated(&store, &key("people", CapacityKind::Write));
    assert_eq!((written, throttled), (600.0, 0));
    // Half of 47.5 units a second: the writes are the limit.
    within(written, 23.75, elapsed, 4.0);
    let (read, _) = simulated(&store, &key("people", CapacityKind::Read));
    assert!(read <= 23.75 * elapsed.as_secs_f64() + 4.0, "{read}");
}

#[tokio::test(start_paused = true)]
async fn a_bulk_migration_at_a_capacity_per_second_and_a_repository_budget() {
    let (store, people) = outdated_people(300).await;
    let start = Instant::now();
    let options = BulkOptions::default().capacity_per_second(10.0);
    let report = people.migrate_items(options, &mut |_, _| {}).await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(report.counts.migrated, 300);
    let (written, throttled) = simulated(&store, &key("people", CapacityKind::Write));
    assert_eq!((written, throttled), (300.0, 0));
    within(written, 10.0, elapsed, 4.0);

    // The repository's budget applies when the options give none.
    let (store, people) = outdated_people(300).await;
    let start = Instant::now();
    let report = people
        .with_budget(Budget::units_per_second(15.0))
        .migrate_items(BulkOptions::default(), &mut |_, _| {})
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(report.counts.migrated, 300);
    let (written, throttled) = simulated(&store, &key("people", CapacityKind::Write));
    assert_eq!((written, throttled), (300.0, 0));
    within(written, 15.0, elapsed, 4.0);
}
