//! The cost of the typed transaction API: a two-account transfer committed
//! through `Transaction` beside the same `TransactWriteItems` request
//! written by hand, on memory, sled and (with `tests/with-dynamodb-local`)
//! DynamoDB Local, in one run. Short slices of each side alternate; the
//! median slice of each side is kept. In-process stores are timed by this
//! thread's CPU time (a single-threaded runtime), DynamoDB Local by the
//! wall clock.
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
const SLICES: usize = 100;

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

/// Time on the CPU of this thread (from `/proc/thread-self/schedstat`,
/// in nanoseconds): what the memory and sled stores cost, and unlike the
/// wall clock not stretched by other work on the machine. `None` where
/// the file is missing.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// How a slice is timed.
#[derive(Clone, Copy)]
enum Clock {
    /// This thread's CPU time (an in-process store: all its work is on
    /// this thread, the runtime being single-threaded).
    ThreadCpu,
    /// The wall clock (a store in another process).
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    Wall,
}

impl Clock {
    fn now(self) -> (Instant, Option<Duration>) {
        match self {
            Clock::ThreadCpu => (Instant::now(), thread_cpu()),
            Clock::Wall => (Instant::now(), None),
        }
    }

    fn since(self, (wall, cpu): (Instant, Option<Duration>)) -> Duration {
        match (cpu, thread_cpu()) {
            (Some(before), Some(after)) if matches!(self, Clock::ThreadCpu) => after - before,
            _ => wall.elapsed(),
        }
    }
}

async fn measure(name: &str, backend: Arc<dyn Backend>, n: usize, clock: Clock) {
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
            let start = clock.now();
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
            let took = clock.since(start);
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
    let clock = match clock {
        Clock::ThreadCpu => "thread CPU",
        Clock::Wall => "wall",
    };
    println!(
        "| {name} | {clock} | {:.1} | {:.1} | {:+.1}% |",
        per(best_hand),
        per(best_typed),
        (per(best_typed) / per(best_hand) - 1.0) * 100.0
    );
    accounts.delete_table().await.unwrap();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("| store | clock | by hand (µs/transfer) | typed (µs/transfer) | typed over hand |");
    println!("|---|---|---|---|---|");
    measure(
        "memory",
        Arc::new(MemoryBackend::new()),
        20_000,
        Clock::ThreadCpu,
    )
    .await;
    let dir = std::env::temp_dir().join(format!("tx-bench-{}", std::process::id()));
    let sled = SledBackend::open_with(
        &dir,
        SledOptions {
            durability: Durability::Interval(Duration::from_millis(500)),
            ..SledOptions::default()
        },
    )
    .unwrap();
    measure(
        "sled (interval flush)",
        Arc::new(sled),
        10_000,
        Clock::ThreadCpu,
    )
    .await;
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
            measure("DynamoDB Local", Arc::new(ddb), 1_000, Clock::Wall).await;
        }
        _ => println!("(DynamoDB Local: not run; use tests/with-dynamodb-local)"),
    }
}

#[cfg(not(feature = "aws"))]
async fn measure_dynamodb_local() {
    println!("(DynamoDB Local: not run; use tests/with-dynamodb-local and --features aws)");
}
