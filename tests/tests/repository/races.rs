//! Concurrency: read-modify-write through the repository from many tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_tests::models::{Counter, User};
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::k;

pub fn cases() -> Vec<Case> {
    cases![counter_increments_with_retry, modify_and_update_retry,]
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
