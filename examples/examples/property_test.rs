//! A property test of an application service: random interleavings of
//! loads and saves from several writers, on the memory backend, and no
//! update lost (the recipe of `dynamodb_mapper::arbitrary`, feature
//! `proptest`).
//!
//! `cargo run --example property_test` runs the property on the service,
//! then on a variant that saves without conflict detection, and prints
//! the shortest interleaving proptest finds that loses an update.
//! `cargo test --example property_test` (or `cargo test --workspace`)
//! runs the same as tests.
//!
//! How the interleavings are made: every call to the store goes through
//! a [`Layer`] that makes it wait for its turn once. The writers' service
//! calls are futures, and the test polls them in the order of a schedule
//! that proptest generates: each poll runs one writer up to its next
//! request to the store. So every order of the writers' gets and saves
//! can happen, the service code is the production code, and a failure
//! shrinks to a short schedule.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use dynamodb_mapper::backend::{Backend, Layer, Layered, Request, Response};
use dynamodb_mapper::{
    Arbitrary, Error, Model, Repository, RepositoryExt, SaveMode, Table, Validate,
};
use dynamodb_mapper_memory::MemoryBackend;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// The application: a model and a service, as the application writes them.

/// A prepaid wallet.
#[derive(Model, Arbitrary, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "wallets")]
pub struct Wallet {
    /// `w-` and a number.
    #[model(hash_key)]
    #[validate(regex = "^w-[0-9]{1,4}$")]
    pub id: String,
    /// Never negative.
    #[validate(range(min = 0, max = 1_000_000))]
    pub balance: i64,
    /// The operations applied, in order (none in a generated wallet).
    #[proptest(value = Vec::new())]
    pub history: Vec<String>,
}

/// What the service tells its callers.
#[derive(Debug, PartialEq)]
pub enum WalletError {
    /// No such wallet.
    Unknown,
    /// Not enough money for the withdrawal.
    Insufficient,
    /// The new balance breaks a rule (above the maximum).
    Invalid(String),
    /// The store failed.
    Store(String),
}

impl From<Error> for WalletError {
    fn from(e: Error) -> Self {
        match e {
            Error::Validation(v) => WalletError::Invalid(v.to_string()),
            other => WalletError::Store(other.to_string()),
        }
    }
}

/// The service under test: read, change, save with conflict detection,
/// and on a conflict (someone saved in between) read again and retry.
pub struct Wallets {
    repo: Arc<dyn Repository<Wallet>>,
    mode: SaveMode,
    conflicts: AtomicUsize,
}

impl Wallets {
    /// The service over a repository.
    pub fn new(repo: Arc<dyn Repository<Wallet>>) -> Self {
        Wallets {
            repo,
            mode: SaveMode::FailOnConflict,
            conflicts: AtomicUsize::new(0),
        }
    }

    /// The same service with a bug: it saves over whatever is stored.
    pub fn without_conflict_detection(repo: Arc<dyn Repository<Wallet>>) -> Self {
        Wallets {
            mode: SaveMode::Overwrite,
            ..Wallets::new(repo)
        }
    }

    /// Adds `amount` (negative to withdraw), recording `operation`;
    /// returns the new balance.
    pub async fn apply(&self, id: &str, amount: i64, operation: &str) -> Result<i64, WalletError> {
        loop {
            let Some(mut wallet) = self.repo.get(id).await? else {
                return Err(WalletError::Unknown);
            };
            if wallet.balance + amount < 0 {
                return Err(WalletError::Insufficient);
            }
            wallet.balance += amount;
            wallet.history.push(operation.to_owned());
            match self.repo.save_with(&mut wallet, self.mode).await {
                Ok(()) => return Ok(wallet.balance),
                Err(Error::Conflict { .. }) => {
                    self.conflicts.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// How many saves met a conflict (and were retried).
    pub fn conflicts(&self) -> usize {
        self.conflicts.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------
// The test harness: turns for every store call, and a scheduler.

/// Makes every call to the store wait for its turn once.
#[derive(Debug, Default)]
struct Turns;

#[async_trait]
impl Layer for Turns {
    async fn call(
        &self,
        request: Request,
        next: &dyn Backend,
    ) -> dynamodb_mapper::Result<Response> {
        YieldOnce(false).await;
        request.send(next).await
    }
}

/// Pending once, then ready: the point where the scheduler switches writers.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

type Writer<'a> = Pin<Box<dyn Future<Output = Vec<Result<i64, WalletError>>> + 'a>>;

/// Runs the writers to completion, one step at a time: at each step the
/// writer `schedule[k] % (writers left)` runs to its next store call.
/// When the schedule is used up, the writers left run one after the
/// other. Returns each writer's results.
fn interleave(writers: Vec<Writer<'_>>, schedule: &[usize]) -> Vec<Vec<Result<i64, WalletError>>> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut results: Vec<Option<Vec<Result<i64, WalletError>>>> =
        writers.iter().map(|_| None).collect();
    let mut running: Vec<(usize, Writer<'_>)> = writers.into_iter().enumerate().collect();
    let mut steps = schedule.iter().copied();
    while !running.is_empty() {
        let pick = steps.next().unwrap_or(0) % running.len();
        let (index, writer) = &mut running[pick];
        if let Poll::Ready(done) = writer.as_mut().poll(&mut cx) {
            results[*index] = Some(done);
            drop(running.remove(pick));
        }
    }
    results.into_iter().flatten().collect()
}

// ---------------------------------------------------------------------------
// The property.

/// One service call of a writer.
#[derive(Arbitrary, Clone, Debug)]
enum Op {
    /// Adds money to a wallet.
    Deposit {
        #[proptest(strategy = 0usize..3)]
        wallet: usize,
        #[proptest(strategy = 1i64..=500)]
        amount: i64,
    },
    /// Takes money from a wallet, if there is enough.
    Withdraw {
        #[proptest(strategy = 0usize..3)]
        wallet: usize,
        #[proptest(strategy = 1i64..=500)]
        amount: i64,
    },
}

impl Op {
    fn wallet(&self) -> usize {
        match self {
            Op::Deposit { wallet, .. } | Op::Withdraw { wallet, .. } => *wallet,
        }
    }
    fn amount(&self) -> i64 {
        match self {
            Op::Deposit { amount, .. } => *amount,
            Op::Withdraw { amount, .. } => -amount,
        }
    }
}

/// A generated case: the wallets at the start, each writer's calls, and
/// the schedule.
#[derive(Clone, Debug)]
struct Case {
    wallets: Vec<Wallet>,
    writers: Vec<Vec<Op>>,
    schedule: Vec<usize>,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        // Wallets that respect the model's rules (derived strategy), with
        // distinct ids.
        proptest::collection::vec(any::<Wallet>(), 1..=3).prop_filter("distinct ids", |w| {
            let ids: std::collections::BTreeSet<&str> = w.iter().map(|w| w.id.as_str()).collect();
            ids.len() == w.len()
        }),
        proptest::collection::vec(proptest::collection::vec(any::<Op>(), 1..=3), 2..=4),
        proptest::collection::vec(0usize..4, 0..48),
    )
        .prop_map(|(wallets, writers, schedule)| Case {
            wallets,
            writers,
            schedule,
        })
}

/// What the property found in one case.
struct Outcome {
    conflicts: usize,
}

/// Runs a case on a fresh memory store and checks that no update was
/// lost: each wallet holds its starting balance plus every amount whose
/// call succeeded, and its history lists exactly those calls.
fn check(case: &Case, detect_conflicts: bool) -> Result<Outcome, TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    runtime.block_on(async {
        let table = Table::<Wallet>::new(Layered::new(Turns, MemoryBackend::new()));
        table.create_table().await.map_err(fail)?;
        for w in &case.wallets {
            table.create(w.clone()).await.map_err(fail)?;
        }
        let repo: Arc<dyn Repository<Wallet>> = Arc::new(table);
        let service = if detect_conflicts {
            Wallets::new(repo.clone())
        } else {
            Wallets::without_conflict_detection(repo.clone())
        };

        let ids: Vec<&str> = case.wallets.iter().map(|w| w.id.as_str()).collect();
        let service = &service;
        let writers: Vec<Writer<'_>> = case
            .writers
            .iter()
            .enumerate()
            .map(|(w, ops)| {
                let ids = ids.clone();
                Box::pin(async move {
                    let mut results = Vec::new();
                    for (k, op) in ops.iter().enumerate() {
                        let id = ids[op.wallet() % ids.len()];
                        results.push(service.apply(id, op.amount(), &format!("{w}.{k}")).await);
                    }
                    results
                }) as Writer<'_>
            })
            .collect();
        let results = interleave(writers, &case.schedule);

        for (i, start) in case.wallets.iter().enumerate() {
            let mut expected = start.balance;
            let mut applied = Vec::new();
            for (w, ops) in case.writers.iter().enumerate() {
                for (k, op) in ops.iter().enumerate() {
                    if op.wallet() % ids.len() != i {
                        continue;
                    }
                    match &results[w][k] {
                        Ok(_) => {
                            expected += op.amount();
                            applied.push(format!("{w}.{k}"));
                        }
                        // Refused calls change nothing.
                        Err(WalletError::Insufficient | WalletError::Invalid(_)) => {}
                        Err(e) => return Err(TestCaseError::fail(format!("{e:?}"))),
                    }
                }
            }
            let stored = repo.get(start.id.as_str()).await.map_err(fail)?;
            let stored = stored.ok_or_else(|| TestCaseError::fail("a wallet vanished"))?;
            prop_assert_eq!(
                stored.balance,
                expected,
                "wallet {} lost an update: history {:?}",
                start.id,
                stored.history
            );
            let mut history = stored.history.clone();
            history.sort();
            applied.sort();
            prop_assert_eq!(history, applied, "wallet {}", start.id);
            prop_assert!(stored.validate().is_ok());
        }
        Ok(Outcome {
            conflicts: service.conflicts(),
        })
    })
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn main() {
    dynamodb_mapper_examples::init_logging();
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };

    let mut runner = TestRunner::new(config.clone());
    let conflicts = AtomicUsize::new(0);
    let result = runner.run(&cases(), |case| {
        let outcome = check(&case, true)?;
        conflicts.fetch_add(outcome.conflicts, Ordering::Relaxed);
        Ok(())
    });
    match result {
        Ok(()) => println!(
            "no lost update in {} random interleavings ({} conflicts detected and retried)",
            config.cases,
            conflicts.load(Ordering::Relaxed)
        ),
        Err(e) => {
            println!("the service lost an update: {e}");
            std::process::exit(1);
        }
    }

    let mut runner = TestRunner::new(config);
    match runner.run(&cases(), |case| check(&case, false).map(|_| ())) {
        Err(TestError::Fail(why, case)) => {
            println!("without conflict detection, proptest finds a lost update: {why}");
            println!("  wallets:  {:?}", case.wallets);
            println!("  writers:  {:?}", case.writers);
            println!("  schedule: {:?}", case.schedule);
        }
        other => {
            println!("without conflict detection, no lost update was found: {other:?}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        #![proptest_config(Config { cases: 64, ..Config::default() })]

        #[test]
        fn no_update_is_lost(case in cases()) {
            check(&case, true)?;
        }
    }

    /// The property can fail: the same service without conflict detection
    /// loses an update in the interleaving get, get, save, save.
    #[test]
    fn a_blind_save_loses_an_update() {
        let wallet = Wallet {
            id: "w-1".into(),
            balance: 10,
            history: Vec::new(),
        };
        let deposit = Op::Deposit {
            wallet: 0,
            amount: 5,
        };
        let case = Case {
            wallets: vec![wallet],
            writers: vec![vec![deposit.clone()], vec![deposit]],
            // Each writer's get (after the first turn each), then the saves.
            schedule: vec![0, 1, 0, 1, 0, 1],
        };
        assert!(check(&case, true).is_ok());
        let lost = check(&case, false).err().expect("an update is lost");
        assert!(lost.to_string().contains("lost an update"), "{lost}");
    }

    /// And proptest finds such an interleaving by itself.
    #[test]
    fn proptest_finds_the_lost_update() {
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&cases(), |case| check(&case, false).map(|_| ()));
        assert!(matches!(result, Err(TestError::Fail(..))), "{result:?}");
    }
}
