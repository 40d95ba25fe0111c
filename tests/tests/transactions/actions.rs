//! Fixed actions: save, create, delete, update, put, check; reasons,
//! limits, read snapshots, stores, tokens.

use std::sync::Arc;

use dynamodb_mapper::backend::Layered;
use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::layers::Faults;
use dynamodb_mapper::repository::Tracked;
use dynamodb_mapper::transaction::{
    ActionKind, FailureReason, ReadTransaction, Transaction, TransactionRecord,
};
use dynamodb_mapper::{Error, Repository, RepositoryExt, Table};
use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_tests::models::{Account, Order};
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::{balance, bank};

pub fn cases() -> Vec<Case> {
    cases![
        every_action_kind,
        across_models_all_or_nothing,
        reasons_name_the_action,
        limits_refused_before_sending,
        two_actions_on_one_item_refused,
        validation_before_anything_is_sent,
        read_snapshot,
        record_exactly_when_committed,
        a_lost_response_applies_once,
        two_stores_refused,
        through_trait_objects,
    ]
}

async fn every_action_kind(env: Env) {
    let (accounts, orders) = bank(&env).await;
    accounts.create(Account::new("carol", 5)).await.unwrap();
    let mut alice = accounts.get_consistent("alice").await.unwrap().unwrap();
    let mut carol = accounts.get_consistent("carol").await.unwrap().unwrap();
    let v_alice = alice.version;
    let mut dave = Tracked::new(Account::new("dave", 7));
    alice.balance -= 10;
    let order = Order {
        id: "o1".into(),
        account: "alice".into(),
        amount: 10,
    };
    let mut tx = Transaction::new();
    tx.save(&accounts, &mut alice)
        .unwrap()
        .create(&accounts, &mut dave)
        .unwrap()
        .delete(&accounts, &mut carol)
        .unwrap()
        .update(
            &accounts,
            "bob",
            Update::new().add(attr("balance"), 10),
            Some(attr("balance").ge(0)),
        )
        .unwrap()
        .put(&orders, &order)
        .unwrap();
    let committed = tx.commit().await.unwrap();
    assert_eq!(committed.attempts, 1);
    // Each value holds its new stored form and version.
    assert_eq!(alice.version, v_alice + 1);
    assert_eq!(alice.stored().unwrap()["balance"], 90.into());
    assert!(!dave.is_new());
    assert!(carol.is_new(), "a deleted value counts as new");
    assert_eq!(balance(&accounts, "alice").await, Some(90));
    assert_eq!(balance(&accounts, "bob").await, Some(10));
    assert_eq!(balance(&accounts, "carol").await, None);
    assert_eq!(balance(&accounts, "dave").await, Some(7));
    assert_eq!(
        orders.get_consistent("o1").await.unwrap().unwrap().amount,
        10
    );
    // Saved again, the values are guarded on what the commit wrote.
    alice.balance -= 1;
    accounts.save(&mut alice).await.unwrap();
    // A check that holds lets a transaction through; one that fails stops it.
    let mut tx = Transaction::new();
    tx.check(&accounts, "bob", &attr("balance").eq(10)).unwrap();
    tx.put(
        &orders,
        &Order {
            id: "o2".into(),
            account: "bob".into(),
            amount: 1,
        },
    )
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = Transaction::new();
    tx.check(&accounts, "bob", &attr("balance").eq(999))
        .unwrap();
    tx.put(
        &orders,
        &Order {
            id: "o3".into(),
            account: "bob".into(),
            amount: 1,
        },
    )
    .unwrap();
    assert!(matches!(
        tx.commit().await,
        Err(Error::TransactionFailed { .. })
    ));
    assert!(orders.get_consistent("o3").await.unwrap().is_none());
}

async fn across_models_all_or_nothing(env: Env) {
    let (accounts, orders) = bank(&env).await;
    let mut alice = accounts.get_consistent("alice").await.unwrap().unwrap();
    let stale = alice.clone();
    // Someone else changes alice first: the order must not be placed.
    let mut other = stale.clone();
    other.balance = 50;
    accounts.save(&mut other).await.unwrap();
    alice.balance -= 30;
    let version_before = alice.version;
    let mut tx = Transaction::new();
    tx.save(&accounts, &mut alice).unwrap();
    tx.put(
        &orders,
        &Order {
            id: "o1".into(),
            account: "alice".into(),
            amount: 30,
        },
    )
    .unwrap();
    assert!(matches!(
        tx.commit().await,
        Err(Error::TransactionFailed { .. })
    ));
    assert_eq!(
        alice.version, version_before,
        "a failed commit leaves the version"
    );
    assert!(orders.get_consistent("o1").await.unwrap().is_none());
    assert_eq!(balance(&accounts, "alice").await, Some(50));
}

async fn reasons_name_the_action(env: Env) {
    let (accounts, orders) = bank(&env).await;
    let mut alice = accounts.get_consistent("alice").await.unwrap().unwrap();
    let mut changed = alice.clone();
    changed.balance = 1;
    accounts.save(&mut changed).await.unwrap();
    alice.balance = 2;
    let mut again = Tracked::new(Account::new("bob", 3));
    let mut tx = Transaction::new();
    tx.put(
        &orders,
        &Order {
            id: "o".into(),
            account: "x".into(),
            amount: 1,
        },
    )
    .unwrap();
    tx.save(&accounts, &mut alice).unwrap();
    tx.create(&accounts, &mut again).unwrap();
    let actions = match tx.commit().await {
        Err(Error::TransactionFailed { actions }) => actions,
        other => panic!("expected a cancellation, got {other:?}"),
    };
    assert_eq!(actions.len(), 3);
    assert_eq!(actions[0].reason, FailureReason::None);
    assert_eq!(actions[1].action.kind, ActionKind::Save);
    assert_eq!(actions[1].action.model, "Account");
    assert_eq!(actions[1].action.key_text, "alice");
    assert_eq!(actions[1].action.table, accounts.table_name());
    match &actions[1].reason {
        FailureReason::Conflict { stored } => {
            let stored = stored.as_ref().expect("the stored item comes back");
            assert_eq!(stored["balance"], 1.into());
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let decoded: Account = actions[1].stored_as().unwrap().unwrap();
    assert_eq!(decoded.balance, 1);
    assert!(
        matches!(actions[2].reason, FailureReason::AlreadyExists { .. }),
        "{:?}",
        actions[2]
    );
    let text = Error::TransactionFailed { actions }.to_string();
    assert!(text.contains("alice") && text.contains("bob"), "{text}");
}

async fn limits_refused_before_sending(env: Env) {
    let (_accounts, orders) = bank(&env).await;
    env.faults.fail_calls(0, 1_000);
    let mut tx = Transaction::new();
    for i in 0..101 {
        tx.put(
            &orders,
            &Order {
                id: format!("o{i}"),
                account: "a".into(),
                amount: 1,
            },
        )
        .unwrap();
    }
    match tx.commit().await {
        Err(Error::LimitExceeded { message }) => assert!(message.contains("100"), "{message}"),
        other => panic!("expected the 100-action limit, got {other:?}"),
    }
    // 4 MB in all: eleven items of 390 KB.
    let mut tx = Transaction::new();
    for i in 0..11 {
        let big = Order {
            id: format!("big{i}"),
            account: "x".repeat(390_000),
            amount: 1,
        };
        tx.put(&orders, &big).unwrap();
    }
    match tx.commit().await {
        Err(Error::LimitExceeded { message }) => assert!(message.contains("4 MB"), "{message}"),
        other => panic!("expected the 4 MB limit, got {other:?}"),
    }
    // One item over 400 KB is refused when it is added.
    let huge = Order {
        id: "huge".into(),
        account: "x".repeat(410_000),
        amount: 1,
    };
    assert!(matches!(
        Transaction::new().put(&orders, &huge),
        Err(Error::Validation(_))
    ));
    env.faults.fail_calls(0, 0);
    assert!(orders.scan(Default::default()).next().await.is_none());
}

async fn two_actions_on_one_item_refused(env: Env) {
    let (accounts, _) = bank(&env).await;
    let mut tx = Transaction::new();
    tx.update(
        &accounts,
        "alice",
        Update::new().add(attr("balance"), 1),
        None,
    )
    .unwrap();
    tx.check(&accounts, "alice", &attr("balance").gt(0))
        .unwrap();
    match tx.commit().await {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("two actions on one item"), "{message}");
            assert!(message.contains("alice"), "{message}");
        }
        other => panic!("expected the duplicate to be refused, got {other:?}"),
    }
    assert_eq!(balance(&accounts, "alice").await, Some(100));
}

async fn validation_before_anything_is_sent(env: Env) {
    let (accounts, orders) = bank(&env).await;
    let mut broke = accounts.get_consistent("bob").await.unwrap().unwrap();
    let mut tx = Transaction::new();
    tx.put(
        &orders,
        &Order {
            id: "ok".into(),
            account: "a".into(),
            amount: 1,
        },
    )
    .unwrap();
    let bad = Order {
        id: "bad".into(),
        account: "a".into(),
        amount: 0,
    };
    match tx.put(&orders, &bad) {
        Err(Error::Validation(v)) => assert_eq!(v.violations()[0].path, "[1].amount"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    broke.balance = -1;
    assert!(matches!(
        tx.save(&accounts, &mut broke),
        Err(Error::Validation(_))
    ));
}

async fn read_snapshot(env: Env) {
    let (accounts, orders) = bank(&env).await;
    orders
        .create(Order {
            id: "o".into(),
            account: "alice".into(),
            amount: 3,
        })
        .await
        .unwrap();
    let mut read = ReadTransaction::new();
    let alice = read.get(&accounts, "alice").unwrap();
    let order = read.get(&orders, "o").unwrap();
    let nobody = read.get(&accounts, "nobody").unwrap();
    let mut snap = read.commit().await.unwrap();
    let mut alice = snap.take(alice).unwrap().unwrap();
    assert_eq!(alice.balance, 100);
    assert_eq!(snap.take(order).unwrap().unwrap().amount, 3);
    assert!(snap.take(nobody).unwrap().is_none());
    // What a read transaction loads is tracked: a guarded save works.
    alice.balance = 99;
    accounts.save(&mut alice).await.unwrap();
}

async fn record_exactly_when_committed(env: Env) {
    let (accounts, orders) = bank(&env).await;
    let records = env.table::<TransactionRecord>().await;
    let mut tx = Transaction::new();
    tx.put(
        &orders,
        &Order {
            id: "o1".into(),
            account: "alice".into(),
            amount: 1,
        },
    )
    .unwrap();
    tx.record(&records, Some("checkout".into())).unwrap();
    let committed = tx.commit().await.unwrap();
    let record = records
        .get_consistent(committed.id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, "committed");
    assert_eq!(record.requester.as_deref(), Some("checkout"));
    assert_eq!(record.targets, [format!("{}/o1", orders.table_name())]);
    // A cancelled transaction leaves no record.
    let mut tx = Transaction::new();
    tx.check(&accounts, "alice", &attr("balance").eq(-5))
        .unwrap();
    tx.record(&records, None).unwrap();
    let id = tx.id().to_owned();
    assert!(tx.commit().await.is_err());
    assert!(records.get_consistent(id.as_str()).await.unwrap().is_none());
    // A transaction without a record (transient) writes none.
    let before = records.scan(Default::default()).count().await;
    let mut tx = Transaction::new();
    tx.put(
        &orders,
        &Order {
            id: "o2".into(),
            account: "bob".into(),
            amount: 1,
        },
    )
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(records.scan(Default::default()).count().await, before);
}

async fn a_lost_response_applies_once(env: Env) {
    let (accounts, _) = bank(&env).await;
    env.faults.lose_next_transaction_responses(1);
    let mut tx = Transaction::new();
    tx.update(
        &accounts,
        "bob",
        Update::new().add(attr("balance"), 5),
        None,
    )
    .unwrap();
    let committed = tx.commit().await.unwrap();
    assert_eq!(committed.attempts, 1, "resent, not retried anew");
    assert_eq!(balance(&accounts, "bob").await, Some(5), "applied once");
}

async fn two_stores_refused(env: Env) {
    let (accounts, _) = bank(&env).await;
    let elsewhere = Table::<Order>::new(MemoryBackend::new());
    let mut tx = Transaction::new();
    tx.update(
        &accounts,
        "bob",
        Update::new().add(attr("balance"), 5),
        None,
    )
    .unwrap();
    match tx.put(
        &elsewhere,
        &Order {
            id: "o".into(),
            account: "a".into(),
            amount: 1,
        },
    ) {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("one store"), "{message}")
        }
        other => panic!("expected two stores to be refused, got {other:?}"),
    }
    // A layer over the same store is the same store.
    let layered = Table::<Account>::shared(Arc::new(Layered::new(
        Faults::new(),
        accounts.backend().clone(),
    )))
    .with_name(accounts.table_name());
    tx.check(&layered, "alice", &attr("balance").gt(0)).unwrap();
    tx.commit().await.unwrap();
}

/// An application service holding its repositories as trait objects.
struct Checkout {
    accounts: Arc<dyn Repository<Account>>,
    orders: Arc<dyn Repository<Order>>,
}

impl Checkout {
    async fn place(&self, order: Order) -> Result<(), Error> {
        let mut tx = Transaction::new();
        let amount = order.amount;
        tx.target(
            &*self.accounts,
            order.account.as_str(),
            move |a: &mut Account| {
                a.balance -= amount;
                Ok(())
            },
        )?;
        tx.put(&*self.orders, &order)?;
        tx.commit().await?;
        Ok(())
    }
}

async fn through_trait_objects(env: Env) {
    let (accounts, orders) = bank(&env).await;
    let service = Checkout {
        accounts: Arc::new(accounts.clone()),
        orders: Arc::new(orders.clone()),
    };
    service
        .place(Order {
            id: "o1".into(),
            account: "alice".into(),
            amount: 40,
        })
        .await
        .unwrap();
    assert_eq!(balance(&accounts, "alice").await, Some(60));
    // Too much: the balance rule refuses, the order is not placed.
    assert!(matches!(
        service
            .place(Order {
                id: "o2".into(),
                account: "alice".into(),
                amount: 400
            })
            .await,
        Err(Error::Validation(_))
    ));
    assert!(orders.get_consistent("o2").await.unwrap().is_none());
}

use futures::StreamExt;
