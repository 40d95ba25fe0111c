//! Batching: get, put and delete many, in chunks, with retries.

use std::time::Duration;

use dynamodb_mapper::repository::RetryPolicy;
use dynamodb_mapper::{Error, Repository, RepositoryExt};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::k;

pub fn cases() -> Vec<Case> {
    cases![
        get_many_in_callers_order,
        put_many_last_write_wins,
        delete_many,
        batches_retry_throttled_requests,
        batches_give_up_naming_keys,
    ]
}

fn user(i: usize) -> User {
    let mut u = User::new(format!("u{i:04}"));
    u.energy = (i % 1000) as i64;
    u
}

async fn get_many_in_callers_order(env: Env) {
    let users = env.table::<User>().await;
    let all: Vec<User> = (0..250).map(user).collect();
    users.put_many(&all).await.unwrap();

    // 250 present keys in a scrambled order, 30 missing ones, and repeats.
    let mut keys: Vec<String> = (0..250)
        .map(|i| format!("u{:04}", (i * 97) % 250))
        .collect();
    keys.extend((0..30).map(|i| format!("missing{i}")));
    keys.push(k("u0007"));
    keys.insert(0, k("u0007"));
    let got = users.get_many(&keys).await.unwrap();
    assert_eq!(got.len(), keys.len());
    for (key, value) in keys.iter().zip(&got) {
        match value {
            Some(u) => assert_eq!(&u.id, key),
            None => assert!(key.starts_with("missing"), "{key} not found"),
        }
    }
    assert_eq!(got.iter().filter(|v| v.is_some()).count(), 252);
    // What was loaded can be saved with conflict detection.
    let mut first = got.into_iter().next().flatten().unwrap();
    first.energy = 999;
    users.save(&mut first).await.unwrap();
    assert!(
        users
            .get_many(Vec::<String>::new())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn put_many_last_write_wins(env: Env) {
    let users = env.table::<User>().await;
    let mut values: Vec<User> = (0..60).map(user).collect();
    let mut again = user(5);
    again.energy = 555;
    values.push(again);
    users.put_many(&values).await.unwrap();
    assert_eq!(
        users
            .get_consistent(k("u0005"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        555
    );
    let keys: Vec<String> = (0..60).map(|i| format!("u{i:04}")).collect();
    assert!(
        users
            .get_many(&keys)
            .await
            .unwrap()
            .iter()
            .all(Option::is_some)
    );
}

async fn delete_many(env: Env) {
    let users = env.table::<User>().await;
    users
        .put_many(&(0..60).map(user).collect::<Vec<_>>())
        .await
        .unwrap();
    let mut keys: Vec<String> = (0..50).map(|i| format!("u{i:04}")).collect();
    keys.push(k("u0001"));
    keys.push(k("never"));
    users.delete_many(&keys).await.unwrap();
    let all: Vec<String> = (0..60).map(|i| format!("u{i:04}")).collect();
    let left = users.get_many(&all).await.unwrap();
    assert_eq!(left.iter().filter(|v| v.is_some()).count(), 10);
    assert!(left[..50].iter().all(Option::is_none));
}

async fn batches_retry_throttled_requests(env: Env) {
    let memory = env.faults.clone();
    let mut policy = RetryPolicy::default();
    policy.base_delay = Duration::from_millis(1);
    let users = env.table::<User>().await.with_retry(policy);
    let values: Vec<User> = (0..120).map(user).collect();
    memory.throttle_next(4);
    users.put_many(&values).await.unwrap();
    memory.throttle_next(4);
    let keys: Vec<String> = (0..120).map(|i| format!("u{i:04}")).collect();
    let got = users.get_many(&keys).await.unwrap();
    assert!(got.iter().all(Option::is_some));
    memory.throttle_rate(Some((0.5, 7)));
    users.delete_many(&keys).await.unwrap();
    memory.throttle_rate(None);
    assert!(
        users
            .get_many(&keys)
            .await
            .unwrap()
            .iter()
            .all(Option::is_none)
    );
}

async fn batches_give_up_naming_keys(env: Env) {
    let memory = env.faults.clone();
    let mut policy = RetryPolicy::default();
    policy.base_delay = Duration::from_millis(1);
    policy.max_attempts = 3;
    let users = env.table::<User>().await.with_retry(policy);
    memory.throttle_rate(Some((1.0, 1)));
    match users.get_many(&[k("a"), k("b")]).await {
        Err(Error::Unprocessed { keys, attempts, .. }) => {
            assert_eq!(keys.len(), 2);
            assert_eq!(attempts, 3);
            assert_eq!(keys[0].get("id").and_then(|v| v.as_s()), Some("a"));
        }
        other => panic!("expected unprocessed keys, got {other:?}"),
    }
    let result = users.put_many(&[user(1)]).await;
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("u0001") && message.contains("unprocessed"),
        "{message}"
    );
}
