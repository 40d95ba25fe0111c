//! Auto-increment hash keys.

use std::collections::BTreeSet;

use dynamodb_mapper::backend::GetItem;
use dynamodb_mapper::repository::{COUNTER_ATTRIBUTE, QuerySpec, RetryPolicy, ScanSpec, Tracked};
use dynamodb_mapper::{AttributeValue, Error, Item, Number, Repository, RepositoryExt};
use dynamodb_mapper_tests::models::Ticket;
use dynamodb_mapper_tests::{Case, Env, cases};
use futures::TryStreamExt;

pub fn cases() -> Vec<Case> {
    cases![
        keys_from_the_counter,
        counter_is_hidden_and_reserved,
        taken_keys_are_skipped_up_to_a_bound,
        concurrent_creates_get_distinct_keys,
    ]
}

fn ticket(title: &str) -> Ticket {
    Ticket {
        id: 0,
        title: title.into(),
    }
}

async fn keys_from_the_counter(env: Env) {
    let tickets = env.table::<Ticket>().await;
    let ids: Vec<i64> = [
        tickets.create(ticket("a")).await.unwrap().id,
        tickets.create(ticket("b")).await.unwrap().id,
        tickets.create(ticket("c")).await.unwrap().id,
    ]
    .into();
    assert_eq!(ids, [1, 2, 3]);
    // save() of a new value assigns a key too.
    let mut t = Tracked::new(ticket("d"));
    tickets.save(&mut t).await.unwrap();
    assert_eq!(t.id, 4);
    assert_eq!(tickets.get_consistent(4).await.unwrap().unwrap().title, "d");
    // A value with a key keeps it.
    let explicit = tickets
        .create(Ticket {
            id: 100,
            title: "x".into(),
        })
        .await
        .unwrap();
    assert_eq!(explicit.id, 100);
    // The counter item holds the last value handed out.
    let raw = env
        .backend
        .get_item(GetItem::new(tickets.table_name(), Item::new().with("id", -1)).consistent(true))
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        raw.get(COUNTER_ATTRIBUTE),
        Some(&AttributeValue::N(Number::from(4)))
    );
}

async fn counter_is_hidden_and_reserved(env: Env) {
    let tickets = env.table::<Ticket>().await;
    for t in ["a", "b"] {
        tickets.create(ticket(t)).await.unwrap();
    }
    let all: Vec<_> = tickets
        .scan(ScanSpec::new().page_size(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|t| t.id).collect::<BTreeSet<_>>(),
        BTreeSet::from([1, 2])
    );
    let page = tickets.scan_page(ScanSpec::new(), None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let counter: Vec<_> = tickets
        .query(QuerySpec::new(-1))
        .try_collect()
        .await
        .unwrap();
    assert!(counter.is_empty());
    assert!(tickets.get(-1).await.unwrap().is_none());
    assert_eq!(
        tickets
            .get_many([-1, 1])
            .await
            .unwrap()
            .iter()
            .filter(|t| t.is_some())
            .count(),
        1
    );

    let reserved = Ticket {
        id: -1,
        title: "x".into(),
    };
    for result in [
        tickets.put(&reserved).await,
        tickets.create(reserved.clone()).await.map(|_| ()),
        tickets.put_many(std::slice::from_ref(&reserved)).await,
        tickets.delete_key(-1).await.map(|_| ()),
        tickets.delete_many([-1]).await,
    ] {
        match result {
            Err(Error::InvalidRequest { message }) => {
                assert!(message.contains("reserved"), "{message}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // put() cannot assign a key.
    assert!(matches!(
        tickets.put(&ticket("zero")).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert!(tickets.get(0).await.unwrap().is_none());
}

async fn taken_keys_are_skipped_up_to_a_bound(env: Env) {
    let tickets = env.table::<Ticket>().await;
    assert_eq!(tickets.create(ticket("a")).await.unwrap().id, 1);
    // Direct writes take keys 2 and 3: the next create skips them.
    for id in [2, 3] {
        tickets
            .put(&Ticket {
                id,
                title: "direct".into(),
            })
            .await
            .unwrap();
    }
    assert_eq!(tickets.create(ticket("b")).await.unwrap().id, 4);
    assert_eq!(
        tickets.get_consistent(2).await.unwrap().unwrap().title,
        "direct"
    );

    // With two tries allowed and keys 5 and 6 taken, it gives up.
    for id in [5, 6] {
        tickets
            .put(&Ticket {
                id,
                title: "direct".into(),
            })
            .await
            .unwrap();
    }
    let mut policy = RetryPolicy::default();
    policy.max_key_attempts = 2;
    let strict = tickets.clone().with_retry(policy);
    let mut t = Tracked::new(ticket("c"));
    match strict.save(&mut t).await {
        Err(Error::AlreadyExists { key, .. }) => assert!(key.starts_with('6'), "{key}"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(t.id, 0, "the key is unassigned again after the failure");
    assert!(t.is_new());
    assert_eq!(tickets.create(ticket("c")).await.unwrap().id, 7);
}

async fn concurrent_creates_get_distinct_keys(env: Env) {
    let tickets = env.table::<Ticket>().await;
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let tickets = tickets.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..10 {
                    ids.push(
                        tickets
                            .create(ticket(&format!("{task}-{i}")))
                            .await
                            .unwrap()
                            .id,
                    );
                }
                ids
            })
        })
        .collect();
    let mut all = BTreeSet::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    assert_eq!(all, (1..=80).collect::<BTreeSet<i64>>());
}
