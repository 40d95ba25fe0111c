//! Crash safety of the group commit: a child process runs 16 concurrent
//! writers under `Durability::EveryWrite` (sharing flushes) and is killed
//! with SIGKILL at random moments. The child writes "ack ID" to a pipe
//! only after the backend acknowledged the write; after each kill the
//! store reopens and every write the child saw acknowledged is present,
//! with its index entry.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use dynamodb_mapper::backend::{Backend, GetItem, PutItem, Query};
use dynamodb_mapper::expr::KeyCondition;
use dynamodb_mapper::{IndexProjection, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::SledBackend;

const WRITERS: usize = 16;
const KILLS: usize = 8;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Half the writers write to a table with an index (a batch of two keys
/// per write), half to one without (one key per write).
fn table_of(writer: usize) -> &'static str {
    if writer.is_multiple_of(2) {
        "plain"
    } else {
        "indexed"
    }
}

async fn init(store: &SledBackend) {
    store
        .create_table(TableDefinition::new(
            "plain",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    store
        .create_table(
            TableDefinition::new("indexed", KeySchema::hash("id", ScalarType::S))
                .with_global_index(
                    "by_writer",
                    KeySchema::hash("writer", ScalarType::S).with_range("id", ScalarType::S),
                    IndexProjection::KeysOnly,
                ),
        )
        .await
        .unwrap();
}

/// Run by the crash test in a child process: 16 writers work until killed.
#[test]
#[ignore = "a helper process for the crash test"]
fn group_commit_worker() {
    let Ok(path) = std::env::var("SLED_GROUP_CRASH_STORE") else {
        return;
    };
    let run: u64 = std::env::var("SLED_GROUP_CRASH_RUN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let store = SledBackend::open(&path).unwrap();
    rt().block_on(async {
        println!("started");
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for n in 0u64.. {
                        let id = format!("{run}-{w}-{n}");
                        let item = Item::new()
                            .with("id", id.as_str())
                            .with("writer", format!("{run}-{w}"))
                            .with("payload", "x".repeat(500));
                        store
                            .put_item(PutItem::new(table_of(w), item))
                            .await
                            .unwrap();
                        // Reported only once the backend acknowledged it.
                        println!("ack {w} {id}");
                    }
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
    });
}

/// Checks that every acknowledged write is in the reopened store.
fn check(path: &std::path::Path, acked: &BTreeSet<(usize, String)>) {
    rt().block_on(async {
        let store = SledBackend::open(path)
            .unwrap_or_else(|e| panic!("the store reopens after a kill: {e}"));
        for (w, id) in acked {
            let got = store
                .get_item(
                    GetItem::new(table_of(*w), Item::new().with("id", id.as_str()))
                        .consistent(true),
                )
                .await
                .unwrap();
            assert!(got.item.is_some(), "acknowledged write {id} survived");
        }
        // The indexed writers' entries: each acknowledged one is in its index.
        for w in (0..WRITERS).filter(|w| table_of(*w) == "indexed") {
            let mine: BTreeSet<&str> = acked
                .iter()
                .filter(|(x, _)| *x == w)
                .map(|(_, id)| id.as_str())
                .collect();
            for writer in mine
                .iter()
                .filter_map(|id| id.rsplit_once('-').map(|(p, _)| p))
                .collect::<BTreeSet<_>>()
            {
                let kc = KeyCondition::hash("writer", writer);
                let page = store
                    .query(Query::new("indexed", &kc).index("by_writer"))
                    .await
                    .unwrap();
                let found: BTreeSet<String> = page
                    .items
                    .iter()
                    .map(|i| i["id"].as_s().unwrap().to_owned())
                    .collect();
                for id in mine
                    .iter()
                    .filter(|id| id.starts_with(&format!("{writer}-")))
                {
                    assert!(found.contains(*id), "index entry of {id} survived");
                }
            }
        }
        store
            .engine()
            .verify_indexes()
            .unwrap_or_else(|e| panic!("indexes agree with items: {e}"));
    });
}

#[test]
fn sixteen_writers_sharing_flushes_lose_no_acknowledged_write_on_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        init(&store).await;
    });
    let mut wait = fastrand::Rng::with_seed(0x9c0_4417);
    let mut acked: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut writers_acked = BTreeSet::new();
    for kill in 0..KILLS {
        let lines = common::kill_worker(
            "group_commit_worker",
            &[
                ("SLED_GROUP_CRASH_STORE", dir.path().display().to_string()),
                ("SLED_GROUP_CRASH_RUN", kill.to_string()),
            ],
            Duration::from_secs(30),
            Duration::from_millis(100 + wait.u64(0..400)),
        );
        for line in lines {
            let Some(rest) = line.split("ack ").nth(1) else {
                continue;
            };
            let Some((w, id)) = rest.split_once(' ') else {
                continue;
            };
            let w: usize = w.parse().unwrap();
            writers_acked.insert(w);
            acked.insert((w, id.to_owned()));
        }
        check(dir.path(), &acked);
    }
    assert!(
        acked.len() > WRITERS * KILLS,
        "{} acknowledged writes checked over {KILLS} kills",
        acked.len()
    );
    assert_eq!(
        writers_acked.len(),
        WRITERS,
        "every writer had writes acknowledged"
    );
    eprintln!(
        "group commit crash test: {KILLS} SIGKILLs of {WRITERS} writers, {} acknowledged writes all present",
        acked.len()
    );
}
