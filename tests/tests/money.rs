//! Money is conserved: several tasks run random transfers between
//! accounts (transactions of targets, retried on conflicts) interleaved
//! with single-item writes and reads, on every backend. At every read
//! transaction the total is unchanged; at the end every account holds
//! exactly its opening balance plus the transfers that committed (none
//! applied twice or half, every commit visible).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dynamodb_mapper::repository::RetryPolicy;
use dynamodb_mapper::transaction::{ReadTransaction, Transaction};
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::models::Account;
use dynamodb_mapper_tests::{Env, Kind, cases, run_suite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn main() {
    run_suite("the money model", cases![money_is_conserved])
}

const ACCOUNTS: usize = 4;
const OPENING: i64 = 100;

#[derive(Clone, Debug)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        amount: i64,
    },
    /// A single-item write that leaves the balance: a save of a loaded value.
    Touch(usize),
    /// A read of everything in one snapshot.
    Audit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..ACCOUNTS, 0..ACCOUNTS, 1i64..30).prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        2 => (0..ACCOUNTS).prop_map(Op::Touch),
        2 => Just(Op::Audit),
    ]
}

fn id(i: usize) -> String {
    format!("acct{i}")
}

fn policy() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.base_delay = Duration::from_millis(1);
    p.max_delay = Duration::from_millis(10);
    p.max_conflict_retries = 1_000;
    p
}

/// Runs one task's operations; returns the net change per account of its
/// committed transfers.
async fn run_task(accounts: Table<Account>, ops: Vec<Op>) -> Result<[i64; ACCOUNTS], String> {
    let mut net = [0i64; ACCOUNTS];
    for op in ops {
        match op {
            Op::Transfer { from, to, amount } if from != to => {
                let mut tx = Transaction::new().with_retry(policy());
                tx.target(&accounts, id(from).as_str(), move |a: &mut Account| {
                    a.balance -= amount;
                    Ok(())
                })
                .map_err(|e| e.to_string())?;
                tx.target(&accounts, id(to).as_str(), move |a: &mut Account| {
                    a.balance += amount;
                    Ok(())
                })
                .map_err(|e| e.to_string())?;
                match tx.commit().await {
                    Ok(_) => {
                        net[from] -= amount;
                        net[to] += amount;
                    }
                    // Not enough money: refused by the balance rule, nothing written.
                    Err(Error::Validation(_)) => {}
                    Err(e) => return Err(format!("transfer: {e}")),
                }
            }
            Op::Transfer { .. } => {}
            Op::Touch(i) => loop {
                let mut a = accounts
                    .get_consistent(id(i).as_str())
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("an account vanished")?;
                match accounts.save(&mut a).await {
                    Ok(()) => break,
                    Err(Error::Conflict { .. }) => {}
                    Err(e) => return Err(format!("touch: {e}")),
                }
            },
            Op::Audit => {
                let mut read = ReadTransaction::new();
                let handles: Vec<_> = (0..ACCOUNTS)
                    .map(|i| read.get(&accounts, id(i).as_str()).unwrap())
                    .collect();
                let mut snap = read.commit().await.map_err(|e| e.to_string())?;
                let mut total = 0;
                for h in handles {
                    let a = snap
                        .take(h)
                        .map_err(|e| e.to_string())?
                        .ok_or("an account vanished")?;
                    if a.balance < 0 {
                        return Err(format!("a negative balance: {a:?}"));
                    }
                    total += a.balance;
                }
                if total != OPENING * ACCOUNTS as i64 {
                    return Err(format!("money not conserved in a snapshot: {total}"));
                }
            }
        }
    }
    Ok(net)
}

async fn check(accounts: Table<Account>, plans: Vec<Vec<Op>>) -> Result<(), TestCaseError> {
    accounts
        .create_table()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for i in 0..ACCOUNTS {
        accounts
            .create(Account::new(&id(i), OPENING))
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|ops| tokio::spawn(run_task(accounts.clone(), ops)))
        .collect();
    let mut expected = [OPENING; ACCOUNTS];
    for t in tasks {
        let net = t
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .map_err(TestCaseError::fail)?;
        for i in 0..ACCOUNTS {
            expected[i] += net[i];
        }
    }
    for (i, want) in expected.iter().enumerate() {
        let got = accounts
            .get_consistent(id(i).as_str())
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .map(|a| a.balance);
        prop_assert_eq!(got, Some(*want), "account {}", i);
    }
    Ok(())
}

async fn money_is_conserved(env: Env) {
    let cases = match env.kind {
        Kind::Memory => 24,
        Kind::Sled => 8,
        Kind::DynamoDb => 4,
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let counter = AtomicU64::new(0);
    let handle = tokio::runtime::Handle::current();
    let env = Arc::new(env);
    let result = tokio::task::block_in_place(|| {
        runner.run(
            &prop::collection::vec(prop::collection::vec(op(), 1..12), 3..5),
            |plans| {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let accounts = env
                    .repo::<Account>()
                    .with_name(env.table_name(&format!("accounts{n}")));
                handle.block_on(check(accounts, plans))
            },
        )
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
