//! Bulk migration survives SIGKILL: on sled, a child process migrates a
//! table, saving each checkpoint the progress callback hands it to a
//! file; it is killed (SIGKILL) half-way, and a second child resumes from
//! the last saved checkpoint. Every item ends at the current version,
//! migrated exactly once: the migration step increments a counter in the
//! item, and every item's counter is 1. An item whose rewrite was durable
//! but whose page's checkpoint was not is read again on resume; it is
//! current by then and is not migrated a second time.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dynamodb_mapper::backend::{Backend, BatchWrite, Scan};
use dynamodb_mapper::migration::{BulkOptions, Checkpoint, Migrations};
use dynamodb_mapper::{AttributeValue, Item, Model, Repository, Table};
use dynamodb_mapper_sled::SledBackend;
use serde::{Deserialize, Serialize};

const ITEMS: u32 = 3_000;
const STORE_VAR: &str = "MIGRATION_CRASH_STORE";
const CHECKPOINT_VAR: &str = "MIGRATION_CRASH_CHECKPOINT";

/// Version 2 of a record: version 1 had no `label`; the step adds it and
/// counts how many times it ran on the item.
#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "counted", migrations = counted_migrations)]
struct Counted {
    #[model(hash_key)]
    id: u32,
    label: String,
    migrated_times: i64,
}

fn counted_migrations() -> Migrations {
    Migrations::new(2).step(1, |item: Item| {
        let times = item
            .get("migrated_times")
            .and_then(AttributeValue::as_n)
            .and_then(|n| n.to_i64().ok())
            .unwrap_or(0);
        let id = item.get("id").cloned().ok_or("an item has an id")?;
        let label = format!("item {id:?}");
        Ok::<_, &'static str>(
            item.with("migrated_times", times + 1)
                .with("label", label.as_str()),
        )
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Saves a checkpoint so that a kill at any moment leaves the previous
/// one or this one, whole.
fn save_checkpoint(path: &Path, checkpoint: &Checkpoint) {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).unwrap();
    file.write_all(checkpoint.token().as_bytes()).unwrap();
    file.sync_all().unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Run by the test in a child process: migrates the store's table from the
/// saved checkpoint (if any), saving each new one; prints its progress.
#[test]
#[ignore = "a helper process for the migration crash test"]
fn migration_worker() {
    let (Ok(store), Ok(checkpoint)) = (std::env::var(STORE_VAR), std::env::var(CHECKPOINT_VAR))
    else {
        return;
    };
    let checkpoint = PathBuf::from(checkpoint);
    let resume = std::fs::read_to_string(&checkpoint)
        .ok()
        .map(|t| Checkpoint::parse(&t).expect("the saved checkpoint parses"));
    let people = Table::<Counted>::new(open_released(Path::new(&store)));
    // A rate limit keeps the run long enough to be killed half-way.
    let mut options = BulkOptions::default()
        .segments(4)
        .capacity_per_second(1500.0);
    options.page_size = 25;
    if let Some(c) = resume {
        println!("resuming");
        options = options.resume(c);
    }
    rt().block_on(async {
        println!("started");
        let report = people
            .migrate_items(options, &mut |progress, checkpoint| {
                save_checkpoint(&checkpoint_path(), checkpoint);
                println!("migrated {}", progress.migrated);
            })
            .await
            .unwrap();
        println!(
            "finished migrated={} current={} scanned={} failures={}",
            report.counts.migrated,
            report.counts.current,
            report.counts.scanned,
            report.counts.failures
        );
    });
}

/// Opens the store once the parent's handle released its lock (sled's
/// threads keep it a moment after the handle is dropped).
fn open_released(path: &Path) -> SledBackend {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match SledBackend::open(path) {
            Ok(store) => return store,
            Err(e) if std::time::Instant::now() >= deadline => panic!("open: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

fn checkpoint_path() -> PathBuf {
    PathBuf::from(std::env::var(CHECKPOINT_VAR).unwrap())
}

fn worker(store: &Path, checkpoint: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "migration_worker",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(STORE_VAR, store)
        .env(CHECKPOINT_VAR, checkpoint)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Every item of the store: (id, schema version, times migrated).
fn stored(store: &Path) -> Vec<(u32, i64, i64)> {
    let backend = SledBackend::open(store).unwrap();
    let num = |item: &Item, name: &str| {
        item.get(name)
            .and_then(AttributeValue::as_n)
            .and_then(|n| n.to_i64().ok())
            .unwrap_or(0)
    };
    rt().block_on(async {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = backend
                .scan(Scan::new("counted").start_after(start.take()))
                .await
                .unwrap();
            for item in &page.items {
                out.push((
                    num(item, "id") as u32,
                    num(item, "schema_version"),
                    num(item, "migrated_times"),
                ));
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return out,
            }
        }
    })
}

#[test]
fn a_bulk_migration_killed_half_way_resumes_and_migrates_each_item_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let checkpoint = dir.path().join("checkpoint");
    rt().block_on(async {
        let backend = SledBackend::open(&store).unwrap();
        let table = Table::<Counted>::new(backend.clone());
        table.create_table().await.unwrap();
        for chunk in (0..ITEMS).collect::<Vec<_>>().chunks(25) {
            let mut batch = BatchWrite::new();
            for &id in chunk {
                batch = batch.put(
                    "counted",
                    Item::new().with("id", id).with("schema_version", 1),
                );
            }
            backend.batch_write_item(batch).await.unwrap();
        }
    });

    // The first run, killed once half the items are migrated.
    let mut child = worker(&store, &checkpoint);
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    for line in lines.map_while(Result::ok) {
        assert!(
            !line.contains("finished"),
            "the first run was not killed in time"
        );
        if let Some(n) = line.split("migrated ").nth(1) {
            seen = n.trim().parse().unwrap();
            if seen >= ITEMS / 2 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(seen >= ITEMS / 2, "the first run got half-way ({seen})");
    let after_kill = stored(&store);
    let migrated = after_kill.iter().filter(|(_, v, _)| *v == 2).count() as u32;
    assert!(
        (ITEMS / 2..ITEMS).contains(&migrated),
        "killed half-way: {migrated} of {ITEMS} migrated"
    );
    let saved = Checkpoint::parse(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert!(!saved.is_done(), "the saved checkpoint is part-way");

    // The second run resumes from the saved checkpoint and finishes.
    let mut child = worker(&store, &checkpoint);
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(child.wait().unwrap().success(), "the resumed run succeeds");
    assert!(
        lines.iter().any(|l| l.contains("resuming")),
        "it resumed from the file"
    );
    let finished = lines
        .iter()
        .find(|l| l.contains("finished"))
        .expect("the resumed run finished");
    eprintln!("after the kill: {migrated} of {ITEMS} migrated; resumed run: {finished}");
    assert!(finished.contains("failures=0"), "{finished}");

    // Every item once, at version 2, migrated exactly once.
    let mut items = stored(&store);
    items.sort();
    assert_eq!(items.len() as u32, ITEMS);
    for (i, (id, version, times)) in items.iter().enumerate() {
        assert_eq!(*id, i as u32);
        assert_eq!(*version, 2, "item {id} is current");
        assert_eq!(*times, 1, "item {id} was migrated exactly once");
    }
}
