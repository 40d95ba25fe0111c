//! The cost of the typed transaction API: a two-account transfer committed
//! through `Transaction` beside the same `TransactWriteItems` request
//! written by hand, on memory, sled and (with `tests/with-dynamodb-local`)
//! DynamoDB Local, in one run. Rounds are interleaved; the best of them is
//! kept.
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

const ROUNDS: usize = 5;

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

/// A fresh token per commit, as the typed API makes.
fn token() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:016x}{n:016x}", std::process::id())
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
    let (mut best_typed, mut best_hand) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..n {
            backend
                .transact_write_items(by_hand(&table, "alice", "bob"))
                .await
                .unwrap();
        }
        best_hand = best_hand.min(start.elapsed());
        let start = Instant::now();
        for _ in 0..n {
            typed(&accounts).await;
        }
        best_typed = best_typed.min(start.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "| {name} | {:.1} | {:.1} | {:+.1}% |",
        per(best_hand),
        per(best_typed),
        (per(best_typed) / per(best_hand) - 1.0) * 100.0
    );
    accounts.delete_table().await.unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
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
            measure("DynamoDB Local", Arc::new(ddb), 500).await;
        }
        _ => println!("(DynamoDB Local: not run; use tests/with-dynamodb-local)"),
    }
}

#[cfg(not(feature = "aws"))]
async fn measure_dynamodb_local() {
    println!("(DynamoDB Local: not run; use tests/with-dynamodb-local and --features aws)");
}
