//! Targets (the Python mapper's transactors, done atomically): nominal,
//! missing, refusing, conflicts then success, conflicts to the bound,
//! sub-transactions, many targets, created targets.

use std::time::Duration;

use dynamodb_mapper::repository::RetryPolicy;
use dynamodb_mapper::transaction::{FailureReason, Transaction};
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::models::Account;
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::{balance, bank};

pub fn cases() -> Vec<Case> {
    cases![
        nominal_transfer,
        target_not_found,
        change_function_refuses,
        ten_conflicts_then_success,
        conflicts_until_the_bound,
        sub_transactions_join_the_commit,
        over_100_actions_in_a_tree_is_refused,
        many_targets,
        a_missing_target_can_be_created,
        a_concurrent_change_is_reloaded,
    ]
}

fn quick() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.base_delay = Duration::from_millis(1);
    p.max_delay = Duration::from_millis(5);
    p
}

/// A reusable piece: move `amount` from one account to another.
fn transfer<'a>(
    accounts: &'a Table<Account>,
    from: &str,
    to: &str,
    amount: i64,
) -> Result<Transaction<'a>, Error> {
    let mut tx = Transaction::new();
    tx.target(accounts, from, move |a: &mut Account| {
        a.balance -= amount;
        Ok(())
    })?;
    tx.target(accounts, to, move |a: &mut Account| {
        a.balance += amount;
        Ok(())
    })?;
    Ok(tx)
}

async fn nominal_transfer(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = Transaction::new();
    let alice = tx
        .target(&accounts, "alice", |a: &mut Account| {
            a.balance -= 25;
            Ok(())
        })
        .unwrap();
    tx.target(&accounts, "bob", |a: &mut Account| {
        a.balance += 25;
        Ok(())
    })
    .unwrap();
    let mut done = tx.commit().await.unwrap();
    let mut alice = done.take(alice).unwrap();
    assert_eq!(alice.balance, 75);
    assert_eq!(balance(&accounts, "alice").await, Some(75));
    assert_eq!(balance(&accounts, "bob").await, Some(25));
    // The value taken back is tracked: a guarded save works.
    alice.balance = 70;
    accounts.save(&mut alice).await.unwrap();
}

async fn target_not_found(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = transfer(&accounts, "alice", "nobody", 5).unwrap();
    tx = tx.with_retry(quick());
    match tx.commit().await {
        Err(Error::NotFound { table, key }) => {
            assert_eq!(table, accounts.table_name());
            assert_eq!(key, "nobody");
        }
        other => panic!("expected not found, got {other:?}"),
    }
    assert_eq!(balance(&accounts, "alice").await, Some(100));
}

#[derive(Debug)]
enum ShopError {
    Poor(i64),
    Store(Error),
}

impl From<Error> for ShopError {
    fn from(e: Error) -> Self {
        ShopError::Store(e)
    }
}

async fn change_function_refuses(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = Transaction::<ShopError>::with_error_type();
    tx.target(&accounts, "bob", |a: &mut Account| {
        a.balance += 500;
        Ok(())
    })
    .unwrap();
    tx.target(&accounts, "alice", |a: &mut Account| {
        if a.balance < 500 {
            return Err(ShopError::Poor(a.balance));
        }
        a.balance -= 500;
        Ok(())
    })
    .unwrap();
    match tx.commit().await {
        Err(ShopError::Poor(100)) => {}
        Err(ShopError::Store(e)) => panic!("expected the caller's refusal, got {e}"),
        other => panic!("expected the caller's refusal, got {other:?}"),
    }
    assert_eq!(balance(&accounts, "bob").await, Some(0), "nothing written");
}

async fn ten_conflicts_then_success(env: Env) {
    let (accounts, _) = bank(&env).await;
    env.faults.conflict_next_transactions(10);
    let tx = transfer(&accounts, "alice", "bob", 10)
        .unwrap()
        .with_retry(quick());
    let done = tx.commit().await.unwrap();
    assert_eq!(done.attempts, 11);
    assert_eq!(balance(&accounts, "alice").await, Some(90));
    assert_eq!(balance(&accounts, "bob").await, Some(10));
}

async fn conflicts_until_the_bound(env: Env) {
    let (accounts, _) = bank(&env).await;
    env.faults.conflict_next_transactions(1_000);
    let mut policy = quick();
    policy.max_conflict_retries = 4;
    let tx = transfer(&accounts, "alice", "bob", 10)
        .unwrap()
        .with_retry(policy);
    let result = tx.commit().await;
    env.faults.conflict_next_transactions(0);
    match result {
        Err(Error::RetriesExhausted { attempts, last, .. }) => {
            assert_eq!(attempts, 5);
            match *last {
                Error::TransactionFailed { actions } => assert!(matches!(
                    actions[0].reason,
                    FailureReason::TransactionConflict(_)
                )),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("expected retries exhausted, got {other:?}"),
    }
    assert_eq!(balance(&accounts, "alice").await, Some(100));
}

async fn sub_transactions_join_the_commit(env: Env) {
    let (accounts, _) = bank(&env).await;
    accounts.create(Account::new("carol", 0)).await.unwrap();
    // Two transfers touching alice in one tree are two actions on one
    // item: refused before anything is sent.
    let mut checkout = Transaction::new();
    checkout
        .include(transfer(&accounts, "alice", "bob", 30).unwrap())
        .unwrap();
    checkout
        .include(transfer(&accounts, "alice", "carol", 20).unwrap())
        .unwrap();
    assert!(matches!(
        checkout.commit().await,
        Err(Error::InvalidRequest { .. })
    ));
    // Two transfers touching alice cannot be one commit (two actions on one
    // item); a tree of disjoint pieces is.
    let mut checkout = Transaction::new();
    checkout
        .include(transfer(&accounts, "alice", "bob", 30).unwrap())
        .unwrap();
    let mut fee = Transaction::new();
    fee.target(&accounts, "carol", |a: &mut Account| {
        a.balance += 1;
        Ok(())
    })
    .unwrap();
    checkout.include(fee).unwrap();
    checkout.commit().await.unwrap();
    assert_eq!(balance(&accounts, "alice").await, Some(70));
    assert_eq!(balance(&accounts, "bob").await, Some(30));
    assert_eq!(balance(&accounts, "carol").await, Some(1));
    // A piece that fails fails the whole tree.
    let mut checkout = Transaction::new();
    checkout
        .include(transfer(&accounts, "alice", "bob", 10).unwrap())
        .unwrap();
    checkout
        .include(transfer(&accounts, "carol", "nobody", 1).unwrap())
        .unwrap();
    assert!(matches!(
        checkout.commit().await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(balance(&accounts, "alice").await, Some(70));
}

async fn over_100_actions_in_a_tree_is_refused(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tree = Transaction::new();
    for i in 0..51 {
        let mut piece = Transaction::new();
        piece
            .target_or_create(
                &accounts,
                format!("a{i}").as_str(),
                || Account::new("", 0),
                |a: &mut Account| {
                    a.balance += 1;
                    Ok(())
                },
            )
            .unwrap();
        piece
            .target_or_create(
                &accounts,
                format!("b{i}").as_str(),
                || Account::new("", 0),
                |a: &mut Account| {
                    a.balance += 1;
                    Ok(())
                },
            )
            .unwrap();
        tree.include(piece).unwrap();
    }
    match tree.commit().await {
        Err(Error::LimitExceeded { message }) => assert!(message.contains("100"), "{message}"),
        other => panic!("expected the 100-action limit, got {other:?}"),
    }
    assert_eq!(balance(&accounts, "a0").await, None);
}

async fn many_targets(env: Env) {
    let (accounts, _) = bank(&env).await;
    for i in 0..20 {
        accounts
            .create(Account::new(&format!("m{i}"), 1))
            .await
            .unwrap();
    }
    let mut tx = Transaction::new();
    for i in 0..20 {
        tx.target(&accounts, format!("m{i}").as_str(), |a: &mut Account| {
            a.balance += 1;
            Ok(())
        })
        .unwrap();
    }
    tx.commit().await.unwrap();
    for i in 0..20 {
        assert_eq!(balance(&accounts, &format!("m{i}")).await, Some(2));
    }
}

async fn a_missing_target_can_be_created(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = Transaction::new();
    tx.target_or_create(
        &accounts,
        "zoe",
        || Account::new("zoe", 0),
        |a: &mut Account| {
            a.balance += 3;
            Ok(())
        },
    )
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(balance(&accounts, "zoe").await, Some(3));
}

async fn a_concurrent_change_is_reloaded(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = Transaction::new().with_retry(quick());
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counted = calls.clone();
    let other = accounts.clone();
    tx.target(&accounts, "bob", move |a: &mut Account| {
        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        a.balance += 1;
        Ok(())
    })
    .unwrap();
    // Between the read and the write of the first attempt, someone else
    // writes bob: emulate it by writing now and forcing a conflict once.
    env.faults.conflict_next_transactions(1);
    let mut bob = other.get_consistent("bob").await.unwrap().unwrap();
    bob.balance = 50;
    other.save(&mut bob).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        calls.load(std::sync::atomic::Ordering::Relaxed) >= 2,
        "the change ran again on the reloaded item"
    );
    assert_eq!(balance(&accounts, "bob").await, Some(51));
}
