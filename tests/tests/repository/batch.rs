//! Batching: get, put and delete many, in chunks, with retries.

use std::time::Duration;

use dynamodb_mapper::repository::{RetryPolicy, ScanSpec};
use dynamodb_mapper::{Error, Repository, RepositoryExt};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Case, Env, cases};
use futures::StreamExt;

use crate::k;

pub fn cases() -> Vec<Case> {
    cases![
        get_many_in_callers_order,
        put_many_last_write_wins,
        delete_many,
        batches_retry_throttled_requests,
        batches_give_up_naming_keys,
        a_refused_batch_writes_nothing,
        every_bad_value_is_named,
        a_failure_midway_names_what_was_written,
        bad_keys_are_refused_before_reading,
    ]
}

/// The ids stored in the table, sorted.
async fn stored_ids(users: &dynamodb_mapper::Table<User>) -> Vec<String> {
    let mut ids: Vec<String> = users
        .scan(ScanSpec::new().consistent())
        .map(|u| u.unwrap().id.clone())
        .collect()
        .await;
    ids.sort();
    ids
}

fn big_user(i: usize) -> User {
    let mut u = user(i);
    u.tags = (0..5)
        .map(|n| format!("{n}{}", "x".repeat(100_000)))
        .collect();
    u
}

async fn a_refused_batch_writes_nothing(env: Env) {
    let users = env.table::<User>().await;
    let mut values: Vec<User> = (0..30).map(user).collect();
    values[29] = big_user(29);
    match users.put_many(&values).await {
        Err(Error::Validation(v)) => {
            let paths: Vec<String> = v.violations().iter().map(|v| v.path.to_string()).collect();
            assert_eq!(paths, ["[29]"], "{v}");
            assert!(v.to_string().contains("400 KB"), "{v}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    // Give any request that was wrongly sent time to land.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(stored_ids(&users).await.is_empty(), "nothing was written");
}

async fn every_bad_value_is_named(env: Env) {
    let users = env.table::<User>().await;
    let mut values: Vec<User> = (0..60).map(user).collect();
    values[3].energy = 5000; // a validation rule
    values[17] = big_user(17); // DynamoDB's item size
    values[40].id = String::new(); // an empty key
    values[41].id = "k".repeat(3000); // a key over 2048 bytes
    match users.put_many(&values).await {
        Err(Error::Validation(v)) => {
            let paths: Vec<String> = v.violations().iter().map(|v| v.path.to_string()).collect();
            assert_eq!(paths, ["[3].energy", "[17]", "[40].id", "[41].id"], "{v}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(stored_ids(&users).await.is_empty());
}

async fn a_failure_midway_names_what_was_written(env: Env) {
    let users = env.table::<User>().await;
    let values: Vec<User> = (0..100).map(user).collect();
    // The first request goes through, every later one fails.
    env.faults.fail_calls(1, 1000);
    let (keys, done, cause) = match users.put_many(&values).await {
        Err(Error::Unprocessed {
            keys, done, cause, ..
        }) => (keys, done, cause),
        other => panic!("expected a partial failure, got {other:?}"),
    };
    env.faults.fail_calls(0, 0);
    assert!(
        matches!(cause.as_deref(), Some(Error::Backend { .. })),
        "{cause:?}"
    );
    assert_eq!(done.len(), 25, "one request of 25 went through");
    assert_eq!(keys.len(), 75);
    // Nothing lands after the error: the store holds exactly what it said.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut written: Vec<String> = done
        .iter()
        .map(|k| k["id"].as_s().unwrap().to_owned())
        .collect();
    written.sort();
    assert_eq!(stored_ids(&users).await, written);
    let unwritten: Vec<&str> = keys.iter().map(|k| k["id"].as_s().unwrap()).collect();
    assert!(unwritten.iter().all(|id| !written.iter().any(|w| w == id)));
}

async fn bad_keys_are_refused_before_reading(env: Env) {
    let users = env.table::<User>().await;
    users.put_many(&[user(1)]).await.unwrap();
    env.faults.fail_calls(0, 1000);
    let long = "k".repeat(3000);
    match users.get_many(["u0001", "", long.as_str()]).await {
        Err(Error::Validation(v)) => {
            let paths: Vec<String> = v.violations().iter().map(|v| v.path.to_string()).collect();
            assert_eq!(paths, ["[1].id", "[2].id"], "{v}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    match users.delete_many([""]).await {
        Err(Error::Validation(_)) => {}
        other => panic!("expected a validation error, got {other:?}"),
    }
    env.faults.fail_calls(0, 0);
    assert_eq!(stored_ids(&users).await, ["u0001"]);
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
