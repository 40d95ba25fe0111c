//! The cost of the typed transaction API: a two-account transfer committed
//! through `Transaction` beside the same `TransactWriteItems` request
//! written by hand, on memory, sled and (with `tests/with-dynamodb-local`)
//! DynamoDB Local, in one run. Short slices of each side alternate; the
//! median slice of each side is kept (a single-threaded runtime: the
//! in-process stores run on this thread).
//!
//! ```sh
//! cargo bench -p dynamodb-mapper-examples --bench transactions
//! tests/with-dynamodb-local cargo bench -p dynamodb-mapper-examples --bench transactions
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use dynamodb_mapper::backend::{Backend, TransactWrite, TransactWriteItem, UpdateItem};
use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::transaction::Transaction;
use dynamodb_mapper::{Item, Model, Repository, Table};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_sled::{Durability, SledBackend, SledOptions};
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Clone, Debug)]
#[model(table = "bench_accounts")]
struct Account {
    #[model(hash_key)]
    id: String,
    balance: i64,
    #[model(version)]
    version: u64,
}

/// Slices per store (see `measure`).
const SLICES: usize = 400;

/// One side's transfer: alice pays bob 1, on condition alice has it.
fn by_hand(table: &str, from: &str, to: &str) -> TransactWrite {
    let leg = |id: &str, delta: i64, check: bool| {
        let update = Update::new()
            .add(attr("balance"), delta)
            .add(attr("version"), 1);
        let mut u = UpdateItem::new(table, Item::new().with("id", id))
            .update(&update)
            .return_old_on_condition_failure(true);
        if check {
            u = u.condition(&attr("balance").ge(1));
        }
        TransactWriteItem::Update(u)
    };
    TransactWrite {
        items: vec![leg(from, -1, true), leg(to, 1, false)],
        client_request_token: Some(token()),
        ..TransactWrite::default()
    }
}

/// A fresh random token per commit, as the typed API makes (a store keeps
/// tokens by value: sequential ones would be cheaper to file than any a
/// real caller sends).
fn token() -> String {
    format!("{:032x}", fastrand::u128(..))
}

async fn typed(accounts: &Table<Account>) {
    let mut tx = Transaction::new();
    tx.update(
        accounts,
        "alice",
        Update::new().add(attr("balance"), -1),
        Some(attr("balance").ge(1)),
    )
    .unwrap();
    tx.update(accounts, "bob", Update::new().add(attr("balance"), 1), None)
        .unwrap();
    tx.commit().await.unwrap();
}

async fn measure(name: &str, backend: Arc<dyn Backend>, n: usize) {
    let accounts = Table::<Account>::shared(backend.clone())
        .with_name(format!("bench_accounts_{}", std::process::id()));
    let _ = accounts.delete_table().await;
    accounts.create_table().await.unwrap();
    for id in ["alice", "bob"] {
        accounts
            .create(Account {
                id: id.into(),
                balance: 1_000_000_000,
                version: 0,
            })
            .await
            .unwrap();
    }
    let table = accounts.table_name().to_owned();
    // Many short slices, alternating which side goes first, and the
    // median slice of each side kept: a burst of load on this shared
    // machine, or a store's periodic work, spoils a few slices of both
    // sides, not one side's whole figure.
    let slice = (n / SLICES).max(1);
    let (mut typed_slices, mut hand_slices) = (Vec::new(), Vec::new());
    for round in 0..SLICES {
        for side in [round % 2, 1 - round % 2] {
            let start = Instant::now();
            for _ in 0..slice {
                if side == 0 {
                    backend
                        .transact_write_items(by_hand(&table, "alice", "bob"))
                        .await
                        .unwrap();
                } else {
                    typed(&accounts).await;
                }
            }
            let took = start.elapsed();
            if side == 0 {
                hand_slices.push(took);
            } else {
                typed_slices.push(took);
            }
        }
    }
    let n = slice;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (best_hand, best_typed) = (median(hand_slices), median(typed_slices));
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "| {name} | {:.1} | {:.1} | {:+.1}% |",
        per(best_hand),
        per(best_typed),
        (per(best_typed) / per(best_hand) - 1.0) * 100.0
    );
    accounts.delete_table().await.unwrap();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("| store | by hand (µs/transfer) | typed (µs/transfer) | typed over hand |");
    println!("|---|---|---|---|");
    measure("memory", Arc::new(MemoryBackend::new()), 20_000).await;
    let dir = std::env::temp_dir().join(format!("tx-bench-{}", std::process::id()));
    let sled = SledBackend::open_with(
        &dir,
        SledOptions {
            durability: Durability::Interval(Duration::from_millis(500)),
            ..SledOptions::default()
        },
    )
    .unwrap();
    measure("sled (interval flush)", Arc::new(sled), 10_000).await;
    let _ = std::fs::remove_dir_all(&dir);
    measure_dynamodb_local().await;
}

/// DynamoDB Local, when the bench runs under `tests/with-dynamodb-local`
/// with `--features aws`.
#[cfg(feature = "aws")]
async fn measure_dynamodb_local() {
    match std::env::var("DYNAMODB_MAPPER_ENDPOINT") {
        Ok(endpoint) if endpoint.starts_with("http://127.0.0.1:") => {
            let ddb = dynamodb_mapper_dynamodb::DynamoDbBackend::builder()
                .endpoint(&endpoint)
                .build()
                .await
                .unwrap();
            measure("DynamoDB Local", Arc::new(ddb), 1_000).await;
        }
        _ => println!("(DynamoDB Local: not run; use tests/with-dynamodb-local)"),
    }
}

#[cfg(not(feature = "aws"))]
async fn measure_dynamodb_local() {
    println!("(DynamoDB Local: not run; use tests/with-dynamodb-local and --features aws)");
}
