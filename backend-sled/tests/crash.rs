//! Crash safety: a child process runs transactions and acknowledged writes
//! on a store and is killed with SIGKILL at random moments, many times.
//! After each kill the store reopens, every transaction is all or nothing
//! (money moved between accounts is conserved), every write acknowledged
//! under the flush-every-write setting is present, and the indexes agree
//! with the items.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use dynamodb_mapper::backend::{
    Backend, BatchWrite, GetItem, PutItem, Scan, TransactWrite, TransactWriteItem, UpdateItem,
};
use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::{Error, IndexProjection, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_sled::SledBackend;

const ACCOUNTS: i64 = 10;
const START_BALANCE: i64 = 1000;
const KILLS: usize = 30;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn init(store: &SledBackend) {
    store
        .create_table(
            TableDefinition::new("accounts", KeySchema::hash("id", ScalarType::N))
                .with_global_index(
                    "by_owner",
                    KeySchema::hash("owner", ScalarType::S),
                    IndexProjection::All,
                ),
        )
        .await
        .unwrap();
    store
        .create_table(TableDefinition::new(
            "acks",
            KeySchema::hash("id", ScalarType::S),
        ))
        .await
        .unwrap();
    let mut batch = BatchWrite::new();
    for id in 0..ACCOUNTS {
        batch = batch.put(
            "accounts",
            Item::new()
                .with("id", id)
                .with("balance", START_BALANCE)
                .with("owner", "a"),
        );
    }
    store.batch_write_item(batch).await.unwrap();
}

/// Run by the crash test in a child process: works until killed.
#[test]
#[ignore = "a helper process for the crash test"]
fn crash_worker() {
    let Ok(path) = std::env::var("SLED_CRASH_STORE") else {
        return;
    };
    let seed: u64 = std::env::var("SLED_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let store = SledBackend::open(&path).unwrap();
    let mut rng = Rng(seed.max(1));
    rt().block_on(async {
        println!("started");
        for n in 0u64.. {
            if rng.below(3) == 0 {
                // An acknowledged write: reported only once the backend said it is done.
                let id = format!("{seed}-{n}");
                store
                    .put_item(PutItem::new("acks", Item::new().with("id", id.as_str())))
                    .await
                    .unwrap();
                println!("ack {id}");
            } else {
                let from = rng.below(ACCOUNTS as u64) as i64;
                let to = (from + 1 + rng.below(ACCOUNTS as u64 - 1) as i64) % ACCOUNTS;
                let amount = 1 + rng.below(50) as i64;
                let owner = ["a", "b", "c"][rng.below(3) as usize];
                let tx = TransactWrite {
                    items: vec![
                        TransactWriteItem::Update(
                            UpdateItem::new("accounts", Item::new().with("id", from))
                                .update(
                                    &Update::new()
                                        .set(attr("balance"), attr("balance").minus(amount))
                                        .set(attr("owner"), owner),
                                )
                                .condition(&attr("balance").ge(amount)),
                        ),
                        TransactWriteItem::Update(
                            UpdateItem::new("accounts", Item::new().with("id", to)).update(
                                &Update::new().set(attr("balance"), attr("balance").plus(amount)),
                            ),
                        ),
                    ],
                    ..TransactWrite::default()
                };
                match store.transact_write_items(tx).await {
                    Ok(_) | Err(Error::TransactionCanceled { .. }) => {}
                    Err(e) => panic!("transaction: {e}"),
                }
            }
        }
    });
}

fn check(path: &std::path::Path, acked: &BTreeSet<String>) -> usize {
    let rt = rt();
    rt.block_on(async {
        let store = SledBackend::open(path)
            .unwrap_or_else(|e| panic!("the store reopens after a kill: {e}"));
        let accounts = store
            .scan(Scan::new("accounts").consistent(true))
            .await
            .unwrap();
        assert_eq!(accounts.count as i64, ACCOUNTS);
        let total: i64 = accounts
            .items
            .iter()
            .map(|a| a["balance"].as_n().unwrap().to_i64().unwrap())
            .sum();
        assert_eq!(
            total,
            ACCOUNTS * START_BALANCE,
            "every transfer is all or nothing"
        );
        for id in acked {
            let got = store
                .get_item(
                    GetItem::new("acks", Item::new().with("id", id.as_str())).consistent(true),
                )
                .await
                .unwrap();
            assert!(got.item.is_some(), "acknowledged write {id} survived");
        }
        store
            .engine()
            .verify_indexes()
            .unwrap_or_else(|e| panic!("indexes agree with items: {e}"));
        let by_owner = store
            .scan(Scan::new("accounts").index("by_owner"))
            .await
            .unwrap();
        assert_eq!(by_owner.count as i64, ACCOUNTS);
        store.scan(Scan::new("acks")).await.unwrap().count as usize
    })
}

#[test]
fn transactions_and_acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let store = SledBackend::open(dir.path()).unwrap();
        init(&store).await;
    });
    let mut rng = Rng(0x5eed);
    let mut acked = BTreeSet::new();
    for kill in 0..KILLS {
        // Let it work a random while.
        let lines = common::kill_worker(
            "crash_worker",
            &[
                ("SLED_CRASH_STORE", dir.path().display().to_string()),
                ("SLED_CRASH_SEED", (kill + 1).to_string()),
            ],
            Duration::from_secs(30),
            Duration::from_millis(20 + rng.below(400)),
        );
        let before = acked.len();
        for line in lines {
            if let Some(id) = line.split("ack ").nth(1) {
                acked.insert(id.to_owned());
            }
        }
        let stored = check(dir.path(), &acked);
        assert!(
            stored >= acked.len(),
            "kill {kill}: {stored} acks stored, {} acknowledged",
            acked.len()
        );
        assert!(
            kill < 3 || acked.len() > before || stored > 0,
            "the worker made progress"
        );
    }
    assert!(
        acked.len() > KILLS,
        "{} acknowledged writes checked over {KILLS} kills",
        acked.len()
    );
    eprintln!(
        "crash test: {KILLS} SIGKILLs, {} acknowledged writes all present, balances conserved, indexes consistent",
        acked.len()
    );
}
