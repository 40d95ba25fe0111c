//! Closing and reopening a store in one process is reliable, and the
//! errors say who holds a store: this process, or another one. A damaged
//! store is refused with a typed corruption error, never a panic.

use std::time::Duration;

use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::{SledBackend, SledOptions};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn close_then_reopen_many_times() {
    let dir = tempfile::tempdir().unwrap();
    let rt = rt();
    rt.block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        store
            .create_table(TableDefinition::new(
                "things",
                KeySchema::hash("id", ScalarType::N),
            ))
            .await
            .unwrap();
    });
    for i in 0..30 {
        let store = SledBackend::open(dir.path()).unwrap_or_else(|e| panic!("reopen {i}: {e}"));
        rt.block_on(async {
            store
                .put_item(PutItem::new("things", Item::new().with("id", i)))
                .await
                .unwrap();
        });
        drop(store);
    }
    let store = SledBackend::open(dir.path()).unwrap();
    rt.block_on(async {
        for i in 0..30 {
            let got = store
                .get_item(GetItem::new("things", Item::new().with("id", i)).consistent(true))
                .await
                .unwrap();
            assert!(got.item.is_some(), "item {i} survived its reopen");
        }
    });
}

#[test]
fn a_raw_sled_handle_just_dropped_does_not_block_an_open() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        drop(sled::open(dir.path()).unwrap());
        SledBackend::open(dir.path()).unwrap();
    }
}

#[test]
fn a_store_held_in_this_process_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledBackend::open(dir.path()).unwrap();
    let options = SledOptions {
        lock_wait: Duration::from_millis(200),
        ..SledOptions::default()
    };
    let err = SledBackend::open_with(dir.path(), options).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("in use by this process"), "{text}");
    assert!(!text.contains("another process"), "{text}");
}

/// Flips bytes in every file of a store; the open (and anything after it)
/// must fail with an error, never a panic.
#[test]
fn damaged_files_give_errors_not_panics() {
    let rt = rt();
    for seed in 0..12u64 {
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(async {
            let store = SledBackend::open(dir.path()).unwrap();
            store
                .create_table(TableDefinition::new(
                    "things",
                    KeySchema::hash("id", ScalarType::N),
                ))
                .await
                .unwrap();
            for i in 0..200 {
                store
                    .put_item(PutItem::new(
                        "things",
                        Item::new().with("id", i).with("v", "x".repeat(50)),
                    ))
                    .await
                    .unwrap();
            }
            store.flush().unwrap();
        });
        let mut rng = fastrand::Rng::with_seed(seed);
        for entry in walk(dir.path()) {
            let mut bytes = std::fs::read(&entry).unwrap();
            if bytes.is_empty() {
                continue;
            }
            for _ in 0..20 {
                let i = rng.usize(..bytes.len());
                bytes[i] ^= rng.u8(1..);
            }
            std::fs::write(&entry, bytes).unwrap();
        }
        let outcome = std::panic::catch_unwind(|| match SledBackend::open(dir.path()) {
            Err(e) => Some(e.to_string()),
            Ok(store) => {
                // Opened: every read answers, an item or an error.
                rt.block_on(async {
                    for i in 0..200 {
                        let _ = store
                            .get_item(GetItem::new("things", Item::new().with("id", i)))
                            .await;
                    }
                });
                None
            }
        });
        assert!(
            outcome.is_ok(),
            "seed {seed}: a damaged store made the library panic"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
