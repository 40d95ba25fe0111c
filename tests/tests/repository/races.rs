//! Concurrency: read-modify-write through the repository from many tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::models::{Counter, User};
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::k;

pub fn cases() -> Vec<Case> {
    cases![
        counter_increments_with_retry,
        modify_and_update_retry,
        modify_gives_up_after_its_retries,
        modify_can_refuse_with_its_own_error,
    ]
}

/// 8 tasks each make 200 guarded read-modify-write increments, retrying
/// on conflict: the final value equals the number of successful saves.
async fn counter_increments_with_retry(env: Env) {
    const TASKS: usize = 8;
    const INCREMENTS: usize = 200;
    let counters = env.table::<Counter>().await;
    counters
        .create(Counter {
            id: "c".into(),
            value: 0,
        })
        .await
        .unwrap();
    let saves = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (counters, saves, conflicts) = (counters.clone(), saves.clone(), conflicts.clone());
            tokio::spawn(async move {
                for _ in 0..INCREMENTS {
                    loop {
                        let mut c = counters.get_consistent(k("c")).await.unwrap().unwrap();
                        c.value += 1;
                        match counters.save(&mut c).await {
                            Ok(()) => {
                                saves.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Err(Error::Conflict { .. }) => {
                                conflicts.fetch_add(1, Ordering::Relaxed);
                                tokio::task::yield_now().await;
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let value = counters
        .get_consistent(k("c"))
        .await
        .unwrap()
        .unwrap()
        .value;
    let saves = saves.load(Ordering::Relaxed);
    assert_eq!(saves, (TASKS * INCREMENTS) as u64);
    assert_eq!(value as u64, saves, "no lost update");
    eprintln!(
        "{:?}: {saves} saves, {} conflicts retried",
        env.kind,
        conflicts.load(Ordering::Relaxed)
    );
}

async fn modify_and_update_retry(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let users: Table<User> = users;
    let mut tasks = Vec::new();
    for task in 0..6 {
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                if task % 2 == 0 {
                    users
                        .modify("alice", |u: &mut User| {
                            u.energy += 1;
                            Ok::<_, Error>(())
                        })
                        .await
                        .unwrap();
                } else {
                    users
                        .update(
                            k("alice"),
                            Update::new()
                                .set(attr("nickname"), format!("t{task}"))
                                .set(attr("energy"), attr("energy").plus(1)),
                            None,
                        )
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let alice = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(alice.energy, 10 + 150);
    // modify refuses a missing item.
    let result = users
        .modify("nobody", |u: &mut User| {
            u.energy += 1;
            Ok::<_, Error>(())
        })
        .await;
    assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
}

async fn modify_gives_up_after_its_retries(env: Env) {
    let mut policy = dynamodb_mapper::repository::RetryPolicy::default();
    policy.max_conflict_retries = 3;
    let users = env.table::<User>().await.with_retry(policy);
    users.create(User::new("alice")).await.unwrap();
    env.faults.conflict_next_writes(1_000);
    let result = users
        .modify("alice", |u: &mut User| {
            u.energy += 1;
            Ok::<_, Error>(())
        })
        .await;
    env.faults.conflict_next_writes(0);
    match result {
        Err(Error::RetriesExhausted {
            operation,
            attempts,
            last,
            ..
        }) => {
            assert_eq!(operation, "modify");
            assert_eq!(attempts, 4);
            assert!(
                matches!(&*last, Error::Conflict { key: Some(k), .. } if k == "alice"),
                "{last:?}"
            );
        }
        other => panic!("expected the retries to run out, got {other:?}"),
    }
    assert_eq!(
        users.get_consistent("alice").await.unwrap().unwrap().energy,
        10
    );
}

#[derive(Debug)]
enum Refusal {
    TooMuch(i64),
    Store(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Store(e)
    }
}

async fn modify_can_refuse_with_its_own_error(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut seen = Vec::new();
    let result = users
        .modify("alice", |u: &mut User| {
            seen.push(u.energy);
            if u.energy < 100 {
                return Err(Refusal::TooMuch(u.energy));
            }
            u.energy -= 100;
            Ok(())
        })
        .await;
    match result {
        Err(Refusal::TooMuch(10)) => {}
        Err(Refusal::Store(e)) => panic!("expected the refusal, got {e}"),
        other => panic!("expected the refusal, got {other:?}"),
    }
    assert_eq!(seen, [10], "the change ran once, on the stored value");
    assert_eq!(
        users.get_consistent("alice").await.unwrap().unwrap().energy,
        10
    );
}
