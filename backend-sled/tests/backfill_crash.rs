//! Crash safety of index backfills: a child process adds a global index to
//! a table of 20,000 items (and removes it again) and is killed with
//! SIGKILL at random moments. After each kill the store reopens and the
//! index is absent, `CREATING`, `DELETING` or `ACTIVE`; an active index
//! holds every item, and one still being created finishes its backfill
//! and then holds every item: a half-built index never reports `ACTIVE`.

mod common;

use std::time::Duration;

use dynamodb_mapper::backend::{
    Backend, BatchWrite, IndexStatus, Scan, Select, TableState, UpdateTable, wait_for_table,
};
use dynamodb_mapper::{
    IndexDefinition, IndexKind, IndexProjection, Item, KeySchema, ScalarType, TableDefinition,
};
use dynamodb_mapper_sled::SledBackend;

const ITEMS: i64 = 20_000;
const KILLS: u64 = 8;
const WAIT: Duration = Duration::from_secs(300);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn by_g() -> IndexDefinition {
    IndexDefinition {
        name: "byg".into(),
        kind: IndexKind::Global,
        key: KeySchema::hash("g", ScalarType::S),
        projection: IndexProjection::KeysOnly,
        throughput: None,
    }
}

/// Run by the test in a child process: adds and removes the index until killed.
#[test]
#[ignore = "a helper process for the backfill crash test"]
fn backfill_worker() {
    let Ok(path) = std::env::var("SLED_BACKFILL_STORE") else {
        return;
    };
    let store = SledBackend::open(&path).unwrap();
    rt().block_on(async {
        println!("started");
        loop {
            wait_for_table(&store, "items", TableState::Active, WAIT)
                .await
                .unwrap();
            let d = store.describe_table("items").await.unwrap();
            let update = if d.definition.index("byg").is_some() {
                UpdateTable::new("items").delete_index("byg")
            } else {
                UpdateTable::new("items").create_index(by_g())
            };
            store.update_table(update).await.unwrap();
        }
    });
}

/// Entries of `byg` (a count, read through the index).
async fn index_count(store: &SledBackend) -> u64 {
    let mut count = 0;
    let mut start = None;
    loop {
        let scan = Scan::new("items")
            .index("byg")
            .select(Select::Count)
            .start_after(start);
        let page = store.scan(scan).await.unwrap();
        count += page.count as u64;
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => return count,
        }
    }
}

#[test]
fn an_interrupted_backfill_never_reports_a_half_built_index_active() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        store
            .create_table(TableDefinition::new(
                "items",
                KeySchema::hash("id", ScalarType::N),
            ))
            .await
            .unwrap();
        for chunk in (0..ITEMS).collect::<Vec<_>>().chunks(25) {
            let mut batch = BatchWrite::new();
            for i in chunk {
                batch = batch.put(
                    "items",
                    Item::new().with("id", *i).with("g", format!("g{}", i % 10)),
                );
            }
            let out = store.batch_write_item(batch).await.unwrap();
            assert!(out.unprocessed_items.is_empty());
        }
    });
    let mut seen = std::collections::BTreeSet::new();
    let mut rng = 0x5eed_u64;
    for kill in 0..KILLS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        common::kill_worker(
            "backfill_worker",
            &[("SLED_BACKFILL_STORE", dir.path().display().to_string())],
            Duration::from_secs(60),
            Duration::from_millis(50 + rng % 1500),
        );
        rt().block_on(async {
            let store = SledBackend::open(dir.path())
                .unwrap_or_else(|e| panic!("kill {kill}: the store reopens: {e}"));
            store.engine().verify_indexes().unwrap();
            // Read the state as recorded, before a describe moves it on.
            let status = store.engine().index_status("items", "byg").unwrap();
            seen.insert(format!("{status:?}"));
            match status {
                Some(IndexStatus::Active) => {
                    assert_eq!(index_count(&store).await, ITEMS as u64, "kill {kill}");
                }
                Some(IndexStatus::Creating) => {
                    wait_for_table(&store, "items", TableState::Active, WAIT)
                        .await
                        .unwrap();
                    store.engine().verify_indexes().unwrap();
                    assert_eq!(index_count(&store).await, ITEMS as u64, "kill {kill}");
                }
                _ => {}
            }
        });
    }
    eprintln!("backfill crash test: {KILLS} SIGKILLs, index states found: {seen:?}");
}
